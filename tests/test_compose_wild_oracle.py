"""The real Compose loader is the reference for real public Compose projects: the grader's
effective model against `docker compose config --format json` on every entry of the shared wild
corpus (shared/corpus/wild/compose/, read in place at test time; nothing of it is copied into
the repository).

For each entry (its SOURCE.txt names the project folder, the main compose file and the other
compose files of that folder) every compose file is compared alone, `-f FILE` for Compose and
`--compose FILE` for the grader, run from the entry folder (the repository root), so no override
file is read. When the project folder is the repository root and the main file has a default
name, the default pick is compared too (no -f, no --compose: the override file is merged, as
`docker compose config` does in that folder). The projection, the clean environment and the
fresh HOME are those of tests/test_compose_oracle.py; Compose runs two at a time.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import shared_path
from test_compose_oracle import REFERENCE_VERSION, REFUSED, _short, compose_version, ours, theirs

pytestmark = pytest.mark.oracle

DEFAULT_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def project_files(source: str) -> tuple[str, str, list[str]]:
    """SOURCE.txt's project folder ("" for the repository root), main compose file and other
    compose files of that folder (paths relative to the entry folder, as SOURCE.txt gives them)."""
    folder, main, others = None, None, []
    inside = False
    for line in source.splitlines():
        if inside and line.startswith("  ") and line.strip():
            others.append(line[2:].rstrip())
            continue
        inside = False
        if line.startswith("project folder in the repo:"):
            value = line.split(":", 1)[1].strip()
            folder = "" if value == "(repo root)" else value.rstrip("/")
        elif line.startswith("main compose file:"):
            main = line.split(":", 1)[1].split("  (")[0].strip()
        elif line.startswith("other compose files in the same folder"):
            inside = True
    assert folder is not None and main, f"SOURCE.txt without a project folder or main compose file:\n{source}"
    return folder, main, others


def build_cases(corpus: Path) -> list[tuple[str, Path, str | None]]:
    """(name, entry folder, compose file or None for the default pick), in entry order."""
    cases: list[tuple[str, Path, str | None]] = []
    for entry in sorted(p for p in corpus.iterdir() if p.is_dir()):
        folder, main, others = project_files((entry / "SOURCE.txt").read_text(encoding="utf-8"))
        for rel in [main, *others]:
            assert (entry / rel).is_file(), f"{entry.name}: SOURCE.txt names {rel}, which is not in the entry"
            cases.append((f"{entry.name}/{rel}", entry, rel))
        if folder == "" and main in DEFAULT_NAMES:
            cases.append((f"{entry.name} (default pick)", entry, None))
    return cases


def test_real_projects_load_as_docker_compose_config_loads_them(tmp_path: Path) -> None:
    corpus = shared_path("corpus", "wild", "compose")
    version = compose_version()
    if version is None:
        pytest.fail("`docker compose` is not installed; it is the reference for the compose model")
    assert version.split("-")[0].lstrip("v") == REFERENCE_VERSION, (
        f"docker compose {version} is installed; the grader's compose model is checked against {REFERENCE_VERSION}"
    )
    start = time.monotonic()
    cases = build_cases(corpus)
    assert cases, f"no compose project in {corpus}"
    home = tempfile.mkdtemp(dir=tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        refs = list(pool.map(lambda c: theirs(c[1], home, c[2]), cases))
    differ = []
    refused = 0
    for (name, folder, compose), ref in zip(cases, refs, strict=True):
        got = ours(folder, compose)
        refused += ref == REFUSED and got == REFUSED
        if got != ref:
            differ.append((name, folder, got, ref))
    seconds = time.monotonic() - start
    print(
        f"\ncompose wild oracle: {len(cases)} project files compared with docker compose {REFERENCE_VERSION} "
        f"config ({refused} refused by both), {len(differ)} differ, {seconds:.0f} s"
    )
    for name, folder, got, ref in differ:
        print(f"  DIFFERS {name} ({folder}):\n    grader:  {_short(got)}\n    compose: {_short(ref)}")
    assert not differ, f"{len(differ)} of {len(cases)} project files differ from docker compose config (listed above)"
