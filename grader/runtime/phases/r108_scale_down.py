"""R8: the app keeps answering while the backend is scaled down under steady requests: nginx
must stop using removed replicas and retry another one instead of answering 502.

Where scale-up showed that nginx keeps the addresses it found earlier, the outcome depends on
which replicas Compose removes (it picks among replicas created in the same second in no fixed
order) and whether nginx happens to hold their addresses: it is not judged, and the phase says
it follows from R107, every time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R108"
SLUG = "runtime.scale-down"
NEEDS = ("runtime.api",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The app keeps answering while scaling down",
        ko="복제본을 줄이는 동안에도 앱이 응답합니다",
    ),
    why=Text(
        en="Removing replicas must not break users: nginx should stop using a gone replica (short DNS "
        "validity) and retry another one (proxy_next_upstream) instead of answering 502. At least 99% "
        "of steady requests must succeed while the backend goes from 5 to 2 replicas. When R107 "
        "showed that nginx keeps old addresses, this phase is not judged: which replicas Compose "
        "removes is not fixed, so the result would not follow from the files.",
        ko="복제본을 줄여도 사용자에게 오류가 나면 안 됩니다. nginx는 사라진 복제본을 곧 쓰지 않아야 "
        "하고 (짧은 DNS valid) 502 대신 다른 복제본으로 다시 시도해야 합니다 (proxy_next_upstream). "
        "백엔드를 5개에서 2개로 줄이는 동안 계속 보내는 요청의 99% 이상이 성공해야 합니다. R107에서 "
        "nginx가 예전 주소를 계속 쓰는 것이 드러났다면 이 단계는 판정하지 않습니다. Compose가 어느 "
        "복제본을 지울지는 정해져 있지 않아 결과가 파일을 따르지 않기 때문입니다.",
    ),
    fix=Text(
        en="Use `resolver 127.0.0.11 valid=10s;`, a short `proxy_connect_timeout` (e.g. 2s) and "
        "`proxy_next_upstream error timeout;`.",
        ko="`resolver 127.0.0.11 valid=10s;`, 짧은 `proxy_connect_timeout`(예: 2s), "
        "`proxy_next_upstream error timeout;`을 쓰세요.",
    ),
    messages={
        "pass": Message(
            en="Scaled down to {count} under steady requests: {ok}/{sent} succeeded ({rate}).",
            ko="계속 요청하는 중에 {count}개로 줄였고 {sent}개 중 {ok}개가 성공했습니다 ({rate}).",
            params=("count", "ok", "rate", "sent"),
            extra=("need",),
        ),
        "follows_scale_up": Message(
            en="Not judged: this follows from R107. nginx keeps the addresses of `{host}` it found "
            "earlier, so whether requests fail while scaling down depends on which replicas Compose "
            "removes. Fix R107 and this phase is checked.",
            ko="판정하지 않음: R107에서 이어지는 문제입니다. nginx가 예전에 찾은 `{host}` 주소를 계속 "
            "써서, 복제본을 줄일 때 요청이 실패할지는 Compose가 어느 복제본을 지우느냐에 달려 "
            "있습니다. R107을 고치면 이 단계도 확인합니다.",
            params=("host",),
            extra=("blocked_by",),
        ),
        "scale_failed": Message(
            en="`up --scale backend={count}` failed: {error}",
            ko="`up --scale backend={count}`{가} 실패했습니다: {error}",
            params=("count", "error"),
        ),
        "count": Message(
            en="{running} replicas run after scaling down, not {want}.",
            ko="줄인 뒤 실행 중인 복제본이 {want}개가 아니라 {running}개입니다.",
            params=("running", "want"),
        ),
        "fail": Message(
            en="While scaling down to {count}, only {ok}/{sent} requests succeeded ({rate}, need {need}).",
            ko="{count}개로 줄이는 동안 요청 {sent}개 중 {ok}개만 성공했습니다 ({rate}, 필요 {need}).",
            params=("count", "need", "ok", "rate", "sent"),
        ),
    },
)


def run(stack: Stack) -> PhaseOutcome:
    if stack.stale_addresses():
        host = stack.resolution.host or "backend"
        return PhaseOutcome([stack.at_route(Status.BLOCKED, "follows_scale_up", host=host, blocked_by="R107")])
    count = stack.opt.scale_down

    def action() -> tuple[bool, str]:
        r = stack.scale(count)
        return r.ok, tail(r.output, 1)

    ok, info, load = stack.under_load(action)
    tally = load.stop()
    if not ok:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "scale_failed", count=count, error=info)])
    params: dict[str, Any] = {"count": count}
    status, details = stack.load_verdict(tally, params)
    running = len(stack.running())
    if status is Status.PASS and running != count:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "count", want=count, running=running)], details)
    if status is Status.PASS:
        return PhaseOutcome([stack.at_compose(Status.PASS, "pass", **params)], details)
    return PhaseOutcome([stack.at_route(Status.FAIL, "fail", **params)], details)
