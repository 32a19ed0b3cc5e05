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
        "fail_closed": Message(
            en="The build failed at {step}: a build step tried to reach {where}, which a graded build cannot "
            "reach. A graded build reaches the internet (package registries and public sites, as on your "
            "machine), and nothing of the grading machine or its private network.",
            ko="빌드가 {step} 단계에서 실패했습니다. 빌드 단계가 {where}에 접속하려 했는데, 채점하는 빌드는 그곳에 "
            "닿을 수 없습니다. 채점하는 빌드는 여러분의 컴퓨터에서처럼 인터넷(패키지 저장소와 공개 사이트)에는 "
            "닿지만, 채점하는 컴퓨터와 그 사설 네트워크에는 닿지 않습니다.",
            params=("step", "where"),
            fix=Text(
                en="Fetch what the build needs from the internet (a package registry or a public URL), or copy it "
                "into the build context; not from your own machine, `host.docker.internal` or a private address.",
                ko="빌드에 필요한 것은 인터넷(패키지 저장소나 공개 URL)에서 받거나 빌드 컨텍스트에 복사해 두세요. "
                "여러분의 컴퓨터, `host.docker.internal`, 사설 주소에서 받으면 안 됩니다.",
            ),
        ),
        "fail_network": Message(
            en="The build failed at {step}: it could not reach the network ({words}). A graded build reaches the "
            "internet as on your machine, so this is a download that failed where the grader ran, which may not "
            "be your Dockerfile's fault.",
            ko="빌드가 {step} 단계에서 실패했습니다. 네트워크에 닿지 못했습니다({words}). 채점하는 빌드도 여러분의 "
            "컴퓨터에서처럼 인터넷에 닿으므로, 이것은 채점기가 실행된 곳에서 내려받기가 실패한 것이고 Dockerfile의 "
            "잘못이 아닐 수 있습니다.",
            params=("step", "words"),
            fix=Text(
                en="If `docker compose build` succeeds on your machine, run the grader again later or tell your "
                "instructor what this step downloads; if it fails there too, check the address the step uses.",
                ko="여러분의 컴퓨터에서 `docker compose build`가 성공한다면 나중에 채점기를 다시 실행하거나, 이 단계가 "
                "무엇을 내려받는지 강사에게 알려 주세요. 여러분의 컴퓨터에서도 실패한다면 이 단계가 쓰는 주소를 "
                "확인하세요.",
            ),
        ),
        "closed_attempt": Message(
            en="A build step tried to reach {where} and was refused; the build succeeded without it.",
            ko="빌드 단계가 {where}에 접속하려다 거부되었지만, 빌드는 그것 없이 성공했습니다.",
            params=("where",),
        ),
    },
)

# What a build step prints when the network is not there: resolvers, HTTP clients, package managers.
NETWORK_FAILURE = re.compile(
    r"Temporary failure (?:resolving|in name resolution)|Could not resolve (?:host|proxy)?|"
    r"Name or service not known|getaddrinfo|ENOTFOUND|EAI_AGAIN|Network is unreachable|No route to host|"
    r"Connection timed out|Failed to establish a new connection|Could not connect to|ECONNREFUSED|"
    r"Connection refused|CERTIFICATE_VERIFY_FAILED|certificate verify failed|unable to get local issuer certificate|"
    r"Unable to connect to|Failed to fetch http",
)
# What the build's closed parts (grader/runtime/seal.py) are, as a finding names them.
WHERE = {
    "build-host": Text(en="the grading machine", ko="채점하는 컴퓨터"),
    "build-private": Text(en="a private address or another container", ko="사설 주소나 다른 컨테이너"),
}


def _where(blocked: dict[str, int]) -> Text:
    """What the build tried, in both languages."""
    parts = [WHERE[part] for part in ("build-host", "build-private") if blocked.get(part)]
    return Text(en=" and ".join(p.en for p in parts), ko="와 ".join(p.ko for p in parts))


MISSING_IMAGE = re.compile(
    r"(?:pull access denied for|failed to resolve source metadata for|"
    r"not found: manifest unknown|No such image:?)\s*([^\s,:]+(?::[^\s,]+)?)"
)


def run(stack: Stack) -> PhaseOutcome:
    if not any(s.build for s in stack.model.services.values()):
        return PhaseOutcome([stack.at_compose(Status.PASS, "nothing_to_build")])
    r = stack.compose_run("build", timeout=stack.opt.build_timeout)
    blocked = stack.end_build()  # the builds' way out closes as soon as they are done
    if r.ok:
        outcome = PhaseOutcome(
            [stack.at_compose(Status.PASS, "pass", seconds=f"{r.seconds:.1f}")], output=tail(r.output, 5)
        )
        if blocked:
            outcome.findings.append(stack.at_compose(Status.PASS, "closed_attempt", where=_where(blocked)))
        return outcome
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
    where, output = file or stack.ws.compose_rel, tail(r.output, 40)
    failure = NETWORK_FAILURE.search(failed_output(r.output))
    if blocked:
        closed = Finding(Status.FAIL, "fail_closed", {"step": step or "?", "where": _where(blocked)}, where, line)
        return PhaseOutcome([closed], output=output)
    if failure:
        network = Finding(Status.FAIL, "fail_network", {"step": step or "?", "words": failure.group(0)}, where, line)
        return PhaseOutcome([network], output=output)
    return PhaseOutcome([Finding(Status.FAIL, "fail", {"step": step or "?"}, where, line)], output=output)


def _failed_number(output: str) -> str | None:
    """BuildKit's number of the step that failed: the last `#N ERROR`."""
    failed = re.findall(r"^#(\d+) ERROR", output, re.M)
    return failed[-1] if failed else None


def failed_output(output: str) -> str:
    """The output of the step that failed (its `#N` lines), or all of it."""
    num = _failed_number(output)
    if num is None:
        return output
    return "\n".join(line for line in output.splitlines() if line.startswith(f"#{num} "))


def failed_step(stack: Stack, output: str) -> tuple[str | None, str | None, int | None]:
    """The build step that failed ('[backend 3/4] RUN pip install ...') and, when it can be
    found, the Dockerfile line it came from."""
    num = _failed_number(output)
    if num is None:
        m = re.search(r"failed to solve: .*?\[(\w[\w.-]*) [^\]]*\] (.+?):", output)
        return (m.group(0)[:160] if m else None), None, None
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
