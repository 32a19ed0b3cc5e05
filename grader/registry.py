"""Every check the grader knows, static and runtime, as code -> slug: what a rubric may name."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.texts import CheckTexts


def known_checks() -> dict[str, str]:
    from grader.checks import MODULES
    from grader.runtime.phases import PHASES

    return {**{m.CODE: m.SLUG for m in MODULES}, **{p.CODE: p.SLUG for p in PHASES}}


def known_texts() -> dict[str, CheckTexts]:
    """code -> the texts beside each check and runtime phase."""
    from grader.checks import MODULES
    from grader.runtime.phases import PHASES

    return {m.CODE: m.TEXTS for m in (*MODULES, *PHASES)}
