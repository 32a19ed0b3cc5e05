"""The class report: one HTML file that opens offline (no scripts, no outside resources):
the class summary, a chart of pass rates per check, the most common mistakes with their fix,
and a section per learner. Everything a learner wrote is escaped."""
from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timezone
from html import escape
from typing import Any

from grader.rubric import Rubric

TEXT = {
    "en": {"learners": "learners", "passed": "passed", "mean": "mean score", "median": "median",
           "not_graded": "not graded", "rates": "Pass rate per check", "mistakes": "Most common mistakes",
           "learner": "Learner", "verdict": "Verdict", "score": "Score", "failing": "Not passing",
           "fix": "Fix", "times": "learners", "none": "No check failed for anyone.", "class": "Class",
           "check": "Check", "where": "Where", "message": "What was found"},
    "ko": {"learners": "명", "passed": "통과", "mean": "평균 점수", "median": "중앙값", "not_graded": "채점 안 됨",
           "rates": "검사별 통과율", "mistakes": "가장 흔한 실수", "learner": "학습자", "verdict": "결과",
           "score": "점수", "failing": "통과 못 한 검사", "fix": "고치는 법", "times": "명",
           "none": "모든 학습자가 모든 검사를 통과했습니다.", "class": "반 전체", "check": "검사",
           "where": "위치", "message": "찾은 것"},
}
VERDICT_COLOUR = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#8250df", "not-graded": "#57606a"}
CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans KR",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px}
.sub{color:#57606a;margin-bottom:18px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 18px;min-width:140px}
.card b{display:block;font-size:26px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
.v{color:#fff;border-radius:10px;padding:1px 9px;font-size:13px;white-space:nowrap}
details{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:8px 0;padding:8px 12px}
summary{cursor:pointer;font-weight:600}
code{background:#eff1f3;border-radius:4px;padding:0 4px}
.fix{color:#0550ae}
svg text{font:13px system-ui,sans-serif}
"""


def _verdict(v: str, label: str | None = None) -> str:
    return f'<span class="v" style="background:{VERDICT_COLOUR.get(v, "#57606a")}">{escape(label or v)}</span>'


def render(rows: list[Any], rubric: Rubric, lang: str = "en") -> str:
    t = TEXT.get(lang, TEXT["en"])
    graded = [r for r in rows if r.report is not None]
    scores = [r.score for r in graded]
    max_score = max((r.max_score for r in graded), default=0)
    passed = sum(1 for r in rows if r.verdict == "pass")
    titles = {c.code: c.text("title", lang) for c in rubric.checks}
    fixes = {c.code: c.text("fix", lang) for c in rubric.checks}

    per_check: dict[str, list[str]] = {}
    mistakes: Counter[str] = Counter()
    for r in graded:
        for res in r.report["results"]:
            if res["status"] in ("skip", "error"):
                continue  # does not apply, or its file could not be read: neither a pass nor a mistake
            per_check.setdefault(res["code"], []).append(res["status"])
            if res["status"] == "fail":
                mistakes[res["code"]] += 1
    order = [c.code for c in rubric.checks if c.code in per_check]

    out = ["<!DOCTYPE html>", f'<html lang="{escape(lang)}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(rubric.title(lang))}: {escape(t['class'])}</title><style>{CSS}</style></head><body><main>",
           f"<h1>{escape(rubric.title(lang))}</h1>",
           f'<div class="sub">{escape(t["class"])} · {datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}</div>']

    mean = statistics.mean(scores) if scores else 0.0
    median = statistics.median(scores) if scores else 0.0
    out.append(f'<section id="summary" class="cards" data-learners="{len(rows)}" data-passed="{passed}">')
    for value, label in ((len(rows), t["learners"]), (f"{passed}/{len(rows)}", t["passed"]),
                         (f"{mean:.1f}/{max_score:g}", t["mean"]), (f"{median:g}", t["median"]),
                         (len(rows) - len(graded), t["not_graded"])):
        out.append(f'<div class="card"><b>{escape(str(value))}</b>{escape(label)}</div>')
    out.append("</section>")

    # Pass rates as an inline SVG bar chart: readable offline and in a screenshot.
    out.append(f"<h2>{escape(t['rates'])}</h2>")
    bar_h, label_w, width = 22, 330, 760
    height = bar_h * len(order) + 10
    out.append(f'<svg id="pass-rates" width="{width}" height="{height}" role="img" aria-label="{escape(t["rates"])}">')
    for i, code in enumerate(order):
        statuses = per_check[code]
        rate = sum(1 for s in statuses if s in ("pass", "warn")) / len(statuses)
        y = i * bar_h + 4
        w = max(1.0, (width - label_w - 60) * rate)
        colour = "#1a7f37" if rate >= 0.8 else ("#bf8700" if rate >= 0.5 else "#cf222e")
        label = f"{code} {titles.get(code, '')}"
        out.append(f'<text x="0" y="{y + 15}">{escape(label[:44])}</text>'
                   f'<rect class="bar" data-code="{escape(code)}" data-rate="{rate:.3f}" x="{label_w}" y="{y}" '
                   f'width="{w:.1f}" height="{bar_h - 6}" fill="{colour}"/>'
                   f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{rate:.0%}</text>')
    out.append("</svg>")

    out.append(f"<h2>{escape(t['mistakes'])}</h2>")
    if mistakes:
        out.append(f"<table id=\"mistakes\"><tr><th>{escape(t['check'])}</th><th>#</th><th>{escape(t['fix'])}</th></tr>")
        for code, n in mistakes.most_common(8):
            out.append(f"<tr><td><b>{escape(code)}</b> {escape(titles.get(code, ''))}</td>"
                       f"<td>{n}/{len(graded)}</td><td class=\"fix\">{escape(fixes.get(code, ''))}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{escape(t['none'])}</p>")

    out.append(f"<h2>{escape(t['learner'])}</h2>")
    out.append(f"<table id=\"learners\"><tr><th>{escape(t['learner'])}</th><th>{escape(t['verdict'])}</th>"
               f"<th>{escape(t['score'])}</th><th>{escape(t['failing'])}</th></tr>")
    for r in rows:
        failing = [res["code"] for res in (r.report or {}).get("results", []) if res["status"] == "fail"]
        if r.verdict in ("error", "not-graded"):
            failing = [r.error or ""]  # why it could not be graded says more than a list of codes
        score = f"{r.score:g}/{r.max_score:g}" if r.report else "—"
        out.append(f'<tr><td><a href="#l-{escape(r.id)}">{escape(r.id)}</a></td><td>{_verdict(r.verdict)}</td>'
                   f"<td>{score}</td><td>{escape(', '.join(failing) or (r.error or ''))}</td></tr>")
    out.append("</table>")

    for r in rows:
        out.append(f'<details id="l-{escape(r.id)}"><summary>{escape(r.id)} {_verdict(r.verdict)} '
                   f"{(f'{r.score:g}/{r.max_score:g}' if r.report else '')}</summary>")
        if r.report is None:
            out.append(f"<p>{escape(r.error or '')}</p></details>")
            continue
        out.append(f"<table><tr><th>{escape(t['check'])}</th><th>{escape(t['where'])}</th>"
                   f"<th>{escape(t['message'])}</th></tr>")
        for res in r.report["results"]:
            where = f"{res['file']}:{res['line']}" if res.get("file") and res.get("line") else (res.get("file") or "")
            mark = {"pass": "✓", "fail": "✗", "warn": "!", "skip": "–", "error": "E"}[res["status"]]
            msg = escape(res["message"]) if res["status"] != "pass" else ""
            if res.get("hint") and res["status"] != "pass":
                msg += f'<br><span class="fix">{escape(t["fix"])}: {escape(res["hint"])}</span>'
            out.append(f"<tr><td>{mark} {escape(res['code'])} {escape(res['title'])}</td>"
                       f"<td><code>{escape(where)}</code></td><td>{msg}</td></tr>")
        out.append("</table></details>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
