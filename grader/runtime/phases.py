"""The runtime phases: code, slug and which phases each needs to have passed. Kept apart from
the scenario so that the rubric can be checked against them without importing the runtime."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    code: str
    slug: str
    needs: tuple[str, ...]


# In the order they run. Logs are read while the first replicas still run, right after the
# spread, so each replica's log shows the requests it served.
PHASES = (
    Phase("R101", "runtime.build", ()),
    Phase("R102", "runtime.up-scaled", ("runtime.build",)),
    Phase("R103", "runtime.replicas", ("runtime.up-scaled",)),
    Phase("R104", "runtime.api", ("runtime.replicas",)),
    Phase("R105", "runtime.shared-state", ("runtime.api",)),
    Phase("R106", "runtime.load-spread", ("runtime.api",)),
    Phase("R110", "runtime.logs", ("runtime.up-scaled",)),
    Phase("R111", "runtime.api-contract", ("runtime.api",)),
    Phase("R107", "runtime.scale-up", ("runtime.api",)),
    Phase("R108", "runtime.scale-down", ("runtime.api",)),
    Phase("R109", "runtime.restart-one", ("runtime.api",)),
)
BY_CODE = {p.code: p for p in PHASES}
BY_SLUG = {p.slug: p for p in PHASES}
