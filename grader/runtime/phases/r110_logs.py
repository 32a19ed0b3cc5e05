"""R4: every replica's logs can be read (what `docker compose logs backend` shows), each
replica's tail kept in the report."""
from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R110"
SLUG = "runtime.logs"
NEEDS = ("runtime.up-scaled",)
KEYS = ("pass", "fail", "empty")


def run(stack: Stack) -> PhaseOutcome:
    details = []
    unreadable, empty = [], []
    for r in stack.replicas():
        try:
            text, cut = stack.engine.logs(r.id, stack.opt.log_bytes)
        except Exception as e:
            unreadable.append(f"{r.name} ({e.__class__.__name__})")
            continue
        lines = text.splitlines()
        if not lines:
            empty.append(r.name)
        details.append({"replica": r.name, "lines": len(lines), "truncated": cut,
                        "message": f"{r.name}: {len(lines)} lines" + (" (cut to the last part)" if cut else ""),
                        "output": tail(text, 12)})
    if unreadable:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "fail", replicas=", ".join(unreadable))], details)
    if empty:
        return PhaseOutcome([stack.at_compose(Status.WARN, "empty", replicas=", ".join(empty))], details)
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", count=len(details))], details)
