"""What a runtime phase returns, and the small helpers every phase uses. Kept apart from the
stack and the scenario so that phases, the contract runner and the scenario import it without
importing each other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from grader.results import Finding


@dataclass
class PhaseOutcome:
    """What one runtime phase found."""

    findings: list[Finding]
    details: list[dict[str, Any]] = field(default_factory=list)
    output: str | None = None
    seconds: float = 0.0
    # What the phase learnt about the stack that a later phase decides by (not shown).
    facts: dict[str, Any] = field(default_factory=dict)


def backoff(timeout: float, first: float = 0.2, most: float = 2.0) -> Iterator[float]:
    """Yields the elapsed time before each attempt, sleeping between them with growing pauses.
    A signal ends the sleep and raises Interrupted (outside clean-up)."""
    from grader import interrupt

    start = time.monotonic()
    pause = first
    while True:
        elapsed = time.monotonic() - start
        yield elapsed
        if elapsed + pause > timeout:
            return
        interrupt.sleep(pause)
        pause = min(pause * 1.6, most)


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])
