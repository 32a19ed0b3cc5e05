"""Resolve the learner's project once, by Compose itself, in an environment the grader controls.

`docker compose config` runs in the submission's folder as a learner runs `docker compose up`
there (the same files, `.env`, `COMPOSE_FILE` and `COMPOSE_PROFILES`), with one difference: its
environment holds nothing of the grader's. Compose interpolates `${X}` from the process
environment before `.env`, so every variable the grader has (`PATH`, `DOCKER_HOST`, a CI
token) would otherwise be one `${...}` away from a learner's file. The only variable set is
`HOME`, to the constant /nonexistent (Debian's home for users without one): `~` and `${HOME}`
then mean the same on every machine, name no real folder, and no Docker client configuration
is read from the submission or from the grader's home.

The document Compose prints is what the gate checks and what the run starts (grader/runtime/
freeze.py): every `$` in it is escaped as `$$`, so nothing is interpolated a second time."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from grader.errors import InputError

# What interpolation sees besides the submission's .env (the static model reads the same:
# grader/compose/loader.py).
RESOLVE_ENV = {"HOME": "/nonexistent"}


class ComposeRefusedError(InputError):
    """`docker compose config` did not load the project: Compose's own words, exit 2."""


def resolve(
    argv: list[str], workdir: Path, project: str, files: list[str] | None = None, timeout: float = 60.0
) -> dict[str, Any]:
    """The project as Compose loads it, as a plain document (`config --format json`).
    `files`: the `-f` files when the grader was told which compose file to read; else Compose
    picks them as it does for the learner."""
    cmd = [*argv, "--project-name", project, *[a for f in files or [] for a in ("-f", f)], "config", "--format", "json"]
    # No PWD either: it is the shell's, not the project's (`${PWD}/nginx.conf` works only where a
    # shell set it; `./nginx.conf` is the project's file everywhere), and the static model has none.
    env = dict(RESOLVE_ENV)
    try:
        done = subprocess.run(
            cmd,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        raise ComposeRefusedError(f"`docker compose config` did not finish within {timeout:g} s") from None
    if done.returncode != 0 or not done.stdout.strip():
        said = " ".join(line for line in done.stderr.splitlines() if line.strip() and "level=warning" not in line)[:400]
        said = said.replace(f"{workdir}/", "")  # the submission's own paths, as the learner names them
        raise ComposeRefusedError(f"Compose does not load the project: {said or 'no output'}")
    try:
        doc = json.loads(done.stdout)
    except ValueError as e:
        raise ComposeRefusedError(f"Compose printed a project the grader cannot read ({e})") from None
    if not isinstance(doc, dict):
        raise ComposeRefusedError("Compose printed a project the grader cannot read")
    return doc
