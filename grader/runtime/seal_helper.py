"""The grader's helper container: how the run's firewall rules reach the engine's network
namespace with nothing but access to the Docker engine (no root on the grader's machine).

Whoever may start containers on an engine may already do anything to it, so the grader asks
the engine for what it needs: a short-lived container of its own in the engine host's network
namespace (`--network host`) with only the NET_ADMIN and NET_RAW capabilities, that runs
iptables there. That is where the containers' bridges are, whoever runs the grader: root or a
`docker`-group user on Linux, the Linux VM of Docker Desktop, a GitHub runner, an engine
reached through DOCKER_HOST=ssh://… or tcp://….

The image is Debian's bookworm-slim with Debian's iptables package (both of its back ends,
nf_tables and legacy), built by the grader on first use from the Dockerfile below, tagged by
that Dockerfile's digest and labelled as a helper (a cache: never removed by a run). On a
machine without a registry, scripts/setup-runtime.sh provides debian:bookworm-slim as a
stand-in made from Debian's packages, and the build reaches Debian's mirror as any build does.

The script the container runs picks the iptables back end whose tables hold Docker's own
chains (Docker uses one; the other may be empty or hold another tool's rules), prints the
grader's rules it finds with their counters, then deletes and inserts the rules it is given in
one `iptables-restore --noflush` each, so a run's rules go in together or not at all."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

from grader.errors import RuntimeSetupError

HELPER_LABEL = "org.workshop-grader.helper"  # on the helper image and its containers: a cache, kept
BASE = "debian:bookworm-slim"
DOCKERFILE = f"""FROM {BASE}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends iptables \\
 && rm -rf /var/lib/apt/lists/*
LABEL {HELPER_LABEL}=seal
"""
IMAGE = "workshop-grader-seal:" + hashlib.sha256(DOCKERFILE.encode()).hexdigest()[:12]
COMMENT = "workshop-grader"

# The container's script. Variables: DELETE4/INSERT4/DELETE6/INSERT6 hold iptables-restore
# lines (`-D CHAIN …`, `-I CHAIN 1 …`), one a line. It prints `backend NAME`, `docker-user
# yes|no`, then `rule4 [packets:bytes] -A …` for each of the grader's rules found before any
# change, then `failed4 …` where an insert did not go in.
SCRIPT = r"""
set -u
count() { "$1" -t filter 2>/dev/null | grep -c '^:DOCKER' || true; }
nft=$(count iptables-nft-save); legacy=$(count iptables-legacy-save)
if [ "$nft" -gt 0 ] && [ "$nft" -ge "$legacy" ]; then b=nft
elif [ "$legacy" -gt 0 ]; then b=legacy
else echo "backend none"; exit 0; fi
echo "backend $b"
if "iptables-$b-save" -t filter | grep -q '^:DOCKER-USER '; then echo "docker-user yes"; else echo "docker-user no"; fi
apply() {  # family save restore deletes inserts
  "$2" -c -t filter 2>/dev/null | grep -- '--comment "workshop-grader ' | sed "s/^/rule$1 /"
  printf '%s\n' "$4" | while IFS= read -r line; do
    [ -n "$line" ] || continue
    printf '*filter\n%s\nCOMMIT\n' "$line" | "$3" --noflush >/dev/null 2>&1 || echo "gone$1 $line"
  done
  if [ -n "$5" ]; then
    err=$(printf '*filter\n%s\nCOMMIT\n' "$5" | "$3" --noflush 2>&1) || echo "failed$1 $err" | tr '\n' ' '
    echo
  fi
}
apply 4 "iptables-$b-save" "iptables-$b-restore" "${DELETE4:-}" "${INSERT4:-}"
if command -v "ip6tables-$b-save" >/dev/null; then
  apply 6 "ip6tables-$b-save" "ip6tables-$b-restore" "${DELETE6:-}" "${INSERT6:-}"
fi
"""

_LISTED = re.compile(r"^rule([46]) \[(\d+):(\d+)\] (-A \S+ .*)$")


@dataclass
class Listing:
    """What one helper run found and did."""

    backend: str = "none"  # nft | legacy | none (no Docker chains in either)
    docker_user: bool = False
    rules: list[tuple[str, int, str]] = field(default_factory=list)  # (family, packets, "-A CHAIN …") before
    failed: list[tuple[str, str]] = field(default_factory=list)  # (family, iptables' words): inserts not in


def _parse(output: str) -> Listing:
    found = Listing()
    for line in output.splitlines():
        if line.startswith("backend "):
            found.backend = line.split()[1]
        elif line.startswith("docker-user "):
            found.docker_user = line.split()[1] == "yes"
        elif m := _LISTED.match(line):
            found.rules.append((m.group(1), int(m.group(2)), m.group(4)))
        elif line.startswith(("failed4 ", "failed6 ")):
            found.failed.append((line[6], line[8:].strip()))
    return found


def _present(client: Any, image: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(image)
    except ImageNotFound:
        return False
    return True


def ensure_image(client: Any) -> str:
    """The helper image, built once per engine (the base image pulled where a registry answers,
    or the set-up's stand-in). RuntimeSetupError says why it cannot be had."""
    if _present(client, IMAGE):
        return IMAGE
    try:
        client.images.build(
            fileobj=io.BytesIO(DOCKERFILE.encode()), tag=IMAGE, rm=True, forcerm=True, pull=not _present(client, BASE)
        )
    except Exception as e:  # BuildError, APIError: the base image or Debian's mirror out of reach
        reason = getattr(e, "msg", None) or str(e)
        raise RuntimeSetupError(
            f"could not build the grader's firewall helper image {IMAGE} from {BASE} ({str(reason)[:300]}); "
            f"runtime grading needs {BASE} (pulled, or made by scripts/setup-runtime.sh) and Debian's mirror once"
        ) from None
    return IMAGE


def run(client: Any, env: dict[str, str] | None = None, labels: dict[str, str] | None = None) -> Listing:
    """One helper container in the engine's network namespace: list the grader's rules, then
    delete and insert what `env` says. RuntimeSetupError when the engine does not let it run."""
    image = ensure_image(client)
    try:
        container = client.containers.run(
            image,
            ["sh", "-c", SCRIPT],
            environment=env or {},
            network_mode="host",
            cap_drop=["ALL"],
            cap_add=["NET_ADMIN", "NET_RAW"],
            labels={HELPER_LABEL: "seal", **(labels or {})},
            mem_limit="128m",
            pids_limit=64,
            detach=True,
        )
    except Exception as e:
        raise RuntimeSetupError(f"the engine did not start the grader's firewall helper: {e}") from None
    try:
        status = container.wait(timeout=60)
        output = container.logs().decode("utf-8", "replace")
    except Exception as e:
        raise RuntimeSetupError(f"the grader's firewall helper did not finish: {e}") from None
    finally:
        with contextlib.suppress(Exception):  # gone already, or the engine went away: nothing to keep
            container.remove(force=True)
    if (status or {}).get("StatusCode", 1) != 0:
        raise RuntimeSetupError(f"the grader's firewall helper failed: {output.strip()[-300:]}")
    return _parse(output)


_resolvers: dict[str, list[str]] = {}


def engine_key() -> str:
    """Which engine this process talks to, for what is asked of an engine once per process."""
    import os

    return os.environ.get("DOCKER_HOST", "") + "|" + os.environ.get("DOCKER_CONTEXT", "")


def bridge_resolvers(client: Any) -> list[str]:
    """The name servers a container on Docker's default bridge is given, as BuildKit's build
    steps are (both take the engine host's resolv.conf, less its loopback servers): a build's
    name lookups go there, private address or not. Asked once per engine and process."""
    key = engine_key()
    if key not in _resolvers:
        _resolvers[key] = _read_resolvers(client)
    return _resolvers[key]


def _read_resolvers(client: Any) -> list[str]:
    image = ensure_image(client)
    try:
        out = client.containers.run(
            image,
            ["cat", "/etc/resolv.conf"],
            network_mode="bridge",
            cap_drop=["ALL"],
            labels={HELPER_LABEL: "seal"},
            remove=True,
            mem_limit="64m",
        )
    except Exception as e:
        raise RuntimeSetupError(f"the grader's firewall helper could not read the builds' name servers: {e}") from None
    servers = re.findall(r"^\s*nameserver\s+([0-9.]+)\s*$", out.decode("utf-8", "replace"), re.M)
    return sorted(set(servers))
