"""Resource limits for renders, and running a render in a forked child it cannot outlive.

A template is code written by vendor staff; WeasyPrint layout and PDF parsing have no
time bound of their own. ``run_limited`` runs such work in a forked child process that
is killed when it overruns, so a runaway template costs one render, not a worker.

The child never touches the parent's network or database connections: objects passed
to ``run_limited`` that list method names in ``run_in_parent`` (``AssetResolver`` does,
for storage reads) have those calls forwarded over the pipe and executed by the parent.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import RenderError, RenderLimitExceeded

T = TypeVar("T")

_fork = multiprocessing.get_context("fork")
_start_lock = threading.Lock()

# set in the child: the pipe to the parent and the ids of the objects it serves
_parent_conn: Any = None
_served: dict[int, Any] = {}


@dataclass(frozen=True)
class Limits:
    max_pages: int = 50
    max_pixels: int = 40_000_000
    timeout_s: float = 30.0
    max_output_bytes: int = 50 * 1024 * 1024
    max_asset_bytes: int = 10 * 1024 * 1024


def in_render_child() -> bool:
    return _parent_conn is not None


def call_in_parent(obj: Any, method: str, *args: Any) -> Any:
    """Call ``obj.method(*args)`` in the parent process when running in a render child."""
    if _parent_conn is None or _served.get(id(obj)) is not obj:
        return getattr(obj, method)(*args)
    _parent_conn.send(("call", id(obj), method, args))
    kind, payload = _parent_conn.recv()
    if kind == "error":
        raise payload
    return payload


def run_limited(fn: Callable[..., T], *args: Any, timeout_s: float, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` in a forked child and return its (picklable) result.

    Raises ``RenderLimitExceeded`` and kills the child when it runs longer than
    ``timeout_s``; an exception raised in the child is re-raised here.
    """
    served = {
        id(arg): arg for arg in (*args, *kwargs.values()) if getattr(arg, "run_in_parent", None)
    }
    parent_conn, child_conn = _fork.Pipe(duplex=True)
    process = _fork.Process(
        target=_child_main,
        args=(child_conn, served, fn, args, kwargs),
        name="tandem-render",
        daemon=True,
    )
    _start(process)
    child_conn.close()
    deadline = time.monotonic() + timeout_s
    answered = False
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not parent_conn.poll(remaining):
                raise RenderLimitExceeded(f"render took longer than {timeout_s:g} s")
            try:
                message = parent_conn.recv()
            except EOFError:
                process.join(1)
                raise RenderError(f"render process died (exit code {process.exitcode})") from None
            kind = message[0]
            if kind == "call":
                _serve_call(parent_conn, served, *message[1:])
                continue
            answered = True
            if kind == "ok":
                return message[1]
            raise message[1]
    finally:
        parent_conn.close()
        process.kill()
        if not answered:
            process.join()
            process.close()
        # An answered child is killed but not waited for: tearing down its memory takes
        # the kernel milliseconds that this call need not spend. multiprocessing reaps
        # it on the next start of a process, or at exit.


def _start(process: multiprocessing.process.BaseProcess) -> None:
    # Celery's prefork pool (billiard) marks its workers daemonic, and multiprocessing
    # refuses children to daemonic processes to avoid orphans. run_limited always kills
    # its child before returning, so the flag is lifted for the start only.
    current = multiprocessing.current_process()
    with _start_lock:
        daemonic = current._config.pop("daemon", None)
        # the gc module's advice for fork without exec: frozen objects are not scanned
        # by the child's collections, which would otherwise copy every page they touch
        gc.freeze()
        try:
            process.start()
        finally:
            gc.unfreeze()
            if daemonic is not None:
                current._config["daemon"] = daemonic


def _serve_call(conn: Any, served: dict[int, Any], obj_id: int, method: str, args: tuple):
    obj = served.get(obj_id)
    try:
        if obj is None or method not in obj.run_in_parent:
            raise RenderError(f"render child may not call {method!r} in the parent")
        reply = ("ok", getattr(obj, method)(*args))
    except Exception as exc:
        reply = ("error", _picklable(exc))
    conn.send(reply)


def _child_main(conn: Any, served: dict[int, Any], fn: Callable, args: tuple, kwargs: dict):
    global _parent_conn, _served
    _parent_conn, _served = conn, served
    try:
        message = ("ok", fn(*args, **kwargs))
    except BaseException as exc:  # everything goes back to the parent, even SystemExit
        message = ("error", _picklable(exc))
    try:
        conn.send(message)
    except Exception as exc:  # an unpicklable result
        conn.send(("error", RenderError(f"render result cannot be returned: {exc}")))
    conn.close()


def _picklable(exc: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else a RenderError describing it."""
    if not isinstance(exc, RenderError):
        try:
            exc.add_note("in render child:\n" + "".join(traceback.format_exception(exc)))
        except Exception:
            pass
    try:
        clone = pickle.loads(pickle.dumps(exc))
        if type(clone) is type(exc):
            return exc
    except Exception:
        pass
    return RenderError(f"{type(exc).__name__}: {exc}")
