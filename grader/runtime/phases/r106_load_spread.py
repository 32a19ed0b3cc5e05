"""R6: requests are spread over every replica. A fixed number of requests goes through the
frontend; each replica's share is the TCP connections its network namespace accepted meanwhile
(see Engine.accepted): measured outside the app, and moved by nothing but connections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R106"
SLUG = "runtime.load-spread"
NEEDS = ("runtime.api",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="Requests are spread over every replica",
        ko="요청이 모든 복제본에 나뉘어 전달됩니다",
    ),
    why=Text(
        en="The point of three replicas is that each takes part of the load. The grader sends a fixed "
        "number of requests through the frontend and counts, for each replica, the TCP connections "
        "its network namespace accepted meanwhile (the kernel's counter, read from outside the app; "
        "nginx opens one connection per request to a backend). ARP, DNS and the grader's own calls "
        "never move that count, and healthchecks Docker ran are taken off. Each replica must get at "
        "least half of an even share.",
        ko="복제본을 셋 두는 이유는 각자가 부하의 일부를 맡기 때문입니다. 채점기는 프론트엔드로 정해진 "
        "수의 요청을 보내고, 그동안 복제본마다 네트워크 네임스페이스가 받아들인 TCP 연결 수를 앱 "
        "바깥에서 셉니다 (커널 카운터. nginx는 요청마다 백엔드 연결을 하나 엽니다). ARP, DNS, 채점기 "
        "자신의 호출은 이 수를 바꾸지 않고, Docker가 실행한 healthcheck는 빼고 셉니다. 복제본마다 "
        "고르게 나눈 몫의 절반 이상을 받아야 합니다.",
    ),
    fix=Text(
        en="Let nginx resolve the service name `backend` through Docker's DNS (resolver 127.0.0.11 and a "
        "variable in proxy_pass), with no ip_hash or single fixed server.",
        ko="nginx가 Docker DNS로 서비스 이름 `backend`를 찾게 하세요 (resolver 127.0.0.11과 proxy_pass의 "
        "변수). ip_hash나 고정 서버 하나는 쓰지 마세요.",
    ),
    messages={
        "pass": Message(
            en="{requests} requests went to all {replicas} replicas; the smallest share was {lowest}.",
            ko="요청 {requests}개가 복제본 {replicas}개 모두에 갔습니다. 가장 작은 몫은 {lowest}{이었}습니다.",
            params=("lowest", "replicas", "requests"),
        ),
        "no_traffic": Message(
            en="No backend replica accepted a connection during {requests} requests.",
            ko="요청 {requests}개를 보내는 동안 어떤 백엔드 복제본도 연결을 받지 않았습니다.",
            params=("requests",),
        ),
        "unmeasured": Message(
            en="The connections of {replicas} could not be read (the container has neither `cat` nor a "
            "readable /proc on this host).",
            ko="{replicas}의 연결 수를 읽을 수 없습니다 (컨테이너에 `cat`이 없고 이 호스트에서 /proc도 "
            "읽을 수 없습니다).",
            params=("replicas",),
        ),
        "errors": Message(
            en="Only {ok} of {sent} requests succeeded while measuring the spread.",
            ko="분산을 재는 동안 요청 {sent}개 중 {ok}개만 성공했습니다.",
            params=("ok", "sent"),
        ),
        "fail": Message(
            en="Replica {replica} got {share} of {requests} requests, under the fair minimum {floor}: "
            "nginx is not spreading the load.",
            ko="복제본 {replica}{가} 요청 {requests}개 중 {share}만 받아 공정한 최소 {floor}보다 "
            "적습니다: nginx가 부하를 나누지 않습니다.",
            params=("floor", "replica", "requests", "share"),
        ),
    },
)


def run(stack: Stack) -> PhaseOutcome:
    replicas = stack.running()
    ids = [r.id for r in replicas]
    sent = stack.opt.requests
    counts, ok = stack.measured(sent, ids)
    unread = [r.name for r in replicas if r.id not in counts]
    if unread:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "unmeasured", replicas=", ".join(unread))])
    total = sum(counts.values())
    if total <= 0:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "no_traffic", requests=sent)])
    shares = [(r.name, counts[r.id], counts[r.id] / total) for r in replicas]
    stack.progress.shares([(n, s) for n, _, s in shares])
    details = [
        {"replica": n, "connections": c, "share": round(s, 4), "message": f"{n}: {c} of {total} connections ({s:.0%})"}
        for n, c, s in shares
    ]
    floor = stack.spread_floor(stack.opt.fair_share, len(replicas))
    if ok < sent * stack.opt.min_success:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "errors", ok=ok, sent=sent)], details)
    starved = [(n, s) for n, _, s in shares if s < floor]
    if starved:
        name, share = min(starved, key=lambda x: x[1])
        finding = stack.at_route(
            Status.FAIL, "fail", replica=name, share=f"{share:.0%}", floor=f"{floor:.0%}", requests=sent
        )
        # Balancing by the client's address is the cause: nginx sees one client, the gateway.
        node = stack.balanced_by_client()
        if node is not None:
            finding.file, finding.line = node.file, node.line
        return PhaseOutcome([finding], details)
    return PhaseOutcome(
        [
            stack.at_compose(
                Status.PASS, "pass", replicas=len(replicas), requests=sent, lowest=f"{min(s for _, _, s in shares):.0%}"
            )
        ],
        details,
    )
