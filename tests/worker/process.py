"""A `tandem worker` process for the worker tests: its configuration (Redis and PostgreSQL, or
the embedded defaults), the web side's app on the same configuration, the process started and
stopped (and its output read when a test fails), and waiting for what it does.

The fixture ``app_and_worker`` (tests/worker/conftest.py) puts these together for a test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from app.config import load_settings
from tests.conftest import REDIS_URL, _reset_database, need, port_open

BROKERS = ["redis", "embedded"]


def empty_redis() -> None:
    """Empty the test's Redis database (skipped outside CI when Redis is not running)."""
    need(port_open(REDIS_URL, 6379), "Redis", "start redis-server or set TEST_REDIS_URL")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def worker_env(request, tmp_path, broker: str = "redis", **extra: str) -> dict:
    """The configuration the web side and the worker share. BROKER "redis": Redis (emptied)
    as the broker and this test process's PostgreSQL schema; "embedded": the defaults of
    `make run` (kombu's SQLAlchemy transport on SQLite, a SQLite database). EXTRA is added."""
    env = {
        "TANDEM_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "worker-test-secret",
        "BASE_URL": "http://localhost",
    }
    if broker == "redis":
        empty_redis()
        env |= {"REDIS_URL": REDIS_URL, "DATABASE_URL": request.getfixturevalue("pg_schema_url")}
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'instance' / 'tandem.sqlite'}"
    return env | extra


def web_app(env: dict):
    """The web side's app on ENV, its database migrated and emptied."""
    from app import create_app

    settings = load_settings(env)
    _reset_database(settings.database_url)
    return create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)


def start_worker(
    env: dict,
    concurrency: int = 1,
    *,
    args: tuple[str, ...] = (),
    own_group: bool = False,
    output: bool = True,
) -> subprocess.Popen:
    """A Celery worker process with ENV added to this process's environment, and ARGS to its
    command line. OWN_GROUP: in a process group of its own (kill the group: the worker and
    its pool at once). Not OUTPUT: its output is thrown away rather than kept for a failure."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "worker",
            "-c",
            str(concurrency),
            "--loglevel",
            "WARNING",
            *args,
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE if output else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if output else subprocess.DEVNULL,
        process_group=0 if own_group else None,
    )


def stop_worker(proc: subprocess.Popen, how: int = signal.SIGTERM, *, group: bool = False):
    """Stop the worker with the signal HOW (to its process group: GROUP), killed when it has
    not ended within 20 s."""
    try:
        if group:
            os.killpg(proc.pid, how)
        else:
            proc.send_signal(how)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        if not group:
            proc.kill()
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def fail_with_output(proc: subprocess.Popen, what: str):
    """Fail the test with WHAT and the last of the worker's output."""
    proc.terminate()
    output = proc.communicate(timeout=20)[0].decode(errors="replace")
    pytest.fail(f"{what}; the worker's output:\n{output[-3000:]}")


def wait_for(predicate, timeout: float = 45.0):
    """PREDICATE's first true answer within TIMEOUT seconds (else its last answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    return predicate()
