"""The command line: explain/list like `ruff rule`, formats, language, and a static run that
never imports the Docker SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, WORKSHOP, run

from grader.checks import MODULES


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("module", MODULES, ids=[m.CODE for m in MODULES])
def test_every_check_is_explained(module, lang: str) -> None:
    r = run("explain", module.CODE, "--lang", lang)
    assert r.exit_code == 0
    assert module.SLUG in r.output
    assert r.output.count("## ") == 4 + (module.TEXTS.follows is not None)  # why, fails, passes, fix, follows
    assert run("explain", module.SLUG, "--lang", lang).output == r.output


def test_explain_unknown_code() -> None:
    r = run("explain", "Z999")
    assert r.exit_code == 2 and "grader list" in r.stderr


def test_list_has_every_check() -> None:
    r = run("list", "--lang", "en")
    assert r.exit_code == 0
    for m in MODULES:
        assert m.CODE in r.output and m.SLUG in r.output


def test_json_report_shape() -> None:
    r = run("check", str(WORKSHOP), "--format", "json")
    report = json.loads(r.stdout)
    assert set(report) >= {"schema", "rubric", "submission", "passed", "score", "max_score", "results"}
    for res in report["results"]:
        assert set(res) >= {"check", "code", "status", "points", "max_points", "file", "line", "message", "hint"}


def test_language_from_locale() -> None:
    ko = run("check", str(WORKSHOP), env={"LANG": "ko_KR.UTF-8"})
    en = run("check", str(WORKSHOP), env={"LANG": "en_US.UTF-8"})
    assert "점수" in ko.output and "Score" in en.output


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    r = run("check", str(WORKSHOP), "--format", "json", "--output", str(out))
    assert r.exit_code == 0 and json.loads(out.read_text())["passed"] is True


def test_no_color_off_a_tty() -> None:
    assert "\x1b[" not in run("check", str(WORKSHOP)).output


def test_static_run_loads_only_what_it_needs(tmp_path: Path) -> None:
    """A cold `grader check` is mostly imports: the static path loads no Docker, HTTP, process,
    XML or rich code, and no jsonschema once the rubric is known to be valid."""
    code = (
        "import sys; from grader.cli import main\n"
        f"try:\n    main(['check', {str(WORKSHOP)!r}, '--format', 'json'])\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        f"print(' '.join(sorted(m for m in sys.modules "
        f"if m in {UNNEEDED!r} or m.rpartition('.')[0] in {UNNEEDED!r})), file=sys.stderr)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}  # the first run remembers the rubric is valid
    first, second = (
        subprocess.run(
            [sys.executable, "-c", code], check=True, cwd=REPO, capture_output=True, text=True, env=env
        ).stderr.split()
        for _ in range(2)
    )
    assert "jsonschema" in first
    assert second == []


@pytest.mark.parametrize("args", [["list"], ["explain", "N102"], ["explain", "R107"]])
def test_list_and_explain_load_no_models(args: list[str]) -> None:
    """They read the checks' texts only: no Compose or nginx model, no parser, no workspace."""
    code = (
        "import sys; from grader.cli import main\n"
        f"try:\n    main({args!r})\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.startswith({MODELS!r}))), file=sys.stderr)\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=REPO, capture_output=True, text=True
    ).stderr.split()
    assert loaded == []


MODELS = ("grader.compose", "grader.nginx", "grader.workspace", "grader.submission", "crossplane")


UNNEEDED = (
    "docker",
    "rich",
    "requests",
    "urllib3",
    "http",
    "http.client",
    "subprocess",
    "xml",
    "xml.etree",
    "jsonschema",
    "decimal",
    "traceback",
    "grader.runtime.engine",
    "grader.runtime.stack",
)


def test_module_entry_point() -> None:
    p = subprocess.run([sys.executable, "-m", "grader", "check", str(WORKSHOP)], capture_output=True, text=True)
    assert p.returncode == 0 and "PASS" in p.stdout


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_runtime_phase_is_explained(lang: str) -> None:
    from grader.runtime.phases import PHASES

    for phase in PHASES:
        r = run("explain", phase.CODE, "--lang", lang)
        assert r.exit_code == 0, phase.CODE
        assert phase.SLUG in r.output and r.output.count("## ") >= 2
        assert run("explain", phase.SLUG, "--lang", lang).output == r.output


def test_no_docker_daemon_is_exit_4_with_the_reason(ws: Path) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(ws)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    )
    assert p.returncode == 4, p.stderr
    assert "Docker engine does not answer" in p.stderr and "Traceback" not in p.stderr


def test_compose_v1_alone_is_exit_4_naming_it(ws: Path, tmp_path: Path) -> None:
    # A PATH whose only Compose is a v1 `docker-compose` (and no `docker` CLI).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker-compose"
    fake.write_text("#!/bin/sh\necho 1.29.2\n")
    fake.chmod(0o755)
    env = {**__import__("os").environ, "PATH": str(bin_dir)}
    p = subprocess.run([sys.executable, "-m", "grader", "run", str(ws)], capture_output=True, text=True, env=env)
    assert p.returncode == 4, p.stderr
    assert "only Compose v1 was found (docker-compose 1.29.2)" in p.stderr
