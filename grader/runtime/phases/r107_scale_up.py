"""R8: replicas added while the stack runs get requests, with nginx left running.

How long to wait is not guessed: it follows from how nginx resolves the backend (see
Stack.traffic_wait). With `resolver ... valid=10s` and a variable in proxy_pass, nginx asks
Docker's DNS again after 10 s, so the new replicas must accept a connection within 10 s plus a
margin. A name written literally is looked up once, when nginx starts: the new replicas cannot
be reached, and a fixed number of requests (six rounds over the replicas) confirms it. A
replica "got requests" when its network namespace accepted a TCP connection (Engine.accepted)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R107"
SLUG = "runtime.scale-up"
NEEDS = ("runtime.api",)
KEYS = ("pass", "scale_failed", "not_ready", "unmeasured", "fail_once", "fail_long_valid", "fail",
        "nginx_restarted")


def run(stack: Stack) -> PhaseOutcome:
    count = stack.opt.scale_up
    before = {r.id for r in stack.running()}
    nginx_before = stack.frontend_started()
    r = stack.scale(count)
    if not r.ok:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "scale_failed", count=count, error=tail(r.output, 1))],
                            output=tail(r.output, 20))
    ok, replicas, _ = stack.wait_replicas(count, stack.opt.ready_timeout)
    if not ok:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "not_ready", count=count)], stack.replica_details(replicas))
    new = [r for r in replicas if r.id not in before]
    wait = stack.traffic_wait(count)
    counts, sent, took = stack.until_served([r.id for r in new], wait)
    details = [{"replica": r.name, "connections": counts.get(r.id), "served": counts.get(r.id, 0) > 0,
                "message": f"{r.name} (new): accepted {counts[r.id]} connections" if r.id in counts
                else f"{r.name} (new): could not be measured"} for r in new]
    details.append({"message": f"waited {took:.1f} s, {sent} requests (bound: {wait.describe}, "
                               f"nginx resolves {stack.resolution.host or 'the backend'}: {wait.reason})"})
    unread = [r.name for r in new if r.id not in counts]
    if unread:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "unmeasured", replicas=", ".join(unread))], details)
    idle = [r.name for r in new if counts[r.id] == 0]
    if idle:
        params = {"replicas": ", ".join(idle), "requests": sent, "host": stack.resolution.host or "backend"}
        if wait.reason == "once":
            finding = stack.at_route(Status.FAIL, "fail_once", **params)
        elif wait.reason == "long-valid":
            finding = stack.at_route(Status.FAIL, "fail_long_valid", valid=f"{wait.valid:g}",
                                     longest=f"{stack.opt.longest_valid:g}", **params)
        else:
            finding = stack.at_route(Status.FAIL, "fail", seconds=f"{took:.0f}", **params)
        # nginx still holds the addresses it found before: later phases decide by this.
        facts = {"stale_addresses": wait.reason in ("once", "long-valid")}
        return PhaseOutcome([finding], details, facts=facts)
    if stack.frontend_started() != nginx_before:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "nginx_restarted")], details)
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", count=count, new=len(new), requests=sent,
                                          seconds=f"{took:.1f}")], details)
