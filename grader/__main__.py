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
        sys.stderr.write("grader: interrupted\n")
        sys.exit(e.exit_code)


if __name__ == "__main__":
    entry()
