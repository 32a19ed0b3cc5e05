"""`gh-classroom-reporter` (formerly `classroom`): GitHub Classroom's autograding result, as
classroom-resources/autograding-grading-reporter reads it from a runner's `result` output
(base64 of this JSON): version 1, a status, the maximum score and one test per check with its
points, so Classroom shows our score and per-check feedback."""

from __future__ import annotations

import base64
import json
from typing import Any

from grader.report.context import FormatContext

# blocked: not checked because what it needs is missing; no points, and not a pass
STATUS = {"pass": "pass", "warn": "pass", "skip": "pass", "fail": "fail", "error": "error", "blocked": "fail"}


def payload(doc: dict[str, Any], ctx: FormatContext) -> dict[str, Any]:
    tests = []
    for r in doc["results"]:
        if r["status"] == "skip":
            continue  # a check that does not apply has no points to give
        message = ctx.with_fix(ctx.full_message(r), r)
        tests.append(
            {
                "name": f"{r['code']} {r['title']}",
                "status": STATUS[r["status"]],
                "score": r["points"],
                "max_score": r["max_points"],
                "message": message,
                "test_code": r["check"],
                "filename": ctx.uri(r.get("file")) or "",
                "line_no": r.get("line") or 0,
                "duration": round((r.get("seconds") or 0.0) * 1000),
            }
        )
    status = "error" if doc["exit_code"] in (2, 4) else ("pass" if doc["passed"] else "fail")
    return {"version": 1, "status": status, "max_score": doc["max_score"], "tests": tests}


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    return json.dumps(payload(doc, ctx), ensure_ascii=False, indent=2) + "\n"


def encoded(doc: dict[str, Any], ctx: FormatContext) -> str:
    """The value of the step output `result` the Classroom reporter decodes."""
    return base64.b64encode(json.dumps(payload(doc, ctx), ensure_ascii=False).encode("utf-8")).decode("ascii")
