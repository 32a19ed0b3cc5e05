"""Findings (what a check saw), results (a finding scored by the rubric) and the report.

The JSON shape of `Report.to_dict()` is documented in docs/json-report.md; every later
format (JUnit, SARIF, GitHub, batch) is built from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

REPORT_SCHEMA = "workshop-grader/report/v1"


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"
    BLOCKED = "blocked"  # not checked: what it needs is missing, and another check says so

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Status.PASS: 0, Status.SKIP: 0, Status.BLOCKED: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}


@dataclass
class Finding:
    """What a check saw: a status, a message key of its TEXTS (or a common one), its parameters, and where."""

    status: Status
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    file: str | None = None
    line: int | None = None


@dataclass
class Result:
    """One check's scored verdict, as every report format shows it."""

    check: str
    code: str
    status: Status
    points: float
    max_points: float
    required: bool
    title: str
    file: str | None
    line: int | None
    message: str
    hint: str | None
    details: list[dict[str, Any]] = field(default_factory=list)
    output: str | None = None  # runtime phases keep the stack's own output here
    seconds: float | None = None  # how long a runtime phase took
    blocked_by: str | None = None  # status blocked: the code of the check whose finding says why

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "check": self.check,
            "code": self.code,
            "status": self.status.value,
            "points": self.points,
            "max_points": self.max_points,
            "required": self.required,
            "title": self.title,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
        }
        if self.details:
            d["details"] = self.details
        if self.output is not None:
            d["output"] = self.output
        if self.seconds is not None:
            d["seconds"] = self.seconds
        if self.blocked_by is not None:
            d["blocked_by"] = self.blocked_by
        return d


@dataclass
class Note:
    """Something the grader wants the learner to know that is not a check, e.g. an include
    of an image-provided file that was not followed, or an input problem."""

    level: str  # "info" | "warning" (the grader's own trouble, e.g. cleanup) | "error" (input)
    message: str
    file: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "message": self.message, "file": self.file, "line": self.line}


@dataclass
class Report:
    """A graded submission: every check's result and the notes of the run."""

    rubric: str
    submission: str
    lang: str
    results: list[Result]
    notes: list[Note] = field(default_factory=list)
    # The machine could not run the stack (grader/runtime: no engine, no Compose v2, a set-up
    # error): the static results stand and the runtime phases are errors that say why (exit 4).
    setup_error: bool = False

    @property
    def score(self) -> float:
        return round(sum(r.points for r in self.results), 2)

    @property
    def max_score(self) -> float:
        return round(sum(r.max_points for r in self.results), 2)

    @property
    def input_error(self) -> bool:
        return any(r.status is Status.ERROR for r in self.results) or any(n.level == "error" for n in self.notes)

    @property
    def passed(self) -> bool:
        return not self.input_error and not any(
            r.required and r.status in (Status.FAIL, Status.BLOCKED) for r in self.results
        )

    @property
    def exit_code(self) -> int:
        if self.setup_error:
            return 4
        if self.input_error:
            return 2
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "rubric": self.rubric,
            "submission": self.submission,
            "lang": self.lang,
            "passed": self.passed,
            "score": self.score,
            "max_score": self.max_score,
            "exit_code": self.exit_code,
            "results": [r.to_dict() for r in self.results],
            "notes": [n.to_dict() for n in self.notes],
        }
