"""`grader explain CODE`: one check's page, like `ruff rule`."""
from __future__ import annotations

import textwrap

from grader.rubric import CheckSpec

HEAD = {
    "en": ("Why it matters", "Fails", "Passes", "How to fix", "required", "advisory", "points", "Asks"),
    "ko": ("왜 중요한가요", "실패하는 예", "통과하는 예", "고치는 법", "필수", "권장", "점", "요구 사항"),
}


def render(spec: CheckSpec, lang: str) -> str:
    why, bad, good, fix, req, adv, pts, ask = HEAD.get(lang, HEAD["en"])
    kind = req if spec.required else adv
    lines = [f"# {spec.slug} ({spec.code})", "", spec.text("title", lang), "",
             f"{kind}, {spec.points:g} {pts}" + (f" · {ask}: {spec.ask}" if spec.ask else ""), "",
             f"## {why}", "", textwrap.fill(spec.text("why", lang), 88), ""]
    if spec.data.get("example_fail"):
        lines += [f"## {bad}", "", textwrap.indent(spec.data["example_fail"].rstrip(), "    "), ""]
    if spec.data.get("example_pass"):
        lines += [f"## {good}", "", textwrap.indent(spec.data["example_pass"].rstrip(), "    "), ""]
    lines += [f"## {fix}", "", textwrap.fill(spec.text("fix", lang), 88), ""]
    return "\n".join(lines)
