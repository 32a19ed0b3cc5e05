"""The GitHub Action, run locally as the runner runs a composite action: each step's `run`
script under bash, with `${{ ... }}` expressions replaced, the step's env, and the GITHUB_*
files and variables the runner sets. Asserts the annotations, outputs and step summary."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, WORKSHOP

ACTION = yaml.safe_load((REPO / "action.yml").read_text())


def expand(text: str, inputs: dict[str, str]) -> str:
    def value(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr == "github.action_path":
            return str(REPO)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def condition(expr: str, inputs: dict[str, str]) -> bool:
    m = re.fullmatch(r"inputs\.([\w-]+) == '(\w+)'", expr.strip())
    assert m, f"condition not understood: {expr}"
    return inputs[m.group(1)] == m.group(2)


def run_action(repo: Path, tmp: Path, **given: str) -> tuple[int, str, dict[str, str], str]:
    inputs = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    inputs.update({k.replace("_", "-"): v for k, v in given.items()})
    output_file, summary = tmp / "github_output", tmp / "step_summary"
    output_file.touch()
    summary.touch()
    steps: dict[str, dict[str, str]] = {}
    stdout, code = "", 0
    for step in ACTION["runs"]["steps"]:
        if "if" in step and not condition(step["if"], inputs):
            continue
        if step["id"] == "install":
            # Already installed in this environment; the step must install the action's own folder.
            assert "pip install" in step["run"] and step["env"]["ACTION_PATH"] == "${{ github.action_path }}"
            continue
        env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_WORKFLOW": "grade", "GITHUB_WORKSPACE": str(repo),
               "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp),
               "CI": "true", "LANG": "C.UTF-8"}
        env.update({k: expand(str(v), inputs) for k, v in (step.get("env") or {}).items()})
        before = output_file.read_text()
        p = subprocess.run(["bash", "-e", "-c", expand(step["run"], inputs)], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=900)
        stdout += p.stdout
        new = output_file.read_text()[len(before):]
        steps[step["id"]] = dict(ln.split("=", 1) for ln in new.splitlines() if "=" in ln)
        code = p.returncode
        if code != 0:
            break
    # `${{ steps.grade.outputs.score }}`: the value the grade step wrote to GITHUB_OUTPUT.
    outputs = {}
    for name, spec in ACTION["outputs"].items():
        m = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", spec["value"])
        assert m, spec["value"]
        outputs[name] = steps.get(m.group(1), {}).get(m.group(2), "")
    return code, stdout, outputs, summary.read_text()


@pytest.fixture
def learner_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(WORKSHOP, repo)
    compose = repo / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("  backend:\n", "  backend:\n    container_name: socialapp-backend\n", 1))
    return repo


def test_action_annotates_sets_outputs_and_fails_the_job(learner_repo: Path, tmp_path: Path) -> None:
    code, stdout, outputs, summary = run_action(learner_repo, tmp_path, sarif="grader.sarif")
    assert code == 1
    assert ("::error file=docker-compose.yml,line=25,title=C101 The backend has no container_name::"
            "Service backend sets container_name: socialapp-backend") in stdout
    assert outputs["score"] == "100" and outputs["max-score"] == "110" and outputs["passed"] == "false"
    classroom = json.loads(base64.b64decode(outputs["result"]))
    assert classroom["version"] == 1 and classroom["status"] == "fail" and classroom["max_score"] == 110
    assert "| ❌ | C101 The backend has no container_name | 0/10 | `docker-compose.yml:25` |" in summary
    assert json.loads((learner_repo / "grader.sarif").read_text())["runs"][0]["results"][0]["ruleId"] == "C101"


def test_action_fail_on_error_false_keeps_the_job_green(learner_repo: Path, tmp_path: Path) -> None:
    code, stdout, outputs, _ = run_action(learner_repo, tmp_path, **{"fail_on_error": "false"})
    assert code == 0 and outputs["passed"] == "false" and "::error file=docker-compose.yml" in stdout


def test_action_on_a_passing_workspace_in_a_subfolder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(WORKSHOP, repo / "step06")
    code, stdout, outputs, summary = run_action(repo, tmp_path, path="step06", lang="ko")
    assert code == 0 and outputs["passed"] == "true" and outputs["score"] == "110"
    assert "::error" not in stdout and "통과" in summary and "`step06/docker-compose.yml" in summary


@pytest.mark.runtime
def test_action_with_runtime_runs_the_stack(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(WORKSHOP, repo)
    code, stdout, outputs, summary = run_action(repo, tmp_path, runtime="true")
    assert code == 0, stdout
    assert outputs["score"] == "200" and outputs["passed"] == "true"
    assert "R107 New replicas get traffic without restarting nginx" in summary


# -- Classroom 50: examples/classroom50/autograder.py ---------------------------------------
AUTOGRADER = REPO / "examples" / "classroom50" / "autograder.py"


def run_autograder(checkout: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """As Classroom 50's runner calls it: `python autograder.py` in the learner's checkout with
    the runner's variables; the grader is importable already (this checkout on PYTHONPATH), so
    installing is skipped and everything else runs for real."""
    from test_formats import CLASSROOM50_ENV

    env = {**os.environ, **CLASSROOM50_ENV, "WORKSHOP_GRADER_INSTALLED": "1", "PYTHONPATH": str(REPO),
           "LANG": "C.UTF-8", **extra}
    return subprocess.run([sys.executable, str(AUTOGRADER)], cwd=checkout, env=env, capture_output=True,
                          text=True, timeout=300)


def test_autograder_grades_a_learner_checkout(tmp_path: Path) -> None:
    from test_formats import assert_classroom50_valid

    checkout = tmp_path / "checkout"
    shutil.copytree(WORKSHOP, checkout)
    (checkout / "result.json").write_text('{"score": 999}')  # a learner's own file is not handed in
    p = run_autograder(checkout)
    assert p.returncode == 0, p.stderr
    result = json.loads((checkout / "result.json").read_text())
    assert_classroom50_valid(result)
    assert result["score"] == result["max-score"] == 110
    body = (checkout / "release-body.md").read_text()
    assert "✅" in body and "110/110" in body


def test_autograder_on_a_broken_checkout_still_writes_a_failing_grade(tmp_path: Path) -> None:
    from test_formats import assert_classroom50_valid

    checkout = tmp_path / "checkout"
    shutil.copytree(WORKSHOP, checkout)
    (checkout / "docker-compose.yml").write_text("services:\n  backend: [\n")
    (checkout / "grader").mkdir()  # a learner's `grader` package must not replace the grader
    (checkout / "grader" / "__init__.py").write_text("raise SystemExit('learner code ran')\n")
    (checkout / "grader" / "__main__.py").write_text("raise SystemExit('learner code ran')\n")
    fake_bin = tmp_path / "bin"  # runtime asked for, but no Docker engine answers
    fake_bin.mkdir()
    (fake_bin / "docker").write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    (fake_bin / "docker").chmod(0o755)
    p = run_autograder(checkout, WORKSHOP_GRADER_RUNTIME="true", PATH=f"{fake_bin}:/usr/bin:/bin")
    assert p.returncode == 0, p.stderr
    assert "learner code ran" not in p.stderr
    assert "no Docker engine answers here: grading the files only" in p.stderr
    result = json.loads((checkout / "result.json").read_text())
    assert_classroom50_valid(result)
    assert result["max-score"] == 110 and result["score"] < 110
    assert all(t["code"][0] in "CN" for t in result["tests"])  # the files only, no runtime phase
    c101 = next(t for t in result["tests"] if t["code"] == "C101")
    assert not c101["passed"] and "YAML syntax error" in c101["message"]
    assert "YAML syntax error" in (checkout / "release-body.md").read_text()


def test_autograder_without_the_runner_variables_records_no_grade(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(WORKSHOP, checkout)
    p = run_autograder(checkout, OWNER="")
    assert p.returncode == 2 and "OWNER" in p.stderr
    assert not (checkout / "result.json").exists()
