"""The run's firewall: its containers reach nothing but each other, while the grader still
reaches the frontend through its published port.

Every network of a run has a bridge interface named `gr<run id><n>` (grader/runtime/freeze.py),
so a handful of rules, installed before the stack starts and removed after it is gone, name
the whole run by one interface prefix:
- INPUT: a packet from the run's bridges to the host itself (the gateway address, 127.0.0.1
  through it, any address of the host) is rejected, unless it answers a connection the host
  opened (the grader's requests through the published port);
- DOCKER-USER (which Docker evaluates before its own forwarding rules): a packet from the run's
  bridges to anywhere but the run's own bridges is rejected, unless it answers a connection.
Traffic between the run's containers, Docker's embedded DNS (inside each container) and the
published ports keep working, so what the stack does is what it would do on a learner's
machine; only the way out is closed. IPv6 gets the INPUT rule where ip6tables exists; the gate
refuses networks that enable IPv6.

Each rule carries a comment with the run's id and owner, so `grader clean` and the next run
remove the rules of a grader that was killed. The rules need root and the engine on this
machine; where that is not so, runtime grading stops with a setup error (exit 4) unless the
rubric turns sealing off (`runtime.seal: false`) for a trusted class."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

from grader.errors import RuntimeSetupError
from grader.runtime.engine import _owner_alive, owner
from grader.runtime.freeze import bridge_prefix

COMMENT = "workshop-grader"
_RULE = re.compile(r'--comment "?workshop-grader run=(\w+) owner=([^" ]+)"?')


def _iptables(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool, "-w", "5", *args], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )


def why_not_available() -> str | None:
    """Why the run's firewall cannot be installed here, or None."""
    host = os.environ.get("DOCKER_HOST", "")
    if host and not host.startswith("unix://"):
        return f"the Docker engine is on another machine (DOCKER_HOST={host}): its firewall is out of reach"
    if os.geteuid() != 0:
        return "the run's firewall rules need root (iptables)"
    if shutil.which("iptables") is None:
        return "iptables is not installed"
    probe = _iptables("iptables", "-S", "DOCKER-USER")
    if probe.returncode != 0:
        return "the engine keeps no DOCKER-USER chain (Docker's iptables rules are turned off)"
    return None


def _rules(run_id: str) -> list[tuple[str, str, list[str]]]:
    bridges = bridge_prefix(run_id) + "+"
    answer = ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED"]
    return [
        ("iptables", "INPUT", ["-i", bridges, *answer, "-j", "ACCEPT"]),
        ("iptables", "INPUT", ["-i", bridges, "-j", "REJECT"]),
        ("iptables", "DOCKER-USER", ["-i", bridges, *answer, "-j", "RETURN"]),
        ("iptables", "DOCKER-USER", ["-i", bridges, "-o", bridges, "-j", "RETURN"]),
        ("iptables", "DOCKER-USER", ["-i", bridges, "-j", "REJECT"]),
        ("ip6tables", "INPUT", ["-i", bridges, *answer, "-j", "ACCEPT"]),
        ("ip6tables", "INPUT", ["-i", bridges, "-j", "REJECT"]),
    ]


class Seal:
    """The firewall rules of one run: install() before the stack starts, remove() after."""

    def __init__(self, run_id: str):
        self.run_id = run_id
        self.comment = f"{COMMENT} run={run_id} owner={owner()}"
        self.installed: list[tuple[str, str, list[str]]] = []

    def install(self) -> None:
        # Inserted at the top in reverse, so they stand in this order before any other rule.
        rules = _rules(self.run_id)
        for tool, chain, spec in reversed(rules):
            if tool == "ip6tables" and shutil.which(tool) is None:
                continue
            full = [*spec, "-m", "comment", "--comment", self.comment]
            done = _iptables(tool, "-I", chain, "1", *full)
            if done.returncode != 0:
                if tool == "ip6tables":
                    continue  # IPv6 is refused by the gate; its INPUT rule is a second lock
                self.remove()
                raise RuntimeSetupError(
                    f"could not install the run's firewall rule ({chain}): {done.stderr.strip()[:200]}"
                )
            self.installed.append((tool, chain, full))

    def remove(self) -> list[str]:
        problems = []
        for tool, chain, full in self.installed:
            done = _iptables(tool, "-D", chain, *full)
            if (
                done.returncode != 0
                and "does a matching rule exist" not in done.stderr.lower()
                and "bad rule" not in done.stderr.lower()
            ):
                problems.append(f"firewall rule in {chain}: {done.stderr.strip()[:200]}")
        self.installed = []
        return problems


def sweep_rules(scope: str = "stale") -> list[str]:
    """Remove the rules of runs whose grader is gone (scope "stale"), those and this process's
    own ("left"), or of every run ("all"), as grader/runtime/engine.py sweeps the objects.
    Returns the runs whose rules were removed."""
    if os.geteuid() != 0:
        return []
    removed = set()
    for tool in ("iptables", "ip6tables"):
        if shutil.which(tool) is None:
            continue
        for chain in ("INPUT", "DOCKER-USER"):
            listing = _iptables(tool, "-S", chain)
            if listing.returncode != 0:
                continue
            for line in listing.stdout.splitlines():
                m = _RULE.search(line)
                if not m or not line.startswith(f"-A {chain} "):
                    continue
                run, who = m.group(1), m.group(2)
                if scope != "all" and _owner_alive(who) and not (scope == "left" and who == owner()):
                    continue
                args = shlex.split(line[len(f"-A {chain} ") :])
                if _iptables(tool, "-D", chain, *args).returncode == 0:
                    removed.add(run)
    return sorted(removed)
