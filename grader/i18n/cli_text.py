"""What the `grader` command itself prints, in each language: stderr lines, `grader list`'s
kinds, the commands' help, and the input errors a learner meets most, in Korean.

Input errors are raised in English all over the grader (the English text is also what the JSON
report and the logs keep); `localize_error` turns the ones a learner meets into Korean when the
report is in Korean, and leaves any other as it is."""

from __future__ import annotations

import re

TEXT = {
    "en": {
        "cannot_run": "cannot run the stack: {message}",
        "interrupted": "interrupted",
        "interrupted_removed": "interrupted; the run's containers, networks, volumes and images were removed",
        "interrupted_left": "interrupted; some of what the run made could not be removed: `grader clean` removes it",
        "internal": "internal error: {error} (set GRADER_DEBUG=1 for details; please report it)",
        "deprecated": "format {old!r} is deprecated; use {new!r} (the old GitHub Classroom reporter) or 'classroom50'",
        "no_check": "no check {code!r} in rubric {rubric}; `grader list` shows them",
        "required": "required",
        "advisory": "advisory",
        "off": "off",
        "removed": "removed {kind} {name}",
        "cleaned": "{total} left-over object(s) removed",
        "nothing_to_clean": "nothing to clean",
        "doctor_engine": "engine: Docker {version} ({where})",
        "doctor_compose": "compose: {version}",
        "doctor_sealed": "seal: a run is sealed (firewall rules through the helper image {image}, iptables {backend})",
        "doctor_unsealed": "seal: NOT sealed: {why}. `grader check` runs your own folder unsealed and says so in the "
        "report; `grader batch` and `grader worker` refuse unless the rubric marks the class trusted",
        "doctor_image": "base image {image}: {state}",
        "doctor_present": "on this engine",
        "doctor_absent": "not on this engine (pulled when a build needs it)",
        "doctor_ready": "runtime grading is ready",
        "containers": "container",
        "networks": "network",
        "volumes": "volume",
        "images": "image",
        "firewall": "firewall rules of run",
        "batch_counts": "{learners} learners: {passed} pass, {failed} fail, {errors} input errors, "
        "{not_graded} not graded",
        "batch_reused": " ({reused} unchanged, not regraded)",
        "batch_files": "gradebook: {csv}  report: {html}  feedback: {feedback}/",
        "aggregated": "{reports} reports merged; gradebook: {csv}  report: {html}",
        "bad_service": "{value!r}: use ROLE=NAME with ROLE one of {roles}",
        "output_no_file": "{value!r}: give a file after =",
        "output_one_file": "{value!r}: only one plain FILE; name the format of others as FORMAT=FILE ({formats})",
        "watch_score": "Score {score}",
        "watch_was": "was {score}",
        "watch_worse": "newly failing:",
        "watch_better": "newly passing:",
        "watch_same": "no check changed since the last grade",
        "watch_waiting": "watching {path}: the grade runs again on every save (Ctrl-C ends)",
        "watch_stopped": "stopped watching",
        "watch_error": "not graded: {error}",
        "watch_runtime": "--watch grades the files on every save; the runtime check (--runtime) builds and "
        "runs the stack, so it is not run that way: use `grader run` when the static grade passes",
        "exists": "{path} exists; --force overwrites it",
        "written": "wrote {path}",
    },
    "ko": {
        "cannot_run": "이 컴퓨터에서 스택을 실행할 수 없습니다: {message}",
        "interrupted": "중단했습니다.",
        "interrupted_removed": "중단했습니다. 이번 실행이 만든 컨테이너, 네트워크, 볼륨, 이미지는 모두 지웠습니다.",
        "interrupted_left": "중단했습니다. 이번 실행이 만든 것 중 일부를 지우지 못했습니다. "
        "`grader clean`을 실행하면 지웁니다.",
        "internal": "채점기 내부 오류입니다: {error} (자세한 내용은 GRADER_DEBUG=1로 다시 실행해 보고, "
        "이 오류를 알려 주세요)",
        "deprecated": "{old!r} 형식은 더 이상 쓰지 않습니다. {new!r}(예전 GitHub Classroom reporter)나 "
        "'classroom50'을 쓰세요.",
        "no_check": "채점 기준 {rubric}에 {code!r} 검사가 없습니다. `grader list`로 검사 목록을 볼 수 있습니다.",
        "required": "필수",
        "advisory": "권장",
        "off": "꺼짐",
        "removed": "{kind} {name}{을} 지웠습니다.",
        "cleaned": "남아 있던 {total}개를 지웠습니다.",
        "nothing_to_clean": "지울 것이 없습니다.",
        "doctor_engine": "엔진: Docker {version} ({where})",
        "doctor_compose": "compose: {version}",
        "doctor_sealed": "격리: 실행을 격리합니다(도우미 이미지 {image}로 방화벽 규칙 설치, iptables {backend}).",
        "doctor_unsealed": "격리: 격리할 수 없습니다. {why} `grader check`는 자신의 폴더를 격리하지 않고 실행하며 "
        "보고서에 그 사실을 적습니다. `grader batch`와 `grader worker`는 채점 기준이 믿을 수 있는 반으로 표시하지 "
        "않으면 실행하지 않습니다.",
        "doctor_image": "베이스 이미지 {image}: {state}",
        "doctor_present": "이 엔진에 있습니다.",
        "doctor_absent": "이 엔진에 없습니다(빌드에 필요하면 내려받습니다).",
        "doctor_ready": "실행 검사를 할 준비가 되었습니다.",
        "containers": "컨테이너",
        "networks": "네트워크",
        "volumes": "볼륨",
        "images": "이미지",
        "firewall": "방화벽 규칙(실행)",
        "batch_counts": "학습자 {learners}명: 통과 {passed}명, 실패 {failed}명, 입력 오류 {errors}명, "
        "가져오지 못함 {not_graded}명",
        "batch_reused": " (이 중 바뀌지 않아 다시 채점하지 않은 학습자 {reused}명)",
        "batch_files": "성적표: {csv}  HTML 보고서: {html}  피드백: {feedback}/",
        "aggregated": "보고서 {reports}개를 모았습니다. 성적표: {csv}  HTML 보고서: {html}",
        "bad_service": "{value!r}: ROLE=NAME 형식으로 쓰고, ROLE 자리에는 {roles} 중 하나를 쓰세요.",
        "output_no_file": "{value!r}: = 뒤에 파일 이름을 쓰세요.",
        "output_one_file": "{value!r}: 형식을 밝히지 않은 FILE 자리는 하나만 쓸 수 있습니다. 나머지는 "
        "FORMAT=FILE로 형식을 밝혀 쓰세요({formats}).",
        "watch_score": "점수 {score}",
        "watch_was": "이전 {score}",
        "watch_worse": "새로 실패:",
        "watch_better": "새로 통과:",
        "watch_same": "지난 채점 이후 바뀐 검사가 없습니다",
        "watch_waiting": "{path}{을} 지켜보는 중: 저장할 때마다 다시 채점합니다(Ctrl-C로 끝냅니다)",
        "watch_stopped": "지켜보기를 끝냈습니다",
        "watch_error": "채점하지 못했습니다: {error}",
        "watch_runtime": "--watch는 저장할 때마다 파일을 채점합니다. 실행 검사(--runtime)는 스택을 빌드해 "
        "실행하므로 이렇게 돌리지 않습니다. 정적 채점이 통과하면 `grader run`을 쓰세요.",
        "exists": "{path}{이} 이미 있습니다. 덮어쓰려면 --force를 주세요.",
        "written": "{path}{을} 썼습니다.",
    },
}

