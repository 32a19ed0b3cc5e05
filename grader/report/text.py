"""The terminal report: results grouped by file, `file:line`, a mark per check, the fix for
what failed, and the score. Colour only when asked (a TTY without --no-color)."""
from __future__ import annotations

import click

from grader.results import Report, Status

MARKS = {Status.PASS: ("✓", "green"), Status.FAIL: ("✗", "red"), Status.WARN: ("!", "yellow"),
         Status.SKIP: ("-", "bright_black"), Status.ERROR: ("E", "magenta")}
LABELS = {
    "en": {"score": "Score", "passed": "passed", "failed": "failed", "warned": "warnings",
           "errors": "could not be graded", "fix": "fix", "notes": "Notes", "verdict_pass": "PASS",
           "verdict_fail": "FAIL", "verdict_error": "ERROR (input could not be graded)", "other": "(no file)",
           "runtime": "Runtime (the stack, run with Docker Compose)"},
    "ko": {"score": "점수", "passed": "통과", "failed": "실패", "warned": "경고", "errors": "채점 불가",
           "fix": "고치는 법", "notes": "참고", "verdict_pass": "통과", "verdict_fail": "실패",
           "verdict_error": "오류 (입력을 채점할 수 없음)", "other": "(파일 없음)",
           "runtime": "실행 검사 (Docker Compose 로 스택 실행)"},
}


def _runtime_details(details: list[dict]) -> list[str]:
    out = []
    for d in details:
        line = f"        · {d['message']}"
        if "share" in d:
            line += "  " + "█" * round(d["share"] * 30)
        out.append(line)
        for text in (d.get("output") or "").splitlines()[-3:]:
            out.append(f"          │ {text}")
    return out


def _without_details(r):
    from dataclasses import replace

    return replace(r, details=[])


def render(report: Report, title: str, color: bool = False) -> str:
    L = LABELS.get(report.lang, LABELS["en"])

    def style(text: str, fg: str | None = None, bold: bool = False) -> str:
        return click.style(text, fg=fg, bold=bold) if color else text

    out = [style(f"{title} — {report.submission}", bold=True), ""]
    groups: dict[str, list] = {}
    for r in report.results:
        # Runtime phases are about the running stack, not one file: one group of their own.
        key = L["runtime"] if r.check.startswith("runtime.") else (r.file or L["other"])
        groups.setdefault(key, []).append(r)
    for file, results in groups.items():
        out.append(style(file, bold=True))
        for r in results:
            mark, fg = MARKS[r.status]
            where = f"{r.file}:{r.line}" if r.file and r.line else (r.file or "")
            pts = f"{r.points:g}/{r.max_points:g}" if r.max_points else ""
            out.append(f"  {style(mark, fg, bold=True)} {r.code} {r.title}  {style(pts, 'bright_black')}")
            if r.check.startswith("runtime.") and r.status is Status.PASS:
                out.append(f"      {r.message}")
                out.extend(_runtime_details(r.details))
            elif r.status is not Status.PASS:
                out.append(f"      {where}: {r.message}" if where else f"      {r.message}")
                if r.check.startswith("runtime."):
                    out.extend(_runtime_details(r.details))
                    if r.output:
                        out.extend(f"      │ {line}" for line in r.output.splitlines()[-12:])
                    r = _without_details(r)
                for d in r.details:
                    dwhere = f"{d['file']}:{d['line']}" if d.get("file") and d.get("line") else d.get("file") or ""
                    out.append(f"      {dwhere}: {d['message']}")
                if r.hint:
                    out.append(f"      {style(L['fix'], 'cyan')}: {r.hint}")
        out.append("")
    if report.notes:
        out.append(style(L["notes"], bold=True))
        for n in report.notes:
            where = f"{n.file}:{n.line}: " if n.file and n.line else (f"{n.file}: " if n.file else "")
            mark = style("E", "magenta", bold=True) if n.level == "error" else "i"
            out.append(f"  {mark} {where}{n.message}")
        out.append("")
    counts = {s: sum(1 for r in report.results if r.status is s) for s in Status}
    verdict = L["verdict_error"] if report.input_error else (L["verdict_pass"] if report.passed else L["verdict_fail"])
    vfg = "magenta" if report.input_error else ("green" if report.passed else "red")
    summary = (f"{L['score']} {report.score:g}/{report.max_score:g} · {counts[Status.PASS]} {L['passed']}, "
               f"{counts[Status.FAIL]} {L['failed']}, {counts[Status.WARN]} {L['warned']}")
    if counts[Status.ERROR]:
        summary += f", {counts[Status.ERROR]} {L['errors']}"
    out.append(f"{summary} → {style(verdict, vfg, bold=True)}")
    return "\n".join(out) + "\n"
