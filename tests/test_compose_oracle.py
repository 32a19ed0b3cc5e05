"""The real Compose loader is the reference for the grader's compose model.

For every compose project the tests use (workshop/, each mutation of it, each feature case in
tests/compose_cases.py and seeded random combinations of them, the labelled corpus in
../shared/corpus/dev) and a fixed, seeded sample of the fuzz generator's compose files, the
grader's effective model (the set of services a plain
`up` starts; their ports, container_name, networks, depends_on, environment, volumes, build)
must equal what `docker compose config --format json` prints, or both must refuse the project.
Compose runs with a clean environment (env -i, PATH, a fresh HOME) in the submission's folder,
as a learner runs it (no --project-directory, so COMPOSE_FILE in a sub-folder keeps its meaning),
two at a time. The reference is the installed plugin, pinned to 2.26.1 (2.26 drops an empty
container_name, later versions refuse it).

A difference found here is kept as a case in tests/compose_cases.py (the "kept" section)."""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from compose_cases import CASES, generated, make, write_files
from conftest import WORKSHOP, shared_path

pytestmark = pytest.mark.oracle

REFERENCE_VERSION = "2.26.1"
FUZZ_SAMPLES = int(os.environ.get("GRADER_ORACLE_FUZZ", "400"))
GENERATED = int(os.environ.get("GRADER_ORACLE_GENERATED", "300"))
REFUSED = "refused"


# -- the grader's side ----------------------------------------------------------------------
def ours(folder: Path, compose: str | None = None) -> Any:
    """The effective model as the grader loads it, in the oracle's terms; REFUSED when the grader
    would not grade the project as Compose runs it (an input error from the compose side).
    `compose` (relative to `folder`) is `--compose FILE`, Compose's `-f FILE`."""
    from grader.errors import InputError
    from grader.submission.reader import SubmissionRoot
    from grader.workspace import Workspace, _load_env_files, load_compose_files

    ws = Workspace(root=SubmissionRoot(folder))
    try:
        ws.compose = load_compose_files(ws, compose)
        _load_env_files(ws)
    except InputError:
        return REFUSED
    if any(n.level == "error" for n in ws.notes):
        return REFUSED
    # Paths in the model are relative to the project folder; Compose prints them absolute.
    _project_dir[0] = posixpath.join(str(folder.resolve()), ws.compose_dir) if ws.compose_dir else str(folder.resolve())
    _project_dir[1] = str(folder.resolve())
    out = {}
    for name, s in ws.compose.services.items():
        env = {e.name: e.value for e in s.all_env}  # what the checks read: one value per name
        out[name] = {
            # Compose prints every `$` of a string as `$$` (so that its output loads again)
            "container_name": str(s.container_name.value).replace("$", "$$") if s.container_name is not None else None,
            "ports": sorted(_our_ports(s.ports)),
            "networks": sorted(s.network_keys()) if not _has(s, "network_mode") else [],
            "depends_on": {d.service: d.condition or "service_started" for d in s.depends_on},
            "environment": {
                k.replace("$", "$$"): (v.replace("$", "$$") if v is not None else None) for k, v in env.items()
            },
            "volumes": sorted(_our_volume(m) for m in s.volumes),
            "build": _our_build(s.build),
        }
    return out


_project_dir = ["", ""]  # the project folder, absolute; the folder Compose runs in


def _absolute(path: str) -> str:
    """A local path as Compose prints it: a relative one joined to the project folder and
    cleaned (Go's filepath.Join); an absolute one, or one from the home folder, as written."""
    if path.startswith("~"):
        from grader.compose.merge import clean_path

        return clean_path(path)  # Compose expands it to the home folder and cleans it
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):  # a Windows drive too
        return path
    return posixpath.normpath(posixpath.join(_project_dir[0], path))


def _shown(path: str, folder: str, home: str | None = None) -> str:
    """An absolute path with the folder Compose ran in written `<folder>` (the same on both
    sides wherever the cases are), and the home folder `~`; nothing else is changed."""
    if path == folder or path.startswith(folder + "/"):
        return "<folder>" + path[len(folder) :]
    if home and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home) :]
    return path


def _has(s: Any, key: str) -> bool:
    return key in s.node.items


