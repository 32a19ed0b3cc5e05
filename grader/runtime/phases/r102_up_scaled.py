"""R2: `docker compose up --scale backend=3` succeeds. A failure is traced to its cause in the
compose file: a fixed container_name, a fixed host port, a dependency that did not start."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R102"
SLUG = "runtime.up-scaled"
NEEDS = ("runtime.build",)
KEYS = ("pass", "timeout", "container_name", "port_conflict", "dependency", "fail")


def run(stack: Stack) -> PhaseOutcome:
    svc = stack.model.service(stack.backend)
    assert svc is not None
    r = stack.compose_run("up", "--detach", "--no-build", "--scale", f"{stack.backend}={stack.opt.replicas}",
                          timeout=stack.opt.up_timeout)
    if r.ok:
        return PhaseOutcome([stack.at_compose(Status.PASS, "pass", replicas=stack.opt.replicas)],
                            output=tail(r.output, 10))
    out = r.output
    if r.timed_out:
        f = stack.at_compose(Status.FAIL, "timeout", seconds=f"{stack.opt.up_timeout:g}")
    elif svc.container_name is not None or re.search(r"custom container name|is already in use by container", out):
        name = svc.container_name.value if svc.container_name else "?"
        f = stack.at_compose(Status.FAIL, "container_name", svc.container_name.line if svc.container_name else None,
                             service=stack.backend, value=name)
    elif re.search(r"port is already allocated|address already in use|Bind for", out):
        fixed = [p for p in svc.ports if p.published]
        f = stack.at_compose(Status.FAIL, "port_conflict", fixed[0].line if fixed else svc.ports_line,
                             service=stack.backend)
    elif m := re.search(r"dependency failed to start: container (\S+) (is unhealthy|exited \(\d+\))", out):
        f = stack.at_compose(Status.FAIL, "dependency", svc.depends_on_line, container=m.group(1),
                             reason=m.group(2))
    else:
        last = next((ln for ln in reversed(out.strip().splitlines()) if ln.strip()), "")
        f = stack.at_compose(Status.FAIL, "fail", error=last.strip()[:300])
    return PhaseOutcome([f], output=tail(out, 30))
