"""The grader's Compose override, written to a temporary file beside nothing of the learner's.

It changes only what makes a run isolated and safe, never what is being graded:
- the frontend's published ports become ephemeral ports on 127.0.0.1 (port 80 need not be
  free, runs can go in parallel, nothing listens on outside interfaces); other non-backend
  services likewise. The backend's ports stay as written: a fixed host port there is a
  mistake the up-scaled phase must see.
- images the run builds get a unique name and a label, so the run removes exactly its own
  and never overwrites an image the learner's file happens to name;
- every container gets the run's label, a log size cap, and memory/CPU/process limits.
`!override` replaces a list instead of appending to it (Compose >= 2.24.4)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from grader.compose.model import ComposeModel
from grader.runtime.engine import OWNER_LABEL, RUN_LABEL, owner
from grader.submission.yamlfile import YMap, YScalar


@dataclass(frozen=True)
class Limits:
    memory: str = "512m"
    cpus: float = 0.5
    pids: int = 256
    log_max_size: str = "2m"


def _q(value: object) -> str:
    """A YAML scalar: JSON strings are valid YAML and escape everything."""
    return json.dumps(value)


def image_name(project: str, service: str) -> str:
    return f"{project}-{service}:grader"


def render_override(model: ComposeModel, project: str, run_id: str, frontend: str | None,
                    backend: str | None, limits: Limits = Limits()) -> str:
    lines = ["# Written by the grader for one run; the learner's files are not changed.", "services:"]
    # The run's id, and which grader process owns it: a later run sweeps runs whose owner died.
    labels = f"labels: {{{_q(RUN_LABEL)}: {_q(run_id)}, {_q(OWNER_LABEL)}: {_q(owner())}}}"
    for name, svc in model.services.items():
        lines.append(f"  {_q(name)}:")
        lines.append(f"    {labels}")
        if svc.build is not None:
            lines.append(f"    image: {_q(image_name(project, name))}")
            lines.append(f"    build: {{{labels}}}")
        if svc.ports and name != backend:
            lines.append("    ports: !override")
            for port in svc.ports:
                for target in port.target_numbers():
                    lines.append(f"      - {_q(f'127.0.0.1::{target}/{port.protocol}')}")
        lines.append(f"    logging: {{driver: json-file, options: {{max-size: {_q(limits.log_max_size)}, "
                     f"max-file: \"1\"}}}}")
        if "deploy" not in svc.node.items:  # Compose refuses both forms of the same limit
            lines.append(f"    mem_limit: {_q(limits.memory)}")
            lines.append(f"    cpus: {limits.cpus}")
        lines.append(f"    pids_limit: {limits.pids}")
    # Networks and volumes carry the run's label too, so `grader clean` finds what a killed
    # run left. `default` is only created when a service uses it.
    label = labels
    lines.append("networks:")
    for key in sorted(set(model.networks) | {"default"}):
        if not model.networks.get(key) or not model.networks[key].external:
            lines.append(f"  {_q(key)}: {{{label}}}")
    volumes = model.root.get("volumes")
    if isinstance(volumes, YMap) and volumes.items:
        lines.append("volumes:")
        for key, spec in volumes.items.items():
            external = isinstance(spec, YMap) and isinstance(spec.get("external"), YScalar) and spec.get("external").value
            if not external:
                lines.append(f"  {_q(key)}: {{{label}}}")
    return "\n".join(lines) + "\n"
