"""The run's firewall: its containers reach nothing but each other, its builds reach the
internet but nothing of the grading machine or its networks, and the grader still reaches the
frontend through its published port.

The rules are installed and removed through the engine (grader/runtime/seal_helper.py): a
short-lived helper container in the engine host's network namespace, so a `docker`-group user,
Docker Desktop and a GitHub runner seal a run exactly as root does.

Containers. Every network of a run has a bridge interface named `gr<run id><n>`
(grader/runtime/freeze.py), so a handful of rules name the whole run by one prefix:
- INPUT: a packet from the run's bridges to the host itself (the gateway address, any address
  of the host) is rejected, unless it answers a connection the host opened (the grader's
  requests through the published port);
- DOCKER-USER (which Docker evaluates before its own forwarding rules): a packet from the run's
  bridges to anywhere but the run's own bridges is rejected, unless it answers a connection.
Traffic between the run's containers, Docker's embedded DNS (inside each container) and the
published ports keep working, so what the stack does is what it does on a learner's machine.

Builds. BuildKit runs a build's steps on Docker's default bridge (docker0): a custom network is
not one of its network modes, and `none` would fail every build that fetches packages, as real
projects do. While the run builds, rules on that bridge let a build step reach the internet, as
on the learner's machine, and nothing else: not the host (any of its addresses, so not the
engine's API either), not a private, shared, link-local (a cloud's metadata address) or
multicast range, not another bridge (another run's containers, another project's). The one
exception is the name servers the builds are given (port 53 only), which may be private (a
home router, a cloud's resolver). The rules are removed as soon as the build ends; their
counters say whether a step tried a closed address, which R101 reports.

Each rule carries a comment with the run's id, its owner and its part, so `grader clean` and the
next run remove the rules of a grader that was killed. IPv6 gets the INPUT rules where ip6tables
exists; the gate refuses networks that enable IPv6."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from grader.errors import RuntimeSetupError
from grader.runtime import seal_helper
from grader.runtime.engine import RUN_LABEL, _owner_alive, owner
from grader.runtime.freeze import bridge_prefix

COMMENT = seal_helper.COMMENT
_RULE = re.compile(r'--comment "?workshop-grader run=(\w+) owner=([^" ]+)(?: part=([\w-]+))?"?')

# Where a build step may not go. RFC 1918, shared (RFC 6598), link-local (cloud metadata),
# loopback, "this network", multicast and reserved; the documentation ranges stay open, as
# they are routed on some networks.
CLOSED_V4 = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "127.0.0.0/8",
    "0.0.0.0/8",
    "224.0.0.0/4",
    "240.0.0.0/4",
)
ANSWER = ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED"]


@dataclass(frozen=True)
class Rule:
    family: str  # "4" or "6"
    chain: str
    spec: tuple[str, ...]
    part: str  # run | build | build-host | build-private

    def line(self, op: str, comment: str) -> str:
        """The rule as an iptables-restore line (`-I CHAIN 1 …` or `-D CHAIN …`)."""
        where = [self.chain, "1"] if op == "-I" else [self.chain]
        text = f"{comment} part={self.part}"
        return " ".join([op, *where, *self.spec, "-m", "comment", "--comment", f'"{text}"'])


def run_rules(run_id: str) -> list[Rule]:
    bridges = bridge_prefix(run_id) + "+"
    return [
        Rule("4", "INPUT", ("-i", bridges, *ANSWER, "-j", "ACCEPT"), "run"),
        Rule("4", "INPUT", ("-i", bridges, "-j", "REJECT"), "run"),
        Rule("4", "DOCKER-USER", ("-i", bridges, *ANSWER, "-j", "RETURN"), "run"),
        Rule("4", "DOCKER-USER", ("-i", bridges, "-o", bridges, "-j", "RETURN"), "run"),
        Rule("4", "DOCKER-USER", ("-i", bridges, "-j", "REJECT"), "run"),
        Rule("6", "INPUT", ("-i", bridges, *ANSWER, "-j", "ACCEPT"), "run"),
        Rule("6", "INPUT", ("-i", bridges, "-j", "REJECT"), "run"),
    ]


def build_rules(bridge: str, resolvers: list[str]) -> list[Rule]:
    """The rules on Docker's default bridge while the run builds (see the module's text)."""

    def dns(chain: str, target: str) -> list[Rule]:
        """The builds' name servers, port 53 only: the one way into a private range."""
        return [
            Rule("4", chain, ("-i", bridge, "-d", r, "-p", proto, "--dport", "53", "-j", target), "build")
            for r in resolvers
            for proto in ("udp", "tcp")
        ]

    rules = [
        Rule("4", "INPUT", ("-i", bridge, *ANSWER, "-j", "ACCEPT"), "build"),
        *dns("INPUT", "ACCEPT"),
        Rule("4", "INPUT", ("-i", bridge, "-j", "REJECT"), "build-host"),
        Rule("4", "DOCKER-USER", ("-i", bridge, *ANSWER, "-j", "RETURN"), "build"),
        *dns("DOCKER-USER", "RETURN"),
    ]
    rules += [Rule("4", "DOCKER-USER", ("-i", bridge, "-d", net, "-j", "REJECT"), "build-private") for net in CLOSED_V4]
    # Another bridge, whatever its addresses (a daemon may hand out public-looking ones).
    rules += [
        Rule("4", "DOCKER-USER", ("-i", bridge, "-o", out, "-j", "REJECT"), "build-private")
        for out in (bridge, "br-+", "gr+")
    ]
    rules += [
        Rule("6", "INPUT", ("-i", bridge, *ANSWER, "-j", "ACCEPT"), "build"),
        Rule("6", "INPUT", ("-i", bridge, "-j", "REJECT"), "build-host"),
    ]
    return rules


