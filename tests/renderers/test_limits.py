from __future__ import annotations

import os
import threading
import time

import pytest

from renderers import (
    AssetResolver,
    Limits,
    RenderError,
    RenderLimitExceeded,
    TemplateSourceError,
    run_limited,
)


def _pid() -> int:
    return os.getpid()


def _sleep_forever(pid_file: str) -> None:
    with open(pid_file, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(60)


def _raise(exc: BaseException) -> None:
    raise exc


class _Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a}/{b}")


def _raise_unpicklable() -> None:
    raise _Unpicklable(1, 2)


def _exit_hard() -> None:
    os._exit(3)


def _fetch(assets: AssetResolver, url: str) -> bytes:
    return assets.resolve(url)[0]


def test_limits_defaults():
    limits = Limits()
    assert (limits.max_pages, limits.max_pixels, limits.timeout_s) == (50, 40_000_000, 30.0)
    assert limits.max_output_bytes == 50 * 1024 * 1024
    assert limits.max_asset_bytes == 10 * 1024 * 1024


def test_runs_in_a_child_and_returns_the_result():
    assert run_limited(_pid, timeout_s=10) != os.getpid()
    assert run_limited(divmod, 7, 2, timeout_s=10) == (3, 1)


def test_overrun_kills_the_child(tmp_path):
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(RenderLimitExceeded, match=r"render took longer than 0.5 s"):
        run_limited(_sleep_forever, str(pid_file), timeout_s=0.5)
    assert time.monotonic() - started < 5
    child = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left behind
        os.kill(child, 0)


def test_exceptions_come_back_with_their_type_and_attributes():
    with pytest.raises(ValueError, match="bad value"):
        run_limited(_raise, ValueError("bad value"), timeout_s=10)
    with pytest.raises(TemplateSourceError) as caught:
        run_limited(_raise, TemplateSourceError("unexpected '}'", "f.html", 12), timeout_s=10)
    assert (caught.value.filename, caught.value.lineno) == ("f.html", 12)
    assert str(caught.value) == "f.html line 12: unexpected '}'"


def test_unpicklable_exceptions_and_dead_children_become_render_errors():
    with pytest.raises(RenderError, match="_Unpicklable: 1/2"):
        run_limited(_raise_unpicklable, timeout_s=10)
    with pytest.raises(RenderError, match="exit code 3"):
        run_limited(_exit_hard, timeout_s=10)
    with pytest.raises(RenderError, match="cannot be returned"):
        run_limited(threading.Lock, timeout_s=10)


def test_storage_reads_happen_in_the_parent(storage):
    parent = os.getpid()
    pids = []

    def storage_get(key: str) -> bytes:
        pids.append(os.getpid())
        return storage.get(key)

    assets = AssetResolver({}, storage_get)
    data = run_limited(_fetch, assets, "storage:logos/acme.png", timeout_s=10)
    assert data == storage.files["logos/acme.png"]
    assert pids == [parent]  # recorded here: the call ran in this process
    with pytest.raises(RenderError, match="storage:logos/missing.png"):
        run_limited(_fetch, assets, "storage:logos/missing.png", timeout_s=10)


def test_works_from_a_thread():
    results = []

    def work():
        results.append(run_limited(divmod, 9, 4, timeout_s=10))
        try:
            run_limited(time.sleep, 30, timeout_s=0.3)
        except RenderLimitExceeded as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(map(str, results)) == sorted(
        ["(2, 1)", "(2, 1)", "render took longer than 0.3 s", "render took longer than 0.3 s"]
    )


def _in_celery_worker() -> tuple[bool, tuple[int, int], str]:
    import multiprocessing

    daemonic = bool(multiprocessing.current_process().daemon)
    result = run_limited(divmod, 9, 4, timeout_s=10)
    try:
        run_limited(time.sleep, 30, timeout_s=0.3)
        timed_out = "no"
    except RenderLimitExceeded as exc:
        timed_out = str(exc)
    return daemonic, result, timed_out


def test_works_in_a_celery_prefork_worker():
    import billiard.pool as billiard_pool  # ships with Celery

    pool = billiard_pool.Pool(1)  # what Celery's prefork pool is made of: daemonic workers
    try:
        daemonic, result, timed_out = pool.apply(_in_celery_worker)
    finally:
        pool.terminate()
        pool.join()
    assert daemonic is True
    assert result == (2, 1)
    assert timed_out == "render took longer than 0.3 s"