HELP_KO = {
    None: "학습자의 Docker 워크숍 단계를 채점합니다. docker-compose.yml과 프론트엔드의 nginx.conf를 "
    "정적으로 검사하고, --runtime을 주면 스택을 실제로 실행해 봅니다.",
    "check": "PATH(기본값: ./workshop)의 제출물을 채점합니다.",
    "run": "실행 검사만 합니다. PATH의 스택을 빌드하고 백엔드를 3개로 스케일한 뒤, 프론트엔드를 거친 API, "
    "부하 분산, 5개와 2개로의 스케일, 복제본 하나의 재시작을 확인합니다. Docker 엔진과 Compose v2가 "
    "필요하며, 실행이 만든 것은 끝날 때 모두 지웁니다.",
    "batch": "반 전체를 채점합니다. TARGET은 학습자마다 폴더가 하나씩 있는 폴더이거나 `student,repo[,ref]` "
    "형식의 CSV 명단입니다. OUT에 gradebook.csv와 .json, feedback/<id>.md, reports/<id>.json, "
    "report.html을 씁니다. 가져오거나 채점할 수 없는 제출물은 오류와 함께 한 줄로 남깁니다.",
    "aggregate": "다른 곳에서 만든 보고서(채점기의 JSON 보고서, Classroom 50의 result.json)를 모아 성적표 하나"
    "(검사마다 열 하나), 피드백 파일, HTML 보고서를 만듭니다.",
    "clean": "채점기 실행이 남긴 컨테이너, 네트워크, 볼륨, 이미지를 지웁니다(SIGKILL로 끝난 실행은 스스로 "
    "정리하지 못합니다). 이 호스트에서 채점기 프로세스가 이미 끝난 실행의 것만 지우며, "
    "org.workshop-grader.run 레이블로 찾습니다. 엔진의 다른 것과 아직 진행 중인 실행은 --all이 "
    "없으면 건드리지 않습니다.",
    "explain": "검사 하나를 설명합니다. 무엇을 요구하는지, 왜 중요한지, 실패하는 예와 통과하는 예, "
    "고치는 법을 보여 줍니다.",
    "list": "채점 기준의 검사 목록을 보여 줍니다. 코드, slug, 점수, 필수/권장, 제목 순입니다.",
    "rubric": "채점 기준 파일: 어떤 검사를 실행하는지, 점수, 필수/권장.",
    "rubric init": "시작점이 될 채점 기준을 PATH(기본값 rubric.yaml, -는 표준 출력)에 씁니다. 기본 채점 기준의 "
    "점수와 설정을 검사마다 한 줄로 씁니다. 문구는 검사와 함께 있습니다.",
}
OPTION_HELP_KO = {
    "lang": "보고서 언어(기본값: LANG이 ko로 시작하면 ko).",
    "rubric": "rubrics/의 채점 기준 이름이나 채점 기준 파일(기본값: step-06-horizontal-scaling).",
    "compose_file": "compose 파일(기본값: Compose가 찾는 방식대로 찾음).",
    "nginx_file": "프론트엔드의 nginx 설정(기본값: 프론트엔드 Dockerfile이나 마운트에서 찾음).",
    "services": "어느 서비스가 어떤 역할(backend, frontend)인지 지정합니다. 여러 번 쓸 수 있습니다.",
    "outputs": "보고서를 표준 출력 대신 FILE에 씁니다. FORMAT=FILE로 다른 형식도 함께 쓸 수 있습니다.",
    "exit_zero": "채점 결과와 상관없이 0으로 끝냅니다(입력 오류는 여전히 2).",
    "no_color": "터미널에서도 색을 쓰지 않습니다.",
    "runtime": "Docker로 스택을 빌드하고 실행하는 검사도 합니다(`grader run` 참고).",
    "fmt": "표준 출력(또는 --output FILE)에 쓸 보고서 형식입니다. classroom50은 Classroom 50의 "
    "result.json을 쓰고, 채점할 수 없는 입력이어도 점수가 기록되도록 0으로 끝냅니다. "
    "`classroom`은 gh-classroom-reporter의 예전 이름입니다.",
    "allow_unsafe": "안전 검사가 거부하는 compose 파일(privileged, 호스트 경로 등)도 실행합니다. "
    "믿을 수 있는 입력에만 쓰세요.",
    "openapi": "API를 확인할 OpenAPI 문서(runtime.api-contract).",
    "total_timeout": "실행 검사 전체의 시간 제한(기본값 1800).",
    "build_timeout": "이미지 빌드의 시간 제한(기본값 900).",
    "ready_timeout": "복제본과 API가 준비될 때까지 기다리는 시간(기본값 60).",
    "progress_mode": "스택을 실행하는 동안 표준 오류에 보여 줄 진행 상황.",
    "out": "성적표, 피드백 파일, 보고서, report.html을 쓸 폴더.",
    "jobs": "정적 채점 프로세스 수(기본값: 모든 코어).",
    "stacks": "--runtime일 때 동시에 실행할 스택 수.",
    "time_limit": "--runtime일 때 제출물 하나의 시간 제한.",
    "everything": "아직 진행 중인 실행(이 컴퓨터의 다른 채점기나 다른 곳의 실행)의 것까지 지웁니다.",
    "resume": "지난 실행 뒤로 커밋과 채점 기준이 바뀌지 않은 학습자는 건너뜁니다.",
    "force": "PATH가 이미 있어도 덮어씁니다.",
    "source": "시작점으로 삼을 채점 기준(기본값: step-06-horizontal-scaling).",
}

