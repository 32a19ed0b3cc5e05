"""The summary table in GitHub-flavoured Markdown: for a PR comment, the Actions step summary
and the per-learner feedback files of batch grading. Each check's code links to its page on
the documentation site."""

from __future__ import annotations

from typing import Any

from grader.report.context import FormatContext

MARK = {"pass": "✅", "fail": "❌", "warn": "⚠️", "skip": "➖", "error": "⛔", "blocked": "⊘"}
HEAD = {
    "en": ("Check", "Points", "Where", "What was found", "How to fix", "Score", "passed", "failed"),
    "ko": ("검사", "점수", "위치", "찾은 것", "고치는 법", "점수", "통과", "실패"),
}


def cell(text: Any) -> str:
    """One table cell: no pipes or newlines, and no raw HTML from a learner's file."""
    s = str(text if text is not None else "")
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def found_cell(result: dict[str, Any], ctx: FormatContext) -> str:
    """Every finding of the check: the first (its place is in the Where column), then each
    other one with its own place."""
    parts = []
    for i, (where, message) in enumerate(ctx.findings(result)):
        parts.append(f"`{cell(where)}`: {cell(message)}" if i and where else cell(message))
    return "<br>".join(parts)


def render(doc: dict[str, Any], ctx: FormatContext, limit: int | None = None) -> str:
    check, pts, where, found, fix, score, ok, ko = HEAD.get(ctx.lang, HEAD["en"])
    verdict = f"✅ {ok}" if doc["passed"] else f"❌ {ko}"
    lines = [
        f"### {cell(ctx.title or doc['rubric'])}: {verdict}",
        "",
        f"**{score} {doc['score']:g}/{doc['max_score']:g}** · `{cell(doc['submission'])}`",
        "",
        f"| | {check} | {pts} | {where} | {found} | {fix} |",
        "|---|---|---|---|---|---|",
    ]
    for r in doc["results"]:
        loc = f"`{cell(ctx.where(r))}`" if r.get("file") and r["status"] != "blocked" else ""
        points = f"{r['points']:g}/{r['max_points']:g}" if r["max_points"] else ""
        row = (
            f"| {MARK[r['status']]} | [{r['code']}]({ctx.page(r['code'])}) {cell(r['title'])} | {points} | {loc} | "
            f"{found_cell(r, ctx) if r['status'] != 'pass' else ''} | {cell(r.get('hint') or '')} |"
        )
        lines.append(row)
    for n in doc.get("notes", []):
        if n["level"] in ("error", "warning"):
            lines.append(
                f"\n> {'⛔' if n['level'] == 'error' else '⚠️'} {cell(n.get('file') or '')}"
                f"{':' + str(n['line']) if n.get('line') else ''} {cell(ctx.note(n))}"
            )
    text = "\n".join(lines) + "\n"
    if limit is not None and len(text.encode("utf-8")) > limit:
        cut = text.encode("utf-8")[: limit - 200].decode("utf-8", "ignore")
        text = cut[: cut.rfind("\n")] + "\n\n_(cut to fit; the full report is in the job log)_\n"
    return text
