from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
WORKSHOP = REPO / "workshop"
SHARED = Path(os.environ.get("GRADER_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.fail(f"shared data missing: {p} (set GRADER_SHARED to the shared/ folder)")
    return p


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A fresh copy of the reference workspace to break on purpose."""
    dest = tmp_path / "ws"
    shutil.copytree(WORKSHOP, dest)
    return dest


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
