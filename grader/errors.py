"""Errors that end grading with exit code 2: the input could not be graded.

Each carries one clear line for the learner: what went wrong and where (file:line).
"""

from __future__ import annotations


class InputError(Exception):
    """The submission (or an option) cannot be graded as given."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def text(self, lang: str = "en") -> str:
        """The message in `lang`: a known input error in Korean (grader/i18n/cli_text.py)."""
        from grader.i18n.cli_text import localize_error

        return localize_error(self.message, lang)

    def describe(self, lang: str = "en") -> str:
        """`file:line: message`, the message in `lang`."""
        where = self.where()
        return f"{where}: {self.text(lang)}" if where else self.text(lang)


class OutsideRootError(InputError):
    """A path in the submission points outside the submission root: never read."""


class RubricError(InputError):
    """The rubric file is not valid; `file` names the rubric and the message the bad key."""


class RuntimeSetupError(Exception):
    """The machine cannot run the stack (no Docker daemon, Compose v1 only): exit code 4.
    Not the learner's fault, so it is kept apart from InputError."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Interrupted(BaseException):
    """SIGINT (Ctrl-C) or SIGTERM: the run is torn down, then the command exits 128 + the
    signal's number, as a shell reports a command the signal ended (130, 143).

    A BaseException, as KeyboardInterrupt is: the handler raises it between any two bytecodes,
    inside the standard library's and the SDKs' code too, and their `except Exception` clean-up
    for errors must let it through (Thread.start's, caught, unregistered the thread it had just
    started, which then died printing a KeyError traceback)."""

    def __init__(self, signum: int = 2):
        super().__init__(f"signal {signum}")
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
