"""The document a run starts: the project as Compose resolved it and the gate checked it, with
the run's own settings laid over it. Written to a file of the run's and passed to every Compose
command with `-f` from a folder of the run's (no `.env` there), so build, up, scale and down
all run exactly what was checked: nothing is read from the learner's files a second time, and
nothing is interpolated again (Compose escaped every `$`).

What the run changes, never what is being graded:
- the frontend's (and every other non-backend service's) published ports become ephemeral
  ports on 127.0.0.1, so port 80 need not be free and runs can go in parallel; the backend's
  keep the host port as written, bound to 127.0.0.1 (a fixed host port is a mistake the
  up-scaled phase must see), never on an outside interface;
- builds use no layer another run left (`no_cache`), and a Dockerfile with cache mounts is passed
  inline with each mount given an id of the run's own (grader/runtime/scenario.py);
- images the run builds get a name of the run's, and the run's labels; builds run on Docker's
  default network, which the run's build rules seal (grader/runtime/seal.py), or with none
  where the rubric says `build_network: none`;
- every container, network and volume gets the run's labels; containers get a log size cap and
  memory, CPU and process limits (deploy.resources.limits: a learner's own limits stay when
  they are lower; the other spellings of a limit are folded in, as Compose refuses two
  different values);
- a fixed `container_name`, network or volume `name:` becomes the run's own (the container keeps
  its name as a network alias): a name is global on the engine, and two runs must not share one;
- the project's networks get bridge names of the run's (`gr<run id><n>`), which the run's
  firewall rules name (grader/runtime/seal.py);
- a variable named without a value (`environment: [TOKEN]`) is left unset: Compose would take
  it from its own environment at `up`;
- `profiles` are dropped: Compose printed only the services that run."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from grader.runtime.engine import OWNER_LABEL, RUN_LABEL, owner

# The spellings of a limit other than deploy.resources.limits; Compose refuses two that differ.
LIMIT_KEYS = ("mem_limit", "cpus", "pids_limit", "cpu_count", "cpu_percent", "cpu_quota", "cpu_period", "memswap_limit")


@dataclass(frozen=True)
class Limits:
    memory: str = "512m"
    cpus: float = 0.5
    pids: int = 256
    log_max_size: str = "2m"


_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}


def to_bytes(value: Any) -> int | None:
    """A memory size as Compose writes it (a number of bytes, or 512m, 1g...)."""
    if isinstance(value, (int, float)):
        return int(value)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgb]{0,2})\s*", str(value or "").lower())
    if not m or m.group(2) not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def image_name(project: str, service: str) -> str:
    return f"{project}-{service}:grader"


def bridge_name(run_id: str, index: int) -> str:
    """A network's bridge interface: at most 15 characters, the run's prefix first."""
    return f"gr{run_id}{index:x}"


def bridge_prefix(run_id: str) -> str:
    return f"gr{run_id}"


def _lowest(*values: float | None) -> float:
    return min(v for v in values if v is not None and v > 0)


def run_document(
    resolved: dict[str, Any],
    project: str,
    run_id: str,
    backend: str | None,
    limits: Limits = Limits(),
    build_network: str = "sealed",
    sealed: bool = True,
    dockerfiles: dict[str, str] | None = None,
) -> dict[str, Any]:
    doc = copy.deepcopy(resolved)
    doc["name"] = project
    labels = {RUN_LABEL: run_id, OWNER_LABEL: owner()}
    cap_memory = to_bytes(limits.memory) or 512 * 1024**2
    for name, s in (doc.get("services") or {}).items():
        s.pop("profiles", None)
        s["labels"] = {**(s.get("labels") or {}), **labels}
        original = s.get("container_name")
        if original:
            # A fixed name is global on the engine: two learners' runs would collide. The run's own
            # name, plus the learner's name as an alias on each network, so the stack still
            # reaches the container by it (and replicas still cannot share it).
            s["container_name"] = f"{project}-{original}"
            for net, spec in (s.get("networks") or {}).items():
                spec = dict(spec or {})
                spec["aliases"] = sorted({*(spec.get("aliases") or []), original})
                s["networks"][net] = spec
        env = s.get("environment")
        if isinstance(env, dict):
            s["environment"] = {k: v for k, v in env.items() if v is not None}
        build = s.get("build")
        if build is not None:
            s["image"] = image_name(project, name)
            build["labels"] = {**(build.get("labels") or {}), **labels}
            # No layer another run's build left is used; its cache mounts are the run's own.
            build["no_cache"] = True
            if dockerfiles and name in dockerfiles:
                build.pop("dockerfile", None)
                build["dockerfile_inline"] = dockerfiles[name]
            if build_network == "none" or build.get("network") == "none":
                build["network"] = "none"
            else:
                build.pop("network", None)
        ports = []
        for p in s.get("ports") or []:
            p = dict(p, host_ip="127.0.0.1")
            if name != backend:
                p.pop("published", None)
            ports.append(p)
        if ports:
            s["ports"] = ports
        s["logging"] = {"driver": "json-file", "options": {"max-size": limits.log_max_size, "max-file": "1"}}
        deploy = s.setdefault("deploy", {})
        resources = deploy.setdefault("resources", {})
        own = resources.get("limits") or {}
        memory = _lowest(to_bytes(own.get("memory")), to_bytes(s.get("mem_limit")), cap_memory)
        cpus = _lowest(_number(own.get("cpus")), _number(s.get("cpus")), limits.cpus)
        pids = _lowest(_number(own.get("pids")), _number(s.get("pids_limit")), limits.pids)
        resources["limits"] = {"memory": str(int(memory)), "cpus": f"{cpus:g}", "pids": int(pids)}
        for key in LIMIT_KEYS:
            s.pop(key, None)
        reservations = resources.get("reservations")
        if isinstance(reservations, dict):  # a reservation above its limit makes the engine refuse
            if (to_bytes(reservations.get("memory")) or 0) > memory:
                reservations["memory"] = str(int(memory))
            if (_number(reservations.get("cpus")) or 0) > cpus:
                reservations["cpus"] = f"{cpus:g}"
        if (to_bytes(s.get("mem_reservation")) or 0) > memory:
            s["mem_reservation"] = str(int(memory))
    for index, (key, net) in enumerate(sorted((doc.get("networks") or {}).items())):
        net = doc["networks"][key] = dict(net or {})
        net["name"] = f"{project}_{key}"  # a learner's fixed `name:` would be shared by every run
        net["labels"] = {**(net.get("labels") or {}), **labels}
        if sealed:
            net["driver_opts"] = {"com.docker.network.bridge.name": bridge_name(run_id, index)}
    for key, vol in list((doc.get("volumes") or {}).items()):
        vol = doc["volumes"][key] = dict(vol or {})
        vol["name"] = f"{project}_{key}"
        vol["labels"] = {**(vol.get("labels") or {}), **labels}
    return doc
