"""What every output format needs besides the JSON report: the rubric (for rule texts), the
language, how to turn a submission-relative path into one relative to the repository (for
SARIF and GitHub annotations, which point into the checked-out repository), and the
environment a consumer's identity comes from (Classroom 50). Also the few compositions every
format shares, so they are written once: "message + fix", and every finding of a check."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.rubric import Rubric

FIX_LABEL = {"en": "Fix", "ko": "고치는 법"}


@dataclass
class FormatContext:
    """What every report format is rendered with besides the report: the rubric, the language, where
    the submission sits in its repository, and the run's environment.
    """

    rubric: Rubric
    lang: str
    prefix: str = ""  # the submission's folder relative to the repository root ("" when it is the root)
    title: str = ""
    color: bool = False  # the text format on a terminal
    env: Mapping[str, str] = field(default_factory=dict)  # variables a consumer names its run with
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_submission(
        cls, rubric: Rubric, lang: str, submission: str, color: bool = False, env: Mapping[str, str] | None = None
    ) -> FormatContext:
        rel = os.path.relpath(os.path.abspath(submission), os.getcwd())
        prefix = "" if rel == "." or rel.startswith("..") else rel.replace(os.sep, "/")
        return cls(rubric, lang, prefix, rubric.title(lang), color, dict(env or {}))

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

    def note(self, note: dict[str, Any]) -> str:
        """A note's message in the report's language (notes keep the grader's English; a known
        input error reads in Korean in a Korean report)."""
        from grader.i18n.cli_text import localize_error

        return localize_error(note["message"], self.lang)

    @property
    def fix_label(self) -> str:
        return FIX_LABEL.get(self.lang, FIX_LABEL["en"])

    def with_fix(self, text: str, result: dict[str, Any], sep: str = "\n") -> str:
        """`text`, then the fix on its own line, labelled in the report's language, when the
        result has one; the one place a format joins a message and its fix."""
        hint = result.get("hint")
        return f"{text}{sep}{self.fix_label}: {hint}" if hint else text

    def page(self, code: str) -> str:
        """The address of a check's page on the documentation site, in the report's language."""
        from grader.report.links import check_url

        return check_url(code, self.lang)

    def with_page(self, text: str, code: str, sep: str = "\n") -> str:
        """`text`, then `More: <the check's page>` (labelled in the report's language): for the
        formats whose one text field is all a reader sees (GitHub annotations, problem lines)."""
        from grader.report.links import more

        return f"{text}{sep}{more(code, self.lang)}"

    def findings(self, result: dict[str, Any]) -> list[tuple[str, str]]:
        """Every finding of a check that did not pass, as (where, message): the worst first,
        then the others (`details` with a status), so no format keeps only the first."""
        out = [(self.where(result), result["message"])]
        for d in result.get("details") or []:
            if d.get("status") and d["status"] != "pass" and d.get("message"):
                out.append((self.where(d), d["message"]))
        return out

    def full_message(self, result: dict[str, Any]) -> str:
        """Every finding, one per line, for formats with one text field per check: the first as
        its message (the check's own file and line are fields of their own), the others as
        `where: message`."""
        lines = []
        for i, (where, message) in enumerate(self.findings(result)):
            lines.append(f"{where}: {message}" if where and i else message)
        return "\n".join(lines)


def group(result: dict[str, Any]) -> str:
    """compose | nginx | runtime: the part of the submission a check is about."""
    return result["check"].split(".", 1)[0]


def not_passing(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in doc["results"] if r["status"] in ("fail", "warn", "error")]
