"""What every output format needs besides the JSON report: the rubric (for rule texts) and
how to turn a submission-relative path into one relative to the repository (for SARIF and
GitHub annotations, which point into the checked-out repository)."""
from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import Any

from grader.rubric import Rubric

FORMATS = ("text", "json", "junit", "sarif", "github", "classroom", "gradescope", "markdown")


@dataclass
class FormatContext:
    rubric: Rubric
    lang: str
    prefix: str = ""  # the submission's folder relative to the repository root ("" when it is the root)
    title: str = ""

    @classmethod
    def for_submission(cls, rubric: Rubric, lang: str, submission: str) -> "FormatContext":
        rel = os.path.relpath(os.path.abspath(submission), os.getcwd())
        prefix = "" if rel == "." or rel.startswith("..") else rel.replace(os.sep, "/")
        return cls(rubric, lang, prefix, rubric.title(lang))

    def uri(self, file: str | None) -> str | None:
        if not file:
            return None
        return posixpath.normpath(posixpath.join(self.prefix, file)) if self.prefix else file

    def where(self, item: dict[str, Any]) -> str:
        """`uri:line`, `uri`, or "" for a result (or note) that points nowhere."""
        uri = self.uri(item.get("file"))
        if not uri:
            return ""
        return f"{uri}:{item['line']}" if item.get("line") else uri


def group(result: dict[str, Any]) -> str:
    """compose | nginx | runtime: the part of the submission a check is about."""
    return result["check"].split(".", 1)[0]


def not_passing(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in doc["results"] if r["status"] in ("fail", "warn", "error")]
