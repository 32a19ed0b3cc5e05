"""Classroom 50 autograder for workshop step 06 (horizontal scaling).

Classroom 50's runner calls `python autograder.py` in the learner's checkout with CLASSROOM,
ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL, REVIEW_URL and OWNER set. This script
installs workshop-grader into its own virtual environment (outside the checkout), grades the
checkout and writes:

- result.json       the grade (classroom50/result/v1): one test per check with its points,
                    message, fix, file and line. Input that cannot be graded (a broken compose
                    file, a missing nginx.conf) is a failing grade with the reason, never an error.
- release-body.md   the table the learner sees on the submission's release, with every
                    finding and its fix.

It exits 0 when result.json is written, and non-zero only when it could not be (the grader
could not be installed, the runner's variables are missing): the runner then records an error.

Settings (environment variables, all optional):
  WORKSHOP_GRADER_PACKAGE    what pip installs (default: the grader's repository at tag v0)
  WORKSHOP_GRADER_RUNTIME    "true": also build and run the stack, when a Docker engine answers
  WORKSHOP_GRADER_PATH       the step's folder in the checkout (default: the checkout itself)
  WORKSHOP_GRADER_LANG       en or ko (default en)
  WORKSHOP_GRADER_RUBRIC     a rubric file; default: rubric.yaml beside this script, if there
  WORKSHOP_GRADER_INSTALLED  "1": the grader is importable by this Python already; do not install
Only the Python standard library is used, so any Python 3.11+ runs it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

PACKAGE = "workshop-grader @ git+https://github.com/workshop-grader/workshop-grader@v0"
HERE = Path(__file__).resolve().parent


def say(message: str) -> None:
    print(f"autograder: {message}", file=sys.stderr, flush=True)


def truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def grader_command() -> list[str]:
    """The command that runs the grader, installing it first unless told it is there."""
    # -P: the checkout (the working folder) is not put on sys.path, so a learner's own
    # `grader/` folder cannot stand in for the grader.
    if truthy("WORKSHOP_GRADER_INSTALLED"):
        return [sys.executable, "-P", "-m", "grader"]
    # A virtual environment of its own: Ubuntu's system pip refuses to install
    # (externally-managed-environment), and nothing is left in the learner's checkout.
    home = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "workshop-grader-venv"
    python = home / "bin" / "python"
    if not python.exists():
        say(f"creating a virtual environment in {home}")
        venv.create(home, with_pip=True)
    package = os.environ.get("WORKSHOP_GRADER_PACKAGE", "").strip() or PACKAGE
    say(f"installing {package}")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", package],
                   check=True)
    return [str(python), "-P", "-m", "grader"]


def docker_answers() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        return subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def main() -> int:
    for stale in ("result.json", "release-body.md"):  # never hand in an earlier run's grade
        Path(stale).unlink(missing_ok=True)
    try:
        command = grader_command()
    except (OSError, subprocess.CalledProcessError) as e:
        say(f"the grader could not be installed: {e}")
        return 3
    args = [os.environ.get("WORKSHOP_GRADER_PATH", "").strip() or ".", "--format", "classroom50",
            "--output", "result.json", "--output", "markdown=release-body.md",
            "--lang", os.environ.get("WORKSHOP_GRADER_LANG", "").strip() or "en", "--no-color"]
    rubric = os.environ.get("WORKSHOP_GRADER_RUBRIC", "").strip()
    if not rubric and (HERE / "rubric.yaml").is_file():
        rubric = str(HERE / "rubric.yaml")
    if rubric:
        args += ["--rubric", rubric]
    if truthy("WORKSHOP_GRADER_RUNTIME"):
        if docker_answers():
            args += ["--runtime", "--progress", "plain"]
        else:
            say("WORKSHOP_GRADER_RUNTIME is set but no Docker engine answers here: grading the files only")
    code = subprocess.run([*command, "check", *args]).returncode
    if code != 0 or not Path("result.json").is_file():
        say(f"no grade was written (the grader exited {code})")
        return code or 3
    say("wrote result.json and release-body.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
