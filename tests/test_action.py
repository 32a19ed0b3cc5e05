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
from conftest import REPO, WORKSHOP, full_score

ACTION = yaml.safe_load((REPO / "action.yml").read_text())


def expand(text: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    def value(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr == "github.action_path":
            return str(REPO)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        out = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if out:
            return steps.get(out.group(1), {}).get(out.group(2), "")
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def condition(expr: str | None, inputs: dict[str, str], failed: bool) -> bool:
    """A step's `if:` as the runner reads it: none means success(); always() runs anyway."""
    if expr is None:
        return not failed
    if expr.strip() == "always()":
        return True
    m = re.fullmatch(r"inputs\.([\w-]+) == '(\w+)'", expr.strip())
    assert m, f"condition not understood: {expr}"
    return not failed and inputs[m.group(1)] == m.group(2)


def grader_stand_in(tmp: Path) -> Path:
    """What the install step leaves: a `grader` command (here this checkout, already importable)."""
    bin_dir = tmp / "venv-bin"
    bin_dir.mkdir(exist_ok=True)
    grader = bin_dir / "grader"
    grader.write_text(f'#!/bin/sh\nPYTHONPATH="{REPO}" exec "{sys.executable}" -m grader "$@"\n')
    grader.chmod(0o755)
    return grader


def action_inputs(**given: str) -> dict[str, str]:
    """The Action's inputs: `given` (fail_on_error or fail-on-error), the defaults for the rest."""
    inputs = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    inputs.update({k.replace("_", "-"): v for k, v in given.items()})
    return inputs


def runner_env(repo: Path, tmp: Path, output_file: Path, summary: Path) -> dict[str, str]:
    """The variables GitHub's runner sets for a step: the workspace, its output and summary
    files, the job's temporary folder and run id 4242."""
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKFLOW": "grade",
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp),
        "GITHUB_RUN_ID": "4242",
        "CI": "true",
        "LANG": "C.UTF-8",
    }


