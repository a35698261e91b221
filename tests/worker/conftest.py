"""The fixture the worker tests share: the web side's app and a real `tandem worker` process on
one configuration."""

from __future__ import annotations

import signal

import pytest

from tests.worker.process import empty_redis, start_worker, stop_worker, web_app, worker_env


@pytest.fixture
def app_and_worker(request, tmp_path):
    """Call it as ``app_and_worker(broker, **extra_env)`` (broker "redis" or "embedded", see
    ``process.worker_env``): it returns (app, proc), the web side's app on a fresh database
    and a worker process with the same configuration. BOOT_FIRST: the worker starts before
    the database is migrated or emptied (it boots meanwhile; its tasks wait in the broker).
    STOP_SIGNAL: how it is stopped after the test (SIGQUIT: Celery's cold shutdown). Redis is
    emptied after the test too."""
    started: list[tuple[object, int]] = []
    used_redis: list[bool] = []

    def start(broker="redis", *, boot_first=False, stop_signal=signal.SIGTERM, **extra):
        env = worker_env(request, tmp_path, broker, **extra)
        used_redis.append(broker == "redis")
        app = None if boot_first else web_app(env)
        proc = start_worker(env)
        started.append((proc, stop_signal))
        if boot_first:
            app = web_app(env)
        return app, proc

    yield start
    for proc, how in started:
        stop_worker(proc, how)
    if any(used_redis):
        empty_redis()