def _env(deletes: list[tuple[str, str]], inserts: list[tuple[str, str]]) -> dict[str, str]:
    env = {}
    for family in ("4", "6"):
        env[f"DELETE{family}"] = "\n".join(line for f, line in deletes if f == family)
        env[f"INSERT{family}"] = "\n".join(line for f, line in inserts if f == family)
    return env


# -- can the engine be sealed? ---------------------------------------------------------------------
_status: dict[str, str | None] = {}
_status_lock = threading.Lock()


def why_not_available(client: Any) -> str | None:
    """Why this engine's runs cannot be sealed, or None. Asked once per engine and process."""
    key = seal_helper.engine_key()
    with _status_lock:
        if key in _status:
            return _status[key]
        _status[key] = why = _probe(client)
        return why


def _probe(client: Any) -> str | None:
    try:
        info = client.info()
    except Exception as e:
        return f"the engine did not say what it is ({e})"
    if any("rootless" in str(o) for o in info.get("SecurityOptions") or []):
        return (
            "the engine is rootless Docker: its containers' traffic leaves through a user-space network "
            "that firewall rules cannot hold"
        )
    try:
        listing = seal_helper.run(client)
    except RuntimeSetupError as e:
        return e.message
    if listing.backend == "none" or not listing.docker_user:
        return "the engine keeps no DOCKER-USER chain (Docker's iptables rules are turned off)"
    return None


def default_bridge(client: Any) -> str:
    """The interface of Docker's default bridge network, where BuildKit runs build steps."""
    try:
        options = client.networks.get("bridge").attrs.get("Options") or {}
    except Exception:
        options = {}
    return str(options.get("com.docker.network.bridge.name") or "docker0")


class Seal:
    """The firewall rules of one run: install() before anything is built, end_build() once the
    build is over, remove() after the stack is gone. Every change goes through one helper run."""

    def __init__(self, client: Any, run_id: str):
        self.client = client
        self.run_id = run_id
        self.comment = f"{COMMENT} run={run_id} owner={owner()}"
        self.labels = {RUN_LABEL: run_id}
        self.installed: list[Rule] = []
        self.blocked: dict[str, int] = {}  # build-host / build-private: packets the build's rules refused

    def _apply(self, delete: list[Rule], insert: list[Rule]) -> seal_helper.Listing:
        env = _env(
            [(r.family, r.line("-D", self.comment)) for r in delete],
            # Inserted at the top in reverse, so they stand in this order before any other rule.
            [(r.family, r.line("-I", self.comment)) for r in reversed(insert)],
        )
        return seal_helper.run(self.client, env, self.labels)

    def install(self, build: bool = True) -> None:
        rules = run_rules(self.run_id)
        if build:
            rules += build_rules(default_bridge(self.client), seal_helper.bridge_resolvers(self.client))
        listing = self._apply([], rules)
        self.installed = rules
        # IPv6 is refused by the gate: its INPUT rules are a second lock, not needed to seal.
        failed = [text for family, text in listing.failed if family == "4"]
        if failed:
            self.remove()
            raise RuntimeSetupError(f"could not install the run's firewall rules: {' '.join(failed)[:300]}")
        if any(family == "6" for family, _ in listing.failed):
            self.installed = [r for r in rules if r.family == "4"]

    def end_build(self) -> dict[str, int]:
        """Remove the build's rules; return how many packets each closed part refused meanwhile."""
        build = [r for r in self.installed if r.part != "run"]
        if not build:
            return {}
        listing = self._apply(build, [])
        self.installed = [r for r in self.installed if r.part == "run"]
        blocked: dict[str, int] = {}
        for _family, packets, text in listing.rules:
            m = _RULE.search(text)
            if m and m.group(1) == self.run_id and m.group(3) in ("build-host", "build-private") and packets:
                blocked[m.group(3)] = blocked.get(m.group(3), 0) + packets
        self.blocked = blocked
        return blocked

    def remove(self) -> list[str]:
        if not self.installed:
            return []
        try:
            self._apply(self.installed, [])
        except RuntimeSetupError as e:
            return [f"firewall rules: {e.message}"]
        self.installed = []
        return []


def sweep_rules(client: Any, scope: str = "stale") -> list[str]:
    """Remove the rules of runs whose grader is gone (scope "stale"), those and this process's
    own ("left"), or of every run ("all"), as grader/runtime/engine.py sweeps the objects.
    Returns the runs whose rules were removed. Nothing to do where the engine cannot be sealed."""
    if why_not_available(client) is not None:
        return []
    listing = seal_helper.run(client)
    deletes: list[tuple[str, str]] = []
    removed = set()
    for family, _packets, text in listing.rules:
        m = _RULE.search(text)
        if not m:
            continue
        run, who = m.group(1), m.group(2)
        if scope != "all" and _owner_alive(who) and not (scope == "left" and who == owner()):
            continue
        deletes.append((family, "-D" + text[2:]))
        removed.add(run)
    if deletes:
        seal_helper.run(client, _env(deletes, []))
    return sorted(removed)
