"""Classroom 50's `result.json` (`classroom50/result/v1`): what an assignment's autograder
writes in the learner's checkout. The runner records a grade only from a file that validates
and keeps its rules the schema cannot say: integer points, `passed` per test, score <=
max-score for the total and each test, and the identity (classroom, assignment, owner, the
submission tag and the commit, release and review URLs) the runner passes in its variables.

One test per graded check (a check that does not apply has no points and is left out):
`test-name` "C101 <title>", `passed`, integer `score`/`max-score` (fractional rubric points
rounded half up, a score never above its maximum), and the check's `code`, `check`,
`message` (every finding), `fix`, `file` (repository-relative) and `line`."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from grader.errors import InputError
from grader.report.context import FormatContext

SCHEMA = "classroom50/result/v1"
# result.json key -> the variable Classroom 50's runner sets
IDENTITY = {
    "classroom": "CLASSROOM",
    "assignment": "ASSIGNMENT",
    "owner": "OWNER",
    "submission": "SUBMISSION_TAG",
    "commit": "COMMIT_URL",
    "release": "RELEASE_URL",
    "review": "REVIEW_URL",
}
ASSIGNMENT_TYPES = ("individual", "group")


def identity(env: Mapping[str, str]) -> dict[str, str]:
    """The run's identity from the runner's variables; InputError naming what is missing, since
    a result without it cannot be recorded."""
    missing = [var for var in IDENTITY.values() if not env.get(var, "").strip()]
    if missing:
        raise InputError(
            "--format classroom50 needs the variables Classroom 50's runner sets; missing: " + ", ".join(missing)
        )
    out = {key: env[var].strip() for key, var in IDENTITY.items()}
    if not out["submission"].startswith("submit/"):
        raise InputError(f"SUBMISSION_TAG {out['submission']!r}: a Classroom 50 submission tag starts with submit/")
    kind = env.get("ASSIGNMENT_TYPE", "").strip() or "individual"
    if kind not in ASSIGNMENT_TYPES:
        raise InputError(f"ASSIGNMENT_TYPE {kind!r}: one of {', '.join(ASSIGNMENT_TYPES)}")
    out["assignment_type"] = kind
    return out


def points(x: float) -> int:
    """Rubric points as the integer Classroom 50 takes: 7.5 -> 8, 2.5 -> 3 (half up, not to even)."""
    return max(0, math.floor(float(x) + 0.5))


def test(r: dict[str, Any], ctx: FormatContext) -> dict[str, Any]:
    max_score = points(r["max_points"])
    passed = r["status"] in ("pass", "warn")  # an advisory check that warns keeps its points
    score = max_score if passed else min(points(r["points"]), max_score)
    return {
        "test-name": f"{r['code']} {r['title']}",
        "passed": passed,
        "score": score,
        "max-score": max_score,
        "code": r["code"],
        "check": r["check"],
        "status": r["status"],
        "required": r["required"],
        "message": ctx.full_message(r),
        "fix": r.get("hint") or "",
        "file": ctx.uri(r.get("file")),
        "line": r.get("line"),
    }


def payload(doc: dict[str, Any], ctx: FormatContext) -> dict[str, Any]:
    when = ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    tests = [test(r, ctx) for r in doc["results"] if r["status"] != "skip"]
    return {
        "schema": SCHEMA,
        **identity(ctx.env),
        "datetime": when,
        "graded_at": when,
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
    }


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    return json.dumps(payload(doc, ctx), ensure_ascii=False, indent=2) + "\n"
