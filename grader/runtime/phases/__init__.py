"""The runtime phases: one module each, with a stable CODE, a SLUG, its TEXTS (title, why, fix
and every message it can yield, in English and Korean: grader.texts), the phases it NEEDS to
have passed, and `run(stack) -> PhaseOutcome`. As for the static checks, a rubric gives the
points and may override a text.

Importing this package imports no Docker code: the rubric is checked against it statically."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

# In the order they run. Logs are read while the first replicas still run, right after the
# spread, so each replica's log shows the requests it served.
PHASE_MODULES = (
    "r101_build",
    "r102_up_scaled",
    "r103_replicas",
    "r104_api",
    "r105_shared_state",
    "r106_load_spread",
    "r110_logs",
    "r111_api_contract",
    "r107_scale_up",
    "r108_scale_down",
    "r109_restart_one",
)

PHASES: list[ModuleType] = [import_module(f"{__name__}.{name}") for name in PHASE_MODULES]
BY_CODE: dict[str, ModuleType] = {m.CODE: m for m in PHASES}
BY_SLUG: dict[str, ModuleType] = {m.SLUG: m for m in PHASES}

for _m in PHASES:  # a phase may only need phases that run before it
    _before = {p.SLUG for p in PHASES[: PHASES.index(_m)]}
    assert set(_m.NEEDS) <= _before, f"{_m.CODE} needs {set(_m.NEEDS) - _before}, which run later"
