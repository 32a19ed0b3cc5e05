"""R3: the replicas keep running (and are healthy where they have a healthcheck). A replica
that exits or keeps restarting ends the wait at once, with its log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R103"
SLUG = "runtime.replicas"
NEEDS = ("runtime.up-scaled",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="Three backend replicas keep running",
        ko="백엔드 복제본 3개가 계속 실행됩니다",
    ),
    why=Text(
        en="Scaling only helps when every replica stays up. A backend that exits at start (a wrong path, "
        "a missing variable) leaves nothing to balance across.",
        ko="모든 복제본이 살아 있어야 스케일링이 의미가 있습니다. 시작하자마자 종료되는 백엔드(잘못된 "
        "경로, 빠진 환경 변수)는 부하를 나눌 대상이 되지 못합니다.",
    ),
    fix=Text(
        en="Read the replica's log below (`docker compose logs backend`) and fix the error it prints at start.",
        ko="아래 복제본 로그(`docker compose logs backend`)를 읽고 시작할 때 출력하는 오류를 고치세요.",
    ),
    messages={
        "pass": Message(
            en="{count} backend replicas are running.",
            ko="백엔드 복제본 {count}개가 실행 중입니다.",
            params=("count",),
        ),
        "broken": Message(
            en="{state}: the replica does not stay up ({running} of {want} running).",
            ko="{state}: 복제본이 계속 실행되지 않습니다 ({want}개 중 {running}개 실행 중).",
            params=("running", "state", "want"),
            extra=("replica", "seconds"),
        ),
        "not_listening": Message(
            en="{want} replicas are running, but {replica} accepted no connection within {seconds} s: its app "
            "never opened a port.",
            ko="복제본 {want}개가 실행 중이지만 {replica}{은} {seconds}초 안에 연결을 받지 않았습니다. 앱이 "
            "포트를 열지 않았습니다.",
            params=("replica", "seconds", "want"),
            extra=("running", "state"),
        ),
        "timeout": Message(
            en="Only {running} of {want} replicas were running and ready after {seconds} s.",
            ko="{seconds}초가 지나도 {want}개 중 {running}개만 실행·준비되었습니다.",
            params=("running", "seconds", "want"),
            extra=("replica", "state"),
        ),
    },
)


def run(stack: Stack) -> PhaseOutcome:
    want = stack.opt.replicas
    ok, replicas, why = stack.wait_replicas(want, stack.opt.ready_timeout, stack.opt.steady)
    details = stack.replica_details(replicas)
    if ok:
        return PhaseOutcome([stack.at_compose(Status.PASS, "pass", count=want)], details)
    svc = stack.model.service(stack.backend)
    # The replica to show: one not running, else unhealthy, else the one restarted most.
    bad = max(replicas, key=lambda r: (r.status != "running", r.health == "unhealthy", r.restart_count), default=None)
    if why == "not_listening":
        quiet = stack.engine.listening([r.id for r in replicas])
        bad = next((r for r in replicas if not quiet.get(r.id, True)), bad)
    out = None
    if bad is not None:
        out, _ = stack.engine.logs(bad.id, 8 * 1024)
        out = tail(out, 20)
    running = sum(1 for r in replicas if r.status == "running")
    return PhaseOutcome(
        [
            stack.at_compose(
                Status.FAIL,
                why,
                svc.line if svc else None,
                want=want,
                running=running,
                replica=bad.name if bad else "?",
                state=details[replicas.index(bad)]["message"] if bad else "",
                seconds=f"{stack.opt.ready_timeout:g}",
            )
        ],
        details,
        out,
    )
