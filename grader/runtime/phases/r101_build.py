"""R1: the stack builds. `docker compose build`; a failure points at the Dockerfile line of
the step that failed, or names the base image that is missing."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from grader.results import Finding, Status
from grader.runtime.outcome import PhaseOutcome, tail
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R101"
SLUG = "runtime.build"
NEEDS: tuple[str, ...] = ()

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The stack builds",
        ko="스택이 빌드됩니다",
    ),
    why=Text(
        en="Nothing else can be checked until `docker compose build` succeeds: every image the compose "
        "file builds must build from the submission's own files.",
        ko="`docker compose build`가 성공해야 나머지를 확인할 수 있습니다. compose 파일이 빌드하는 모든 "
        "이미지는 제출한 파일만으로 빌드되어야 합니다.",
    ),
    fix=Text(
        en="Run `docker compose build` yourself and fix the first step that fails (shown below with its "
        "Dockerfile line).",
        ko="직접 `docker compose build`를 실행해 처음 실패하는 단계(아래에 Dockerfile 줄과 함께 표시)를 고치세요.",
    ),
    messages={
        "pass": Message(
            en="Every image built ({seconds} s).",
            ko="모든 이미지가 빌드되었습니다 ({seconds}초).",
            params=("seconds",),
        ),
        "nothing_to_build": Message(
            en="No service has `build:`; nothing to build.",
            ko="`build:`가 있는 서비스가 없어 빌드할 것이 없습니다.",
        ),
        "timeout": Message(
            en="The build did not finish within {seconds} s.",
            ko="빌드가 {seconds}초 안에 끝나지 않았습니다.",
            params=("seconds",),
        ),
        "base_image_missing": Message(
            en="The base image {image} is not on this machine and cannot be pulled. Use an image tag "
            "that exists (the workshop uses nginx:1.30 and python:3.13-slim).",
            ko="베이스 이미지 {image}{가} 로컬에 없고 내려받을 수도 없습니다. 있는 이미지 태그를 쓰세요 "
            "(워크숍은 nginx:1.30, python:3.13-slim을 씁니다).",
            params=("image",),
        ),
        "fail": Message(
            en="The build failed at {step}.",
            ko="빌드가 {step} 단계에서 실패했습니다.",
            params=("step",),
        ),
    },
)

MISSING_IMAGE = re.compile(
    r"(?:pull access denied for|failed to resolve source metadata for|"
    r"not found: manifest unknown|No such image:?)\s*([^\s,:]+(?::[^\s,]+)?)"
)


def run(stack: Stack) -> PhaseOutcome:
    if not any(s.build for s in stack.model.services.values()):
        return PhaseOutcome([stack.at_compose(Status.PASS, "nothing_to_build")])
    r = stack.compose_run("build", timeout=stack.opt.build_timeout)
    if r.ok:
        return PhaseOutcome(
            [stack.at_compose(Status.PASS, "pass", seconds=f"{r.seconds:.1f}")], output=tail(r.output, 5)
        )
    if r.timed_out:
        return PhaseOutcome(
            [stack.at_compose(Status.FAIL, "timeout", seconds=f"{stack.opt.build_timeout:g}")],
            output=tail(r.output, 40),
        )
    missing = MISSING_IMAGE.search(r.output)
    if missing:
        image = missing.group(1).replace("docker.io/library/", "")
        return PhaseOutcome(
            [stack.at_compose(Status.FAIL, "base_image_missing", image=image)], output=tail(r.output, 40)
        )
    step, file, line = failed_step(stack, r.output)
    return PhaseOutcome(
        [Finding(Status.FAIL, "fail", {"step": step or "?"}, file or stack.ws.compose_rel, line)],
        output=tail(r.output, 40),
    )


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
