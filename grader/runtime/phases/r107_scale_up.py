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
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R107"
SLUG = "runtime.scale-up"
NEEDS = ("runtime.api",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="New replicas get traffic without restarting nginx",
        ko="nginx를 재시작하지 않아도 새 복제본이 요청을 받습니다",
    ),
    why=Text(
        en="nginx resolves a literal `proxy_pass http://backend:8080` once, at start, and keeps those "
        "addresses: replicas added later never get a request until nginx restarts. The grader scales "
        "to 5 and waits no longer than the config allows: with `resolver ... valid=10s` and a "
        "variable in proxy_pass, the new replicas must accept a connection within 10 s plus a 5 s "
        "margin; a name resolved once (or an answer cached longer than 30 s, such as Docker's 600 s "
        "TTL without `valid=`) is judged after six rounds of requests over the replicas. A replica "
        "counts as served when its network namespace accepted a TCP connection, so an idle replica "
        "always counts zero.",
        ko="nginx는 `proxy_pass http://backend:8080`처럼 적힌 이름을 시작할 때 한 번만 찾고 그 주소를 "
        "계속 씁니다. 나중에 늘린 복제본은 nginx를 재시작할 때까지 요청을 받지 못합니다. 채점기는 "
        "복제본을 5개로 늘린 뒤 설정이 허락하는 만큼만 기다립니다. `resolver ... valid=10s`와 "
        "proxy_pass의 변수를 쓰면 새 복제본이 10초에 여유 5초를 더한 시간 안에 연결을 받아야 합니다. "
        "이름을 한 번만 찾거나 답을 30초보다 오래 (`valid=`가 없으면 Docker DNS의 TTL 600초) 간직하면 "
        "복제본들에 요청을 여섯 바퀴 보낸 뒤 판정합니다. 네트워크 네임스페이스가 TCP 연결을 "
        "받아들였을 때만 요청을 받은 것으로 세므로, 놀고 있는 복제본은 언제나 0으로 셉니다.",
    ),
    fix=Text(
        en="Add `resolver 127.0.0.11 valid=10s;` and `set $backend http://backend:8080;` then "
        "`proxy_pass $backend;` (or an upstream server with `resolve`).",
        ko="`resolver 127.0.0.11 valid=10s;`와 `set $backend http://backend:8080;`을 넣고 "
        "`proxy_pass $backend;`로 쓰세요 (또는 upstream server에 `resolve`).",
    ),
    messages={
        "pass": Message(
            en="Scaled to {count}: the {new} new replicas got requests {seconds} s later, nginx untouched.",
            ko="{count}개로 늘리자 새 복제본 {new}개가 {seconds}초 뒤 요청을 받았습니다 (nginx 재시작 없음).",
            params=("count", "new", "seconds"),
            extra=("requests",),
        ),
        "unmeasured": Message(
            en="The connections of {replicas} could not be read (the container has neither `cat` nor a "
            "readable /proc on this host).",
            ko="{replicas}의 연결 수를 읽을 수 없습니다 (컨테이너에 `cat`이 없고 이 호스트에서 /proc도 "
            "읽을 수 없습니다).",
            params=("replicas",),
        ),
        "fail_once": Message(
            en="New replicas {replicas} accepted no connection in {requests} requests: nginx looked up "
            "`{host}` once, when it started, and sends only to the addresses it found then.",
            ko="새 복제본 {replicas}에 요청 {requests}개 동안 연결이 하나도 오지 않았습니다. nginx가 "
            "`{host}` 주소를 시작할 때 한 번만 찾고, 그때 찾은 주소로만 보내기 때문입니다.",
            params=("host", "replicas", "requests"),
        ),
        "fail_long_valid": Message(
            en="New replicas {replicas} accepted no connection in {requests} requests: nginx keeps the "
            "resolver's answer for {valid} s, longer than the {longest} s a new replica may wait.",
            ko="새 복제본 {replicas}에 요청 {requests}개 동안 연결이 하나도 오지 않았습니다. nginx가 "
            "resolver의 답을 {valid}초 동안 간직해서, 새 복제본이 기다릴 수 있는 {longest}초를 "
            "넘깁니다.",
            params=("longest", "replicas", "requests", "valid"),
            extra=("host",),
        ),
        "scale_failed": Message(
            en="`up --scale backend={count}` failed: {error}",
            ko="`up --scale backend={count}`{가} 실패했습니다: {error}",
            params=("count", "error"),
        ),
        "not_ready": Message(
            en="The backend did not reach {count} running replicas.",
            ko="백엔드가 실행 중인 복제본 {count}개에 이르지 못했습니다.",
            params=("count",),
        ),
        "fail": Message(
            en="New replicas {replicas} got no request in {seconds} s ({requests} requests), although "
            "nginx should have asked DNS for `{host}` again by then.",
            ko="새 복제본 {replicas}에 {seconds}초 동안 (요청 {requests}개) 요청이 하나도 오지 "
            "않았습니다. 그 사이 nginx가 `{host}` 주소를 DNS에 다시 물었어야 합니다.",
            params=("host", "replicas", "requests", "seconds"),
        ),
        "nginx_restarted": Message(
            en="New replicas got traffic only because the frontend restarted; nginx should find them while running.",
            ko="프론트엔드가 재시작되어서야 새 복제본이 요청을 받았습니다. nginx가 실행 중에 새 복제본을 "
            "찾아야 합니다.",
        ),
    },
)


