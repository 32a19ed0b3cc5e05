"""R5: posts written through one replica are read through every replica. Posts are created
through the frontend (so they land on different replicas), then read back many times."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome
from grader.runtime.phases.r104_api import body
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R105"
SLUG = "runtime.shared-state"
NEEDS = ("runtime.api",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="Posts written through one replica are read through every replica",
        ko="한 복제본으로 쓴 글을 모든 복제본에서 읽을 수 있습니다",
    ),
    why=Text(
        en="Replicas are interchangeable only when they share their data. With one SQLite file inside "
        "each container, a post appears or disappears depending on which replica answers.",
        ko="복제본이 데이터를 공유해야 서로 바꿔 쓸 수 있습니다. 컨테이너마다 SQLite 파일이 따로 있으면 "
        "어느 복제본이 응답하느냐에 따라 글이 보이기도 하고 사라지기도 합니다.",
    ),
    fix=Text(
        en="Keep the database on one named volume mounted by every replica (e.g. "
        "`volumes: [backend-data:/data]`) and point DATABASE_PATH at it.",
        ko="모든 복제본이 마운트하는 하나의 named volume에 데이터베이스를 두고(예: "
        "`volumes: [backend-data:/data]`) DATABASE_PATH가 그곳을 가리키게 하세요.",
    ),
    messages={
        "pass": Message(
            en="All {created} posts created through the frontend came back in each of {reads} reads.",
            ko="프론트엔드로 만든 글 {created}개가 {reads}번 읽을 때마다 모두 보였습니다.",
            params=("created", "reads"),
        ),
        "create_failed": Message(
            en="Creating a post failed: {request}.",
            ko="글 작성이 실패했습니다: {request}.",
            params=("request",),
        ),
        "fail": Message(
            en="{bad_reads} of {reads} reads missed posts just created (up to {missing} of {created}): "
            "the replicas do not share one database.",
            ko="{reads}번 읽기 중 {bad_reads}번에서 방금 만든 글이 빠졌습니다 ({created}개 중 최대 "
            "{missing}개): 복제본들이 하나의 데이터베이스를 공유하지 않습니다.",
            params=("bad_reads", "created", "missing", "reads"),
        ),
    },
)


def volume_line(stack: Stack) -> int | None:
    svc = stack.model.service(stack.backend)
    if svc is None:
        return None
    return svc.line_of("volumes") if "volumes" in svc.node.items else svc.line


def run(stack: Stack) -> PhaseOutcome:
    assert stack.client is not None
    marker = f"grader-{stack.run_id}-shared"
    made = []
    for i in range(2 * stack.opt.replicas):
        r = stack.client.post(stack.opt.create_path, body(stack, f"{marker}-{i}"))
        if not r.ok:
            return PhaseOutcome([stack.at_compose(Status.FAIL, "create_failed", request=r.describe())])
        made.append(f"{marker}-{i}")
    reads = 3 * stack.opt.replicas
    missing_reads = []
    for _ in range(reads):
        r = stack.client.get(stack.opt.list_path)
        text = r.body.decode("utf-8", "replace")
        missing = [m for m in made if m not in text]
        if not r.ok or missing:
            missing_reads.append(len(missing) if r.ok else len(made))
    if missing_reads:
        return PhaseOutcome(
            [
                stack.at_compose(
                    Status.FAIL,
                    "fail",
                    volume_line(stack),
                    created=len(made),
                    bad_reads=len(missing_reads),
                    reads=reads,
                    missing=max(missing_reads),
                )
            ]
        )
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", created=len(made), reads=reads)])