def _our_ports(ports: list) -> list:
    out = []
    for p in ports:
        targets = p.target_numbers() or [p.target]
        published = p.published_numbers() if p.published and "-" in p.published and len(targets) > 1 else None
        for i, t in enumerate(targets):
            pub = str(published[i]) if published else (p.published or "")
            out.append((p.host_ip or "", pub, str(t), p.protocol))
    return out


def _our_volume(m: Any) -> tuple:
    source = m.source or ""
    if m.kind == "bind":
        source = _shown(_absolute(source), _project_dir[1])
    return (m.kind, source, m.target.rstrip("/") or "/")


def _our_build(b: Any) -> Any:
    if b is None:
        return None
    from grader.compose.model import is_remote_context

    ctx = b.context if is_remote_context(b.context) else _shown(_absolute(b.context), _project_dir[1])
    return [ctx, b.dockerfile]


# -- Compose's side --------------------------------------------------------------------------
def compose_version() -> str | None:
    try:
        p = subprocess.run(["docker", "compose", "version", "--short"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def theirs(folder: Path, home: str, compose: str | None = None) -> Any:
    """What `docker compose config` prints, in the oracle's terms. `compose` is `-f FILE`."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home}
    # Run as a learner runs it: in the submission's folder (the project folder is then the first
    # compose file's, also when COMPOSE_FILE names one in a sub-folder).
    p = subprocess.run(
        ["docker", "compose", *(["-f", compose] if compose else []), "config", "--format", "json"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "error calling MarshalJSON" in p.stderr:
        # Compose 2.26.1 loads the project but cannot print some values as JSON (build.ssh given
        # as a mapping); its YAML output, every string quoted, says what it loaded.
        p = subprocess.run(
            ["docker", "compose", *(["-f", compose] if compose else []), "config"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        doc = yaml.safe_load(p.stdout) if p.returncode == 0 and p.stdout.strip() else None
        return _their_model(doc, folder, home) if doc else REFUSED
    if p.returncode != 0 or not p.stdout.strip():
        return REFUSED
    return _their_model(json.loads(p.stdout), folder, home)


def _their_model(doc: dict, folder: Path, home: str) -> Any:
    out = {}
    for name, s in (doc.get("services") or {}).items():
        out[name] = {
            "container_name": s.get("container_name"),
            "ports": sorted(
                (x.get("host_ip") or "", str(x.get("published") or ""), str(x["target"]), x.get("protocol") or "tcp")
                for x in s.get("ports") or []
            ),
            "networks": sorted(s.get("networks") or {}),
            "depends_on": {k: v.get("condition") for k, v in (s.get("depends_on") or {}).items()},
            "environment": dict(s.get("environment") or {}),
            "volumes": sorted(_their_volume(v, folder, home) for v in s.get("volumes") or []),
            "build": _their_build(s.get("build"), folder, home),
        }
    return out


def _their_volume(v: dict, folder: Path, home: str) -> tuple:
    source = v.get("source") or ""
    if v.get("type") == "bind":
        source = _shown(source, str(folder.resolve()), home)
    return (v.get("type"), source, (v.get("target") or "").rstrip("/") or "/")


def _their_build(b: dict | None, folder: Path, home: str) -> Any:
    if b is None:
        return None
    from grader.compose.model import is_remote_context

    context = b.get("context") or str(folder.resolve())  # `build: ''` prints no context: the folder
    shown = context if is_remote_context(context) else _shown(context, str(folder.resolve()), home)
    return [shown, b.get("dockerfile", "Dockerfile")]


# -- the cases -------------------------------------------------------------------------------
def _fuzz_docs(n: int) -> list[dict]:
    """A fixed sample of the fuzz test's compose generator (derandomized: the same every run)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from test_fuzz import compose_docs

    docs: list[dict] = []

    @settings(
        max_examples=n,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(compose_docs)
    def collect(doc: dict) -> None:
        docs.append(doc)

    collect()
    return docs[:n]


def build_cases(tmp: Path) -> list[tuple[str, Path]]:
    from test_mutations import MUTATIONS

    cases: list[tuple[str, Path]] = [("workshop", WORKSHOP)]
    for mutate, _ in MUTATIONS:
        dest = tmp / f"mut-{mutate.__name__}"
        shutil.copytree(WORKSHOP, dest)
        mutate(dest)
        cases.append((f"mutation {mutate.__name__}", dest))
    for name in CASES:
        cases.append((f"case {name}", make(tmp / f"case-{len(cases)}", name)))
    corpus = shared_path("corpus", "dev")
    for d in sorted(p for p in corpus.iterdir() if p.is_dir()):
        cases.append((f"corpus {d.name}", d))
    for seed in range(GENERATED):
        cases.append((f"generated {seed}", write_files(tmp / f"gen-{seed}", generated(seed))))
    for i, doc in enumerate(_fuzz_docs(FUZZ_SAMPLES) if FUZZ_SAMPLES else []):
        dest = tmp / f"fuzz-{i}"
        dest.mkdir()
        (dest / "docker-compose.yml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        cases.append((f"fuzz {i}", dest))
    return cases


def test_the_reference_compose_is_the_pinned_version() -> None:
    version = compose_version()
    assert version is not None, "`docker compose` is not installed; it is the reference for the compose model"
    assert version.split("-")[0].lstrip("v") == REFERENCE_VERSION, (
        f"docker compose {version} is installed; the grader's compose model is checked against {REFERENCE_VERSION}"
    )


def test_the_effective_model_equals_docker_compose_config(tmp_path: Path) -> None:
    if compose_version() is None:
        pytest.fail("`docker compose` is not installed; it is the reference for the compose model")
    start = time.monotonic()
    cases = build_cases(tmp_path)
    home = tempfile.mkdtemp(dir=tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        refs = list(pool.map(lambda c: theirs(c[1], home), cases))
    differ = []
    refused = 0
    for (name, folder), ref in zip(cases, refs, strict=True):
        got = ours(folder)
        refused += ref == REFUSED
        if got != ref:
            differ.append((name, folder, got, ref))
    seconds = time.monotonic() - start
    kinds: dict[str, int] = {}
    for name, _ in cases:
        kinds[name.split()[0]] = kinds.get(name.split()[0], 0) + 1
    print(
        f"\ncompose oracle: {len(cases)} projects compared with docker compose {REFERENCE_VERSION} config "
        f"({', '.join(f'{k} {v}' for k, v in kinds.items())}; {refused} refused by both), "
        f"{len(differ)} differ, {seconds:.1f} s"
    )
    for name, folder, got, ref in differ:
        print(f"  DIFFERS {name} ({folder}):\n    grader:  {_short(got)}\n    compose: {_short(ref)}")
    assert not differ, f"{len(differ)} of {len(cases)} projects differ from docker compose config (listed above)"


def _short(x: Any) -> str:
    text = json.dumps(x, sort_keys=True, default=str)
    return text if len(text) < 1500 else text[:1500] + "…"


def test_the_projection_keeps_what_compose_means(tmp_path: Path) -> None:
    """The comparison's own terms, held to Compose: of two env files the last wins, a relative
    path is joined and cleaned, an absolute one (trailing `/` and all) is kept as written, and a
    path outside the project folder stays absolute on both sides."""
    if compose_version() is None:
        pytest.fail("`docker compose` is not installed; it is the reference for the compose model")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "a.env").write_text("SHARED=from-a\nONLY_A=1\n")
    (project / "b.env").write_text("SHARED=from-b\n")
    (project / "docker-compose.yml").write_text(
        "services:\n"
        "  app:\n"
        "    image: alpine\n"
        "    env_file: [a.env, b.env]\n"
        "    build: ../ctx/\n"
        "    volumes:\n"
        "      - ./data/:/a\n"
        "      - /srv/dir/:/b\n"
        "      - ../outside/:/c\n"
    )
    home = tempfile.mkdtemp(dir=tmp_path)
    got, ref = ours(project), theirs(project, home)
    assert got == ref
    app = ref["app"]
    assert app["environment"] == {"SHARED": "from-b", "ONLY_A": "1"}
    assert sorted(app["volumes"]) == sorted(
        [
            ("bind", "<folder>/data", "/a"),
            ("bind", "/srv/dir/", "/b"),
            ("bind", str(tmp_path.resolve() / "outside"), "/c"),
        ]
    )
    assert app["build"] == [str(tmp_path.resolve() / "ctx"), "Dockerfile"]
