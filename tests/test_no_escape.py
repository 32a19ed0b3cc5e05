"""No escape from the submission: a secret file is planted outside it, and every way a
submission could point at it (symlinked files and folders, nginx include with globs and `..`,
env_file, Dockerfile COPY paths, build contexts, compose extends/include) is tried. The secret
never appears in any report format, on stderr, or in what a runtime run shows of the stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run

SECRET = "TOP-SECRET-3f9c1a-never-print-me"
FORMATS = ("text", "json", "junit", "sarif", "github", "classroom", "gradescope", "markdown")


@pytest.fixture
def secret_dir(tmp_path: Path) -> Path:
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.conf").write_text(f"server_name {SECRET};\n")
    (d / "secret.env").write_text(f"PASSWORD={SECRET}\n")
    (d / "secret.yml").write_text(f"services:\n  backend:\n    image: {SECRET}\n")
    (d / "nginx.conf").write_text(f"# {SECRET}\nserver {{ listen 80; server_name {SECRET}; }}\n")
    return d


def _append(p: Path, text: str) -> None:
    p.write_text(p.read_text() + text)


def _replace(p: Path, old: str, new: str) -> None:
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))


ATTACKS = {
    "symlinked nginx.conf": lambda ws, s: (
        (ws / "frontend" / "nginx.conf").unlink(),
        (ws / "frontend" / "nginx.conf").symlink_to(s / "nginx.conf"),
    ),
    "symlinked frontend folder": lambda ws, s: (
        os.rename(ws / "frontend", ws / "frontend-real"),
        (ws / "frontend").symlink_to(s, target_is_directory=True),
    ),
    "include with ..": lambda ws, s: _append(ws / "frontend" / "nginx.conf", "include ../../outside/secret.conf;\n"),
    "include absolute": lambda ws, s: _append(ws / "frontend" / "nginx.conf", f"include {s}/secret.conf;\n"),
    "include glob": lambda ws, s: _append(ws / "frontend" / "nginx.conf", "include ../../outside/*.conf;\n"),
    "include of a symlink": lambda ws, s: (
        (ws / "frontend" / "extra.conf").symlink_to(s / "secret.conf"),
        _append(ws / "frontend" / "nginx.conf", "include extra.conf;\n"),
    ),
    "env_file ..": lambda ws, s: _replace(
        ws / "docker-compose.yml", "    environment:\n", "    env_file: ../outside/secret.env\n    environment:\n"
    ),
    "env_file symlink": lambda ws, s: (
        (ws / "app.env").symlink_to(s / "secret.env"),
        _replace(ws / "docker-compose.yml", "    environment:\n", "    env_file: app.env\n    environment:\n"),
    ),
    "Dockerfile COPY from outside": lambda ws, s: _replace(
        ws / "frontend" / "Dockerfile", "COPY nginx.conf", "COPY ../../outside/nginx.conf"
    ),
    "build context outside": lambda ws, s: _replace(
        ws / "docker-compose.yml", "      context: ./frontend\n", f"      context: {s}\n"
    ),
    "compose extends outside": lambda ws, s: _replace(
        ws / "docker-compose.yml",
        "    restart: unless-stopped\n\nnetworks:",
        "    restart: unless-stopped\n    extends:\n      file: ../outside/secret.yml\n"
        "      service: backend\n\nnetworks:",
    ),
    "compose include outside": lambda ws, s: _replace(
        ws / "docker-compose.yml", "services:\n", "include:\n  - ../outside/secret.yml\nservices:\n"
    ),
    "--nginx outside": None,  # an option, below
}


@pytest.mark.parametrize("attack", sorted(k for k, v in ATTACKS.items() if v))
def test_secret_never_appears_in_any_format(ws: Path, secret_dir: Path, attack: str) -> None:
    ATTACKS[attack](ws, secret_dir)
    for fmt in FORMATS:
        r = run("check", str(ws), "--format", fmt)
        assert r.exit_code in (0, 1, 2)
        assert SECRET not in r.stdout and SECRET not in r.stderr, (attack, fmt)


def test_nginx_option_outside_the_submission_is_refused(ws: Path, secret_dir: Path) -> None:
    r = run("check", str(ws), "--nginx", str(secret_dir / "nginx.conf"))
    assert r.exit_code == 2 and SECRET not in r.stdout + r.stderr


@pytest.mark.parametrize(
    "attack", ["env_file ..", "compose extends outside", "compose include outside", "build context outside"]
)
def test_runtime_gate_refuses_what_would_read_outside(ws: Path, secret_dir: Path, attack: str) -> None:
    ATTACKS[attack](ws, secret_dir)
    p = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(ws), "--format", "json"], capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 2 and "refused to run" in p.stderr
    assert SECRET not in p.stdout + p.stderr


@pytest.mark.runtime
def test_a_symlink_in_the_build_context_does_not_carry_the_secret_into_the_stack(ws: Path, secret_dir: Path) -> None:
    """The gate cannot see every file a build sends; the build itself must not follow a link out.
    The backend prints what it finds at the link; the runtime report shows its log."""
    from grader.runtime.engine import connect, labelled

    client = connect()
    (ws / "backend" / "leak.txt").symlink_to(secret_dir / "secret.env")
    _replace(ws / "backend" / "Dockerfile", "CMD", "COPY leak.txt /leak.txt\nCMD")
    _replace(
        ws / "docker-compose.yml",
        "    expose:\n",
        '    command: ["sh", "-c", "cat /leak.txt; python -u app.py"]\n    expose:\n',
    )
    p = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(ws), "--format", "json", "--progress", "plain"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.stdout and SECRET not in p.stdout + p.stderr
    # BuildKit resolves the link inside the build context only: the file is "not found".
    build = {r["check"]: r for r in __import__("json").loads(p.stdout)["results"]}["runtime.build"]
    assert build["status"] == "fail" and "not found" in build["output"]
    assert labelled(client, scope="left") == {}
