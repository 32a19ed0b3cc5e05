"""R8: the app keeps answering while the backend is scaled down under steady requests: nginx
must stop using removed replicas and retry another one instead of answering 502.

Where scale-up showed that nginx keeps the addresses it found earlier, the outcome depends on
which replicas Compose removes (it picks among replicas created in the same second in no fixed
order) and whether nginx happens to hold their addresses: it is not judged, and the phase says
it follows from R107, every time."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R108"
SLUG = "runtime.scale-down"
NEEDS = ("runtime.api",)
KEYS = ("pass", "follows_scale_up", "scale_failed", "count", "fail")


def run(stack: Stack) -> PhaseOutcome:
    if stack.stale_addresses():
        host = stack.resolution.host or "backend"
        return PhaseOutcome([stack.at_route(Status.BLOCKED, "follows_scale_up", host=host, blocked_by="R107")])
    count = stack.opt.scale_down

    def action() -> tuple[bool, str]:
        r = stack.scale(count)
        return r.ok, tail(r.output, 1)

    ok, info, load = stack.under_load(action)
    tally = load.stop()
    if not ok:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "scale_failed", count=count, error=info)])
    params: dict[str, Any] = {"count": count}
    status, details = stack.load_verdict(tally, params)
    running = len(stack.running())
    if status is Status.PASS and running != count:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "count", want=count, running=running)], details)
    if status is Status.PASS:
        return PhaseOutcome([stack.at_compose(Status.PASS, "pass", **params)], details)
    return PhaseOutcome([stack.at_route(Status.FAIL, "fail", **params)], details)