# click's own words in --help and usage errors
CLICK_KO = {
    "Usage:": "사용법:",
    "Options": "옵션",
    "Commands": "명령",
    "Show this message and exit.": "이 도움말을 보여 주고 끝냅니다.",
    "Show the version and exit.": "버전을 보여 주고 끝냅니다.",
    "Error: {message}": "오류: {message}",
    "Try '{command} {option}' for help.": "도움말을 보려면 '{command} {option}'를 실행하세요.",
    "No such option {name!r}.": "{name!r} 옵션은 없습니다.",
    "No such command {name!r}.": "{name!r} 명령은 없습니다.",
    "Missing command.": "명령이 없습니다.",
    "Missing argument": "인자가 없습니다",
    "Missing option": "옵션이 없습니다",
    "Missing parameter": "매개변수가 없습니다",
    "Invalid value for {param_hint}: {message}": "{param_hint}의 값이 잘못되었습니다: {message}",
    "Invalid value: {message}": "값이 잘못되었습니다: {message}",
    "default: {default}": "기본값: {default}",
    "Aborted!": "중단했습니다.",
}


# (English message pattern, Korean): the input errors the grader raises, first match wins
_ERRORS_KO = [
    # an optional extra that is not installed
    (
        r"(.+) needs the optional package\(s\) (.+), which are not installed: (pip install .+)",
        r"\1 명령에는 선택 패키지 \2이 필요한데 설치되어 있지 않습니다. 설치하세요: \3",
    ),
    # the submission and its files
    (r"submission folder not found", "제출물 폴더가 없습니다."),
    # grader mcp
    (
        r"(.+): outside the folder this server grades \((.+)\); give a path inside it",
        r"\1: 이 서버가 채점하는 폴더(\2) 밖입니다. 그 안의 경로를 주세요.",
    ),
    (
        r"no check (.+) in rubric (.+) \(see the `list` tool\)",
        r"채점 기준 \2에 \1 검사가 없습니다(`list` 도구로 볼 수 있습니다).",
    ),
    (
        r"the runtime check ended with exit code (\S+) and no report",
        r"실행 검사가 보고서 없이 끝났습니다(종료 코드 \1).",
    ),
    (r"is not a folder; give the submission's folder", "폴더가 아닙니다. 제출물 폴더를 지정하세요."),
    (r"no compose file found: looked for (.+)", r"compose 파일을 찾지 못했습니다. 찾아본 파일: \1"),
    (r"file not found", "파일이 없습니다."),
    (r"is not a regular file", "일반 파일이 아닙니다."),
    (r"is (\S+) bytes, over the (\S+)-byte limit for one file", r"\1바이트로, 파일 하나의 한도 \2바이트를 넘습니다."),
    (r"is over the (\S+)-byte limit for one file", r"파일 하나의 한도 \1바이트를 넘습니다."),
    (r"cannot be read: (.+)", r"읽을 수 없습니다: \1"),
    (r"not valid UTF-16 text \((.+)\)", r"올바른 UTF-16 텍스트가 아닙니다(\1)."),
    (
        r"not UTF-8 text \(byte (\S+): (.+)\); save the file as UTF-8",
        r'UTF-8 텍스트가 아닙니다(\1번째 바이트: "\2"). 파일을 UTF-8로 저장하세요.',
    ),
    (r"contains NUL bytes: this is not a text file", "NUL 바이트가 있습니다. 텍스트 파일이 아닙니다."),
    (
        r"(absolute path|path) ('.+') points outside the submission; it is not read",
        r"\2 경로가 제출물 밖을 가리키므로 읽지 않습니다.",
    ),
    (
        r"(.+) is a link to a place outside the submission; it is not read",
        r"\1: 제출물 밖을 가리키는 링크라 읽지 않습니다.",
    ),
    (
        r"env_file ('.+') of service (\S+) points outside the submission; it is not read",
        r"\2 서비스의 env_file \1이 제출물 밖을 가리키므로 읽지 않습니다.",
    ),
    (
        r"include ('.+') points outside the submission; it is not read",
        r"include \1이 제출물 밖을 가리키므로 읽지 않습니다.",
    ),
    (r"(.+) points outside the submission; it is not read", r"\1: 제출물 밖을 가리키므로 읽지 않습니다."),
    (
        r"(--\S+) (.+): the file must be inside the submission folder (.+)",
        r"\1 \2: 파일이 제출물 폴더(\3) 안에 있어야 합니다.",
    ),
    (
        r"--service (\S+): no service ('.+') in (\S+) \(services: (.*)\)",
        r"--service \1: \3에 \2 서비스가 없습니다(서비스: \4).",
    ),
    # YAML and Compose
    (r"YAML syntax error: (.+)", r'YAML 문법 오류입니다. 파서의 메시지: "\1"'),
    (
        r"nesting deeper than (\S+) levels; a compose file never needs that",
        r"\1단계보다 깊게 중첩되어 있습니다. compose 파일에는 그럴 일이 없습니다.",
    ),
    (r"a merge key \(<<\) must name a mapping", "병합 키(<<)는 매핑을 가리켜야 합니다."),
    (
        r"a mapping key must be a plain value, not a list or mapping",
        "매핑의 키는 목록이나 매핑이 아닌 단순한 값이어야 합니다.",
    ),
    (
        r"key ('.+') is defined twice \(first at line (\S+)\); Compose refuses duplicate keys",
        r"\1 키가 두 번 정의되어 있습니다(처음은 \2번 줄). Compose는 중복 키를 거부합니다.",
    ),
    (
        r"expands to more than (\S+) values through aliases \(an alias bomb\?\)",
        r"별칭(alias)을 풀면 값이 \1개를 넘습니다(alias bomb일 수 있습니다).",
    ),
    (
        r"holds several YAML documents \(---\); a compose file is one document",
        "YAML 문서가 여러 개(---) 있습니다. compose 파일은 문서 하나여야 합니다.",
    ),
    (
        r"is empty: a compose file needs `services:`",
        "파일이 비어 있습니다. compose 파일에는 `services:`가 있어야 합니다.",
    ),
    (r"must be a mapping \(key: value\) at the top", "최상위가 매핑(key: value)이어야 합니다."),
    (r"(.+) must be a single value", r"\1: 값 하나여야 합니다."),
    (r"(.+) must be a mapping \(key: value\)", r"\1: 매핑(key: value)이어야 합니다."),
    (r"(.+) must be a list", r"\1: 목록이어야 합니다."),
    (r"(.+) must be a value or a list", r"\1: 값이나 목록이어야 합니다."),
    (r"a long-syntax port needs `target`", "긴 형식의 포트에는 `target`이 있어야 합니다."),
    (r"an env_file entry needs `path`", "env_file 항목에는 `path`가 있어야 합니다."),
    (r"a long-syntax config needs `source`", "긴 형식의 config에는 `source`가 있어야 합니다."),
    (r"Compose refuses this file: (.+)", r'Compose가 이 파일을 거부합니다: "\1"'),
    (
        r"(Non-string key .+?: .+); Compose reads only string keys: write it in quotes (\(.+\))",
        r"문자열이 아닌 키입니다(Compose의 메시지: `\1`). Compose는 문자열 키만 읽으니 따옴표로 감싸 쓰세요\2.",
    ),
    (
        r"(error while interpolating (\S+): failed to cast to expected type: .+); \S+ takes a whole number",
        r"\2에는 정수가 와야 합니다(Compose의 메시지: `\1`).",
    ),
    (
        r"(error while interpolating (\S+): failed to cast to expected type: .+); \S+ takes a number",
        r"\2에는 숫자가 와야 합니다(Compose의 메시지: `\1`).",
    ),
    (
        r"(error while interpolating (\S+): failed to cast to expected type: .+); \S+ takes true or false",
        r"\2에는 true나 false가 와야 합니다(Compose의 메시지: `\1`).",
    ),
    (
        r"(error while interpolating (\S+): failed to cast to expected type: .+); \S+ takes (.+)",
        r"\2에는 \3 형식의 값이 와야 합니다(Compose의 메시지: `\1`).",
    ),
    (r"line ('.+') is not NAME=value", r"\1 줄이 NAME=value 형식이 아닙니다."),
    (r"value of (\S+) opens a (.) quote that is never closed", r"\1의 값에서 연 \2 따옴표가 닫히지 않았습니다."),
    (
        r"required variable (\S+) is missing a value(?:: (.+?))? \((.+)\); set it in \.env",
        r"필수 변수 \1에 값이 없습니다(\3). .env에 값을 넣으세요. \2",
    ),
    (
        r"invalid interpolation format for (.+): ('.+'); write \$\$ for a literal \$",
        r"\1의 변수 치환 형식이 잘못되었습니다: \2. $ 문자 자체를 쓰려면 $$로 쓰세요.",
    ),
    (r"service (\S+): build (.+)", r"\1 서비스의 build: \2"),
    (
        r"env_file (\S+) of service (\S+) is not in the submission; Compose refuses to start without it",
        r"\2 서비스의 env_file \1이 제출물에 없습니다. 이 파일이 없으면 Compose가 시작하지 않습니다.",
    ),
    (r"service (\S+) extends itself through (.+)", r"\1 서비스가 \2를 거쳐 자기 자신을 extends합니다."),
    (
        r"service (\S+): extends needs `service:` \(and may name a `file:`\)",
        r"\1 서비스: extends에는 `service:`가 있어야 합니다(`file:`은 쓸 수 있습니다).",
    ),
    (r"service (\S+): extends nested too deeply", r"\1 서비스: extends가 너무 깊게 중첩되어 있습니다."),
    (
        r"service (\S+) extends ('.+'), which is not a service of (.+)",
        r"\1 서비스가 extends하는 \2는 \3의 서비스가 아닙니다.",
    ),
    (
        r"service (\S+) extends file ('.+'), which is not in the submission",
        r"\1 서비스가 extends하는 파일 \2가 제출물에 없습니다.",
    ),
    (r"service (\S+) extends file ('.+'), which is empty", r"\1 서비스가 extends하는 파일 \2가 비어 있습니다."),
    (r"include nested too deeply \(a cycle\?\)", "include가 너무 깊게 중첩되어 있습니다(순환일 수 있습니다)."),
    (r"include must be a list of files", "include는 파일 목록이어야 합니다."),
    (r"an include entry needs a path", "include 항목에는 경로가 있어야 합니다."),
    (r"include env_file ('.+') is not in the submission", r"include의 env_file \1이 제출물에 없습니다."),
    (r"include ('.+'): the file is not in the submission", r"include \1: 파일이 제출물에 없습니다."),
    (
        r"(\S+) is defined here and by include; Compose refuses the conflict",
        r"\1이 여기와 include에 함께 정의되어 있습니다. Compose는 이 충돌을 거부합니다.",
    ),
    (r"COMPOSE_FILE names (.+), which is not in the submission", r"COMPOSE_FILE의 \1이 제출물에 없습니다."),
    (
        r'invalid project name "(.+)": must consist only of lowercase alphanumeric characters, hyphens, and '
        r"underscores as well as start with a letter or number",
        r"프로젝트 이름 \1은 쓸 수 없습니다. 영문 소문자, 숫자, 하이픈(-), 밑줄(_)만 쓰고 글자나 숫자로 시작하세요.",
    ),
    (
        r"project name must not be empty: the folder's name has no letter or digit; give the project a `name:`",
        "프로젝트 이름이 비어 있습니다. 폴더 이름에 글자나 숫자가 없으니 compose 파일에 `name:`을 쓰세요.",
    ),
    (r"invalid IP address: (.+)", r"IP 주소 \1이 올바르지 않아 Compose가 포트를 읽지 못합니다."),
    (r"No port specified: (.+)", r"포트가 비어 있어 Compose가 읽지 못합니다: \1"),
    (
        r"Invalid (containerPort|hostPort): (.+)",
        r"Compose가 포트 \2를 읽지 못합니다(Compose의 메시지: `Invalid \1: \2`). 1부터 65535 사이의 숫자나 "
        "8000-8002 같은 범위를 쓰세요.",
    ),
    (
        r"Invalid ranges specified for container and host Ports: (.+) and (.+)",
        r"컨테이너 포트 범위 \1과 호스트 포트 범위 \2의 크기가 달라 Compose가 거부합니다.",
    ),
    (r"Invalid proto: (.+)", r"프로토콜 \1은 쓸 수 없습니다. tcp, udp, sctp 중 하나를 쓰세요."),
    (
        r"a port's target is 0; Compose reads that as no target port",
        "포트의 target이 0이면 Compose는 target 포트가 없다고 보고 거부합니다.",
    ),
    (
        r"services\.(.+)\.(\S+): invalid type (\S+) for (\S+)",
        r"\1 서비스의 \2 값이 \3 형식이라 Compose가 읽지 못합니다. 목록으로 쓰세요.",
    ),
    # what Compose refuses in the merged project
    (
        r"services\.(\S+): can't set distinct values on 'scale' and 'deploy\.replicas': invalid compose project",
        r"\1 서비스의 scale과 deploy.replicas 값이 서로 달라 Compose가 프로젝트를 거부합니다. "
        r"하나만 쓰거나 같은 값을 쓰세요.",
    ),
    (
        r"services\.(\S+): can't set container_name and (\S+) as container name must be unique: "
        r"invalid compose project",
        r"\2 서비스에 container_name이 있는데 \1 설정으로 복제본을 여러 개 만들게 되어 있어 Compose가 프로젝트를 "
        r"거부합니다. 컨테이너 이름은 하나뿐이어야 하니 container_name을 지우세요.",
    ),
    (
        r'service "(.+)" declares mutualy exclusive dockerfile and dockerfile_inline: invalid compose project',
        r"\1 서비스의 build에 dockerfile과 dockerfile_inline이 함께 있어 Compose가 거부합니다. 하나만 쓰세요.",
    ),
    (r'unsupported env_file format "(.+)"', r"env_file의 format \1은 Compose 2.26.1이 지원하지 않습니다."),
    (
        r"Invalid ip address (\S+): (.+)",
        r"IP 주소 \1을 Compose가 읽지 못합니다. IPv6 주소는 [::1]:80:80처럼 대괄호로 감싸세요.",
    ),
    (
        r'unexpected character "(.+?)" in variable name "(.*)"',
        r"닫는 따옴표 뒤에 \2이 남아 있어 Compose가 이 줄을 읽지 못합니다. 값 전체를 따옴표 하나로 감싸세요.",
    ),
    (
        r"error decoding '(.+)': time: (.+)",
        r"\1의 시간 값을 Compose가 읽지 못합니다(Compose의 메시지: `time: \2`). 10s, 1m30s처럼 단위를 붙여 쓰세요.",
    ),
    (
        r"error decoding '(.+)': invalid size: '(.*)'",
        r"\1의 크기 값 \2를 Compose가 읽지 못합니다. 512m, 1g처럼 쓰세요.",
    ),
    (
        r"error decoding '(.+)': strconv\.ParseFloat: parsing \"(.*)\": invalid syntax",
        r"\1의 값 \2를 Compose가 숫자로 읽지 못합니다. 0.5처럼 숫자로 쓰세요.",
    ),
    (
        r"invalid spec: (.*): empty section between colons",
        r"볼륨 \1에 비어 있는 부분이 있어(콜론 사이가 비었습니다) Compose가 읽지 못합니다. 변수가 비어 있지 않은지 "
        "확인하세요.",
    ),
    (r"invalid spec: (.*): too many colons", r"볼륨 \1에 콜론(:)이 너무 많아 Compose가 읽지 못합니다."),
    (r"invalid empty volume spec", "빈 볼륨 항목은 Compose가 읽지 못합니다."),
    (
        r'service "(.+)" refers to undefined secret (.+): invalid compose project',
        r"\1 서비스가 쓰는 secret \2가 최상위 `secrets:`에 선언되어 있지 않아 Compose가 프로젝트를 거부합니다.",
    ),
    (
        r"error decoding '(.+)\.count': invalid value \"(.*)\", the only value allowed is 'all' or a number",
        r"\1의 count 값 \2는 쓸 수 없습니다. Compose는 숫자나 all만 받습니다.",
    ),
    (
        r'(.+): "count" and "device_ids" attributes are exclusive',
        r"\1: count와 device_ids는 함께 쓸 수 없습니다. 둘 중 하나만 쓰세요.",
    ),
    (
        r'service "(.+)" has neither an image nor a build context specified',
        r"\1 서비스에 image도 build도 없어서 Compose가 프로젝트를 거부합니다. 둘 중 하나를 쓰세요.",
    ),
    (
        r"service (.+) declares mutually exclusive `network_mode` and `networks`: invalid compose project",
        r"\1 서비스에 함께 쓸 수 없는 `network_mode`와 `networks`가 모두 있어서 Compose가 프로젝트를 거부합니다. "
        "하나만 남기세요.",
    ),
    (
        r'invalid mount config for type "bind": field Source must not be empty',
        "bind 마운트에 source가 없어서 Compose가 프로젝트를 거부합니다. 마운트할 호스트 경로를 source에 쓰세요.",
    ),
    (
        r'service "(.+)" depends on undefined service "(.+)" \(its profile is not enabled\)',
        r"\1 서비스가 의존하는 \2 서비스는 프로필이 켜져 있지 않아 프로젝트에 없습니다. "
        r"Compose가 프로젝트를 거부합니다.",
    ),
    (
        r'service "(.+)" depends on undefined service "(.+)" \(Compose adds the dependency for (.+)\)',
        r"\1 서비스의 \3 때문에 Compose가 \2 서비스에 대한 의존성을 더하는데, \2 서비스가 없습니다. "
        "Compose가 프로젝트를 거부합니다.",
    ),
    (
        r'service "(.+)" depends on undefined service "([^"]+)"(.*)',
        r"\1 서비스가 의존하는 \2 서비스가 정의되어 있지 않습니다\3. Compose가 프로젝트를 거부합니다.",
    ),
    (
        r'service "(.+)" refers to undefined (network|volume) "(.+)"; declare it under top-level `(\S+):`',
        r"\1 서비스가 쓰는 \3이 최상위 `\4:`에 선언되어 있지 않습니다. 거기에 선언하세요.",
    ),
    (
        r'service "(.+)" refers to undefined config "(.+)"',
        r"\1 서비스가 쓰는 config \2가 최상위 `configs:`에 선언되어 있지 않습니다.",
    ),
    (r"dependency cycle detected: (.+)", r"의존성이 순환합니다: \1. Compose가 프로젝트를 거부합니다."),
    # nginx
    (r"nginx syntax error: (.+)", r'nginx 문법 오류입니다. 파서의 메시지: "\1"'),
    (
        r"(.+) makes (\S+) nginx's main config \((\S+)\), where (.+) \((\S+)\): nginx refuses to start\. Server "
        r"blocks belong in (\S+), which the main config includes inside `http`\.",
        r"\1 때문에 nginx가 \3에 있는 \2을 메인 설정으로 읽습니다. 그런데 메인 설정으로 읽으면 \5에서 "
        r"`\4` 오류가 나서 nginx가 시작하지 않습니다. server 블록은 메인 설정이 `http` 블록 안에서 "
        r"include하는 \6에 두어야 합니다.",
    ),
    (
        r"(.+) starts nginx with (\S+), which is not in the image: nginx refuses to start",
        r"\1이 nginx에 설정 파일 \2을 지정하는데, 이미지에 그 파일이 없어서 nginx가 시작하지 않습니다.",
    ),
    (r"nginx refuses to start: (.+)", r"nginx가 이 설정으로는 시작하지 않습니다. nginx의 메시지: `\1`"),
    (
        r"'//' starts no comment in nginx \(use '#'\): nginx refuses to start with this line",
        "nginx에서 '//'는 주석이 아닙니다('#'을 쓰세요). 이 줄이 있으면 nginx가 시작하지 않습니다.",
    ),
    (
        r"unknown directive ('.+'): nginx refuses to start with it",
        r"알 수 없는 지시어 \1이 있어 nginx가 시작하지 않습니다.",
    ),
    (r"cleanup: (.+)", r"정리 중 문제가 있었습니다: \1"),
    (r"includes itself in a loop \((.+)\)", r"include가 자기 자신으로 돌아옵니다(\1)."),
    (r"includes nest deeper than (\S+) files", r"include가 파일 \1개보다 깊게 중첩되어 있습니다."),
    (
        r"include (\S+) matches no file the image has there: nginx goes on without it",
        r"`include \1`에 맞는 파일이 이미지의 그 위치에 없습니다. nginx는 이 include를 건너뛰고 그대로 "
        r"시작합니다.",
    ),
    (r"no compose file", "compose 파일이 없습니다."),
    (r"no nginx config", "nginx 설정이 없습니다."),
    # the rubric and the machine
    (r"rubric file not found", "채점 기준 파일이 없습니다."),
    (r"no rubric named (.+) \(known: (.*)\)", r"\1이라는 채점 기준이 없습니다(있는 것: \2)."),
    (r"rubric is not valid YAML: (.+)", r"채점 기준 파일이 올바른 YAML이 아닙니다: \1"),
    (r"cannot read rubric: (.+)", r"채점 기준 파일을 읽을 수 없습니다: \1"),
    (r"cannot write rubric: (.+)", r"채점 기준 파일을 쓸 수 없습니다: \1"),
    (r"rubric is not UTF-8 text", "채점 기준 파일이 UTF-8 텍스트가 아닙니다."),
    (r"rubric key (\S+): (.+)", r"채점 기준의 \1 키: \2"),
    (
        r"the Docker engine does not answer \((.+)\); start it, or check DOCKER_HOST and this user's access",
        r"Docker 엔진이 응답하지 않습니다(\1). 엔진을 시작하거나 DOCKER_HOST와 이 사용자의 권한을 확인하세요.",
    ),
    (
        r"Compose was not found; runtime grading needs Compose v2 \(`docker compose`\)\. (.+)",
        r"Compose가 없습니다. 실행 검사에는 Compose v2(`docker compose`)가 필요합니다. \1",
    ),
    # why a run cannot be sealed (grader/runtime/seal.py, seal_helper.py)
    (
        r"the engine is rootless Docker: its containers' traffic leaves through a user-space network that "
        r"firewall rules cannot hold",
        "엔진이 rootless Docker입니다. 컨테이너의 트래픽이 방화벽 규칙으로 막을 수 없는 사용자 공간 네트워크로 "
        "나갑니다.",
    ),
    (
        r"the engine keeps no DOCKER-USER chain \(Docker's iptables rules are turned off\)",
        "엔진에 DOCKER-USER 체인이 없습니다(Docker의 iptables 규칙이 꺼져 있습니다).",
    ),
    (
        r"the rubric marks this class as trusted \(seal: false\)",
        "채점 기준이 이 반을 믿을 수 있는 반으로 표시했습니다(seal: false).",
    ),
    (r"the engine did not say what it is \((.+)\)", r"엔진이 자신의 정보를 알려 주지 않았습니다(\1)."),
    (
        r"the engine did not start the grader's firewall helper: (.+)",
        r"엔진이 채점기의 방화벽 도우미 컨테이너를 시작하지 않았습니다: \1",
    ),
    (r"the grader's firewall helper did not finish: (.+)", r"채점기의 방화벽 도우미가 끝나지 않았습니다: \1"),
    (r"the grader's firewall helper failed: (.+)", r"채점기의 방화벽 도우미가 실패했습니다: \1"),
    (
        r"the grader's firewall helper could not read the builds' name servers: (.+)",
        r"채점기의 방화벽 도우미가 빌드가 쓰는 네임 서버를 읽지 못했습니다: \1",
    ),
    (
        r"could not build the grader's firewall helper image (\S+) from (\S+) \((.+)\); runtime grading needs "
        r"(\S+) \(pulled, or made by scripts/setup-runtime\.sh\) and Debian's mirror once",
        r"채점기의 방화벽 도우미 이미지 \1을 \2에서 빌드하지 못했습니다(\3). 실행 검사를 하려면 처음 한 번 \4 "
        r"이미지(내려받거나 scripts/setup-runtime.sh로 만든 것)와 Debian 미러가 필요합니다.",
    ),
    (r"could not install the run's firewall rules: (.*)", r"실행의 방화벽 규칙을 설치하지 못했습니다: \1"),
    (r"Compose does not load the project: (.*)", r"Compose가 프로젝트를 불러오지 못합니다: \1"),
    (
        r"`docker compose config` did not finish within (\S+) s",
        r"`docker compose config`가 \1초 안에 끝나지 않았습니다.",
    ),
    (
        r"Compose printed a project the grader cannot read(.*)",
        r"Compose가 출력한 프로젝트를 채점기가 읽을 수 없습니다\1.",
    ),
    (
        r"only Compose v1 was found \((.+)\); runtime grading needs Compose v2 \(`docker compose`\)\. (.+)",
        r"Compose v1만 있습니다(\1). 실행 검사에는 Compose v2(`docker compose`)가 필요합니다. \2",
    ),
    # options, rosters and reports (the instructor's side)
    (r"--queue ('.+'): give a Redis URL, e.g. (\S+)", r"--queue \1: Redis URL을 주세요(예: \2)."),
    (r"the queue at (\S+) does not answer \((.+)\)", r"\1의 큐가 응답하지 않습니다(\2)."),
    (
        r"the submission's files take (\S+) KiB compressed, more than a queue task carries \((\S+) MiB\)",
        r"제출물 파일이 압축해서 \1 KiB라서 큐 작업 하나에 담을 수 있는 \2 MiB보다 큽니다.",
    ),
    (r"internal error: (.+)", r"채점기 내부 오류입니다: \1"),  # a batch row the grader failed on
    (r"clone of (\S+) did not finish within (\S+) s", r"\1 저장소를 \2초 안에 가져오지 못했습니다(git clone)."),
    (r"clone of (\S+) failed: (.+)", r'\1 저장소를 가져오지 못했습니다. git의 메시지: "\2"'),
    (r"compose file (\S+) not found", r"compose 파일 \1이 없습니다."),
    (r"(.+) (\S+) not found", r"\1 \2이 없습니다."),
    (r"unknown YAML node", "알 수 없는 YAML 노드입니다."),
    (
        r"no (\S+): the image's was removed and none is provided",
        r"\1이 없습니다. 이미지의 파일은 지워졌고 제출물에도 없습니다.",
    ),
    (
        r"SUBMISSION_TAG ('.*'): a Classroom 50 submission tag starts with submit/",
        r"SUBMISSION_TAG \1: Classroom 50의 제출 태그는 submit/으로 시작해야 합니다.",
    ),
    (r"ASSIGNMENT_TYPE ('.*'): one of (.+)", r"ASSIGNMENT_TYPE \1: 다음 중 하나여야 합니다: \2"),
    (
        r"--format classroom50 needs the variables Classroom 50's runner sets; missing: (.+)",
        r"--format classroom50에는 Classroom 50 실행기가 설정하는 변수가 필요합니다. 없는 변수: \1",
    ),
    (r"no submission folders in it", "제출물 폴더가 하나도 없습니다."),
    (
        r"roster not found \(give a folder of submissions or a CSV file\)",
        "명단이 없습니다. 제출물 폴더들이 있는 폴더나 CSV 파일을 지정하세요.",
    ),
    (r"roster cannot be read: (.+)", r"명단을 읽을 수 없습니다: \1"),
    (r"roster is empty", "명단이 비어 있습니다."),
    (
        r"roster must start with the header `student,repo\[,ref\]`",
        "명단은 `student,repo[,ref]` 머리글로 시작해야 합니다.",
    ),
    (r"a row needs a student and a repo", "각 줄에 student와 repo가 있어야 합니다."),
    (r"student ('.+') is listed twice", r"학습자 \1이 두 번 나옵니다."),
    (r"no reports found", "보고서를 찾지 못했습니다."),
    (r"a test in result\.json is not an object", "result.json의 test 하나가 객체가 아닙니다."),
    (r"not a grader report \(schema (.+) or (.+) expected\)", r"채점기 보고서가 아닙니다(\1나 \2 스키마여야 합니다)."),
    (r"a second report for learner ('.+')", r"학습자 \1의 보고서가 두 개입니다."),
    (r"not a JSON report: (.+)", r"JSON 보고서가 아닙니다: \1"),
]

