"""R2: `docker compose up --scale backend=3` succeeds. A failure is traced to its cause in the
compose file: a fixed container_name, a fixed host port, a dependency that did not start."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R102"
SLUG = "runtime.up-scaled"
NEEDS = ("runtime.build",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The stack starts with the backend scaled to 3",
        ko="백엔드를 3개로 스케일해 스택이 시작됩니다",
    ),
    why=Text(
        en="`docker compose up --scale backend=3` is the heart of the step. It fails when the backend "
        "has a fixed `container_name` (names are unique) or a fixed host port (a port binds once).",
        ko="`docker compose up --scale backend=3`이 이 단계의 핵심입니다. 백엔드에 고정된 "
        "`container_name`(이름은 유일해야 함)이나 고정 호스트 포트(포트는 한 번만 바인딩됨)가 있으면 "
        "실패합니다.",
    ),
    fix=Text(
        en="Remove `container_name` and host `ports` from the backend, then run "
        "`docker compose up -d --scale backend=3`.",
        ko="백엔드에서 `container_name`과 호스트 `ports`를 지운 뒤 "
        "`docker compose up -d --scale backend=3`을 실행하세요.",
    ),
    messages={
        "pass": Message(
            en="`up --scale backend={replicas}` succeeded.",
            ko="`up --scale backend={replicas}`{가} 성공했습니다.",
            params=("replicas",),
        ),
        "timeout": Message(
            en="`up` did not finish within {seconds} s.",
            ko="`up`이 {seconds}초 안에 끝나지 않았습니다.",
            params=("seconds",),
        ),
        "container_name": Message(
            en="Service {service} has container_name: {value}; Docker cannot give three containers one "
            "name, so `up --scale` stopped.",
            ko="{service} 서비스에 container_name: {value}{이} 있어 세 컨테이너에 같은 이름을 붙일 수 "
            "없으므로 `up --scale`이 멈췄습니다.",
            params=("service", "value"),
        ),
        "port_conflict": Message(
            en="Service {service} publishes a fixed host port; the second replica could not bind it "
            '("port is already allocated").',
            ko="{service} 서비스가 고정 호스트 포트를 게시해 두 번째 복제본이 그 포트를 쓸 수 없었습니다 "
            '("port is already allocated").',
            params=("service",),
        ),
        "dependency": Message(
            en="A dependency did not start: container {container} {reason}.",
            ko="의존 서비스가 시작되지 않았습니다: 컨테이너 {container}{가} {reason} 상태입니다.",
            params=("container", "reason"),
        ),
        "fail": Message(
            en="`up --scale` failed: {error}",
            ko="`up --scale`이 실패했습니다: {error}",
            params=("error",),
        ),
    },
)


def run(stack: Stack) -> PhaseOutcome:
    svc = stack.model.service(stack.backend)
    assert svc is not None
    r = stack.compose_run(
        "up", "--detach", "--no-build", "--scale", f"{stack.backend}={stack.opt.replicas}", timeout=stack.opt.up_timeout
    )
    if r.ok:
        return PhaseOutcome(
            [stack.at_compose(Status.PASS, "pass", replicas=stack.opt.replicas)], output=tail(r.output, 10)
        )
    out = r.output
    if r.timed_out:
        f = stack.at_compose(Status.FAIL, "timeout", seconds=f"{stack.opt.up_timeout:g}")
    elif svc.container_name is not None or re.search(r"custom container name|is already in use by container", out):
        name = svc.container_name.value if svc.container_name else "?"
        f = stack.at_compose(
            Status.FAIL,
            "container_name",
            svc.container_name.line if svc.container_name else None,
            service=stack.backend,
            value=name,
        )
    elif re.search(r"port is already allocated|address already in use|Bind for", out):
        fixed = [p for p in svc.ports if p.published]
        f = stack.at_compose(
            Status.FAIL, "port_conflict", fixed[0].line if fixed else svc.ports_line, service=stack.backend
        )
    elif m := re.search(r"dependency failed to start: container (\S+) (is unhealthy|exited \(\d+\))", out):
        f = stack.at_compose(Status.FAIL, "dependency", svc.depends_on_line, container=m.group(1), reason=m.group(2))
    else:
        last = next((ln for ln in reversed(out.strip().splitlines()) if ln.strip()), "")
        f = stack.at_compose(Status.FAIL, "fail", error=last.strip()[:300])
    return PhaseOutcome([f], output=tail(out, 30))
