"""The lines the grader prints while it works and when it is done, outside the report: the
runtime's progress, the batch's progress and summary, `grader aggregate`, `grader clean`,
`grader worker`, the usage errors of --service and --output. In Korean they read as an
instructor writes them (particles that fit the value, no English prose); in English they are
as they always were."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from conftest import WORKSHOP, run
from test_korean import EITHER_FORM, PARTICLE_AFTER, english_words

from grader.i18n.ko import particle

# Words a status line may keep besides those of test_korean: a format's name (as JSON), a
# tool's (as Docker), the metavars of --output and --service, the command's name before its line.
KEEP = {"HTML", "git", "FORMAT", "ROLE", "grader", "worker"}
HANGUL = re.compile("[가-힣]")


def reads_right(line: str, values: dict | None = None) -> None:
    """A Korean line: Hangul, no 이(가) forms, particles that fit what they follow, and no
    English outside code, file names, quoted tool output and the inserted values."""
    assert HANGUL.search(line), line
    assert not EITHER_FORM.search(line), line
    for m in PARTICLE_AFTER.finditer(line):
        assert particle(line[: m.start(2)], m.group(2)) == m.group(2), f"{m.group(0)} in: {line}"
    left = [w for w in english_words(line, values or {}) if w not in KEEP]
    assert not left, (left, line)


# --- the runtime's progress ---------------------------------------------------------------


def run_events(progress) -> None:
    """What a run reports, in order, as grader/runtime/scenario.py, stack.py and the phases do."""
    progress.say("stale_removed", count=7)
    progress.say("project", project="grader-3f9a1c2b7d", version="2.29.7")
    progress.phase("runtime.stack-up")
    progress.output(" Container grader-3f9a1c2b7d-backend-1  Started")
    progress.say("replicas_ready", ready=1, want=3)
    progress.say("replicas_ready", ready=3, want=3)
    progress.done("runtime.stack-up", "pass", 41.27, "")
    progress.phase("runtime.api")
    progress.say("no_answer", request="GET /api/posts", error="timed out")
    progress.status("GET /api/posts: HTTP 502")
    progress.done("runtime.api", "fail", 10.0, "")
    progress.phase("runtime.load-spread")
    progress.say("accepted", served=2, total=3)
    progress.shares([("grader-3f9a1c2b7d-backend-1", 0.34), ("grader-3f9a1c2b7d-backend-2", 0.33)])
    progress.done("runtime.load-spread", "warn", 3.5, "")
    progress.phase("runtime.api-contract")
    progress.say("schemathesis", document="openapi.yaml")
    progress.done("runtime.api-contract", "skip", 0.0, "")
    progress.done("runtime.restart-one", "blocked", 0.0, "")
    progress.done("runtime.scale-up", "error", 0.2, "")
    progress.say("removing")
    progress.close()


def plain_lines(lang: str) -> list[str]:
    from grader.runtime.progress import PlainProgress

    out = io.StringIO()
    run_events(PlainProgress(out, lang))
    return out.getvalue().splitlines()


def test_runtime_progress_in_korean() -> None:
    lines = plain_lines("ko")
    assert all(re.match(r"\[ +\d+\.\d초\] ", line) for line in lines), lines
    prose = [re.sub(r"^\[ +\d+\.\d초\] +(runtime\.[a-z-]+(: | …$))?", "", line) for line in lines]
    for line in prose:
        # no prose: a replica's share (a bar) and a request with its HTTP status
        if line and not re.fullmatch(r"grader-\S+ +#* +[\d.]+%|GET \S+: HTTP \d+", line):
            reads_right(line, {"project": "grader-3f9a1c2b7d"})
    text = "\n".join(lines)
    for want in (
        "강제로 끝난 이전 실행이 남긴 7개를 지웠습니다.",
        "Compose 프로젝트 grader-3f9a1c2b7d(compose 2.29.7)",
        "준비된 복제본 1/3개",
        "runtime.stack-up: 통과 (41.3초)",
        'GET /api/posts: 응답이 없습니다("timed out").',
        "runtime.api: 실패 (10.0초)",
        "요청을 받은 복제본 2/3개",
        "runtime.load-spread: 경고 (3.5초)",
        "schemathesis로 API가 openapi.yaml과 맞는지 확인하는 중 …",
        "runtime.api-contract: 검사하지 않음",
        "runtime.restart-one: 막힘",
        "runtime.scale-up: 오류",
        "이번 실행이 만든 컨테이너, 네트워크, 볼륨, 이미지를 지우는 중입니다.",
    ):
        assert want in text, (want, text)
    assert "Container grader-" not in text  # Compose's own lines are not shown in plain mode


def test_runtime_progress_in_english_is_unchanged() -> None:
    lines = [re.sub(r"^\[ +\d+\.\ds\] ", "", line) for line in plain_lines("en")]
    assert lines == [
        "  removed what earlier killed runs left: 7 objects",
        "  Compose project grader-3f9a1c2b7d (compose 2.29.7)",
        "runtime.stack-up …",
        "  1/3 replicas ready",
        "  3/3 replicas ready",
        "runtime.stack-up: pass (41.3s) ",
        "runtime.api …",
        "  GET /api/posts: no answer (timed out)",
        "  GET /api/posts: HTTP 502",
        "runtime.api: fail (10.0s) ",
        "runtime.load-spread …",
        "  2/3 accepted requests",
        "  grader-3f9a1c2b7d-backend-1  ##############                            34.0%",
        "  grader-3f9a1c2b7d-backend-2  #############                             33.0%",
        "runtime.load-spread: warn (3.5s) ",
        "runtime.api-contract …",
        "  schemathesis against openapi.yaml …",
        "runtime.api-contract: skip (0.0s) ",
        "runtime.restart-one: blocked (0.0s) ",
        "runtime.scale-up: error (0.2s) ",
        "  removing the run's containers, networks, volumes and images",
    ]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_runtime_progress_on_a_terminal(lang: str) -> None:
    """The rich bar's description: the phase, then the status line or the outcome, in `lang`."""
    from grader.runtime.progress import RichProgress

    progress = RichProgress(lang)
    progress.bar.console.file = io.StringIO()  # what a terminal would show; not the test's stderr
    progress.phase("runtime.stack-up")
    progress.say("replicas_ready", ready=2, want=3)
    waiting = progress.bar.tasks[0].description
    progress.done("runtime.stack-up", "fail", 12.0, "")
    outcome = progress.bar.tasks[0].description
    progress.close()
    if lang == "en":
        assert (waiting, outcome) == (
            "[bold]runtime.stack-up[/] 2/3 replicas ready",
            "[bold]runtime.stack-up[/] [red]fail[/]",
        )
    else:
        assert (waiting, outcome) == (
            "[bold]runtime.stack-up[/] 준비된 복제본 2/3개",
            "[bold]runtime.stack-up[/] [red]실패[/]",
        )


