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
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R109"
SLUG = "runtime.restart-one"
NEEDS = ("runtime.api",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="One replica restarts while the others serve",
        ko="한 복제본을 재시작해도 나머지가 응답합니다",
    ),
    why=Text(
        en="Restarting one instance (an update, a crash) must not take the app down, and the instance "
        "must take requests again once it is back. While one replica restarts, at least 99% of steady "
        "requests must succeed; then the restarted replica must accept a connection within the "
        "resolver's validity (or nginx's 10 s fail_timeout, whichever is longer) plus 5 s. When R107 "
        "showed that nginx keeps old addresses, this phase is not judged: the result would depend on "
        "which address Docker happens to give back, not on the files.",
        ko="인스턴스 하나를 재시작해도 (업데이트, 장애) 앱이 멈추면 안 되고, 다시 뜬 인스턴스는 요청을 "
        "다시 받아야 합니다. 복제본 하나가 재시작하는 동안 계속 보내는 요청의 99% 이상이 성공해야 "
        "하고, 그 뒤 재시작한 복제본이 resolver의 valid 시간 (또는 nginx의 fail_timeout 10초 중 긴 "
        "쪽)에 5초를 더한 시간 안에 연결을 받아야 합니다. R107에서 nginx가 예전 주소를 계속 쓰는 것이 "
        "드러났다면 이 단계는 판정하지 않습니다. 그 결과는 파일이 아니라 Docker가 어떤 주소를 다시 "
        "주느냐에 달려 있기 때문입니다.",
    ),
    fix=Text(
        en="Let nginx retry another replica (`proxy_next_upstream error timeout;`, short "
        "`proxy_connect_timeout`) and re-resolve names (`resolver ... valid=10s`).",
        ko="nginx가 다른 복제본으로 재시도하고 (`proxy_next_upstream error timeout;`, 짧은 "
        "`proxy_connect_timeout`) 이름을 다시 찾게 하세요 (`resolver ... valid=10s`).",
    ),
    messages={
        "pass": Message(
            en="{replica} restarted; {ok}/{sent} requests succeeded meanwhile ({rate}) and it serves again.",
            ko="{replica}{를} 재시작하는 동안 요청 {sent}개 중 {ok}개가 성공했고 ({rate}) 다시 응답합니다.",
            params=("ok", "rate", "replica", "sent"),
            extra=("need",),
        ),
        "count": Message(
            en="No running replica to restart.",
            ko="재시작할 실행 중인 복제본이 없습니다.",
            extra=("running", "want"),
        ),
        "follows_scale_up": Message(
            en="Not judged: this follows from R107. nginx keeps the addresses of `{host}` it found "
            "earlier, so it still sends to removed replicas and may never reach a restarted one. Fix "
            "R107 and this phase is checked.",
            ko="판정하지 않음: R107에서 이어지는 문제입니다. nginx가 예전에 찾은 `{host}` 주소를 계속 "
            "써서, 없어진 복제본으로 요청을 보내고 재시작한 복제본에는 닿지 못할 수 있습니다. R107을 "
            "고치면 이 단계도 확인합니다.",
            params=("host",),
            extra=("blocked_by",),
        ),
        "unmeasured": Message(
            en="The connections of {replicas} could not be read (the container has neither `cat` nor a "
            "readable /proc on this host).",
            ko="{replicas}의 연결 수를 읽을 수 없습니다 (컨테이너에 `cat`이 없고 이 호스트에서 /proc도 "
            "읽을 수 없습니다).",
            params=("replicas",),
        ),
        "not_serving_moved": Message(
            en="{replica} came back at {after} (it was {before}) and got no request in {requests} "
            "requests: nginx keeps the addresses it found earlier.",
            ko="{replica}{가} {after} 주소로 다시 떴지만(전에는 {before}) 요청 {requests}개 동안 하나도 "
            "받지 못했습니다. nginx가 예전에 찾은 주소만 쓰기 때문입니다.",
            params=("after", "before", "replica", "requests"),
        ),
        "not_back": Message(
            en="{replica} was not running again within {seconds} s of its restart.",
            ko="{replica}{가} 재시작 후 {seconds}초 안에 다시 실행되지 않았습니다.",
            params=("replica", "seconds"),
        ),
        "fail": Message(
            en="While {replica} restarted, only {ok}/{sent} requests succeeded ({rate}, need {need}).",
            ko="{replica}{가} 재시작하는 동안 요청 {sent}개 중 {ok}개만 성공했습니다 ({rate}, 필요 {need}).",
            params=("need", "ok", "rate", "replica", "sent"),
        ),
        "not_serving": Message(
            en="{replica} runs again but got no request in {seconds} s ({requests} requests).",
            ko="{replica}{가} 다시 실행되지만 {seconds}초 동안 (요청 {requests}개) 요청을 받지 못했습니다.",
            params=("replica", "requests", "seconds"),
        ),
    },
)


def run(stack: Stack) -> PhaseOutcome:
    if (follows := stack.follows_load_spread()) is not None:
        return PhaseOutcome([follows])
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
        return PhaseOutcome(
            [stack.at_compose(Status.FAIL, "not_back", replica=victim.name, seconds=f"{stack.opt.ready_timeout:g}")],
            details,
        )
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
    details.append(
        {
            "message": f"{victim.name}: address {', '.join(address_before) or '?'} before, "
            f"{', '.join(address_after) or '?'} after the restart"
        }
    )
    if victim.id not in counts:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "unmeasured", replicas=victim.name)], details)
    details.append(
        {
            "message": f"{victim.name}: accepted {counts[victim.id]} connections in {took:.1f} s "
            f"({sent} requests; bound: {wait.describe})"
        }
    )
    if counts[victim.id] == 0:
        if wait.requests is not None:
            return PhaseOutcome(
                [
                    stack.at_route(
                        Status.FAIL,
                        "not_serving_moved",
                        replica=victim.name,
                        before=", ".join(address_before),
                        after=", ".join(address_after),
                        requests=sent,
                    )
                ],
                details,
            )
        return PhaseOutcome(
            [stack.at_route(Status.FAIL, "not_serving", replica=victim.name, requests=sent, seconds=f"{took:.0f}")],
            details,
        )
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", **params)], details)
