"""The class report: one HTML file that opens offline (no scripts, no outside resources):
the class summary, a chart of pass rates per check, the most common mistakes with their fix,
and a section per learner with every finding. It reads from a phone's 390 px to a wide
screen. Everything a learner wrote is escaped. Each check's code links to its page on the
documentation site (grader.report.links), the one address in the file."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime
from html import escape
from typing import Any

from grader.report.context import FormatContext
from grader.rubric import Rubric

TEXT = {
    "en": {
        "learners": "learners",
        "passed": "passed",
        "mean": "mean score",
        "median": "median",
        "not_graded": "not graded",
        "rates": "Pass rate per check",
        "mistakes": "Most common mistakes",
        "learner": "Learner",
        "verdict": "Verdict",
        "score": "Score",
        "failing": "Not passing",
        "fix": "Fix",
        "times": "learners",
        "none": "No check failed for anyone.",
        "class": "Class",
        "check": "Check",
        "where": "Where",
        "message": "What was found",
        "nobody": "No learner could be graded yet, so there are no rates or mistakes to show.",
        "basis": "Rates, mistakes, mean and median count the {n} graded learners. Learners whose "
        "submission could not be graded or fetched ({m}) are counted apart and listed below "
        "with the reason.",
    },
    "ko": {
        "learners": "명",
        "passed": "통과",
        "mean": "평균 점수",
        "median": "중앙값",
        "not_graded": "채점 안 됨",
        "rates": "검사별 통과율",
        "mistakes": "가장 흔한 실수",
        "learner": "학습자",
        "verdict": "결과",
        "score": "점수",
        "failing": "통과 못 한 검사",
        "fix": "고치는 법",
        "times": "명",
        "none": "모든 학습자가 모든 검사를 통과했습니다.",
        "class": "반 전체",
        "check": "검사",
        "where": "위치",
        "message": "찾은 것",
        "nobody": "아직 채점된 학습자가 없어 통과율과 실수를 보여 줄 수 없습니다.",
        "basis": "통과율, 실수, 평균과 중앙값은 채점된 학습자 {n}명을 기준으로 합니다. 제출물을 채점하거나 "
        "가져올 수 없었던 {m}명은 아래에 이유와 함께 있습니다.",
    },
}
VERDICT_COLOUR = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#8250df", "not-graded": "#57606a"}
# Readable from a phone (390 px) to a wide screen: the chart is HTML that takes the width it is
# given, long words and paths wrap instead of widening a table, nothing has a fixed width.
CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans KR",sans-serif;margin:0;\
color:#1f2328;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px;overflow-wrap:anywhere}h2{font-size:19px;margin:28px 0 10px}
.sub{color:#57606a;margin-bottom:18px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 18px;flex:1 1 140px;min-width:0}
.card b{display:block;font-size:26px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eaeef2;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa;font-weight:600}
.v{color:#fff;border-radius:10px;padding:1px 9px;font-size:13px;white-space:nowrap}
details{background:#fff;border:1px solid #d0d7de;border-radius:8px;margin:8px 0;padding:8px 12px}
details table{border:0}
summary{cursor:pointer;font-weight:600;overflow-wrap:anywhere}
code{background:#eff1f3;border-radius:4px;padding:0 4px;overflow-wrap:anywhere}
.fix{color:#0550ae}
a.code{color:inherit;text-decoration-color:#8c959f}
td.n{white-space:nowrap;overflow-wrap:normal}
.note{color:#57606a}
#pass-rates{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:4px 12px;align-items:center}
#pass-rates .label{font-size:13px;overflow-wrap:anywhere}
#pass-rates .track{display:flex;align-items:center;gap:6px;min-width:0}
#pass-rates .bar{height:16px;border-radius:3px;min-width:1px}
#pass-rates .rate{font-size:13px;white-space:nowrap}
@media (max-width:600px){main{padding:12px}th,td{padding:5px 6px}#pass-rates{grid-template-columns:minmax(0,1fr)}
#pass-rates .track{margin-bottom:6px}}
"""


def _verdict(v: str, label: str | None = None) -> str:
    return f'<span class="v" style="background:{VERDICT_COLOUR.get(v, "#57606a")}">{escape(label or v)}</span>'


def _code(code: str, ctx: FormatContext) -> str:
    """A check's code, linked to its page."""
    return f'<a class="code" href="{escape(ctx.page(code))}">{escape(code)}</a>'