def test_every_progress_line_has_both_languages_and_the_runtime_names_only_those() -> None:
    from conftest import REPO

    from grader.runtime.progress import TEXT

    assert set(TEXT["en"]) == set(TEXT["ko"])
    used = set()
    for path in (REPO / "grader" / "runtime").rglob("*.py"):
        used |= set(re.findall(r"progress\.say\(\"(\w+)\"", path.read_text("utf-8")))
    assert used and used <= set(TEXT["en"]), used - set(TEXT["en"])


def test_make_progress_follows_the_report_language() -> None:
    from grader.runtime.progress import make_progress

    assert make_progress("plain", "ko").lang == "ko"
    assert make_progress("plain").lang == "en"
    assert make_progress("none", "ko").text("pass") == "pass"  # silent: nothing is said anyway


# --- grader batch ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    """Two learners with the reference workshop, one whose compose file is broken."""
    root = tmp_path_factory.mktemp("class")
    shutil.copytree(WORKSHOP, root / "alice")
    shutil.copytree(WORKSHOP, root / "bob")
    shutil.copytree(WORKSHOP, root / "carol")
    (root / "carol" / "docker-compose.yml").write_text("services:\n  backend:\n    image: [x\n")
    return root


def batch(klass: Path, out: Path, lang: str, *extra: str):
    r = run("batch", str(klass), "--out", str(out), "--jobs", "1", "--progress", "plain", "--lang", lang, *extra)
    assert r.exit_code == 0, r.output
    return r


