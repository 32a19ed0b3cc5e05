"""C5: a comment in the compose file explains how to scale the backend (Korean or English)."""

import re
from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C105"
SLUG = "compose.scaling-comment"
ASK = "C5"
NEEDS = ("compose",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="A comment explains how to scale the backend",
        ko="백엔드 스케일 방법을 설명하는 주석이 있어야 합니다",
    ),
    why=Text(
        en="The next person to run the stack should see how to scale it without reading the workshop.",
        ko="다음에 이 스택을 실행할 사람이 워크숍 문서를 읽지 않고도 스케일 방법을 알 수 있어야 합니다.",
    ),
    fix=Text(
        en="Add a comment such as `# Scale the backend: docker compose up -d --scale backend=3`.",
        ko="`# 백엔드 스케일: docker compose up -d --scale backend=3` 같은 주석을 추가하세요.",
    ),
    example_fail="""\
services:
  backend:
    build: ./backend
""",
    example_pass="""\
services:
  # Scale the backend: docker compose up -d --scale backend=3
  backend:
    build: ./backend
""",
    messages={
        "pass": Message(
            en='Comment explains scaling: "{text}"',
            ko='스케일 방법을 설명하는 주석이 있습니다: "{text}"',
            params=("text",),
        ),
        "missing": Message(
            en="No comment in the compose file explains how to scale service {service}.",
            ko="compose 파일에 {service} 서비스의 스케일 방법을 설명하는 주석이 없습니다.",
            params=("service",),
        ),
    },
)

SCALING = re.compile(
    r"--scale\b|\bscal(e|es|ed|ing|able)\b|\breplicas?\b|\binstances?\b|load[- ]?balanc|horizontal"
    r"|스케일|확장|복제|레플리카|인스턴스|로드 ?밸런|부하 ?분산|수평",
    re.IGNORECASE,
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    for c in ctx.compose.comments:
        if SCALING.search(c.text):
            yield ctx.at_compose(Status.PASS, "pass", c.line, text=c.text[:80])
            return
    backend = ctx.backend
    yield ctx.at_compose(
        Status.FAIL, "missing", backend.line if backend else None, service=backend.name if backend else "backend"
    )
