"""Every output format on workshop/ and on a failing copy: golden files (UPDATE_GOLDEN=1 writes
them), SARIF validated against the 2.1.0 schema, JUnit parsed back, the Classroom payload
decoded, results.json keys, and no workflow command injected by a learner's text."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import BACKEND_CONTAINER_NAME, REPO, WORKSHOP, edited_copy, run, shared_path

GOLDEN = REPO / "tests" / "golden"
FORMATS = ("text", "json", "junit", "sarif", "github", "gh-classroom-reporter", "gradescope", "markdown")


def make_cases(root: Path) -> None:
    shutil.copytree(WORKSHOP, root / "good")
    edited_copy(
        root / "bad",
        {
            "docker-compose.yml": [BACKEND_CONTAINER_NAME],
            "frontend/nginx.conf": [("proxy_pass $backend_upstream;", "proxy_pass http://backend:8080;")],
        },
    )
    # One cause, one finding: the backend renamed, so nothing names it; the checks that need it are blocked.
    edited_copy(
        root / "blocked",
        {"docker-compose.yml": [("  backend:\n", "  api:\n", 1), ("      - backend\n", "      - api\n")]},
    )


@pytest.fixture
def cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_cases(tmp_path)
    monkeypatch.chdir(tmp_path)  # paths in reports are relative to the repository, here tmp_path
    return tmp_path


def normalise(text: str) -> str:
    text = re.sub(r'timestamp="[^"]+"', 'timestamp="T"', text)
    text = re.sub(r"stop-commands::[0-9a-f]{32}", "stop-commands::TOKEN", text)
    return re.sub(r"^::[0-9a-f]{32}::$", "::TOKEN::", text, flags=re.M)


def grade(case: str, fmt: str, *extra: str, env: dict[str, str] | None = None):
    return run(
        "check", case, "--format", fmt, "--lang", "en", "--no-color", *extra, env={"LANG": "C.UTF-8", **(env or {})}
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", ["good", "bad", "blocked"])
def test_golden(cases: Path, case: str, fmt: str) -> None:
    r = grade(case, fmt)
    assert r.exit_code == (0 if case == "good" else 1)
    got = normalise(r.stdout)
    golden = GOLDEN / f"{case}.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        # CI compares; it never writes what it compares with
        assert not os.environ.get("CI"), "UPDATE_GOLDEN is for a developer's machine, not CI"
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(got)
    assert golden.exists(), f"no golden file {golden}; run with UPDATE_GOLDEN=1 once"
    assert got == golden.read_text()


@pytest.mark.parametrize("case", ["good", "bad"])
def test_sarif_is_valid_2_1_0_with_stable_rules(cases: Path, case: str) -> None:
    import jsonschema

    schema = json.loads(shared_path("reference", "schemas", "sarif-schema-2.1.0.json").read_text())
    sarif = json.loads(grade(case, "sarif").stdout)
    jsonschema.Draft7Validator(schema).validate(sarif)
    run0 = sarif["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][:3] == ["C100", "C101", "C102"]
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"] for r in rules)
    if case == "bad":
        found = {
            (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["level"],
            )
            for r in run0["results"]
        }
        assert found == {
            ("C101", "bad/docker-compose.yml", 25, "error"),
            ("N102", "bad/frontend/nginx.conf", 19, "error"),
        }
        for r in run0["results"]:
            assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    else:
        assert run0["results"] == []


def test_junit_parses_back_with_a_testcase_per_check(cases: Path) -> None:
    root = ET.fromstring(grade("bad", "junit").stdout)
    suite = root.find("testsuite")
    cases_ = suite.findall("testcase")
    assert suite.get("name") == "step-06-horizontal-scaling" and len(cases_) == int(suite.get("tests")) == 18
    failures = {c.get("name").split()[0]: c for c in cases_ if c.find("failure") is not None}
    assert set(failures) == {"C101", "N102"} and suite.get("failures") == "2"
    c101 = failures["C101"]
    assert c101.get("classname") == "step-06-horizontal-scaling.compose"
    assert c101.get("file") == "bad/docker-compose.yml" and c101.get("line") == "25"
    assert "Fix: Delete the `container_name:` line" in c101.find("failure").text


def test_classroom_payload_decodes_with_points_per_check(cases: Path) -> None:
    from grader.grade import grade as grade_submission
    from grader.registry import known_checks
    from grader.report.classroom import encoded
    from grader.report.context import FormatContext
    from grader.rubric import load_rubric

    rubric = load_rubric(None, known_checks())
    report, _ = grade_submission("bad", rubric)
    payload = json.loads(base64.b64decode(encoded(report.to_dict(), FormatContext.for_submission(rubric, "en", "bad"))))
    assert payload["version"] == 1 and payload["status"] == "fail" and payload["max_score"] == 120
    assert sum(t["score"] for t in payload["tests"]) == report.score == 95
    failed = [t for t in payload["tests"] if t["status"] == "fail"]
    assert {(t["test_code"], t["filename"], t["line_no"]) for t in failed} == {
        ("compose.backend-no-container-name", "bad/docker-compose.yml", 25),
        ("nginx.dynamic-backend-resolution", "bad/frontend/nginx.conf", 19),
    }
    assert all(
        {"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"} <= set(t)
        for t in payload["tests"]
    )


def test_gradescope_results_json_keys(cases: Path) -> None:
    res = json.loads(grade("bad", "gradescope").stdout)
    assert {"score", "execution_time", "output", "output_format", "tests", "visibility"} <= set(res)
    assert res["score"] == 95 and len(res["tests"]) == 18
    for t in res["tests"]:
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(t)
        assert t["status"] in ("passed", "failed") and t["visibility"] == "visible"
    assert sum(t["score"] for t in res["tests"]) == res["score"]


def test_several_formats_at_once_and_exit_zero(cases: Path) -> None:
    r = grade(
        "bad",
        "text",
        "--output",
        "sarif=out.sarif",
        "--output",
        "junit=out.xml",
        "--output",
        "report.txt",
        "--exit-zero",
    )
    assert r.exit_code == 0 and r.stdout == ""
    assert "FAIL" in Path("report.txt").read_text()
    assert json.loads(Path("out.sarif").read_text())["version"] == "2.1.0"
    ET.parse("out.xml")
    assert grade("bad", "json").exit_code == 1  # without --exit-zero the code means the same in every format


def runner_commands(stdout: str) -> list[str]:
    """Workflow commands as the Actions runner sees them: lines starting with `::`, except
    between `::stop-commands::TOKEN` and `::TOKEN::`."""
    commands, stopped = [], None
    for line in stdout.splitlines():
        if stopped:
            if line == f"::{stopped}::":
                stopped = None
            continue
        if line.startswith("::stop-commands::"):
            stopped = line.split("::")[2]
            continue
        if line.startswith("::"):
            commands.append(line)
    return commands


def test_learner_text_cannot_inject_workflow_commands(cases: Path) -> None:
    compose = Path("bad/docker-compose.yml")
    # A value with line breaks: in the text report its lines start with `::`.
    compose.write_text(
        compose.read_text().replace(
            "container_name: socialapp-backend", 'container_name: "x\\n::error::pwned\\n::stop-commands::abc"'
        )
    )
    out = grade("bad", "github").stdout
    commands = runner_commands(out)
    assert commands, out
    assert "\n::error::pwned\n" in out  # printed, but only where commands are off
    assert "%0A::error::pwned%0A" in out  # or as escaped data inside our annotation
    assert not any(c.startswith(("::error::pwned", "::stop-commands::abc")) for c in commands)
    names = {c[2:].split(" ", 1)[0].split("::", 1)[0] for c in commands}
    assert names <= {"group", "endgroup", "error", "warning"}


def test_github_step_summary_and_outputs(cases: Path, tmp_path: Path) -> None:
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    r = grade("bad", "github", env={"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)})
    assert r.exit_code == 1
    table = summary.read_text()
    assert table.count("\n| ") == 19 and "`bad/docker-compose.yml:25`" in table  # header + 18 checks
    assert outputs.read_text().splitlines() == ["score=95", "max-score=120", "passed=false"]


def test_step_summary_is_cut_under_the_limit() -> None:
    from grader.registry import known_checks
    from grader.report.context import FormatContext
    from grader.report.markdown import render
    from grader.rubric import load_rubric

    rubric = load_rubric(None, known_checks())
    doc = {
        "rubric": "r",
        "submission": "s",
        "passed": False,
        "score": 0,
        "max_score": 1,
        "notes": [],
        "results": [
            {
                "check": "compose.x",
                "code": "C101",
                "status": "fail",
                "points": 0,
                "max_points": 1,
                "title": "t",
                "file": "f",
                "line": i,
                "message": "m" * 500,
                "hint": "h",
            }
            for i in range(1, 3000)
        ],
    }
    text = render(doc, FormatContext(rubric, "en"), limit=100_000)
    assert len(text.encode()) <= 100_000 and text.endswith("the full report is in the job log)_\n")


# -- Classroom 50: result.json --------------------------------------------------------------
CLASSROOM50_ENV = {
    "CLASSROOM": "docker-workshop-2026",
    "ASSIGNMENT": "step-06",
    "OWNER": "learner-a",
    "SUBMISSION_TAG": "submit/3",
    "COMMIT_URL": "https://github.com/org/step-06-learner-a/commit/abc123",
    "RELEASE_URL": "https://github.com/org/step-06-learner-a/releases/tag/submit/3",
    "REVIEW_URL": "https://github.com/org/step-06-learner-a/pull/1",
}


def assert_classroom50_valid(result: dict, env: dict[str, str] = CLASSROOM50_ENV) -> None:
    """The shared schema, and the rules Classroom 50's runner keeps that it cannot say."""
    import jsonschema

    schema = json.loads(shared_path("reference", "schemas", "classroom50-result-v1.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(result)
    assert type(result["score"]) is int and type(result["max-score"]) is int
    assert 0 <= result["score"] <= result["max-score"]
    for t in result["tests"]:
        assert type(t["score"]) is int and type(t["max-score"]) is int and type(t["passed"]) is bool
        assert 0 <= t["score"] <= t["max-score"], t
        assert t["passed"] == (t["score"] == t["max-score"]) or t["max-score"] == 0, t
    assert result["score"] == sum(t["score"] for t in result["tests"])
    assert result["max-score"] == sum(t["max-score"] for t in result["tests"])
    assert (result["classroom"], result["assignment"], result["owner"]) == (
        env["CLASSROOM"],
        env["ASSIGNMENT"],
        env["OWNER"],
    )
    assert (result["submission"], result["commit"], result["release"], result["review"]) == (
        env["SUBMISSION_TAG"],
        env["COMMIT_URL"],
        env["RELEASE_URL"],
        env["REVIEW_URL"],
    )


def classroom50(case: str, *extra: str, env: dict[str, str] = CLASSROOM50_ENV):
    r = grade(case, "classroom50", *extra, env=env)
    return r, (json.loads(r.stdout) if r.stdout else None)


def test_classroom50_passing_submission(cases: Path) -> None:
    r, result = classroom50("good")
    assert r.exit_code == 0, r.stderr
    assert_classroom50_valid(result)
    assert result["score"] == result["max-score"] == 120 and len(result["tests"]) == 18
    assert all(t["passed"] for t in result["tests"])
    assert result["tests"][1]["test-name"] == "C101 The backend has no container_name"


def test_classroom50_failing_submission_one_test_per_check(cases: Path) -> None:
    r, result = classroom50("bad")
    assert r.exit_code == 0  # a failed grade is still a grade: the runner records it
    assert_classroom50_valid(result)
    assert result["score"] == 95 and result["max-score"] == 120
    failed = {t["code"]: t for t in result["tests"] if not t["passed"]}
    assert set(failed) == {"C101", "N102"}
    c101 = failed["C101"]
    assert c101["test-name"] == "C101 The backend has no container_name"
    assert (c101["check"], c101["file"], c101["line"], c101["score"], c101["max-score"]) == (
        "compose.backend-no-container-name",
        "bad/docker-compose.yml",
        25,
        0,
        10,
    )
    assert "container_name: socialapp-backend" in c101["message"]
    assert c101["fix"].startswith("Delete the `container_name:` line")


def test_classroom50_ungradable_submission_is_a_failing_grade_with_the_reason(cases: Path) -> None:
    Path("bad/docker-compose.yml").write_text("services:\n  backend: [\n")
    r, result = classroom50("bad")
    assert r.exit_code == 0, r.stderr
    assert_classroom50_valid(result)
    assert result["max-score"] == 120 and result["score"] < 120
    # One finding says why (C100); the checks that need the file are blocked by it, no points.
    c100 = next(t for t in result["tests"] if t["code"] == "C100")
    assert not c100["passed"] and c100["status"] == "error"
    assert "YAML syntax error" in c100["message"] and c100["file"] == "bad/docker-compose.yml"
    c101 = next(t for t in result["tests"] if t["code"] == "C101")
    assert not c101["passed"] and c101["score"] == 0 and c101["status"] == "blocked" and "C100" in c101["message"]
    assert "YAML syntax error" in r.stderr  # and the reason on stderr, as in every format

    r, result = classroom50("missing-folder")
    assert r.exit_code == 0
    assert_classroom50_valid(result)
    assert result["score"] == 0 and result["max-score"] == 120 and len(result["tests"]) == 18
    assert all(not t["passed"] and "submission folder not found" in t["message"] for t in result["tests"])


def test_classroom50_fractional_points_become_integers(cases: Path, tmp_path: Path) -> None:
    rubric = (REPO / "rubrics" / "step-06-horizontal-scaling.yaml").read_text()
    assert rubric.count("    points: 10\n") >= 2
    path = tmp_path / "half.yaml"
    path.write_text(
        rubric.replace("    points: 10\n", "    points: 7.5\n", 1).replace("    points: 10\n", "    points: 2.5\n", 1)
    )
    _r, result = classroom50("bad", "--rubric", str(path))
    assert_classroom50_valid(result)
    by_code = {t["code"]: t for t in result["tests"]}
    assert by_code["C101"]["max-score"] == 8 and by_code["C101"]["score"] == 0  # failed
    assert by_code["C102"]["max-score"] == 3 and by_code["C102"]["score"] == 3  # 2.5 rounds half up


def test_classroom50_without_the_runner_variables_says_which(cases: Path) -> None:
    env = {k: v for k, v in CLASSROOM50_ENV.items() if k not in ("OWNER", "REVIEW_URL")}
    r, _ = classroom50("good", env=env)
    assert r.exit_code == 2 and "OWNER, REVIEW_URL" in r.stderr and "Traceback" not in r.stderr
    r, _ = classroom50("good", env={**CLASSROOM50_ENV, "SUBMISSION_TAG": "v1"})
    assert r.exit_code == 2 and "submit/" in r.stderr


def test_classroom_is_a_deprecated_alias_of_gh_classroom_reporter(cases: Path) -> None:
    old, new = grade("bad", "classroom"), grade("bad", "gh-classroom-reporter")
    assert old.stdout == new.stdout and json.loads(old.stdout)["version"] == 1
    assert "deprecated" in old.stderr and "gh-classroom-reporter" in old.stderr
    assert "deprecated" not in new.stderr
    assert grade("bad", "text", "--output", "classroom=c.json").exit_code == 1
    assert json.loads(Path("c.json").read_text())["version"] == 1


# -- what a learner's file may hold --------------------------------------------------------
def test_junit_parses_whatever_unicode_a_learner_file_holds(cases: Path) -> None:
    """U+FFFE, U+FFFF and control characters are not XML 1.0: replaced, so the file parses."""
    from junitparser import JUnitXml
    from lxml import etree

    compose = Path("bad/docker-compose.yml")
    compose.write_text(
        compose.read_text().replace(
            "container_name: socialapp-backend", 'container_name: "be\\uFFFE\\uFFFF\\x01\\uD7FF"'
        )
    )
    nginx = Path("bad/frontend/nginx.conf")
    nginx.write_text(nginx.read_text().replace("http://backend:8080", "http://backend\ufffe\uffff:8080"))
    r = grade("bad", "junit", "--output", "junit=out.xml")
    assert r.exit_code == 1
    raw = Path("out.xml").read_bytes()
    assert "\ufffe".encode() not in raw and "\uffff".encode() not in raw and b"\x01" not in raw
    root = etree.fromstring(raw)  # lxml refuses what XML 1.0 forbids
    messages = {
        c.get("name").split()[0]: c.find("failure").get("message")
        for c in root.iter("testcase")
        if c.find("failure") is not None
    }
    assert "be\ufffd\ufffd\ufffd\ud7ff" in messages["C101"]  # replaced, the rest kept
    assert "backend\ufffd\ufffd" in messages["N102"]
    suites = JUnitXml.fromfile("out.xml")
    failed = {case.name.split()[0] for suite in suites for case in suite if case.result}
    assert {"C101", "N102"} <= failed


def test_sarif_uris_are_percent_encoded_and_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jsonschema

    make_cases(tmp_path)
    (tmp_path / "bad").rename(tmp_path / "sp ace%")
    monkeypatch.chdir(tmp_path)
    sarif = json.loads(grade("sp ace%", "sarif").stdout)
    schema = json.loads(shared_path("reference", "schemas", "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(sarif)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"sp%20ace%25/docker-compose.yml", "sp%20ace%25/frontend/nginx.conf"}


def several_findings(root: Path) -> None:
    """N104 finds two things at once: HTTP/1.0 to the backends and no connect timeout."""
    nginx = root / "frontend" / "nginx.conf"
    text = nginx.read_text()
    assert "proxy_http_version 1.1;" in text and "proxy_connect_timeout 1s;" in text
    nginx.write_text(
        text.replace("proxy_http_version 1.1;", "proxy_http_version 1.0;").replace("proxy_connect_timeout 1s;", "")
    )


def test_markdown_keeps_every_finding_of_a_check(cases: Path) -> None:
    several_findings(Path("bad"))
    doc = json.loads(grade("bad", "json").stdout)
    n104 = next(r for r in doc["results"] if r["code"] == "N104")
    messages = [n104["message"]] + [d["message"] for d in n104["details"]]
    assert len(messages) == 2
    row = next(line for line in grade("bad", "markdown").stdout.splitlines() if "| [N104](" in line)
    for message in messages:
        assert cell_text(message) in row
    assert "`bad/frontend/nginx.conf:" in row.split("|")[5]  # the second finding keeps its place
    for fmt in ("github", "junit"):  # the other formats with a text per check
        out = grade("bad", fmt).stdout
        assert all(m in out for m in messages), fmt
    for fmt in ("gradescope", "gh-classroom-reporter"):
        out = grade("bad", fmt).stdout
        assert all(json.dumps(m, ensure_ascii=False)[1:-1] in out for m in messages), fmt


def cell_text(message: str) -> str:
    from grader.report.markdown import cell

    return cell(message)


def test_batch_feedback_keeps_every_finding_of_a_check(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    shutil.copytree(WORKSHOP, subs / "alice")
    several_findings(subs / "alice")
    r = run("batch", str(subs), "--out", str(tmp_path / "out"), "--lang", "en", "--progress", "none")
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "out" / "reports" / "alice.json").read_text())
    n104 = next(x for x in report["results"] if x["code"] == "N104")
    feedback = (tmp_path / "out" / "feedback" / "alice.md").read_text()
    for message in [n104["message"]] + [d["message"] for d in n104["details"]]:
        assert cell_text(message) in feedback
