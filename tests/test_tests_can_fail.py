"""The suite's own check that its oracles can fail: each is fed a deliberately broken input (a
phase that never ran, a stack that compared nothing, a reader blind to a directive) and must
say so. The oracles that need real engines carry their mutants beside them
(tests/test_dockerfile_oracle.py, tests/test_concurrent_runs.py, tests/test_build_isolation.py)."""

from __future__ import annotations

from test_stack_oracle import SKIPPED, disagreements


def _report(statuses: dict[str, str]) -> dict:
    return {"results": [{"check": c, "status": s, "message": f"{c} {s}"} for c, s in statuses.items()]}


def test_the_stack_oracle_counts_a_phase_that_never_ran_as_a_difference() -> None:
    _n, out = disagreements("mutant", _report({"runtime.api": "error", "nginx.api-location": "pass"}))
    assert out and "did not run" in out[0]


def test_the_stack_oracle_compares_nothing_when_every_phase_was_skipped() -> None:
    SKIPPED.clear()
    n, out = disagreements("mutant", _report({"runtime.api": "skip", "runtime.load-spread": "skip"}))
    assert n == 0 and not out and "mutant: runtime.api" in SKIPPED  # the floor (n >= 1) then fails it


def test_the_stack_oracle_sees_a_static_pass_the_stack_contradicts() -> None:
    n, out = disagreements("mutant", _report({"runtime.api": "fail", "nginx.api-location": "pass"}))
    assert n >= 1 and out
