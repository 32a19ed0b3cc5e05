"""Static and runtime verdicts held together, without starting containers: where the files
decide a runtime failure, the static grade already names it. Each case is a fixture of
tests/runtime_fixtures.py (the same edits on the same copy of workshop/ that tests/test_runtime.py
runs), the runtime phase that fixture fails and where its runtime test says the failure is, and
the static check that must fail there, alone."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import test_runtime as rt
from conftest import by_slug, grade_json
from runtime_fixtures import FIXTURES, materialize

CASES: list[tuple[str, str, str, tuple[str, int | None]]] = [
    # fixture, the runtime phase it fails, the static check, (file, line) both name
    ("literal-proxy-pass", "runtime.scale-up", "nginx.dynamic-backend-resolution", ("frontend/nginx.conf", 19)),
    ("resolver-without-valid", "runtime.scale-up", "nginx.dynamic-backend-resolution", ("frontend/nginx.conf", 8)),
    ("listen-ipv6-only", "runtime.api", "compose.frontend-port-matches-listen", ("frontend/nginx.conf", 2)),
    ("container-name", "runtime.up-scaled", "compose.backend-no-container-name", ("docker-compose.yml", 25)),
    ("fixed-backend-port", "runtime.up-scaled", "compose.backend-no-published-ports", ("docker-compose.yml", 28)),
    ("wrong-backend-port", "runtime.api", "nginx.api-port-matches-backend", ("frontend/nginx.conf", 19)),
    ("sqlite-per-replica", "runtime.shared-state", "compose.backend-shared-database", ("docker-compose.yml", None)),
    ("dockerignore-config", "runtime.build", "compose.images-build", ("frontend/Dockerfile", 4)),
    ("upstream-ip-hash", "runtime.load-spread", "nginx.dynamic-backend-resolution", ("frontend/nginx.conf", 5)),
    ("sites-enabled", "runtime.api", "nginx.api-location", ("frontend/Dockerfile", 4)),
    ("empty-db-variable", "runtime.api", "compose.backend-db-env", ("docker-compose.yml", 32)),
]
# The files cannot tell that a command exits at start: only the runtime can.
RUNTIME_ONLY = {"backend-exits", "slow-start-8", "slow-start-20"}


def runtime_test_of(name: str) -> str:
    """The source of the runtime test that grades fixture `name`."""
    sources = [
        inspect.getsource(fn)
        for n, fn in vars(rt).items()
        if n.startswith("test_") and inspect.isfunction(fn) and f'fixture(tmp_path, "{name}")' in inspect.getsource(fn)
    ]
    assert len(sources) == 1, f"{len(sources)} runtime tests grade fixture {name}"
    return sources[0]


@pytest.mark.parametrize("name,phase,static,where", CASES, ids=[c[0] for c in CASES])
def test_static_grade_names_what_the_runtime_fails(
    tmp_path: Path, name: str, phase: str, static: str, where: tuple[str, int | None]
) -> None:
    # The runtime test of this fixture fails this phase, at this place: the pairing is read from
    # it, not copied where it could drift.
    source = runtime_test_of(name)
    file, line = where
    assert f'failed(report) == {{"{phase}"}}' in source
    assert f'"{file}"' in source and (line is None or str(line) in source)

    code, report = grade_json(materialize(name, tmp_path / name))
    failing = {slug for slug, r in by_slug(report).items() if r["status"] == "fail"}
    assert code == 1 and failing == {static}, failing
    r = by_slug(report)[static]
    assert r["file"] == file and (line is None or r["line"] == line), r
    assert r["hint"]


def test_every_runtime_fixture_is_held_here_or_said_to_be_runtime_only(tmp_path: Path) -> None:
    assert set(FIXTURES) == {c[0] for c in CASES} | RUNTIME_ONLY
    for name in RUNTIME_ONLY:
        code, report = grade_json(materialize(name, tmp_path / name))
        assert code == 0, [r for r in report["results"] if r["status"] != "pass"]
