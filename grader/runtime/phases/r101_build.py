"""R1: the stack builds. `docker compose build`; a failure points at the Dockerfile line of
the step that failed, or names the base image that is missing."""
from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from grader.results import Finding, Status
from grader.runtime.outcome import PhaseOutcome, tail

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R101"
SLUG = "runtime.build"
NEEDS: tuple[str, ...] = ()
KEYS = ("pass", "nothing_to_build", "timeout", "base_image_missing", "fail")

MISSING_IMAGE = re.compile(r"(?:pull access denied for|failed to resolve source metadata for|"
                           r"not found: manifest unknown|No such image:?)\s*([^\s,:]+(?::[^\s,]+)?)")


def run(stack: Stack) -> PhaseOutcome:
    if not any(s.build for s in stack.model.services.values()):
        return PhaseOutcome([stack.at_compose(Status.PASS, "nothing_to_build")])
    r = stack.compose_run("build", timeout=stack.opt.build_timeout)
    if r.ok:
        return PhaseOutcome([stack.at_compose(Status.PASS, "pass", seconds=f"{r.seconds:.1f}")],
                            output=tail(r.output, 5))
    if r.timed_out:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "timeout", seconds=f"{stack.opt.build_timeout:g}")],
                            output=tail(r.output, 40))
    missing = MISSING_IMAGE.search(r.output)
    if missing:
        image = missing.group(1).replace("docker.io/library/", "")
        return PhaseOutcome([stack.at_compose(Status.FAIL, "base_image_missing", image=image)],
                            output=tail(r.output, 40))
    step, file, line = failed_step(stack, r.output)
    return PhaseOutcome([Finding(Status.FAIL, "fail", {"step": step or "?"}, file or stack.ws.compose_rel, line)],
                        output=tail(r.output, 40))


def failed_step(stack: Stack, output: str) -> tuple[str | None, str | None, int | None]:
    """The build step that failed ('[backend 3/4] RUN pip install ...') and, when it can be
    found, the Dockerfile line it came from."""
    failed = re.findall(r"^#(\d+) ERROR", output, re.M)
    if not failed:
        m = re.search(r"failed to solve: .*?\[(\w[\w.-]*) [^\]]*\] (.+?):", output)
        return (m.group(0)[:160] if m else None), None, None
    num = failed[-1]
    m = re.search(rf"^#{num} \[([\w.-]+)(?: [^\]]*)?\] (.+)$", output, re.M)
    if not m:
        return None, None, None
    service, instruction = m.group(1), m.group(2).strip()
    svc = stack.model.service(service)
    if svc is None or svc.build is None:
        return f"[{service}] {instruction}", None, None
    df_rel = posixpath.normpath(posixpath.join(stack.ws.compose_dir or ".", svc.build.context, svc.build.dockerfile))
    try:
        text = stack.ws.root.read(df_rel).text
    except Exception:
        return f"[{service}] {instruction}", None, None
    wanted = " ".join(instruction.split())
    for i, src in enumerate(text.splitlines(), 1):
        line = " ".join(src.split())
        if line and not line.startswith("#") and (line in wanted or wanted in line):
            return f"[{service}] {instruction}", df_rel, i
    return f"[{service}] {instruction}", df_rel, None