_WHERE = re.compile(r"(\S+?:\d+|\S+?): (.+)", re.S)


# Messages that carry another message (a reason) after their own words: the reason is put into
# Korean too, by the table above.
_NESTED_KO = [
    (
        r"cannot seal the run's network: (.+)\. A batch or a worker runs other people's files only sealed; for a "
        r"class you trust, set `runtime: \{seal: false\}` in the rubric",
        "실행의 네트워크를 격리할 수 없습니다. {0} 일괄 채점과 워커는 다른 사람의 파일을 격리된 실행에서만 "
        "돌립니다. 믿을 수 있는 반이라면 채점 기준에 `runtime: {{seal: false}}`를 설정하세요.",
    ),
    (r"this run was not sealed: (.+)", "이번 실행은 격리되지 않았습니다. {0}"),
    (r"runtime grading could not run: (.+)", "실행 검사를 하지 못했습니다. {0}"),
]


def localize_error(message: str, lang: str) -> str:
    """`message` in `lang`: a known input error in Korean, any other as it is."""
    if lang != "ko":
        return message
    from grader.i18n.ko import particle

    for pattern, template in _NESTED_KO:
        nested = re.fullmatch(pattern, message, flags=re.S)
        if nested:
            return template.format(localize_error(nested.group(1), lang))

    for pattern, ko in _ERRORS_KO:
        m = re.fullmatch(pattern, message, flags=re.S)
        if m:
            # a particle after an inserted name takes the form that fits it ("'api'라는")
            text = m.expand(ko).rstrip()
            return re.sub(
                r"([^\s가-힣(]+)(이라는|이|가|은|는|을|를)(?=[ (.])",
                lambda p: p.group(1) + particle(p.group(1), p.group(2)),
                text,
            )
    where = _WHERE.fullmatch(message)  # "file:line: message", as an error inside a finding is written
    if where and not where.group(1).endswith(":"):
        inner = localize_error(where.group(2), lang)
        if inner != where.group(2):
            return f"{where.group(1)}: {inner}"
    return message
