"""R4: every replica's logs can be read (what `docker compose logs backend` shows), each
replica's tail kept in the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R110"
SLUG = "runtime.logs"
NEEDS = ("runtime.up-scaled",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="Every replica's logs can be read",
        ko="모든 복제본의 로그를 읽을 수 있습니다",
    ),
    why=Text(
        en="`docker compose logs backend` is how you see which replica served what (R4, R9). It needs "
        "each replica to log to stdout/stderr.",
        ko="`docker compose logs backend`로 어느 복제본이 무엇을 처리했는지 봅니다 (R4, R9). 그러려면 각 "
        "복제본이 stdout/stderr로 로그를 남겨야 합니다.",
    ),
    fix=Text(
        en="Print one line per request to stdout (unbuffered, e.g. `python -u`), including the container's hostname.",
        ko="요청마다 한 줄을 stdout으로 출력하세요 (버퍼 없이, 예를 들어 `python -u`). 컨테이너 "
        "hostname을 함께 찍으면 좋습니다.",
    ),
    messages={
        "pass": Message(
            en="The logs of all {count} replicas were read (shown per replica).",
            ko="복제본 {count}개의 로그를 모두 읽었습니다 (복제본별로 표시).",
            params=("count",),
        ),
        "fail": Message(
            en="The logs of {replicas} could not be read.",
            ko="{replicas}의 로그를 읽을 수 없습니다.",
            params=("replicas",),
        ),
        "empty": Message(
            en="{replicas} printed nothing; log each request so `docker compose logs` shows who served it.",
            ko="{replicas}{가} 아무것도 출력하지 않았습니다. 요청마다 로그를 남겨 "
            "`docker compose logs`로 누가 처리했는지 보이게 하세요.",
            params=("replicas",),
        ),
    },
)


def run(stack: Stack) -> PhaseOutcome:
    details = []
    unreadable, empty = [], []
    for r in stack.replicas():
        try:
            text, cut = stack.engine.logs(r.id, stack.opt.log_bytes)
        except Exception as e:
            unreadable.append(f"{r.name} ({e.__class__.__name__})")
            continue
        lines = text.splitlines()
        if not lines:
            empty.append(r.name)
        details.append(
            {
                "replica": r.name,
                "lines": len(lines),
                "truncated": cut,
                "message": f"{r.name}: {len(lines)} lines" + (" (cut to the last part)" if cut else ""),
                "output": tail(text, 12),
            }
        )
    if unreadable:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "fail", replicas=", ".join(unreadable))], details)
    if empty:
        return PhaseOutcome([stack.at_compose(Status.WARN, "empty", replicas=", ".join(empty))], details)
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", count=len(details))], details)
