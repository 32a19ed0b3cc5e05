"""GitHub Actions workflow commands: one `::error`/`::warning` annotation per check that did not
pass, at its file and line, escaped as the runner expects. The runner shows only 10 errors and
10 warnings per step, so with GITHUB_STEP_SUMMARY set the whole table goes there too (under
its 1 MiB limit), and with GITHUB_OUTPUT set the score is a step output.

Anything a learner controls that is printed as is (the stack's build output and logs, the
text report) goes between `::stop-commands::<random token>` and `::<token>::`, so it cannot
inject workflow commands."""
from __future__ import annotations

import os
import secrets
from typing import Any

from grader.report import markdown
from grader.report.context import FormatContext, not_passing

SUMMARY_LIMIT = 1024 * 1024 - 4096  # GitHub refuses a step summary over 1 MiB
COMMAND = {"fail": "error", "error": "error", "warn": "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(kind: str, message: str, file: str | None = None, line: int | None = None,
               title: str | None = None) -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line:
            props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{kind}{' ' + ','.join(props) if props else ''}::{escape_data(message)}"


def quoted(text: str) -> list[str]:
    """Lines printed with workflow commands turned off while they pass."""
    token = secrets.token_hex(16)
    return [f"::stop-commands::{token}", *text.splitlines(), f"::{token}::"]


def render(doc: dict[str, Any], ctx: FormatContext, text_report: str = "") -> str:
    out = [f"::group::{escape_data(ctx.title or doc['rubric'])}: {doc['score']:g}/{doc['max_score']:g}"]
    if text_report:
        out += quoted(text_report)
    out.append("::endgroup::")
    for r in not_passing(doc):
        message = r["message"] + (f"\nFix: {r['hint']}" if r.get("hint") else "")
        out.append(annotation(COMMAND[r["status"]], message, ctx.uri(r.get("file")), r.get("line"),
                              f"{r['code']} {r['title']}"))
        if r.get("output"):
            out.append(f"::group::{r['code']} output")
            out += quoted(r["output"])
            out.append("::endgroup::")
    for n in doc.get("notes", []):
        if n["level"] in ("error", "warning"):
            out.append(annotation("error" if n["level"] == "error" else "warning", n["message"],
                                  ctx.uri(n.get("file")), n.get("line"), "workshop-grader"))
    write_step_files(doc, ctx)
    return "\n".join(out) + "\n"


def write_step_files(doc: dict[str, Any], ctx: FormatContext) -> None:
    """The step summary (the full table) and outputs, where the runner asks for them."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(markdown.render(doc, ctx, limit=SUMMARY_LIMIT))
    outputs = os.environ.get("GITHUB_OUTPUT")
    if outputs:
        with open(outputs, "a", encoding="utf-8") as f:
            f.write(f"score={doc['score']:g}\nmax-score={doc['max_score']:g}\n"
                    f"passed={'true' if doc['passed'] else 'false'}\n")
