"""C5: a comment in the compose file explains how to scale the backend (Korean or English)."""
import re
from typing import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status

CODE = "C105"
SLUG = "compose.scaling-comment"
ASK = "C5"
NEEDS = ("compose",)

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
    yield ctx.at_compose(Status.FAIL, "missing", backend.line if backend else None,
                         service=backend.name if backend else "backend")