def test_batch_in_korean(klass: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades"
    r = batch(klass, out, "ko")
    progress = r.stderr.splitlines()
    assert len(progress) == 3, r.stderr
    for line in progress:
        assert re.fullmatch(
            r"\[\d/3\] (alice|bob|carol): (통과|입력 오류) · 통과하지 못한 학습자 \d명 · "
            r"남은 시간 약 \d+초",
            line,
        ), line
        reads_right(line)
    assert any("carol: 입력 오류 · 통과하지 못한 학습자 1명" in line for line in progress), progress
    summary = r.stdout.splitlines()
    assert summary == [
        "학습자 3명: 통과 2명, 실패 0명, 입력 오류 1명, 가져오지 못함 0명",
        f"성적표: {out / 'gradebook.csv'}  HTML 보고서: {out / 'report.html'}  피드백: {out / 'feedback'}/",
    ], summary
    for line in summary:
        reads_right(line)
    again = batch(klass, out, "ko", "--resume")
    assert "(바뀌지 않아 다시 채점하지 않음)" in again.stderr
    for line in again.stderr.splitlines():
        reads_right(line)
    first = again.stdout.splitlines()[0]
    assert first.endswith(" (이 중 바뀌지 않아 다시 채점하지 않은 학습자 3명)"), first
    reads_right(first)


def test_batch_in_english_is_unchanged(klass: Path, tmp_path: Path) -> None:
    out = tmp_path / "grades"
    r = batch(klass, out, "en")
    for line in r.stderr.splitlines():
        assert re.fullmatch(r"\[\d/3\] (alice|bob|carol): (pass|error) · \d not passing · ETA \d+s", line), line
    assert r.stdout.splitlines() == [
        "3 learners: 2 pass, 0 fail, 1 input errors, 0 not graded",
        f"gradebook: {out / 'gradebook.csv'}  report: {out / 'report.html'}  feedback: {out / 'feedback'}/",
    ]
    again = batch(klass, out, "en", "--resume")
    assert re.search(r"\] alice: pass \(unchanged\) · 0 not passing · ETA", again.stderr), again.stderr
    assert (
        again.stdout.splitlines()[0] == "3 learners: 2 pass, 0 fail, 1 input errors, 0 not graded "
        "(3 unchanged, not regraded)"
    )


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_batch_bar_on_a_terminal(lang: str) -> None:
    from grader.batch.progress import BatchProgress

    progress = BatchProgress("rich", lang)
    progress.start(2)
    progress._bar.console.file = io.StringIO()
    progress.advance("alice", "fail")
    columns = [getattr(c, "text_format", None) for c in progress._bar.columns]
    task = progress._bar.tasks[0]
    progress.finish()
    assert task.fields["failed"] == 1
    if lang == "en":
        assert columns[0] == "[bold]grading" and columns[3] == "{task.fields[failed]} not passing"
    else:
        assert columns[0] == "[bold]채점 중" and columns[3] == "통과하지 못한 학습자 {task.fields[failed]}명"


def test_a_learner_not_fetched(tmp_path: Path) -> None:
    """The verdict and the feedback file of a learner whose repository cannot be cloned."""
    from grader.batch.outputs import write_all
    from grader.batch.progress import BatchProgress
    from grader.batch.run import Row
    from grader.registry import known_checks
    from grader.rubric import load_rubric

    rubric = load_rubric(None, registry=known_checks())
    error = "clone of file:///srv/git/dana.git failed: fatal: repository '/srv/git/dana.git' does not exist"
    row = Row("dana", "not-graded", 0.0, 0.0, None, "2026-03-02T09:00:00Z", None, error)
    for lang, want in [
        (
            "ko",
            "채점하지 못했습니다: file:///srv/git/dana.git 저장소를 가져오지 못했습니다. git의 메시지: "
            "\"fatal: repository '/srv/git/dana.git' does not exist\"",
        ),
        ("en", f"Not graded: {error}"),
    ]:
        paths = write_all(tmp_path / lang, [row], rubric, lang)
        text = (paths["feedback"] / "dana.md").read_text("utf-8")
        assert text == f"### {rubric.title(lang)}\n\n{want}\n", text
        if lang == "ko":
            reads_right(want)
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        progress = BatchProgress("plain", "ko")
        progress.start(1)
        progress.advance("dana", "not-graded")
    line = err.getvalue().strip()
    assert line.startswith("[1/1] dana: 가져오지 못함 · 통과하지 못한 학습자 1명"), line
    reads_right(line)


# --- grader aggregate, clean, worker ------------------------------------------------------


def test_aggregate_summary(klass: Path, tmp_path: Path) -> None:
    reports = tmp_path / "grades" / "reports"
    batch(klass, tmp_path / "grades", "en")
    out = tmp_path / "merged"
    ko = run("aggregate", str(reports), "--out", str(out), "--lang", "ko")
    assert ko.exit_code == 0, ko.output
    assert ko.stdout.strip() == (
        f"보고서 3개를 모았습니다. 성적표: {out / 'gradebook.csv'}  HTML 보고서: {out / 'report.html'}"
    ), ko.stdout
    reads_right(ko.stdout.strip())
    en = run("aggregate", str(reports), "--out", str(out), "--lang", "en")
    assert en.stdout.strip() == (
        f"3 reports merged; gradebook: {out / 'gradebook.csv'}  report: {out / 'report.html'}"
    ), en.stdout


@pytest.fixture
def left_over(monkeypatch):
    import grader.runtime.engine as engine

    monkeypatch.setattr(engine, "connect", lambda: None)
    monkeypatch.setattr(
        engine,
        "sweep",
        lambda client, **kw: {
            "containers": ["grader-3f9a1c2b7d-backend-1", "grader-3f9a1c2b7d-frontend-1"],
            "networks": ["grader-3f9a1c2b7d_appnet"],
            "volumes": ["grader-3f9a1c2b7d_data"],
            "images": [],
        },
    )


def test_clean_takes_lang(left_over) -> None:
    r = run("clean", "--lang", "ko")
    assert r.output.splitlines() == [
        "컨테이너 grader-3f9a1c2b7d-backend-1을 지웠습니다.",
        "컨테이너 grader-3f9a1c2b7d-frontend-1을 지웠습니다.",
        "네트워크 grader-3f9a1c2b7d_appnet을 지웠습니다.",
        "볼륨 grader-3f9a1c2b7d_data를 지웠습니다.",
        "남아 있던 4개를 지웠습니다.",
    ], r.output
    for line in r.output.splitlines():
        reads_right(line, {"name": line.split()[1]})
    r = run("clean", "--lang", "en", env={"LANG": "ko_KR.UTF-8"})
    assert r.output.splitlines()[-1] == "4 left-over object(s) removed"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_worker_says_what_it_found_and_how_it_runs(monkeypatch, lang: str) -> None:
    import grader.batch.queue as queue
    import grader.runtime.engine as engine

    class Client:
        def close(self) -> None: ...

    class App:
        def worker_main(self, argv) -> None: ...

    monkeypatch.setattr(engine, "connect", Client)
    monkeypatch.setattr(engine, "sweep", lambda client, **kw: {"containers": ["a", "b"], "networks": ["c"]})
    monkeypatch.setattr(queue, "sweep_task_dirs", lambda: 2)
    monkeypatch.setattr(queue, "make_app", lambda url, limit: App())
    monkeypatch.setattr(queue, "check_broker", lambda app, url: None)
    lines: list[str] = []
    queue.run_worker("redis://10.0.0.5:6379/0", 2, 600, "info", lines.append, lang)
    if lang == "en":
        assert lines == [
            "grader worker: removed 3 left-over object(s) of stopped runs on this engine",
            "grader worker: removed 2 task folder(s) of stopped workers",
            "grader worker: 2 stack(s) at a time, time limit 600 s, queue workshop-grader at redis://10.0.0.5:6379/0",
        ]
        return
    assert lines == [
        "grader worker: 이 엔진에서 멈춘 실행이 남긴 3개를 지웠습니다.",
        "grader worker: 멈춘 `grader worker` 프로세스가 남긴 작업 폴더 2개를 지웠습니다.",
        "grader worker: 스택을 한 번에 2개씩, 하나에 600초까지 실행합니다. "
        "큐: redis://10.0.0.5:6379/0의 workshop-grader",
    ], lines
    for line in lines:
        reads_right(line, {"queue": "workshop-grader"})


# --- usage errors of the command's own options --------------------------------------------


@pytest.mark.parametrize(
    "args,ko,en",
    [
        (
            ["--service", "web"],
            "'web': ROLE=NAME 형식으로 쓰고, ROLE 자리에는 backend, frontend 중 하나를 쓰세요.",
            "'web': use ROLE=NAME with ROLE one of backend, frontend",
        ),
        (["--output", "json="], "'json=': = 뒤에 파일 이름을 쓰세요.", "'json=': give a file after ="),
        (
            ["--output", "a.txt", "--output", "b.txt"],
            "'b.txt': 형식을 밝히지 않은 FILE 자리는 하나만 쓸 수 있습니다. 나머지는 FORMAT=FILE로 형식을 밝혀 쓰세요(",
            "'b.txt': only one plain FILE; name the format of others as FORMAT=FILE (",
        ),
    ],
)
def test_option_errors(args: list[str], ko: str, en: str) -> None:
    import click

    from grader.cli import parse_outputs, parse_services

    def message(lang: str) -> str:
        with pytest.raises(click.BadParameter) as e:
            if args[0] == "--service":
                parse_services((args[1],), lang)
            else:
                parse_outputs("text", tuple(args[1::2]), lang)
        return e.value.message

    assert message("ko").startswith(ko), message("ko")
    from grader.report import FORMATS

    reads_right(message("ko"), {"value": args[-1], "roles": "backend, frontend", "formats": ", ".join(FORMATS)})
    assert message("en").startswith(en), message("en")
    r = run("check", str(WORKSHOP), "--lang", "ko", *args)
    assert r.exit_code == 2 and ko in r.stderr, r.stderr


# --- the safety gate's refusal --------------------------------------------------------------

UNSAFE = """services:
  frontend:
    build:
      context: ./frontend
      network: host
    ports: ["80:80"]
    privileged: true
    cap_add: [SYS_ADMIN, ALL]
    security_opt: ["seccomp:unconfined"]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - ~/secrets:/secrets
    env_file: ../../secret.env
  backend:
    build:
      context: ../outside
      dockerfile: ../../Dockerfile
    network_mode: host
    devices: ["/dev/sda:/dev/sda"]
    volumes:
      - type: bind
        source: /etc
        target: /host-etc
    extends:
      file: ../base.yml
      service: api
  builder:
    build: https://github.com/evil/repo.git
  other:
    build:
      context: ./backend
      dockerfile: ../../Dockerfile.evil
      privileged: true
      additional_contexts:
        extra: ../../elsewhere
configs:
  app_config:
    file: /etc/passwd
volumes:
  data:
    driver_opts:
      device: /srv/data
include:
  - ../shared.yml
"""


@pytest.fixture
def refused(ws, monkeypatch):
    """`grader run` on a compose file the gate refuses: nothing may start, whatever happens."""
    import grader.runtime.scenario as scenario

    def never(*args, **kwargs):
        raise AssertionError("the gate let an unsafe compose file run")

    # The gate runs in RuntimeRun.prepare; nothing after it may start.
    monkeypatch.setattr(scenario.RuntimeRun, "run", never)
    monkeypatch.setattr(scenario.RuntimeRun, "_start", never)
    (ws / "docker-compose.yml").write_text(UNSAFE)
    return ws


def test_every_hazard_has_both_languages_and_reads_right(refused) -> None:
    from grader.grade import grade
    from grader.registry import known_checks
    from grader.rubric import load_rubric
    from grader.runtime.safety import TEXT, Gate

    assert set(TEXT["en"]) == set(TEXT["ko"])
    _, ws = grade(str(refused), load_rubric(None, registry=known_checks()), lang="ko")
    hazards = Gate(ws.root, ws.compose_rel, ws.compose.root).check()
    said = {h.key for h in hazards} | {h.params["why"] for h in hazards if "why" in h.params}
    assert said == set(TEXT["en"]) - {"refused", "more"}, set(TEXT["en"]) - said  # the file meets every one
    for h in hazards:
        values = {k: repr(v) if k == "path" else v for k, v in h.params.items() if k != "why"}
        reads_right(h.text("ko"), values)
        assert not HANGUL.search(h.text("en")), h.text("en")


def test_every_refusal_of_the_resolved_gate_reads_right_in_both_languages() -> None:
    """The allow-list's and the base-image rule's texts: every key in both languages, each
    reason and use filled into the sentence that carries it."""
    from grader.runtime import allowlist, base_images
    from grader.runtime.safety import Hazard

    samples = {
        "service": "backend",
        "what": "`network_mode: host`",
        "section": "networks",
        "name": "appnet",
        "problem": "big.yml: file is larger than 1 MiB",
        "cap": "10",
        "target": "cache",
        "image": "victim-image:1",
        "allowed": "nginx:1.30, python:3.13-slim",
        "text": "${BASE}",
        "outer": "`shared`",
        "host": "localhost",
        "writer": "writer",
    }
    for table, sentences, parts in (
        (allowlist.TEXT, ("svc", "section", "project", "unread", "unread_file"), "why"),
        (base_images.TEXT, ("local", "unknown"), "use"),
        (base_images.TEXT, ("fetch_closed",), "why"),
    ):
        assert set(table["en"]) == set(table["ko"])
        for sentence in sentences:
            for part in (k for k in table["en"] if k.startswith(parts + "_")):
                extra = {"use": "use_service", "what": "what_image"} if sentence == "fetch_closed" else {}
                h = Hazard(sentence, "docker-compose.yml", 3, {**samples, **extra, parts: part}, table)
                values = {
                    k: v
                    for k, v in samples.items()
                    if "{" + k + "}" in table["ko"][sentence] or "{" + k + "}" in table["ko"][part]
                }
                if extra:  # the use's own text inserts the service
                    values["service"] = samples["service"]
                reads_right(h.text("ko"), values)
                assert not HANGUL.search(h.text("en")), h.text("en")


def test_refusal_on_stderr(refused) -> None:
    ko = run("run", str(refused), "--lang", "ko")
    assert ko.exit_code == 2, ko.output
    # the static report's notes come first (the report is kept), then the refusal and each hazard
    lines = ko.stderr.splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if "안전하지 않아" in line) :]
    assert lines[0] == (
        "grader: docker-compose.yml:7: 안전하지 않아 실행하지 않습니다. frontend 서비스가 "
        "`privileged: true`를 요청합니다. 이러면 컨테이너가 호스트의 장치와 모든 권한을 갖게 됩니다. "
        f"이 밖에도 {len(lines) - 1}개가 더 있습니다."
    ), lines[0]
    assert (
        "grader: docker-compose.yml:11: frontend 서비스가 마운트하는 호스트 경로 '/var/run/docker.sock'은 "
        "컨테이너 엔진의 소켓이라 호스트 전체를 제어할 수 있습니다." in lines
    )
    en = run("run", str(refused), "--lang", "en")
    lines = en.stderr.splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if "refused to run" in line) :]
    assert lines[0] == (
        "grader: docker-compose.yml:7: refused to run: service frontend asks for `privileged: true`, "
        "which gives the container the host's devices and every capability "
        f"(and {len(lines) - 1} more)"
    ), lines[0]
    assert (
        "grader: docker-compose.yml:11: service frontend bind-mounts '/var/run/docker.sock', but it is the "
        "container engine's socket, which gives full control of the host" in lines
    )


