"""A `tandem worker` process for the worker tests: started with a configuration, stopped (and
its output read when a test fails)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def start_worker(env: dict, concurrency: int = 1) -> subprocess.Popen:
    """A Celery worker process with ENV added to this process's environment."""
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
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def fail_with_output(proc: subprocess.Popen, what: str):
    """Fail the test with WHAT and the last of the worker's output."""
    proc.terminate()
    output = proc.communicate(timeout=20)[0].decode(errors="replace")
    pytest.fail(f"{what}; the worker's output:\n{output[-3000:]}")