def run_action(repo: Path, tmp: Path, **given: str) -> tuple[int, str, dict[str, str], str]:
    """One use of the action in a job whose runner temp folder and run id are `tmp` and 4242."""
    inputs = action_inputs(**given)
    output_file, summary = tmp / "github_output", tmp / "step_summary"
    output_file.touch()
    summary.touch()
    steps: dict[str, dict[str, str]] = {}
    stdout, code, failed = "", 0, False
    for step in ACTION["runs"]["steps"]:
        if not condition(step.get("if"), inputs, failed):
            continue
        if "uses" in step:
            # The only action it uses: a Python of its own for the grader.
            assert step["uses"] == "actions/setup-python@v6" and step["with"]["update-environment"] is False
            steps[step["id"]] = {"python-path": sys.executable}
            continue
        if step["id"] == "install":
            # Installing is left out here (the grader is importable); the step must install the
            # action's own folder into a virtual environment, never with the system pip.
            assert '"$PYTHON" -m venv "$venv"' in step["run"] and '"$venv/bin/python" -m pip install' in step["run"]
            assert step["env"]["ACTION_PATH"] == "${{ github.action_path }}"
            steps["install"] = {"grader": str(grader_stand_in(tmp))}
            continue
        env = {**os.environ, **runner_env(repo, tmp, output_file, summary)}
        env.update({k: expand(str(v), inputs, steps) for k, v in (step.get("env") or {}).items()})
        before = output_file.read_text()
        p = subprocess.run(
            ["bash", "-e", "-c", expand(step["run"], inputs, steps)],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        stdout += p.stdout
        new = output_file.read_text()[len(before) :]
        steps[step["id"]] = dict(ln.split("=", 1) for ln in new.splitlines() if "=" in ln)
        if p.returncode != 0 and not failed:
            code, failed = p.returncode, True
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
    compose.write_text(
        compose.read_text().replace("  backend:\n", "  backend:\n    container_name: socialapp-backend\n", 1)
    )
    return repo


def test_action_annotates_sets_outputs_and_fails_the_job(learner_repo: Path, tmp_path: Path) -> None:
    code, stdout, outputs, summary = run_action(learner_repo, tmp_path, sarif="grader.sarif")
    assert code == 1
    assert (
        "::error file=docker-compose.yml,line=25,title=C101 The backend has no container_name::"
        "Service backend sets container_name: socialapp-backend"
    ) in stdout
    assert outputs["score"] == "110" and outputs["max-score"] == "120" and outputs["passed"] == "false"
    classroom = json.loads(base64.b64decode(outputs["result"]))
    assert classroom["version"] == 1 and classroom["status"] == "fail" and classroom["max_score"] == 120
    assert (
        "| ❌ | [C101](https://workshop-grader.github.io/workshop-grader/checks/c101/) The backend has no "
        "container_name | 0/10 | `docker-compose.yml:25` |"
    ) in summary
    assert json.loads((learner_repo / "grader.sarif").read_text())["runs"][0]["results"][0]["ruleId"] == "C101"


def test_action_fail_on_error_false_keeps_the_job_green(learner_repo: Path, tmp_path: Path) -> None:
    code, stdout, outputs, _ = run_action(learner_repo, tmp_path, **{"fail_on_error": "false"})
    assert code == 0 and outputs["passed"] == "false" and "::error file=docker-compose.yml" in stdout


def test_action_on_a_passing_workspace_in_a_subfolder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(WORKSHOP, repo / "step06")
    code, stdout, outputs, summary = run_action(repo, tmp_path, path="step06", lang="ko")
    assert code == 0 and outputs["passed"] == "true" and outputs["score"] == "120"
    assert "::error" not in stdout and "통과" in summary and "`step06/docker-compose.yml" in summary


def test_a_second_use_in_the_same_job_reports_its_own_result(learner_repo: Path, tmp_path: Path) -> None:
    code, _, first, _ = run_action(learner_repo, tmp_path, fail_on_error="false")
    assert code == 0 and first["result"] and first["exit-code"] == "1"
    # The second use grades a folder that is not there: the grader writes no result, and the
    # first use's must not be reported in its place.
    code, _stdout, second, _ = run_action(learner_repo, tmp_path, path="no-such-step")
    assert code == 2 and second["exit-code"] == "2"
    assert second["result"] == "" and second["score"] == ""
    assert not list(tmp_path.glob("workshop-grader-4242.*"))  # each use's temporary folder is removed


def test_reporter_flow_records_a_grade_for_a_broken_compose_file(learner_repo: Path, tmp_path: Path) -> None:
    (learner_repo / "docker-compose.yml").write_text("services:\n  backend: [\n")
    workflow = yaml.safe_load((REPO / "examples" / "classroom-workflow.yml").read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    grader = next(st for st in steps if st.get("id") == "step-06")
    reporter = next(st for st in steps if "autograding-grading-reporter" in st.get("uses", ""))
    assert reporter["if"] == "always()"  # runs whatever the grade step did
    assert reporter["env"]["STEP-06_RESULTS"] == "${{ steps.step-06.outputs.result }}"
    code, stdout, outputs, summary = run_action(learner_repo, tmp_path, **grader["with"] | {"runtime": "false"})
    assert code == 0 and outputs["exit-code"] == "2"  # fail-on-error: false keeps the job going
    result = json.loads(base64.b64decode(outputs["result"]))  # what the reporter records
    assert result["status"] == "error" and result["max_score"] == 120
    c100 = next(t for t in result["tests"] if t["name"].startswith("C100"))
    assert c100["status"] == "error" and "YAML syntax error" in c100["message"]
    c101 = next(t for t in result["tests"] if t["name"].startswith("C101"))
    assert c101["status"] == "fail" and c101["score"] == 0 and "C100" in c101["message"]  # blocked by it
    assert "::error file=docker-compose.yml,line=3" in stdout and "YAML syntax error" in summary
    # With fail-on-error left on, the job fails, and the outputs are still set for the reporter.
    code, _, outputs, _ = run_action(learner_repo, tmp_path)
    assert code == 2 and json.loads(base64.b64decode(outputs["result"]))["status"] == "error"


def test_a_stale_sarif_file_is_not_uploaded_again(learner_repo: Path, tmp_path: Path) -> None:
    (learner_repo / "grader.sarif").write_text('{"stale": true}')
    code, _, _, _ = run_action(learner_repo, tmp_path, path="no-such-step", sarif="grader.sarif")
    assert code == 2 and not (learner_repo / "grader.sarif").exists()


# -- the Action and the examples as GitHub reads them ----------------------------------------
WORKFLOWS = sorted((REPO / "examples").glob("*.yml"))
# The first major version of each action that runs on Node 24 (runners dropped Node 20).
NODE24 = {"actions/checkout": 5, "actions/setup-python": 6, "github/codeql-action/upload-sarif": 4}
# No Node 24 release exists; the runner runs it on Node 24 (named in the example's comment).
NO_NODE24_RELEASE = {"classroom-resources/autograding-grading-reporter"}
OWN = "workshop-grader/workshop-grader"


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with its vendored schema, the network closed (a proxy nobody answers)."""
    exe = shutil.which("check-jsonschema")
    if exe is None:
        pytest.fail("check-jsonschema is missing: pip install '.[test]'")
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    return subprocess.run(
        [exe, "--builtin-schema", schema, *map(str, files)], capture_output=True, text=True, env=env, timeout=120
    )


def test_check_jsonschema_ships_its_github_schemas() -> None:
    import check_jsonschema

    vendor = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor"
    assert (vendor / "github-actions.json").is_file() and (vendor / "github-workflows.json").is_file()


def test_action_and_examples_validate_against_githubs_schemas(tmp_path: Path) -> None:
    assert WORKFLOWS, "no workflow in examples/"
    p = check_jsonschema("vendor.github-actions", REPO / "action.yml")
    assert p.returncode == 0, p.stdout + p.stderr
    p = check_jsonschema("vendor.github-workflows", *WORKFLOWS)
    assert p.returncode == 0, p.stdout + p.stderr
    broken = tmp_path / "broken.yml"  # and it does say no: a step with both `uses` and `run`
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v5\n        run: echo\n"
    )
    assert check_jsonschema("vendor.github-workflows", broken).returncode == 1


def actionlint(repo: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on every workflow of `repo`, with shellcheck and pyflakes on their scripts."""
    exe = shutil.which("actionlint")
    if exe is None or not shutil.which("shellcheck") or not shutil.which("pyflakes"):
        pytest.fail("actionlint, shellcheck or pyflakes is missing: pip install '.[test]'")
    return subprocess.run([exe, "-oneline", "-no-color"], cwd=repo, capture_output=True, text=True, timeout=120)


def repo_using_the_action(tmp: Path, extra: dict[str, str] | None = None) -> Path:
    """A repository with this project's action.yml at its root and the example workflows in
    .github/workflows, each using the action as `./`: actionlint then reads action.yml's inputs
    and checks every `with:` of the examples against them."""
    repo = tmp / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".git").mkdir()  # actionlint finds the project by its .git
    shutil.copy(REPO / "action.yml", repo / "action.yml")
    for wf in WORKFLOWS:
        text = re.sub(rf"{re.escape(OWN)}@[\w.]+", "./", wf.read_text())
        (repo / ".github" / "workflows" / wf.name).write_text(text)
    for name, text in (extra or {}).items():
        (repo / ".github" / "workflows" / name).write_text(text)
    return repo


def test_actionlint_passes_the_action_and_the_example_workflows(tmp_path: Path) -> None:
    assert all(OWN in wf.read_text() for wf in WORKFLOWS), "each example uses the action"
    p = actionlint(repo_using_the_action(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr


def test_actionlint_passes_the_documentation_workflow(tmp_path: Path) -> None:
    """The workflow that builds the site strict and publishes it where the reports link."""
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".git").mkdir()
    shutil.copy(REPO / ".github" / "workflows" / "docs.yml", repo / ".github" / "workflows" / "docs.yml")
    p = actionlint(repo)
    assert p.returncode == 0, p.stdout + p.stderr
    text = (REPO / ".github" / "workflows" / "docs.yml").read_text()
    assert "mkdocs build --strict" in text and "actions/deploy-pages@" in text


def test_actionlint_does_say_no(tmp_path: Path) -> None:
    """The same set-up finds an input action.yml lacks, a script shellcheck warns of and an
    expression naming no context: the test above could fail."""
    job = "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
    repo = repo_using_the_action(
        tmp_path,
        {
            "input.yml": job + "      - uses: ./\n        with:\n          no-such-input: x\n",
            "script.yml": job + "      - run: echo $HOME/$1\n",
            "context.yml": job + "      - if: ${{ nothing.here }}\n        run: echo\n",
        },
    )
    out = actionlint(repo).stdout
    assert 'input "no-such-input" is not defined in action' in out
    assert "SC2086" in out
    assert 'undefined variable "nothing"' in out
    assert "learner-workflow.yml" not in out and "classroom-workflow.yml" not in out


def test_actions_used_are_versions_that_run_on_node24() -> None:
    uses = [st["uses"] for st in ACTION["runs"]["steps"] if "uses" in st]
    for wf in WORKFLOWS:
        for job in yaml.safe_load(wf.read_text())["jobs"].values():
            uses += [st["uses"] for st in job["steps"] if "uses" in st]
    for ref in uses:
        name, _, version = ref.partition("@")
        if name == OWN or name in NO_NODE24_RELEASE:
            continue
        assert name in NODE24, f"{ref}: which version runs on Node 24?"
        assert int(version.lstrip("v").split(".")[0]) >= NODE24[name], f"{ref} runs on Node 20"


def test_learner_workflow_never_fails_a_learner_over_the_sarif_upload() -> None:
    workflow = yaml.safe_load((REPO / "examples" / "learner-workflow.yml").read_text())
    steps = workflow["jobs"]["grade"]["steps"]
    upload = next(st for st in steps if "upload-sarif" in st.get("uses", ""))
    assert upload["continue-on-error"] is True and upload["if"].startswith("always()")
    assert all(st.get("if", "").startswith("always()") for st in steps[steps.index(upload) :])
    grade = next(st for st in steps if st.get("uses", "").startswith(OWN))
    assert grade["with"]["sarif"] == upload["with"]["sarif_file"]


@pytest.mark.runtime
def test_action_with_runtime_runs_the_stack(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(WORKSHOP, repo)
    code, stdout, outputs, summary = run_action(repo, tmp_path, runtime="true")
    assert code == 0, stdout
    assert outputs["score"] == str(full_score(runtime=True)) and outputs["passed"] == "true"
    assert (
        "[R107](https://workshop-grader.github.io/workshop-grader/checks/r107/) "
        "New replicas get traffic without restarting nginx" in summary
    )


# -- Classroom 50: examples/classroom50/autograder.py ---------------------------------------
AUTOGRADER = REPO / "examples" / "classroom50" / "autograder.py"


def run_autograder(checkout: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """As Classroom 50's runner calls it: `python autograder.py` in the learner's checkout with
    the runner's variables; the grader is importable already (this checkout on PYTHONPATH), so
    installing is skipped and everything else runs for real."""
    from test_formats import CLASSROOM50_ENV

    env = {
        **os.environ,
        **CLASSROOM50_ENV,
        "WORKSHOP_GRADER_INSTALLED": "1",
        "PYTHONPATH": str(REPO),
        "LANG": "C.UTF-8",
        **extra,
    }
    return subprocess.run(
        [sys.executable, str(AUTOGRADER)], cwd=checkout, env=env, capture_output=True, text=True, timeout=300
    )


def test_autograder_grades_a_learner_checkout(tmp_path: Path) -> None:
    from test_formats import assert_classroom50_valid

    checkout = tmp_path / "checkout"
    shutil.copytree(WORKSHOP, checkout)
    (checkout / "result.json").write_text('{"score": 999}')  # a learner's own file is not handed in
    p = run_autograder(checkout)
    assert p.returncode == 0, p.stderr
    result = json.loads((checkout / "result.json").read_text())
    assert_classroom50_valid(result)
    assert result["score"] == result["max-score"] == 120
    body = (checkout / "release-body.md").read_text()
    assert "✅" in body and "120/120" in body


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
    assert result["max-score"] == 120 and result["score"] < 120
    assert all(t["code"][0] in "CN" for t in result["tests"])  # the files only, no runtime phase
    c100 = next(t for t in result["tests"] if t["code"] == "C100")
    assert not c100["passed"] and "YAML syntax error" in c100["message"]
    assert "YAML syntax error" in (checkout / "release-body.md").read_text()


def test_autograder_without_the_runner_variables_records_no_grade(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(WORKSHOP, checkout)
    p = run_autograder(checkout, OWNER="")
    assert p.returncode == 2 and "OWNER" in p.stderr
    assert not (checkout / "result.json").exists()