def run(stack: Stack) -> PhaseOutcome:
    count = stack.opt.scale_up
    before = {r.id for r in stack.running()}
    nginx_before = stack.frontend_started()
    r = stack.scale(count)
    if not r.ok:
        return PhaseOutcome(
            [stack.at_compose(Status.FAIL, "scale_failed", count=count, error=tail(r.output, 1))],
            output=tail(r.output, 20),
        )
    ok, replicas, _ = stack.wait_replicas(count, stack.opt.ready_timeout)
    if not ok:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "not_ready", count=count)], stack.replica_details(replicas))
    new = [r for r in replicas if r.id not in before]
    # Scaled up all the same (later phases start from here), but not judged: see follows_load_spread.
    if (follows := stack.follows_load_spread()) is not None:
        return PhaseOutcome([follows], stack.replica_details(replicas))
    wait = stack.traffic_wait(count)
    counts, sent, took = stack.until_served([r.id for r in new], wait)
    details = [
        {
            "replica": r.name,
            "connections": counts.get(r.id),
            "served": counts.get(r.id, 0) > 0,
            "message": f"{r.name} (new): accepted {counts[r.id]} connections"
            if r.id in counts
            else f"{r.name} (new): could not be measured",
        }
        for r in new
    ]
    details.append(
        {
            "message": f"waited {took:.1f} s, {sent} requests (bound: {wait.describe}, "
            f"nginx resolves {stack.resolution.host or 'the backend'}: {wait.reason})"
        }
    )
    unread = [r.name for r in new if r.id not in counts]
    if unread:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "unmeasured", replicas=", ".join(unread))], details)
    idle = [r.name for r in new if counts[r.id] == 0]
    if idle:
        params = {"replicas": ", ".join(idle), "requests": sent, "host": stack.resolution.host or "backend"}
        if wait.reason == "once":
            finding = stack.at_route(Status.FAIL, "fail_once", **params)
        elif wait.reason == "long-valid":
            # The cause is the resolver's validity (or its lack): the finding is at the resolver.
            finding = stack.at_resolver(
                Status.FAIL,
                "fail_long_valid",
                valid=f"{wait.valid:g}",
                longest=f"{stack.opt.longest_valid:g}",
                **params,
            )
        else:
            finding = stack.at_route(Status.FAIL, "fail", seconds=f"{took:.0f}", **params)
        # nginx still holds the addresses it found before: later phases decide by this.
        facts = {"stale_addresses": wait.reason in ("once", "long-valid")}
        return PhaseOutcome([finding], details, facts=facts)
    if stack.frontend_started() != nginx_before:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "nginx_restarted")], details)
    return PhaseOutcome(
        [stack.at_compose(Status.PASS, "pass", count=count, new=len(new), requests=sent, seconds=f"{took:.1f}")],
        details,
    )
