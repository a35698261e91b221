"""The `tandem` commands: demo data, create-admin, db upgrade, templates, worker, run."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.config import load_settings
from app.db import session
from app.models import ProgramSettings, Role, User
from brand_templates.models import BrandTemplate
from directory.models import BrandKit, Location, Partner, Tier


def test_demo_loads_a_program_once_and_prints_logins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--partners", "12"])
    assert result.exit_code == 0, result.output
    for role in Role:
        assert role.value in result.output
    assert "tandem-demo-2026" in result.output
    with app.app_context():
        assert session.execute(select(func.count(Partner.id))).scalar_one() == 12
        assert [t.name for t in session.execute(select(Tier).order_by(Tier.rank)).scalars()] == [
            "Registered",
            "Silver",
            "Gold",
            "Platinum",
        ]
        assert {u.role for u in session.execute(select(User)).scalars()} == {r.value for r in Role}
        locations = session.execute(select(Location)).scalars().all()
        # one per partner or more (branches, a showroom); all on the map but the one address
        # the demo keeps for the vendor's list of addresses to fix
        partner_ids = set(session.execute(select(Partner.id)).scalars())
        assert {loc.partner_id for loc in locations} == partner_ids
        unplaced = [loc for loc in locations if loc.latitude is None]
        assert [loc.geocode_state for loc in unplaced] == ["failed"]
        assert len({loc.country_code for loc in locations}) >= 4
        kits = session.execute(select(BrandKit)).scalars().all()
        assert len(kits) == 12 and all(k.logo_trimmed_key and k.logo_colors for k in kits)
        assert session.execute(select(ProgramSettings)).scalar_one().vendor_name
        assert session.execute(select(func.count(BrandTemplate.id))).scalar_one() >= 6
        session.remove()
    again = runner.invoke(args=["demo"])
    assert "already has data" in again.output


def test_create_admin_validates_and_creates(app, client):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=["create-admin", "--email", "boss@vendor.example", "--password", "short"]
    )
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    ok = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "boss@vendor.example",
            "--name",
            "Boss",
            "--password",
            "a-long-enough-password",
        ]
    )
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        user = session.execute(select(User).where(User.email == "boss@vendor.example")).scalar_one()
        assert user.role == "admin" and user.password_hash.startswith("scrypt:")
        session.remove()
    assert (
        client.post(
            "/login", data={"email": "boss@vendor.example", "password": "a-long-enough-password"}
        ).status_code
        == 302
    )


def test_db_commands_report_the_revision_the_database_reached(tmp_path):
    """`db upgrade` / `db downgrade` say where the database is, read from it: not the
    revision they were asked for (`head` is only the option's default)."""
    from alembic.script import ScriptDirectory

    from app import create_app, db, migrate

    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    settings = load_settings(
        {"TANDEM_INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": url, "SECRET_KEY": "k"}
    )
    runner = create_app(settings, TESTING=True).test_cli_runner()
    engine = db.init_engine(url)
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    head = script.get_current_head()
    previous = script.get_revision(head).down_revision
    assert head and previous

    def stored_revision() -> str | None:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    try:
        older = runner.invoke(args=["db", "upgrade", "--revision", previous])
        assert older.exit_code == 0, older.output
        assert older.output == f"Database at {previous}.\n"
        assert stored_revision() == previous

        for _ in range(2):  # up to the head, and again: nothing left to do, same answer
            result = runner.invoke(args=["db", "upgrade"])
            assert result.exit_code == 0, result.output
            assert result.output == f"Database at {head}.\n"
            assert stored_revision() == head

        down = runner.invoke(args=["db", "downgrade", previous])
        assert down.exit_code == 0, down.output
        assert down.output == f"Database at {previous}.\n"
        assert stored_revision() == previous

        empty = runner.invoke(args=["db", "downgrade", "base"])
        assert empty.exit_code == 0 and empty.output == "Database at base.\n"
        assert stored_revision() is None
    finally:
        session.remove()
        engine.dispose()


def test_worker_node_names_are_unique_per_process_unless_given(tmp_path):
    import os

    from app.cli import worker_argv

    argv = worker_argv(2, "INFO", None, None)
    assert f"--hostname=tandem-{os.getpid()}@%h" in argv and "--beat" not in argv
    named = worker_argv(1, "WARNING", tmp_path / "beat", "render1@%h")
    assert "--hostname=render1@%h" in named
    assert named[-2:] == ["--beat", f"--schedule={tmp_path / 'beat'}"]


def _session_processes(sid: int) -> list[str]:
    """'pid state' of every process of session SID, zombies included."""
    import subprocess

    listing = subprocess.run(
        ["ps", "-o", "pid=,stat=", "-s", str(sid)], capture_output=True, text=True
    ).stdout
    return [" ".join(line.split()) for line in listing.splitlines() if line.strip()]


@pytest.mark.xdist_group("worker")
def test_run_serves_and_stops_its_worker_on_sigterm(tmp_path):
    """`tandem run` in an empty instance folder: migrates, loads the demo, serves, and a
    SIGTERM (what a service manager sends) stops it promptly with the worker it started and
    every process of that worker, none left behind as a zombie."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "STORAGE_URL")
    }
    env["TANDEM_INSTANCE"] = str(tmp_path / "instance")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own session: every process it starts is found by it
    )
    try:
        # the demo renders its campaigns first: on a busy machine that takes a while
        deadline, status = time.monotonic() + 300, None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/login", timeout=2
                ) as response:
                    status = response.status
            except OSError:
                time.sleep(0.5)
        assert status == 200, (
            proc.stdout.read1().decode(errors="replace")[-2000:]
            if proc.poll() is not None
            else "no answer"
        )
        deadline = time.monotonic() + 60  # the worker is up, with its pool and its beat
        seen = _session_processes(proc.pid)
        while time.monotonic() < deadline and len(seen) < 4:
            time.sleep(0.5)
            seen = _session_processes(proc.pid)
        assert len(seen) >= 4, seen  # one sample: a pool process may be replaced between two

        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        # a behaviour bound, not a benchmark: "promptly" is seconds (it was ~20 s), with room for
        # a busy machine
        elapsed = time.monotonic() - stopping
        print(f"tandem run stopped in {elapsed:.1f} s")
        assert elapsed < 15, f"took {elapsed:.1f} s"
        assert proc.returncode == 0
        time.sleep(0.5)
        assert _session_processes(proc.pid) == [], "processes or zombies outlived `tandem run`"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        # nothing of this test outlives it, even when it fails (the worker has its own group)
        for line in _session_processes(proc.pid):
            try:
                os.kill(int(line.split()[0]), signal.SIGKILL)
            except ProcessLookupError:
                pass


# a stand-in for a worker busy with a long task: it ignores SIGTERM, and so does the process
# it started (a pool process)
BUSY_WORKER = """
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.fork() == 0:
    time.sleep(120)
    os._exit(0)
time.sleep(120)
"""
STOP_IT = f"""
import subprocess, sys, time
from app.cli import _become_subreaper, stop_worker
_become_subreaper()
worker = subprocess.Popen([sys.executable, "-c", {BUSY_WORKER!r}], process_group=0)
time.sleep(1)
start = time.monotonic()
stop_worker(worker, grace=2)
print(f"{{time.monotonic() - start:.1f}}")
"""


def test_a_busy_worker_is_stopped_within_its_grace_and_nothing_is_left(tmp_path):
    """A worker that does not stop when asked (a long task) is killed after the grace, with
    every process it started, and `tandem run` reaps them: no zombie is left."""
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-c", STOP_IT],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, output
        assert float(output.split()[-1]) < 5, output  # the grace and a little, not minutes
        assert _session_processes(proc.pid) == [], "processes or zombies were left"
    finally:
        for line in _session_processes(proc.pid):
            try:
                os.kill(int(line.split()[0]), signal.SIGKILL)
            except ProcessLookupError:
                pass
