"""Every check the grader knows, static and runtime, as code -> slug: what a rubric may name."""
from __future__ import annotations


def known_checks() -> dict[str, str]:
    from grader.checks import MODULES
    from grader.runtime.phases import PHASES

    return {**{m.CODE: m.SLUG for m in MODULES}, **{p.CODE: p.SLUG for p in PHASES}}
