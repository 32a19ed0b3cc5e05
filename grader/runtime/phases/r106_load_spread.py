"""R6: requests are spread over every replica. A fixed number of requests goes through the
frontend; each replica's share is the TCP connections its network namespace accepted meanwhile
(see Engine.accepted): measured outside the app, and moved by nothing but connections."""
from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R106"
SLUG = "runtime.load-spread"
NEEDS = ("runtime.api",)
KEYS = ("pass", "no_traffic", "unmeasured", "errors", "fail")


def run(stack: Stack) -> PhaseOutcome:
    replicas = stack.running()
    ids = [r.id for r in replicas]
    sent = stack.opt.requests
    counts, ok = stack.measured(sent, ids)
    unread = [r.name for r in replicas if r.id not in counts]
    if unread:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "unmeasured", replicas=", ".join(unread))])
    total = sum(counts.values())
    if total <= 0:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "no_traffic", requests=sent)])
    shares = [(r.name, counts[r.id], counts[r.id] / total) for r in replicas]
    stack.progress.shares([(n, s) for n, _, s in shares])
    details = [{"replica": n, "connections": c, "share": round(s, 4),
                "message": f"{n}: {c} of {total} connections ({s:.0%})"} for n, c, s in shares]
    floor = stack.spread_floor(stack.opt.fair_share, len(replicas))
    if ok < sent * stack.opt.min_success:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "errors", ok=ok, sent=sent)], details)
    starved = [(n, s) for n, _, s in shares if s < floor]
    if starved:
        name, share = min(starved, key=lambda x: x[1])
        return PhaseOutcome([stack.at_route(Status.FAIL, "fail", replica=name, share=f"{share:.0%}",
                                            floor=f"{floor:.0%}", requests=sent)], details)
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", replicas=len(replicas), requests=sent,
                                          lowest=f"{min(s for _, _, s in shares):.0%}")], details)
