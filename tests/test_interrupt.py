"""The signal handler raises Interrupted between any two bytecodes of the main thread, so the
exception lands inside the standard library's and the libraries' own code. They clean up after
errors with `except Exception`; a signal must pass through those untouched, as Ctrl-C's
KeyboardInterrupt does, or the clean-up meant for an error runs on a half-done step.

The case seen in a run: the signal came as `Thread.start` had just started a thread of the
request burst's pool. Its `except Exception` took the thread out of threading's table, and the
new thread, finding itself gone, printed a KeyError traceback into the learner's terminal."""

from __future__ import annotations

import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from grader import interrupt
from grader.errors import Interrupted


@pytest.fixture
def signal_as_a_thread_starts(monkeypatch):
    """Threads started from now on get SIGINT sent to this process the moment the thread is
    running, before `Thread.start` returns; yields the errors the new threads raised."""
    real = threading._start_new_thread
    errors: list[BaseException] = []
    done: list[threading.Event] = []

    def start(function, args, *rest):
        finished = threading.Event()
        done.append(finished)

        def bootstrap(*a):
            try:
                function(*a)
            except BaseException as e:  # what the thread would print as "Exception ignored"
                errors.append(e)
            finally:
                finished.set()

        ident = real(bootstrap, args, *rest)
        signal.raise_signal(signal.SIGINT)  # the handler runs here, inside Thread.start's try
        return ident

    monkeypatch.setattr(threading, "_start_new_thread", start)

    def finished() -> list[BaseException]:
        assert all(d.wait(10) for d in done), "a started thread never finished"
        return errors

    with interrupt.handled():
        yield finished


def test_a_signal_as_a_thread_starts_leaves_the_thread_whole(signal_as_a_thread_starts) -> None:
    ran = threading.Event()
    thread = threading.Thread(target=ran.set)
    with pytest.raises(Interrupted) as raised:
        thread.start()
    assert raised.value.exit_code == 130
    assert signal_as_a_thread_starts() == []
    assert ran.is_set(), "the thread did not run its target"


def test_a_signal_as_the_burst_pool_starts_a_thread_ends_the_burst_cleanly(signal_as_a_thread_starts) -> None:
    """As Stack.burst sends its requests: the signal ends the map, the pool is shut down without
    waiting, and every thread it started ends without an error."""
    pool = ThreadPoolExecutor(max_workers=4)
    with pytest.raises(Interrupted):
        try:
            sum(pool.map(lambda _: 1, range(8)))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    assert signal_as_a_thread_starts() == []


def test_interrupted_is_not_an_error() -> None:
    """`except Exception` in our own code (a phase that reports an unreadable container and goes
    on) must not take a signal for an error either."""
    assert issubclass(Interrupted, BaseException) and not issubclass(Interrupted, Exception)


def test_a_signal_inside_a_finalizer_is_not_printed_and_still_ends_the_run(monkeypatch) -> None:
    """A `__del__` cannot raise: what it raises goes to sys.unraisablehook, which prints it as
    "Exception ignored in", with a traceback. A signal that came then is kept quiet, and the
    next check raises it."""
    printed: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: printed.append(u.exc_value))
    finalized = []

    class Resource:
        def __del__(self) -> None:
            signal.raise_signal(signal.SIGTERM)
            finalized.append(True)  # not reached: the handler raised inside the finalizer

    with interrupt.handled():
        resource = Resource()
        del resource
        assert finalized == []
        with pytest.raises(Interrupted) as raised:
            interrupt.check()

        class Other:
            def __del__(self) -> None:
                raise ValueError("a finalizer's own error")

        other = Other()
        del other
    assert raised.value.exit_code == 143
    assert [type(e) for e in printed] == [ValueError], "only the finalizer's own error is printed"


@pytest.mark.parametrize(
    "runs, line",
    [
        ([], "grader: interrupted\n"),
        ([True], "grader: interrupted; the run's containers, networks, volumes and images were removed\n"),
        (
            [True, False],
            "grader: interrupted; some of what the run made could not be removed: `grader clean` removes it\n",
        ),
    ],
)
def test_the_interrupted_line_says_what_the_runs_left(runs: list[bool], line: str) -> None:
    """Removed is said only when a run had made something and removed all of it; what could
    not be removed is said with the command that removes it."""
    import click
    from click.testing import CliRunner

    from grader.cli import fail_cleanly

    @click.command()
    @fail_cleanly
    def interrupted_command() -> None:
        for removed_all in runs:
            interrupt.run_cleaned(removed_all)
        raise Interrupted(signal.SIGINT)

    result = CliRunner().invoke(interrupted_command, [], env={"LC_ALL": "en_US.UTF-8"})
    assert result.exit_code == 130
    assert result.stderr == line


# What the main thread may hold when the signal comes: the module's lock (keeping a command,
# noting a clean-up) and the wake-up's (in interrupt.sleep, which the handler sets).
HELD_LOCKS = ["interrupt._lock", "interrupt._wake._cond"]


@pytest.mark.parametrize("lock", HELD_LOCKS)
def test_a_signal_while_the_main_thread_holds_a_lock_does_not_hang(lock: str) -> None:
    """The handler runs in the main thread, between two of its bytecodes: it must not wait on
    a lock that thread holds, with a Compose command running (here `sleep`), which the handler
    passes the signal on to. In a process of its own, so a hang fails after a bound instead of
    stopping the test run."""
    import subprocess
    from pathlib import Path

    code = (
        "import signal, subprocess, sys, threading\n"
        "from grader import interrupt\n"
        "from grader.errors import Interrupted\n"
        "with interrupt.handled():\n"
        "    proc = subprocess.Popen(['sleep', '30'], start_new_session=True)\n"
        "    try:\n"
        "        with interrupt.deferred(), interrupt.command(proc, True):\n"
        f"            with {lock}:\n"
        "                signal.raise_signal(signal.SIGINT)\n"
        "        proc.wait(10)\n"
        "        interrupt.check()\n"
        "    except Interrupted as e:\n"
        "        sys.exit(e.exit_code if proc.returncode == -signal.SIGINT else 1)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=20,
            cwd=Path(__file__).resolve().parent.parent,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the handler waited on {lock}, which its own thread held")
    assert done.returncode == 130, done.stderr


def test_a_command_that_outlives_the_signal_is_killed_after_the_grace() -> None:
    """The signal is passed on to the command's process group at once; a command that ignores it
    is killed ESCALATE_AFTER seconds later."""
    import subprocess
    import time

    proc = subprocess.Popen(
        ["sh", "-c", "trap '' INT TERM; echo ignoring; sleep 30 & wait"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        # not before the shell ignores the signals: a busy machine may not have run the trap yet
        assert proc.stdout.readline() == "ignoring\n"
        with interrupt.handled(), interrupt.deferred(), interrupt.command(proc, True):
            signal.raise_signal(signal.SIGTERM)
            sent = time.monotonic()
            code = proc.wait(interrupt.ESCALATE_AFTER + 10)
            took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
    assert code == -signal.SIGKILL
    assert took > interrupt.ESCALATE_AFTER - 0.5, f"killed {took:.1f} s after the signal, before the grace"


def test_a_signal_after_the_command_says_what_its_run_removed(monkeypatch) -> None:
    """A signal after the command's own handling (its run cleaned up, its report printed) is
    answered by the entry point, with the same line the command would have printed."""
    from grader.__main__ import _interrupted_line

    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    with interrupt.handled():
        assert _interrupted_line() == "interrupted"
        interrupt.run_cleaned(True)
        assert _interrupted_line() == "interrupted; the run's containers, networks, volumes and images were removed"
