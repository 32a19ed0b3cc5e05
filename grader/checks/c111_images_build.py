"""Every image the project builds can be built: each COPY/ADD finds its source in the build
context the builder gets, which `.dockerignore` may have cut down. A source that is not there
stops the build, and nothing of the stack runs (R101)."""

from collections.abc import Iterator

from grader.checks.context import CheckContext
from grader.results import Finding, Status
from grader.texts import CheckTexts, Message, Text

CODE = "C111"
SLUG = "compose.images-build"
ASK = None
NEEDS = ("compose",)
PROVIDES = ("frontend_image",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="Every file a Dockerfile copies is in its build context",
        ko="Dockerfile이 복사하는 파일이 모두 빌드 컨텍스트에 있어야 합니다",
    ),
    why=Text(
        en="The builder sees only the build context (the folder `build.context` names), minus what "
        "`.dockerignore` leaves out. A COPY or ADD whose file is not there stops the build "
        '("not found" or "excluded by .dockerignore"), so no container of the stack starts.',
        ko="빌더는 빌드 컨텍스트(`build.context`가 가리키는 폴더)에서 `.dockerignore`가 제외한 것을 "
        '뺀 나머지만 봅니다. COPY나 ADD로 복사할 파일이 거기에 없으면 빌드가 "not found"나 "excluded '
        'by .dockerignore" 오류로 멈추고, 스택의 컨테이너는 하나도 시작되지 않습니다.',
    ),
    fix=Text(
        en="Keep the file in the build context: correct the COPY's path (it is read from the context's "
        "root), or take the pattern that excludes it out of `.dockerignore`.",
        ko="파일이 빌드 컨텍스트에 들어가게 하세요. COPY의 경로를 고치거나(경로는 빌드 컨텍스트 폴더를 "
        "기준으로 읽습니다), 그 파일을 제외하는 패턴을 `.dockerignore`에서 지우세요.",
    ),
    example_fail="""\
# frontend/.dockerignore
*.conf

# frontend/Dockerfile
FROM nginx:1.30
COPY nginx.conf /etc/nginx/conf.d/default.conf
""",
    example_pass="""\
# frontend/.dockerignore
*.md

# frontend/Dockerfile
FROM nginx:1.30
COPY nginx.conf /etc/nginx/conf.d/default.conf
""",
    follows=Text(
        en="What the builder gets: the build context's files, less those `.dockerignore` excludes "
        "(`<Dockerfile>.dockerignore` first, as BuildKit reads it; Docker's pattern rules, with `!` "
        "exceptions and the last matching line deciding), and the stages the final image needs. "
        "Each COPY/ADD of the context in those stages must find its source; sources with wildcards, "
        "URLs and `--from` another stage are not judged. A real build of each case is held to this "
        "by the stack oracle.",
        ko="빌더가 받는 것을 봅니다. 빌드 컨텍스트의 파일에서 `.dockerignore`가 제외하는 것을 뺀 "
        "나머지와, 최종 이미지에 필요한 단계들입니다. `.dockerignore`는 BuildKit처럼 "
        "`<Dockerfile>.dockerignore`를 먼저 읽고, Docker의 패턴 규칙(`!` 예외가 있고, 맞는 줄 중 "
        "마지막 줄이 결정합니다)을 따릅니다. 그 단계들에서 빌드 컨텍스트의 파일을 복사하는 COPY/ADD는 "
        "모두 복사할 파일을 찾아야 합니다. 와일드카드가 들어간 경로, URL, `--from`으로 다른 단계에서 "
        "복사하는 파일은 판단하지 않습니다. 스택 오라클이 사례마다 실제로 빌드해 이 판단과 같은지 "
        "확인합니다.",
    ),
    messages={
        "pass": Message(
            en="Every file the Dockerfiles copy is in its build context.",
            ko="Dockerfile이 복사하는 파일이 모두 빌드 컨텍스트에 있습니다.",
        ),
        "excluded": Message(
            en="Service {service}'s build stops at `{instruction}`: {ignore_file}:{ignore_line} (`{pattern}`) "
            "leaves {source} out of the build context, so the builder cannot copy it.",
            ko="{service} 서비스의 빌드가 `{instruction}`에서 멈춥니다. {ignore_file} {ignore_line}번 줄의 "
            "`{pattern}`{이} {source}{를} 빌드 컨텍스트에서 제외하므로 빌더가 이 파일을 복사할 수 없습니다.",
            fix=Text(
                en="Take `{pattern}` out of {ignore_file}, or add the line `!{source}` after it, so that "
                "{source} reaches the build.",
                ko="{ignore_file}에서 `{pattern}`{을} 지우거나 그 줄 아래에 `!{source}` 줄을 추가해서 "
                "{source}{이} 빌드에 들어가게 하세요.",
            ),
            params=("service", "instruction", "ignore_file", "ignore_line", "pattern", "source"),
        ),
        "missing": Message(
            en="Service {service}'s build stops at `{instruction}`: {source} is not in its build context "
            "{context}, so the builder cannot copy it.",
            ko="{service} 서비스의 빌드가 `{instruction}`에서 멈춥니다. {source}{이} 빌드 컨텍스트 "
            "{context}에 없어서 빌더가 이 파일을 복사할 수 없습니다.",
            fix=Text(
                en="Put {source} in {context}, or correct the path in the instruction: it is read from "
                "the build context's root ({context}).",
                ko="{source}{를} {context}에 두거나 그 명령어의 경로를 고치세요. 경로는 빌드 컨텍스트 "
                "폴더({context})를 기준으로 읽습니다.",
            ),
            params=("service", "instruction", "source", "context"),
        ),
    },
)


def check(ctx: CheckContext) -> Iterator[Finding]:
    failures = ctx.ws.build_failures
    if not failures:
        yield ctx.at_compose(Status.PASS, "pass", None)
        return
    for service, f in failures.items():
        instruction = " ".join(f.instruction.split())
        if f.excluded_by is not None:
            ig = f.excluded_by
            yield Finding(
                Status.FAIL,
                "excluded",
                {
                    "service": service,
                    "instruction": instruction,
                    "ignore_file": ig.rel,
                    "ignore_line": ig.line,
                    "pattern": ig.pattern,
                    "source": f.source,
                },
                f.dockerfile,
                f.line,
            )
        else:
            # A file the project names and does not have. nginx's config is what the grade is
            # about: without it nothing can be graded (exit 2). Other files (the app's code) may
            # be left out of a submission of the configs alone: a warning, and the runtime's build
            # says what happens.
            status = Status.ERROR if f.destination.startswith("/etc/nginx") else Status.WARN
            yield Finding(
                status,
                "missing",
                {
                    "service": service,
                    "instruction": instruction,
                    "source": f.source,
                    "context": f.context.rstrip("/") + "/",
                },
                f.dockerfile,
                f.line,
            )
