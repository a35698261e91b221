"""The `tandem` command: run, worker, db upgrade, demo, create-admin, templates.

`tandem --help` must not create the app: this package imports only click and Flask's CLI
at the top, each command imports what it uses when it runs, and the `tandem` group holds
the commands itself, so that listing them does not load the app (see `TandemGroup`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from app.cli.templates import templates

if TYPE_CHECKING:
    from flask import Flask

db_group = AppGroup("db", help="Database schema.")


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION."""
    from app import migrate, runtime

    migrate.upgrade(runtime.settings().database_url, revision)
    click.echo(f"Database at {migrate.current_revision() or 'base'}.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert the migrations down to REVISION ('base' for an empty database)."""
    from app import migrate, runtime

    migrate.downgrade(runtime.settings().database_url, revision)
    click.echo(f"Database at {migrate.current_revision() or 'base'}.")


@click.command("demo")
@click.option("--partners", "count", default=50, show_default=True)
@with_appcontext
def demo_command(count: int) -> None:
    """Load demo data (program, tiers, partners, one user per role) and print the logins."""
    from app.cli import demo

    loaded = demo.load(count)
    if loaded is None:
        click.echo("The database already has data; the demo was not loaded.")
        return
    _print_demo(loaded)


def _print_demo(loaded) -> None:
    made = loaded.campaigns
    click.echo(
        f"Demo campaigns: {made.live} live, {made.scheduled} scheduled; {made.renders} "
        f"co-branded files rendered"
        + (f" ({made.failed} failed)" if made.failed else "")
        + f", {made.customizations} customizations, {made.events} engagement events."
    )
    _print_logins(loaded.logins)


def _print_logins(logins: list[tuple[str, str, str]]) -> None:
    click.echo(f"Demo logins (password for all: {logins[0][2]}):")
    for role, email, _pw in logins:
        click.echo(f"  {role:<16} {email}")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", default="")
@click.password_option()
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create a vendor administrator."""
    from app import validation as v
    from app.db import session
    from app.models import Role
    from directory import people

    try:
        people.create_user(email, password, Role.ADMIN, name=name, actor="cli")
        session.commit()
    except v.ValidationFailed as exc:
        session.rollback()
        raise click.ClickException("; ".join(exc.errors.values())) from exc
    click.echo(f"Administrator {email} created.")


def worker_argv(
    concurrency: int, loglevel: str, beat_schedule: Path | None, hostname: str | None
) -> list[str]:
    """Celery's worker arguments. The node name is unique per process unless given, so that
    several workers on one machine can be told apart (``celery inspect``, the logs)."""
    argv = [
        "worker",
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        f"--hostname={hostname or f'tandem-{os.getpid()}@%h'}",
        "-Q",
        "tandem",
        "--without-gossip",
        "--without-mingle",
    ]
    if beat_schedule is not None:
        argv += ["--beat", f"--schedule={beat_schedule}"]
    return argv


@click.command("worker")
@click.option("--concurrency", "-c", default=2, show_default=True)
@click.option("--loglevel", default="INFO", show_default=True)
@click.option(
    "--hostname",
    "-n",
    default=None,
    help="The node name, e.g. render1@%h (default: tandem-<process id>@<host>).",
)
@click.option(
    "--beat",
    is_flag=True,
    help="Also run the periodic schedule (scheduled launches, late joiners, stalled "
    "renders, stalled mail). Run it in exactly one worker.",
)
@with_appcontext
def worker_command(concurrency: int, loglevel: str, hostname: str | None, beat: bool) -> None:
    """Start a Celery worker with this configuration."""
    import workers  # the tasks: only the worker command imports them
    from app import runtime

    schedule = runtime.settings().instance_dir / "celerybeat-schedule" if beat else None
    workers.celery.worker_main(worker_argv(concurrency, loglevel, schedule, hostname))


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--no-worker", is_flag=True, help="Do not start a Celery worker beside the web server."
)
@with_appcontext
def run_command(host: str, port: int, no_worker: bool) -> None:
    """Migrate, load demo data into an empty database, start a worker and serve the web app."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from app import migrate, runtime
    from app.cli import demo

    settings = runtime.settings()
    migrate.upgrade(settings.database_url)
    loaded = demo.load(50) if demo.database_is_empty() else None
    worker = None
    if not no_worker:
        _become_subreaper()
        # in a process group of its own: it, its pool and its beat are stopped together, and a
        # Ctrl-C in the terminal reaches only us, who stop the worker in order
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker", "-c", "2", "--beat"],
            env=os.environ.copy(),
            process_group=0,
        )
    url = f"http://{host}:{port}"
    click.echo(f"\nTandem is running at {url}  (admin: {url}/admin  portal: {url}/portal)")
    if loaded:
        _print_demo(loaded)
    elif demo.is_demo():
        click.echo(f"Demo logins as before: e.g. admin@demo.example.com / {demo.PASSWORD}")
    # a service manager stops us with SIGTERM: leave through the finally, not past it, so
    # that the worker we started stops with us
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)
    finally:
        # a second Ctrl-C or SIGTERM must not cut the stopping short and leave the worker
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if worker is not None:
            click.echo("Stopping the worker…")
            stop_worker(worker)


