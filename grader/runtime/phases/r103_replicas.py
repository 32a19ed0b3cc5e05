"""R3: the replicas keep running (and are healthy where they have a healthcheck). A replica
that exits or keeps restarting ends the wait at once, with its log."""
from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R103"
SLUG = "runtime.replicas"
NEEDS = ("runtime.up-scaled",)
KEYS = ("pass", "broken", "timeout")


def run(stack: Stack) -> PhaseOutcome:
    want = stack.opt.replicas
    ok, replicas, why = stack.wait_replicas(want, stack.opt.ready_timeout, stack.opt.steady)
    details = stack.replica_details(replicas)
    if ok:
        return PhaseOutcome([stack.at_compose(Status.PASS, "pass", count=want)], details)
    svc = stack.model.service(stack.backend)
    # The replica to show: one not running, else unhealthy, else the one restarted most.
    bad = max(replicas, key=lambda r: (r.status != "running", r.health == "unhealthy", r.restart_count),
              default=None)
    out = None
    if bad is not None:
        out, _ = stack.engine.logs(bad.id, 8 * 1024)
        out = tail(out, 20)
    running = sum(1 for r in replicas if r.status == "running")
    return PhaseOutcome([stack.at_compose(Status.FAIL, why, svc.line if svc else None, want=want,
                                          running=running, replica=bad.name if bad else "?",
                                          state=details[replicas.index(bad)]["message"] if bad else "",
                                          seconds=f"{stack.opt.ready_timeout:g}")], details, out)
