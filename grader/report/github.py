"""GitHub Actions workflow commands: one `::error`/`::warning` annotation per check that did not
pass, at its file and line, escaped as the runner expects, ending with the check's page on the
documentation site. The runner shows only 10 errors and
10 warnings per step, so `step_files` gives the whole table for GITHUB_STEP_SUMMARY (under its
1 MiB limit) and the score for GITHUB_OUTPUT; the CLI appends them to those files.

Anything a learner controls that is printed as is (the stack's build output and logs, the
text report) goes between `::stop-commands::<random token>` and `::<token>::`, so it cannot
inject workflow commands."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from grader.report import markdown, text
from grader.report.context import FormatContext, not_passing

SUMMARY_LIMIT = 1024 * 1024 - 4096  # GitHub refuses a step summary over 1 MiB
COMMAND = {"fail": "error", "error": "error", "warn": "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    kind: str, message: str, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
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


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    text_report = text.render(doc, replace(ctx, color=False))
    out = [f"::group::{escape_data(ctx.title or doc['rubric'])}: {doc['score']:g}/{doc['max_score']:g}"]
    if text_report:
        out += quoted(text_report)
    out.append("::endgroup::")
    for r in not_passing(doc):
        message = ctx.with_page(ctx.with_fix(ctx.full_message(r), r), r["code"])
        out.append(
            annotation(
                COMMAND[r["status"]], message, ctx.uri(r.get("file")), r.get("line"), f"{r['code']} {r['title']}"
            )
        )
        if r.get("output"):
            out.append(f"::group::{r['code']} output")
            out += quoted(r["output"])
            out.append("::endgroup::")
    for n in doc.get("notes", []):
        if n["level"] in ("error", "warning"):
            out.append(
                annotation(
                    "error" if n["level"] == "error" else "warning",
                    ctx.note(n),
                    ctx.uri(n.get("file")),
                    n.get("line"),
                    "workshop-grader",
                )
            )
    return "\n".join(out) + "\n"


def step_files(doc: dict[str, Any], ctx: FormatContext) -> dict[str, str]:
    """What to append to the files the runner names in GITHUB_STEP_SUMMARY (the full table)
    and GITHUB_OUTPUT (score, max-score, passed)."""
    return {
        "GITHUB_STEP_SUMMARY": markdown.render(doc, ctx, limit=SUMMARY_LIMIT),
        "GITHUB_OUTPUT": (
            f"score={doc['score']:g}\nmax-score={doc['max_score']:g}\npassed={'true' if doc['passed'] else 'false'}\n"
        ),
    }
