"""R10: one replica restarts while the others serve, and takes requests again once it is back.

Where scale-up showed that nginx keeps the addresses it found earlier (a name resolved once, or
an answer cached for minutes), nginx still sends to the replicas scale-down removed, and whether
a restarted replica is reached depends on the address Docker gives it back. That outcome would
change from run to run for the same files, so it is not judged here: the phase says it follows
from R107, every time."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R109"
SLUG = "runtime.restart-one"
NEEDS = ("runtime.api",)
KEYS = ("pass", "follows_scale_up", "count", "not_back", "fail", "unmeasured", "not_serving", "not_serving_moved")


def run(stack: Stack) -> PhaseOutcome:
    if stack.stale_addresses():
        host = stack.resolution.host or "backend"
        return PhaseOutcome([stack.at_route(Status.BLOCKED, "follows_scale_up", host=host, blocked_by="R107")])
    replicas = stack.running()
    if not replicas:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "count", want=1, running=0)])
    victim = replicas[0]
    address_before = stack.engine.addresses(victim.id)

    def action() -> tuple[bool, str]:
        try:
            stack.engine.restart(victim.id, timeout=10)
        except Exception as e:
            return False, str(e)
        ready, _, _ = stack.wait_replicas(len(replicas), stack.opt.ready_timeout)
        return ready, ""

    ok, _, load = stack.under_load(action)
    if not ok:
        _, details = stack.load_verdict(load.stop(), {})
        return PhaseOutcome([stack.at_compose(Status.FAIL, "not_back", replica=victim.name,
                                              seconds=f"{stack.opt.ready_timeout:g}")], details)
    address_after = stack.engine.addresses(victim.id)
    moved = address_after != address_before
    wait = stack.rejoin_wait(moved)
    # Whether the restarted replica takes requests again is watched while the steady load's
    # last requests finish; their outcome is counted all the same before any verdict.
    counts, sent, took = stack.until_served([victim.id], wait)
    params: dict[str, Any] = {"replica": victim.name}
    status, details = stack.load_verdict(load.stop(), params)
    if status is not Status.PASS:
        return PhaseOutcome([stack.at_route(Status.FAIL, "fail", **params)], details)
    details.append({"message": f"{victim.name}: address {', '.join(address_before) or '?'} before, "
                               f"{', '.join(address_after) or '?'} after the restart"})
    if victim.id not in counts:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "unmeasured", replicas=victim.name)], details)
    details.append({"message": f"{victim.name}: accepted {counts[victim.id]} connections in {took:.1f} s "
                               f"({sent} requests; bound: {wait.describe})"})
    if counts[victim.id] == 0:
        if wait.requests is not None:
            return PhaseOutcome([stack.at_route(Status.FAIL, "not_serving_moved", replica=victim.name,
                                                before=", ".join(address_before), after=", ".join(address_after),
                                                requests=sent)], details)
        return PhaseOutcome([stack.at_route(Status.FAIL, "not_serving", replica=victim.name, requests=sent,
                                            seconds=f"{took:.0f}")], details)
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", **params)], details)
