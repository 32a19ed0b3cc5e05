"""No build state is shared between runs: learner A's build fills a cache mount (by an explicit
id, and by the default id, its target), learner B's later build with the same mounts finds them
empty; no layer A's build made is used by B's (`no_cache`); and A's cache mounts are gone from
the engine once A's run is cleaned up. The payload is a marker file, nothing more."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORKSHOP = REPO / "workshop"

# A's build writes a marker into two cache mounts; B's build fails if it finds one.
WRITE = (
    "RUN --mount=type=cache,id=shared-pip,target=/c1 --mount=type=cache,target=/root/.cache/x "
    "sh -c 'echo A-WAS-HERE > /c1/marker; echo A-WAS-HERE > /root/.cache/x/marker; date > /stamp'\n"
)
READ = (
    "RUN --mount=type=cache,id=shared-pip,target=/c1 --mount=type=cache,target=/root/.cache/x "
    "sh -c 'if cat /c1/marker /root/.cache/x/marker 2>/dev/null; then echo CACHE-SHARED; exit 1; fi'\n"
)


def _project(tmp: Path, name: str, step: str) -> Path:
    ws = tmp / name
    shutil.copytree(WORKSHOP, ws)
    df = ws / "backend" / "Dockerfile"
    df.write_text(df.read_text().replace("COPY app.py .", step + "COPY app.py ."))
    return ws


def _build_only(ws: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    from grader.grade import runtime_options
    from grader.rubric import load_rubric
    from grader.runtime import scenario
    from grader.runtime.phases import r101_build
    from grader.workspace import load_workspace

    monkeypatch.setattr(scenario, "PHASES", [r101_build])
    rubric = load_rubric(None)
    run = scenario.RuntimeRun(load_workspace(ws, api_path=rubric.api_path), runtime_options(rubric))
    run.prepare()
    return run, run.run()


@pytest.mark.runtime
def test_a_cache_mount_one_run_fills_is_empty_for_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.results import Status
    from grader.runtime.engine import connect, disk_usage

    client = connect()
    a, a_out = _build_only(_project(tmp_path, "a", WRITE), monkeypatch)
    assert a_out["runtime.build"].findings[0].status is Status.PASS, a_out  # type: ignore[index]
    assert a.dockerfiles and "id=grader-" in next(iter(a.dockerfiles.values()))  # type: ignore[attr-defined]
    left = [
        e
        for e in disk_usage(client).get("BuildCache") or []
        if a.cache_namespace() in (e.get("Description") or "")  # type: ignore[attr-defined]
    ]
    assert left == [], "A's cache mounts were left on the engine"
    _b, b_out = _build_only(_project(tmp_path, "b", READ), monkeypatch)
    build = b_out["runtime.build"]  # type: ignore[index]
    assert build.findings[0].status is Status.PASS, build.output
    assert "CACHE-SHARED" not in build.output


@pytest.mark.runtime
def test_without_the_runs_own_ids_the_cache_would_be_shared(tmp_path: Path) -> None:
    """The mutant: two plain builds with the same mounts, as the runs built before, do share the
    cache, so the test above shows the isolation and not an empty cache by chance. (With
    `--no-cache` this engine's BuildKit also gives a build fresh cache mounts; the run's own ids
    do not rest on that.)"""
    import subprocess

    from grader.runtime.engine import connect, disk_usage

    client = connect()
    token = tmp_path.name[-8:].lower().replace("_", "")
    tags = []
    try:
        for name, step in (("a", WRITE), ("b", READ)):
            ctx = tmp_path / f"plain-{name}"
            ctx.mkdir()
            (ctx / "Dockerfile").write_text("FROM python:3.13-slim\n" + step)
            tag = f"grader-test-cache-{token}-{name}:1"
            tags.append(tag)
            (ctx / "compose.yml").write_text(f"services:\n  x:\n    build: .\n    image: {tag}\n")
            p = subprocess.run(
                ["docker", "compose", "-p", f"grader-test-cache-{token}-{name}", "build"],
                capture_output=True,
                text=True,
                timeout=300,
                cwd=ctx,
                env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "BUILDKIT_PROGRESS": "plain"},
            )
            if name == "b":
                assert p.returncode != 0 and "CACHE-SHARED" in p.stdout + p.stderr
            else:
                assert p.returncode == 0, p.stderr[-2000:]
    finally:
        for tag in tags:
            subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=60)
        for e in disk_usage(client).get("BuildCache") or []:
            if "shared-pip" in (e.get("Description") or "") or "/root/.cache/x" in (e.get("Description") or ""):
                client.api.prune_builds(filters={"id": [e["ID"]]})