def render(rows: list[Any], rubric: Rubric, lang: str = "en") -> str:
    t = TEXT.get(lang, TEXT["en"])
    # One rule for every figure: what is computed is over the learners who got a grade (pass or
    # fail); a submission that could not be graded (input error) or fetched is counted apart,
    # listed with its reason, and never a 0 in the mean or a mistake in the rates.
    graded = [r for r in rows if r.report is not None and r.verdict in ("pass", "fail")]
    ungraded = [r for r in rows if r not in graded]
    scores = [r.score for r in graded]
    max_score = max(
        (r.max_score for r in graded),
        default=sum(c.points for c in rubric.checks if c.enabled and not c.slug.startswith("runtime.")),
    )
    passed = sum(1 for r in rows if r.verdict == "pass")
    ctx = FormatContext(rubric, lang)
    titles = {c.code: c.text("title", lang) for c in rubric.checks}
    fixes = {c.code: c.text("fix", lang) for c in rubric.checks}

    per_check: dict[str, list[str]] = {}
    mistakes: Counter[str] = Counter()
    for r in graded:
        for res in r.report["results"]:
            if res["status"] in ("skip", "error", "blocked"):
                continue  # does not apply, its file could not be read, or another check's cause blocks it
            per_check.setdefault(res["code"], []).append(res["status"])
            if res["status"] == "fail":
                mistakes[res["code"]] += 1
    order = [c.code for c in rubric.checks if c.code in per_check]

    out = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(rubric.title(lang))}: {escape(t['class'])}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{escape(rubric.title(lang))}</h1>",
        f'<div class="sub">{escape(t["class"])} · {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}</div>',
    ]

    mean = f"{statistics.mean(scores):.1f}/{max_score:g}" if scores else "—"
    median = f"{statistics.median(scores):g}" if scores else "—"
    out.append(
        f'<section id="summary" class="cards" data-learners="{len(rows)}" data-passed="{passed}" '
        f'data-graded="{len(graded)}" data-not-graded="{len(ungraded)}">'
    )
    for value, label in (
        (len(rows), t["learners"]),
        (f"{passed}/{len(rows)}", t["passed"]),
        (mean, t["mean"]),
        (median, t["median"]),
        (len(ungraded), t["not_graded"]),
    ):
        out.append(f'<div class="card"><b>{escape(str(value))}</b>{escape(label)}</div>')
    out.append("</section>")
    if ungraded and graded:
        out.append(f'<p class="note">{escape(t["basis"].format(n=len(graded), m=len(ungraded)))}</p>')

    # Pass rates as HTML bars: readable offline, in a screenshot and at any width.
    out.append(f"<h2>{escape(t['rates'])}</h2>")
    if not graded:
        out.append(f'<p class="note" id="nobody">{escape(t["nobody"])}</p>')
    else:
        out.append(f'<div id="pass-rates" role="img" aria-label="{escape(t["rates"])}">')
        for code in order:
            statuses = per_check[code]
            rate = sum(1 for s in statuses if s in ("pass", "warn")) / len(statuses)
            colour = "#1a7f37" if rate >= 0.8 else ("#bf8700" if rate >= 0.5 else "#cf222e")
            out.append(
                f'<div class="label">{_code(code, ctx)} {escape(titles.get(code, ""))}</div>'
                f'<div class="track"><div class="bar" data-code="{escape(code)}" data-rate="{rate:.3f}" '
                f'style="width:{rate * 85:.1f}%;background:{colour}"></div>'
                f'<span class="rate">{rate:.0%}</span></div>'
            )
        out.append("</div>")

    out.append(f"<h2>{escape(t['mistakes'])}</h2>")
    if not graded:
        out.append(f'<p class="note">{escape(t["nobody"])}</p>')
    elif mistakes:
        out.append(f'<table id="mistakes"><tr><th>{escape(t["check"])}</th><th>#</th><th>{escape(t["fix"])}</th></tr>')
        for code, n in mistakes.most_common(8):
            out.append(
                f"<tr><td><b>{_code(code, ctx)}</b> {escape(titles.get(code, ''))}</td>"
                f'<td class="n">{n}/{len(graded)}</td><td class="fix">{escape(fixes.get(code, ""))}</td></tr>'
            )
        out.append("</table>")
    else:
        out.append(f"<p>{escape(t['none'])}</p>")

    out.append(f"<h2>{escape(t['learner'])}</h2>")
    out.append(
        f'<table id="learners"><tr><th>{escape(t["learner"])}</th><th>{escape(t["verdict"])}</th>'
        f"<th>{escape(t['score'])}</th><th>{escape(t['failing'])}</th></tr>"
    )
    for r in rows:
        failing = [res["code"] for res in (r.report or {}).get("results", []) if res["status"] == "fail"]
        if r.verdict in ("error", "not-graded"):
            failing = [r.error or ""]  # why it could not be graded says more than a list of codes
        score = f"{r.score:g}/{r.max_score:g}" if r in graded else "—"
        out.append(
            f'<tr><td><a href="#l-{escape(r.id)}">{escape(r.id)}</a></td><td>{_verdict(r.verdict)}</td>'
            f'<td class="n">{score}</td><td>{escape(", ".join(failing) or (r.error or ""))}</td></tr>'
        )
    out.append("</table>")

    for r in rows:
        out.append(
            f'<details id="l-{escape(r.id)}"><summary>{escape(r.id)} {_verdict(r.verdict)} '
            f"{(f'{r.score:g}/{r.max_score:g}' if r.report else '')}</summary>"
        )
        if r.report is None:
            out.append(f"<p>{escape(r.error or '')}</p></details>")
            continue
        out.append(
            f"<table><tr><th>{escape(t['check'])}</th><th>{escape(t['where'])}</th><th>{escape(t['message'])}</th></tr>"
        )
        for res in r.report["results"]:
            where = f"{res['file']}:{res['line']}" if res.get("file") and res.get("line") else (res.get("file") or "")
            mark = {"pass": "✓", "fail": "✗", "warn": "!", "skip": "–", "error": "E", "blocked": "⊘"}[res["status"]]
            msg = (
                "<br>".join(escape(f"{w}: {m}" if i and w else m) for i, (w, m) in enumerate(ctx.findings(res)))
                if res["status"] != "pass"
                else ""
            )
            if res.get("hint") and res["status"] != "pass":
                msg += f'<br><span class="fix">{escape(t["fix"])}: {escape(res["hint"])}</span>'
            out.append(
                f"<tr><td>{mark} {_code(res['code'], ctx)} {escape(res['title'])}</td>"
                f"<td><code>{escape(where)}</code></td><td>{msg}</td></tr>"
            )
        out.append("</table></details>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
