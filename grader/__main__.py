"""`python -m grader` and the `grader` command. The signal handlers come first, so SIGINT or
SIGTERM even while the command is still loading ends it as interrupted (exit 130 or 143), not
with a traceback or killed outright."""

from __future__ import annotations

import sys


def entry() -> None:
    from grader import interrupt
    from grader.errors import Interrupted

    interrupt.install()
    try:
        from grader.cli import main

        main()
    except Interrupted as e:  # before or after a command's own handling (loading, parsing options)
        sys.stderr.write(f"grader: {_interrupted_line()}\n")
        sys.exit(e.exit_code)


def _interrupted_line() -> str:
    """The command's own line (the signal came after the command's own handling, once a run may
    have removed its things: the line says so), or the bare word if that cannot be loaded."""
    from grader.errors import Interrupted

    try:
        from grader.cli import default_lang, interrupted_line
    except (ImportError, Interrupted):  # a second signal, as grader.cli is imported again
        return "interrupted"
    return interrupted_line(default_lang())


if __name__ == "__main__":
    entry()