def test_refusal_in_a_classroom50_result(refused, monkeypatch) -> None:
    """The gate's refusal, composed of its hazards, reaches result.json in the report's
    language: in each runtime test's message and in the note."""
    import json

    from test_formats import CLASSROOM50_ENV, assert_classroom50_valid

    for k, v in CLASSROOM50_ENV.items():
        monkeypatch.setenv(k, v)
    r = run("check", str(refused), "--runtime", "--format", "classroom50", "--lang", "ko")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert_classroom50_valid(doc)
    runtime = [t for t in doc["tests"] if t["code"].startswith("R")]
    assert runtime and all(not t["passed"] for t in runtime)
    for t in runtime:
        assert "안전하지 않아 실행하지 않습니다" in t["message"], t["message"]
        reads_right(t["message"], {"service": "frontend"})


def test_refusal_in_a_batch_row_and_its_feedback(refused, tmp_path: Path) -> None:
    """A learner whose files grade statically but whose compose file the gate refuses: the
    batch row's error and the learner's feedback say why in the batch's language."""
    klass = tmp_path / "class"
    shutil.copytree(WORKSHOP, klass / "dana")
    compose = klass / "dana" / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("  frontend:\n", "  frontend:\n    privileged: true\n", 1))
    out = tmp_path / "out"
    r = run("batch", str(klass), "--runtime", "--out", str(out), "--lang", "ko", "--progress", "none")
    assert "입력 오류 1명" in r.output, r.output
    feedback = (out / "feedback" / "dana.md").read_text("utf-8")
    assert "안전하지 않아 실행하지 않습니다" in feedback, feedback
    assert "refused to run" not in feedback
    en = run("batch", str(klass), "--runtime", "--out", str(tmp_path / "en"), "--lang", "en", "--progress", "none")
    assert "refused to run: service frontend asks for `privileged: true`" in (
        tmp_path / "en" / "feedback" / "dana.md"
    ).read_text("utf-8"), en.output


def test_feedback_of_a_row_the_grader_failed_on() -> None:
    from grader.i18n.cli_text import localize_error

    ko = localize_error("internal error: KeyError: 'services'", "ko")
    assert ko == "채점기 내부 오류입니다: KeyError: 'services'"
    reads_right(ko, {"error": "KeyError"})


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_notes_in_the_report_language(ws, fmt: str) -> None:
    """A note (here: a file outside the submission, not read) in a Korean report reads in
    Korean in every format that shows notes; in English as the grader wrote it."""
    compose = ws / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("  frontend:\n", "  frontend:\n    env_file: ../../secret.env\n", 1))
    ko = run("check", str(ws), "--format", fmt, "--lang", "ko", "--no-color")
    assert "frontend 서비스의 env_file '../../secret.env'가 제출물 밖을 가리키므로 읽지 않습니다." in ko.stdout, (
        ko.stdout
    )
    assert "points outside the submission" not in ko.stdout
    en = run("check", str(ws), "--format", fmt, "--lang", "en", "--no-color")
    assert "env_file '../../secret.env' of service frontend points outside the submission" in en.stdout, en.stdout
