"""What a batch writes: the gradebook (CSV for an LMS, and JSON), a feedback file per learner
to hand back, and the single-file HTML report."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from grader.batch.run import Row
from grader.i18n.cli_text import localize_error
from grader.i18n.ko import fill
from grader.report.context import FormatContext
from grader.rubric import Rubric

# the feedback file of a learner whose submission could not be graded or fetched
NOT_GRADED = {"en": "### {title}\n\nNot graded: {error}\n", "ko": "### {title}\n\n채점하지 못했습니다: {error}\n"}


def check_codes(rubric: Rubric, rows: list[Row]) -> list[str]:
    """The rubric's checks that appear in any report, in rubric order."""
    seen = {r["code"] for row in rows if row.report for r in row.report["results"]}
    return [c.code for c in rubric.checks if c.code in seen]


def _num(x: float) -> float | int:
    """10.0 -> 10 in the gradebook; 7.5 stays."""
    return int(x) if float(x).is_integer() else x


def gradebook(rows: list[Row], rubric: Rubric) -> list[dict[str, Any]]:
    codes = check_codes(rubric, rows)
    out = []
    for row in rows:
        points = {r["code"]: _num(r["points"]) for r in (row.report or {}).get("results", [])}
        entry: dict[str, Any] = {
            "id": row.id,
            "score": _num(row.score),
            "max_score": _num(row.max_score),
            "verdict": row.verdict,
        }
        entry.update({code: points.get(code, "") for code in codes})
        entry.update({"commit": row.commit or "", "graded_at": row.graded_at, "error": row.error or ""})
        out.append(entry)
    return out


def write_all(out: Path, rows: list[Row], rubric: Rubric, lang: str) -> dict[str, Path]:
    from grader.report import html, markdown

    out.mkdir(parents=True, exist_ok=True)
    book = gradebook(rows, rubric)
    paths = {
        "csv": out / "gradebook.csv",
        "json": out / "gradebook.json",
        "html": out / "report.html",
        "feedback": out / "feedback",
    }
    with open(paths["csv"], "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(book[0].keys()) if book else ["id"])
        writer.writeheader()
        writer.writerows(book)
    paths["json"].write_text(json.dumps(book, ensure_ascii=False, indent=1), "utf-8")
    paths["feedback"].mkdir(exist_ok=True)
    for row in rows:
        if row.report is not None:
            ctx = FormatContext(rubric, lang, "", rubric.title(lang))
            text = markdown.render(row.report, ctx)
        else:
            text = fill(
                NOT_GRADED.get(lang, NOT_GRADED["en"]),
                {"title": rubric.title(lang), "error": localize_error(row.error or "", lang)},
            )
        (paths["feedback"] / f"{row.id}.md").write_text(text, "utf-8")
    paths["html"].write_text(html.render(rows, rubric, lang), "utf-8")
    return paths
