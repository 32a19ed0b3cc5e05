"""SIGINT and SIGTERM while stacks run: the run stops within a few seconds, cleans up, and the
command exits 128 + the signal's number (130, 143).

A handler that raises can land between any two bytecodes: after `docker compose up` started
but before its handle was kept, or halfway through clean-up, and either leaves containers
behind. So the handler raises only where that is safe, and everywhere else it records the
signal and stops the Compose commands that may be stopped:

- `deferred()` marks a stretch of the main thread where the handler must not raise (starting
  and reading a Compose command); the command stops with its child, then `check()` raises.
- `held()` marks clean-up: the signal is recorded, clean-up's own commands are not stopped
  (they are not interruptible), and nothing raises; the run raises once
  its clean-up is done, so a signal then still ends the command with its code.
- Threads (two stacks at once in a batch) never receive signals: their waits call `check()`
  and `sleep()`, which raise once the main thread's handler has recorded one.
- Where Python cannot raise (the handler ran inside a finalizer, a `__del__`), the exception
  is not printed as "Exception ignored": the signal is recorded, and the next `check()` raises.
- The handler runs in the main thread between two of its bytecodes, maybe while that thread
  holds a lock: the locks it takes are reentrant (the module's, the wake-up's).

The state is one per process: a process grades with one set of handlers at a time."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from grader.errors import Interrupted

if TYPE_CHECKING:  # every command installs the handlers; only runs start commands
    import subprocess

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long a Compose command has to stop after the signal is passed on before it is killed.
ESCALATE_AFTER = 3.0


class _Wake:
    """threading.Event on a reentrant lock: the handler sets it in the main thread, which may be
    inside wait() holding the lock just then, and an Event's lock is not reentrant."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.RLock())
        self._flag = False

    def set(self) -> None:
        with self._cond:
            self._flag = True
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._flag = False

    def wait(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._flag, timeout)


_received: int | None = None
_wake = _Wake()
# Reentrant: the handler takes it too, and runs in the main thread, maybe while it holds it.
_lock = threading.RLock()
_commands: dict[int, subprocess.Popen[bytes]] = {}  # interruptible commands now running, by pid
_local = threading.local()
# How the runs of this command ended their clean-up, so that the line an interruption prints
# says what was removed only when it was: runs that removed all they made, and runs that did not.
_cleanups = {"removed": 0, "left": 0}


def run_cleaned(removed_all: bool) -> None:
    """A run that made things on the engine has cleaned up: everything removed, or not."""
    with _lock:
        _cleanups["removed" if removed_all else "left"] += 1


def cleanup_outcome() -> str:
    """What the command's runs left: "left" (some of one run's things), "removed" (a run made
    things and removed them all), or "none" (no run made anything)."""
    return "left" if _cleanups["left"] else "removed" if _cleanups["removed"] else "none"


def _depth(name: str) -> int:
    return getattr(_local, name, 0)


def check() -> None:
    """Raise Interrupted if a signal came, unless this thread is cleaning up."""
    if _received is not None and not _depth("held"):
        raise Interrupted(_received)


def sleep(seconds: float) -> None:
    """time.sleep that ends early, raising, when a signal comes."""
    if _depth("held"):
        time.sleep(seconds)
        return
    _wake.wait(seconds)
    check()


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> bool:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _escalate(procs: list[subprocess.Popen[bytes]]) -> None:
    import subprocess

    deadline = time.monotonic() + ESCALATE_AFTER
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)


def stop_commands(signum: int) -> None:
    """Pass the signal on to every interruptible Compose command (each runs in a process group
    of its own, so the terminal's Ctrl-C never reaches it), and kill what still runs after
    ESCALATE_AFTER seconds."""
    with _lock:
        procs = [p for p in _commands.values() if p.poll() is None]
    for proc in procs:
        _signal_group(proc, signum)
    if procs:
        threading.Thread(target=_escalate, args=(procs,), daemon=True, name="grader-escalate").start()


def _handler(signum: int, frame: object) -> None:
    global _received
    if _received is None:
        _received = signum
    _wake.set()
    stop_commands(signum)
    if not _depth("deferred") and not _depth("held"):
        raise Interrupted(signum)


def _quiet(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """The unraisable-exception hook, quiet about Interrupted: the handler recorded the signal
    before it raised, so nothing of it is lost."""
    if getattr(hook, "grader_quiet", False):
        return hook

    def quiet(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, Interrupted):
            hook(unraisable)

    quiet.grader_quiet = True  # type: ignore[attr-defined]
    return quiet


def install() -> None:
    """Install the handlers for the life of the process (the `grader` command does, first)."""
    for s in SIGNALS:
        signal.signal(s, _handler)
    sys.unraisablehook = _quiet(sys.unraisablehook)


@contextmanager
def handled() -> Iterator[None]:
    """Install the handlers for SIGINT and SIGTERM for the length of a command, whatever the
    inherited disposition (a shell starts background jobs with SIGINT ignored). Outside the
    main thread this does nothing: only the main thread receives signals."""
    global _received
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is _handler:
        yield  # a thread, or installed already (the command installs them, and the run again)
        return
    _received = None
    _wake.clear()
    _cleanups.update(removed=0, left=0)  # not at the end: the command's last line is chosen after it
    old = {s: signal.signal(s, _handler) for s in SIGNALS}
    old_hook, sys.unraisablehook = sys.unraisablehook, _quiet(sys.unraisablehook)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        sys.unraisablehook = old_hook
        _received = None
        _wake.clear()


@contextmanager
def _deeper(name: str) -> Iterator[None]:
    setattr(_local, name, _depth(name) + 1)
    try:
        yield
    finally:
        setattr(_local, name, _depth(name) - 1)


def deferred() -> AbstractContextManager[None]:
    """A stretch where the handler must not raise in this thread; the caller calls check() after."""
    return _deeper("deferred")


def held() -> AbstractContextManager[None]:
    """Clean-up: a signal is recorded, nothing is stopped or raised; check() afterwards raises."""
    return _deeper("held")


@contextmanager
def command(proc: subprocess.Popen[bytes], interruptible: bool) -> Iterator[None]:
    """Keep a running Compose command where a signal can stop it; a signal that came before the
    command was kept stops it at once."""
    if not interruptible:
        yield
        return
    with _lock:
        _commands[proc.pid] = proc
    try:
        if _received is not None and not _depth("held"):
            stop_commands(_received)
        yield
    finally:
        with _lock:
            _commands.pop(proc.pid, None)
