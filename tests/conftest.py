from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from learner_user import docker_user  # noqa: F401  (the session fixture, here for every test module: defined once)

REPO = Path(__file__).resolve().parent.parent
WORKSHOP = REPO / "workshop"
SHARED = Path(os.environ.get("GRADER_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A file of the shared data (the labelled corpus, the wild corpus, the schemas, the step's
    reference files), which lives beside the repository, not in it. Without it a test cannot
    run: in CI (CI=true) that fails the run, so CI never passes without the data; elsewhere the
    test is skipped, and pytest's summary says what was not run and how to run it."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        reason = f"shared data missing: {p}; put the shared/ folder beside the repository or set GRADER_SHARED to it"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    return p


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A fresh copy of the reference workspace to break on purpose."""
    dest = tmp_path / "ws"
    shutil.copytree(WORKSHOP, dest)
    return dest


def edited_copy(dest: Path, edits: dict[str, list[tuple]]) -> Path:
    """A copy of the workshop at dest with text replaced in its files: each edit is (old, new) or
    (old, new, count), as str.replace takes them. An old text the file lacks fails the test, so a
    changed workshop cannot leave a copy quietly unbroken."""
    shutil.copytree(WORKSHOP, dest)
    for rel, changes in edits.items():
        path = dest / rel
        text = path.read_text()
        for old, new, *count in changes:
            assert old in text, f"{rel} has no {old!r}"
            text = text.replace(old, new, *count)
        path.write_text(text)
    return dest


BACKEND_CONTAINER_NAME = ("  backend:\n", "  backend:\n    container_name: socialapp-backend\n", 1)  # C101 fails


def failing_copy(root: Path) -> Path:
    """The workshop at root/ws with two mistakes: a container_name on the backend (C101 fails) and
    no proxy_connect_timeout (N104, advisory, warns)."""
    return edited_copy(
        root / "ws",
        {
            "docker-compose.yml": [BACKEND_CONTAINER_NAME],
            "frontend/nginx.conf": [("        proxy_connect_timeout 1s;\n", "")],
        },
    )


def run(*args: str, env: dict[str, str] | None = None):
    from grader.cli import main

    result = CliRunner().invoke(main, list(args), env=env or {"LANG": "C.UTF-8"}, catch_exceptions=False)
    return result


def grade_json(path: Path, *extra: str) -> tuple[int, dict]:
    import json

    r = run("check", str(path), "--format", "json", "--lang", "en", *extra)
    return r.exit_code, json.loads(r.stdout)


def by_slug(report: dict) -> dict[str, dict]:
    return {r["check"]: r for r in report["results"]}


# -- fuzzing: a fixed budget, a seed chosen per run and printed when a fuzz test fails -------
def pytest_configure(config) -> None:
    import random

    if hasattr(config.option, "hypothesis_seed") and config.option.hypothesis_seed is None:
        config.option.hypothesis_seed = random.randrange(2**32)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and "test_fuzz" in item.nodeid:
        seed = item.config.option.hypothesis_seed
        report.sections.append(
            ("fuzz seed", f"reproduce with: python3 -m pytest {item.nodeid} --hypothesis-seed={seed}")
        )


# -- runtime tests: nothing of a run may stay behind ------------------------------------------
@pytest.fixture(autouse=True)
def nothing_left_on_the_engine(request):
    """For tests marked `runtime`: before, nothing left behind (an interrupted earlier session's
    runs are swept, their grader being gone); after, nothing of this test's either: no object
    whose grader process is gone, nor one of this very process. Whatever a failed test left is
    removed and the test fails, so one failure does not spill into the next. Runs of other
    graders still going on this machine are neither counted nor touched."""
    if request.node.get_closest_marker("runtime") is None:
        yield
        return
    from grader.runtime.engine import connect, labelled, sweep

    client = connect()
    sweep(client, stale_only=True)
    assert labelled(client, scope="left") == {}, "objects of this process's runs are present"
    yield
    left = labelled(client, scope="left")
    sweep(client, scope="left")
    assert left == {}, f"the run left these behind: {left}"


def full_score(runtime: bool) -> int:
    """What a submission passing every check scores under the default rubric (static checks,
    and the runtime phases too when `runtime`): from the rubric, so a change of points there
    does not need the tests edited."""
    from grader.registry import known_checks
    from grader.rubric import load_rubric

    rubric = load_rubric(None, known_checks())
    return round(sum(s.points for s in rubric.checks if s.enabled and (runtime or not s.slug.startswith("runtime."))))
