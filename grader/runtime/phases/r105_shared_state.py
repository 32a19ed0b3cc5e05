"""R5: posts written through one replica are read through every replica. Posts are created
through the frontend (so they land on different replicas), then read back many times."""
from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome
from grader.runtime.phases.r104_api import body

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R105"
SLUG = "runtime.shared-state"
NEEDS = ("runtime.api",)
KEYS = ("pass", "create_failed", "fail")


def volume_line(stack: Stack) -> int | None:
    svc = stack.model.service(stack.backend)
    if svc is None:
        return None
    return svc.line_of("volumes") if "volumes" in svc.node.items else svc.line


def run(stack: Stack) -> PhaseOutcome:
    assert stack.client is not None
    marker = f"grader-{stack.run_id}-shared"
    made = []
    for i in range(2 * stack.opt.replicas):
        r = stack.client.post(stack.opt.create_path, body(stack, f"{marker}-{i}"))
        if not r.ok:
            return PhaseOutcome([stack.at_compose(Status.FAIL, "create_failed", request=r.describe())])
        made.append(f"{marker}-{i}")
    reads = 3 * stack.opt.replicas
    missing_reads = []
    for _ in range(reads):
        r = stack.client.get(stack.opt.list_path)
        text = r.body.decode("utf-8", "replace")
        missing = [m for m in made if m not in text]
        if not r.ok or missing:
            missing_reads.append(len(missing) if r.ok else len(made))
    if missing_reads:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "fail", volume_line(stack), created=len(made),
                                              bad_reads=len(missing_reads), reads=reads,
                                              missing=max(missing_reads))])
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", created=len(made), reads=reads)])
