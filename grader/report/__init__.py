"""Output formats: one registry, `name -> render(doc, ctx) -> str`, used by the CLI, batch and
the tests alike. `doc` is the one JSON result model (`Report.to_dict()`), `ctx` a
`FormatContext`. A renderer returns text and writes nothing; writing files (the GitHub step
summary and outputs among them) is the caller's job. Modules are imported when first used, so
the static path loads only the format it prints."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from grader.report.context import FormatContext

__all__ = ["ALIASES", "FORMATS", "FormatContext", "canonical", "render", "renderer"]

# name -> module holding `render(doc, ctx) -> str`
FORMATS: dict[str, str] = {
    "text": "grader.report.text",
    "json": "grader.report.json",
    "junit": "grader.report.junit",
    "sarif": "grader.report.sarif",
    "github": "grader.report.github",
    "classroom50": "grader.report.classroom50",
    "gh-classroom-reporter": "grader.report.classroom",
    "gradescope": "grader.report.gradescope",
    "markdown": "grader.report.markdown",
    "problems": "grader.report.problems",
}
# deprecated name -> its name now
ALIASES: dict[str, str] = {"classroom": "gh-classroom-reporter"}


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def renderer(name: str) -> Callable[[dict[str, Any], FormatContext], str]:
    return import_module(FORMATS[canonical(name)]).render


def render(name: str, doc: dict[str, Any], ctx: FormatContext) -> str:
    return renderer(name)(doc, ctx)
