"""One line per finding for editors' problem matchers (VS Code's Problems panel, vim's quickfix,
Emacs' compilation mode): `file:line:column: error|warning: CODE message`. A check that failed
or could not be graded is an error, an advisory one a warning; each finding of a check is a line
of its own, at its own place; the fix follows the message after ` Fix: ` on the same line, then the check's page after
` More: ` (a problem matcher cannot link a code, so the address is in the message).
Paths are the report's (relative to the submission, or to the repository with a prefix), so a
task run in the submission's folder resolves them there. Nothing else is printed: every line
is a problem."""

from __future__ import annotations

from typing import Any

from grader.report.context import FormatContext, not_passing

SEVERITY = {"fail": "error", "error": "error", "warn": "warning"}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def lines(doc: dict[str, Any], ctx: FormatContext) -> list[str]:
    out = []
    for r in not_passing(doc):
        severity = SEVERITY[r["status"]]
        items = [r] + [d for d in r.get("details") or [] if d.get("status") not in (None, "pass") and d.get("message")]
        for i, item in enumerate(items):
            where = ctx.uri(item.get("file")) or ctx.uri(r.get("file")) or "."
            line = item.get("line") or (r.get("line") if i == 0 else None) or 1
            message = (
                ctx.with_page(ctx.with_fix(item["message"], r, sep=" "), r["code"], sep=" ")
                if i == 0
                else item["message"]
            )
            out.append(f"{where}:{int(line)}:1: {severity}: {r['code']} {_one_line(message)}")
    for n in doc.get("notes") or []:
        if n.get("level") == "error" and n.get("file"):
            out.append(f"{ctx.uri(n['file'])}:{int(n.get('line') or 1)}:1: error: input {_one_line(ctx.note(n))}")
    return out


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    found = lines(doc, ctx)
    return "\n".join(found) + ("\n" if found else "")
