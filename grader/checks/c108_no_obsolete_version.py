"""A top-level `version:` is obsolete in Compose v2: it is ignored, with a warning."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C108"
SLUG = "compose.no-obsolete-version"
ASK = None
NEEDS = ("compose",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="No obsolete top-level `version:`",
        ko="더 이상 쓰지 않는 최상위 `version:`이 없어야 합니다",
    ),
    why=Text(
        en="Compose v2 ignores `version:` and prints a warning on every command.",
        ko="Compose v2는 `version:`을 무시하고 명령마다 경고를 출력합니다.",
    ),
    fix=Text(
        en="Delete the `version:` line.",
        ko="`version:` 줄을 지우세요.",
    ),
    example_fail="""\
version: "3.8"
services: {}
""",
    example_pass="""\
services: {}
""",
    messages={
        "pass": Message(
            en="No obsolete version: key.",
            ko="더 이상 쓰지 않는 version: 키가 없습니다.",
        ),
        "obsolete": Message(
            en="`version:` is obsolete in Compose v2 and ignored.",
            ko="`version:`은 Compose v2에서 쓰지 않으며 무시됩니다.",
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    line = ctx.compose.version_line
    if line is not None:
        yield ctx.at_compose(Status.WARN, "obsolete", line)
    else:
        yield ctx.at_compose(Status.PASS, "pass", None)
