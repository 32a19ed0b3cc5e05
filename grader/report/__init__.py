"""Output formats, all built from the one JSON result model (`Report.to_dict()`)."""
from __future__ import annotations

from grader.report.context import FORMATS, FormatContext
from grader.results import Report
from grader.rubric import Rubric

__all__ = ["FORMATS", "render"]


def render(fmt: str, report: Report, rubric: Rubric, lang: str, color: bool = False) -> str:
    from grader.report import text

    if fmt == "text":
        return text.render(report, rubric.title(lang), color=color)
    doc = report.to_dict()
    if fmt == "json":
        from grader.report import json as json_report

        return json_report.render(report)
    ctx = FormatContext.for_submission(rubric, lang, report.submission)
    if fmt == "github":
        from grader.report import github

        return github.render(doc, ctx, text.render(report, rubric.title(lang)))
    module = __import__(f"grader.report.{fmt}", fromlist=["render"])
    return module.render(doc, ctx)