# how long the worker may take to stop by itself before it is killed
WORKER_STOP_SECONDS = 5.0


def stop_worker(worker: subprocess.Popen, grace: float = WORKER_STOP_SECONDS) -> None:
    """Stop WORKER (started in a process group of its own) and every process it started,
    within about GRACE seconds, and reap them all.

    SIGTERM asks Celery for a warm shutdown, which lets running tasks finish; a worker on the
    embedded broker takes some seconds just to notice (its loop waits on the broker twice,
    two seconds each, before it stops), and a long task would keep it for as long as the
    task runs. After GRACE seconds its process group is killed. Nothing is lost that matters:
    tasks are acknowledged late and the database's claims and sweeps hand over again what a
    stopped task left (the broker only carries work that can be redone).
    """
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:  # its pool and beat processes, should any outlive it (and it, if it is still there)
        os.killpg(worker.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    worker.wait()
    _reap_children(timeout=1.0)


def _become_subreaper() -> None:
    """On Linux, become the 'subreaper' of our descendants: a process whose parent exits
    (the worker's pool or beat process, when the worker exits first) becomes our child, for
    us to reap, instead of a child of an init that may never reap it (a container's), a
    zombie."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_child_subreaper = 36
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _reap_children(timeout: float) -> None:
    """Wait for every child process that has exited or exits within TIMEOUT seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no children left
        if pid == 0:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


COMMANDS = (db_group, demo_command, create_admin, worker_command, run_command, templates)


def register_commands(app: Flask) -> None:
    """Add the commands to ``app.cli`` (``flask --app app``, ``app.test_cli_runner()``)."""
    for command in COMMANDS:
        app.cli.add_command(command)


class TandemGroup(FlaskGroup):
    """The `tandem` group: a FlaskGroup holding Tandem's commands itself.

    FlaskGroup finds a command of its own without the app, but lists commands by creating
    the app to add those of ``app.cli``, which here are the same. Listing only its own keeps
    ``--help`` from creating the app; the commands that need the app still load it through
    ``ScriptInfo`` (``with_appcontext``), and an unknown name is still looked up in
    ``app.cli``. Extensions' commands (``flask.commands`` entry points, e.g. Flask-Limiter's
    ``limiter``) run by name but are not listed: loading them imports their CLI libraries
    (Flask-Limiter's pulls in ``rich``), which alone took longer than the whole listing.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(command.name for command in COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        own = self.commands.get(name)
        if own is not None and own in COMMANDS:
            return own  # FlaskGroup would load every extension's commands first
        return super().get_command(ctx, name)


def _create_app():
    from app import create_app

    return create_app()


def main() -> None:
    group = TandemGroup(
        create_app=_create_app,
        add_default_commands=False,
        load_dotenv=False,
        set_debug_flag=False,
        help="Tandem: channel marketing and co-branding.",
    )
    for command in COMMANDS:
        group.add_command(command)
    group(prog_name="tandem")
