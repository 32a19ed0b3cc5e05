"""Optional extras of the package: what a command needs that a plain install leaves out. A
command that needs one says so before it starts, as a usage error (exit 2) with the install
line, never as an internal error."""

from __future__ import annotations

import importlib

from grader.errors import InputError

# extra -> the modules it brings that the grader imports (pyproject.toml's optional-dependencies)
EXTRAS: dict[str, tuple[str, ...]] = {
    "queue": ("celery", "kombu", "billiard", "redis"),
    "contract": ("schemathesis",),
    "bench": ("gixy",),
    "table": ("elftools",),
}


class MissingExtra(InputError):
    """A command needs an optional extra that is not installed."""

    def __init__(self, what: str, extra: str, missing: list[str]):
        super().__init__(
            f"{what} needs the optional package(s) {', '.join(missing)}, which are not installed: "
            f'pip install "workshop-grader[{extra}]"'
        )
        self.extra = extra
        self.missing = missing


def require(extra: str, what: str) -> None:
    """Raise MissingExtra unless every module of `extra` can be imported; `what` names the
    command or option that needs it (`grader worker`, `grader batch --queue`)."""
    missing = []
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)  # the command imports it next anyway
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingExtra(what, extra, missing)
