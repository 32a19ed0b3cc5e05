"""`grader explain CODE`: one check's page, like `ruff rule`, wrapped to the terminal's width
by display width (Hangul is two columns wide), never inside a code span; the last line is the
check's page on the documentation site."""

from __future__ import annotations

import textwrap

from grader.i18n.wrap import fill, terminal_width
from grader.report.links import more
from grader.rubric import CheckSpec

HEAD = {
    "en": (
        "Why it matters",
        "Fails",
        "Passes",
        "How to fix",
        "required",
        "advisory",
        "points",
        "Asks",
        "What the grader follows",
    ),
    "ko": (
        "왜 중요한가요",
        "실패하는 예",
        "통과하는 예",
        "고치는 법",
        "필수",
        "권장",
        "점",
        "요구 사항",
        "채점기가 따라가는 것",
    ),
}


def render(spec: CheckSpec, lang: str, width: int | None = None) -> str:
    width = width or terminal_width()
    why, bad, good, fix, req, adv, pts, ask, follows = HEAD.get(lang, HEAD["en"])
    kind = req if spec.required else adv
    lines = [
        f"# {spec.slug} ({spec.code})",
        "",
        fill(spec.text("title", lang), width),
        "",
        f"{kind}, {spec.points:g}{'' if lang == 'ko' else ' '}{pts}" + (f" · {ask}: {spec.ask}" if spec.ask else ""),
        "",
        f"## {why}",
        "",
        fill(spec.text("why", lang), width),
        "",
    ]
    if spec.texts.example_fail:
        lines += [f"## {bad}", "", textwrap.indent(spec.texts.example_fail.rstrip(), "    "), ""]
    if spec.texts.example_pass:
        lines += [f"## {good}", "", textwrap.indent(spec.texts.example_pass.rstrip(), "    "), ""]
    lines += [f"## {fix}", "", fill(spec.text("fix", lang), width), ""]
    if spec.texts.follows is not None:
        lines += [f"## {follows}", "", fill(spec.texts.follows.get(lang), width), ""]
    lines += [more(spec.code, lang), ""]  # never wrapped: a terminal opens an address it sees whole
    return "\n".join(lines)
