"""The terminal report: results grouped by file, `file:line`, a mark per check, every finding
of what failed, the fix, and the score. Colour only when asked (a TTY without --no-color)."""

from __future__ import annotations

from typing import Any

import click

from grader.report.context import FormatContext

MARKS = {
    "pass": ("✓", "green"),
    "fail": ("✗", "red"),
    "warn": ("!", "yellow"),
    "skip": ("-", "bright_black"),
    "error": ("E", "magenta"),
    "blocked": ("⊘", "bright_black"),
}
LABELS = {
    "en": {
        "score": "Score",
        "passed": "passed",
        "failed": "failed",
        "warned": "warnings",
        "errors": "could not be graded",
        "blocked": "blocked",
        "fix": "fix",
        "notes": "Notes",
        "verdict_pass": "PASS",
        "verdict_fail": "FAIL",
        "verdict_error": "ERROR (input could not be graded)",
        "verdict_not_run": "NOT RUN (this machine could not run the stack; the static checks are graded)",
        "other": "(no file)",
        "runtime": "Runtime (the stack, run with Docker Compose)",
    },
    "ko": {
        "score": "점수",
        "passed": "통과",
        "failed": "실패",
        "warned": "경고",
        "errors": "채점 불가",
        "blocked": "막힘",
        "fix": "고치는 법",
        "notes": "참고",
        "verdict_pass": "통과",
        "verdict_fail": "실패",
        "verdict_error": "오류 (입력을 채점할 수 없음)",
        "verdict_not_run": "실행 못 함 (이 컴퓨터에서 스택을 실행할 수 없었습니다. 정적 검사는 채점했습니다)",
        "other": "(파일 없음)",
        "runtime": "실행 검사 (Docker Compose로 스택 실행)",
    },
}


def _where(item: dict[str, Any]) -> str:
    file, line = item.get("file"), item.get("line")
    return f"{file}:{line}" if file and line else (file or "")


def _runtime_details(details: list[dict[str, Any]]) -> list[str]:
    out = []
    for d in details:
        line = f"        · {d['message']}"
        if "share" in d:
            line += "  " + "█" * round(d["share"] * 30)
        out.append(line)
        for text in (d.get("output") or "").splitlines()[-3:]:
            out.append(f"          │ {text}")
    return out


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    L = LABELS.get(doc["lang"], LABELS["en"])

    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if ctx.color else text

    title = ctx.title or doc["rubric"]
    out = [style(f"{title} — {doc['submission']}", bold=True), ""]
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in doc["results"]:
        # Runtime phases are about the running stack, not one file: one group of their own.
        runtime = r["check"].startswith("runtime.")
        groups.setdefault(L["runtime"] if runtime else (r.get("file") or L["other"]), []).append(r)
    for file, results in groups.items():
        out.append(style(file, bold=True))
        for r in results:
            mark, fg = MARKS[r["status"]]
            where = _where(r)
            pts = f"{r['points']:g}/{r['max_points']:g}" if r["max_points"] else ""
            out.append(f"  {style(mark, fg, bold=True)} {r['code']} {r['title']}  {style(pts, 'bright_black')}")
            details = r.get("details") or []
            if r["check"].startswith("runtime.") and r["status"] == "pass":
                out.append(f"      {r['message']}")
                out.extend(_runtime_details(details))
            elif r["status"] != "pass":
                # A blocked check points where its cause does; the cause's own line says where.
                shown = where if r["status"] != "blocked" else ""
                out.append(f"      {shown}: {r['message']}" if shown else f"      {r['message']}")
                if r["check"].startswith("runtime."):
                    out.extend(_runtime_details(details))
                    if r.get("output"):
                        out.extend(f"      │ {line}" for line in r["output"].splitlines()[-12:])
                    details = []
                for d in details:
                    out.append(f"      {_where(d)}: {d['message']}")
                if r.get("hint"):
                    out.append(f"      {style(L['fix'], 'cyan')}: {r['hint']}")
        out.append("")
    if doc.get("notes"):
        out.append(style(L["notes"], bold=True))
        for n in doc["notes"]:
            where = f"{_where(n)}: " if n.get("file") else ""
            mark = style("E", "magenta", bold=True) if n["level"] == "error" else "i"
            out.append(f"  {mark} {where}{ctx.note(n)}")
        out.append("")
    counts = {s: sum(1 for r in doc["results"] if r["status"] == s) for s in MARKS}
    input_error = doc["exit_code"] in (2, 4)
    verdict = L["verdict_error"] if input_error else (L["verdict_pass"] if doc["passed"] else L["verdict_fail"])
    if doc["exit_code"] == 4:
        verdict = L["verdict_not_run"]
    vfg = "magenta" if input_error else ("green" if doc["passed"] else "red")
    summary = (
        f"{L['score']} {doc['score']:g}/{doc['max_score']:g} · {counts['pass']} {L['passed']}, "
        f"{counts['fail']} {L['failed']}, {counts['warn']} {L['warned']}"
    )
    if counts["blocked"]:
        summary += f", {counts['blocked']} {L['blocked']}"
    if counts["error"]:
        summary += f", {counts['error']} {L['errors']}"
    out.append(f"{summary} → {style(verdict, vfg, bold=True)}")
    return "\n".join(out) + "\n"
