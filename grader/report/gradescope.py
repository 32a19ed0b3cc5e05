"""Gradescope's /autograder/results/results.json: score, execution time, a summary, and one
test per check (name, number, score, max_score, status, output, visibility), so the grader
drops into a Gradescope autograder's run_autograder."""

from __future__ import annotations

import json
from typing import Any

from grader.report.context import FormatContext
from grader.report.markdown import render as markdown


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    tests = []
    for i, r in enumerate(doc["results"], 1):
        where = f"{ctx.where(r)}: " if r.get("file") and r.get("line") else ""
        output = ctx.with_fix(f"{where}{ctx.full_message(r)}", r, sep="\n\n")
        if r.get("output") and r["status"] != "pass":
            output += "\n\n" + r["output"]
        tests.append(
            {
                "name": f"{r['code']} {r['title']}",
                "number": f"{i}",
                "score": r["points"],
                "max_score": r["max_points"],
                "status": "passed" if r["status"] in ("pass", "warn", "skip") else "failed",
                "output": output,
                "tags": [r["check"].split(".")[0], r["check"]],
                "visibility": "visible",
            }
        )
    results = {
        "score": doc["score"],
        "execution_time": round(sum(r.get("seconds") or 0.0 for r in doc["results"]), 2),
        "output": markdown(doc, ctx),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"rubric": doc["rubric"], "passed": doc["passed"], "max_score": doc["max_score"]},
    }
    return json.dumps(results, ensure_ascii=False, indent=2) + "\n"
