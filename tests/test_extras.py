"""A command that needs an optional extra which is not installed says so as a usage error (exit
2) with the line that installs it, in the report's language; never as an internal error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import run

from grader.extras import EXTRAS


@pytest.mark.parametrize(
    "args",
    [
        ["worker", "--queue", "redis://127.0.0.1:9/0"],
        ["batch", "{class}", "--queue", "redis://127.0.0.1:9/0", "--out", "{out}"],
    ],
)
@pytest.mark.parametrize("hidden", EXTRAS["queue"])
def test_the_queue_without_its_extra_is_a_usage_error_with_the_fix(args, hidden, monkeypatch, tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    monkeypatch.setitem(sys.modules, hidden, None)  # import of it fails as for a package not installed
    argv = [a.format(**{"class": tmp_path / "class", "out": tmp_path / "out"}) for a in args]
    r = run(*argv, "--lang", "en")
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.output
    assert f"needs the optional package(s) {hidden}, which are not installed" in r.output
    assert 'pip install "workshop-grader[queue]"' in r.output
    assert not (tmp_path / "out").exists()  # nothing was started


def test_the_missing_extra_in_korean(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "celery", None)
    r = run("worker", "--queue", "redis://127.0.0.1:9/0", "--lang", "ko")
    assert r.exit_code == 2
    assert (
        "grader: grader worker 명령에는 선택 패키지 celery가 필요한데 설치되어 있지 않습니다. "
        '설치하세요: pip install "workshop-grader[queue]"'
    ) in r.output, r.output


def test_every_extra_named_here_is_one_the_package_declares() -> None:
    import tomllib

    declared = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert set(EXTRAS) <= set(declared["project"]["optional-dependencies"])
