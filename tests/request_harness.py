"""Run nginx configs in the nginx:1.30 image and send them requests, many configs per container.

One network of our own holds nginx containers (lanes side by side), each starting its share of
the cases' configs in turn;
instance A, an echoing backend answering to every host name the configs proxy to, which also
runs the DNS server nginx's resolver asks and the client that sends the requests; and instance B,
a second echoing backend whose address the DNS server gives once a case flips it.
tests/request_oracle/inside.py is the containers' side. Everything is removed afterwards, even
when the run fails or is interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

NGINX_IMAGE = "nginx:1.30"
PYTHON_IMAGE = "python:3.13-slim"
LABEL = "org.workshop-grader.test=1"
INSIDE = Path(__file__).resolve().parent / "request_oracle" / "inside.py"
DOCKER_DNS = "127.0.0.11"

# nginx's side: start each case's nginx in the foreground, say when its workers run (its
# listening sockets are open by then) or that it stopped, wait for the client, stop it.
NGINX_LOOP = r"""
umask 0
for i in $(cat /work/order-$LANE); do
  nginx -c /cases/$i/nginx.conf -g 'daemon off;' 2> /work/$i.err &
  pid=$!
  state=fail
  while :; do
    st=gone
    read -r _ _ st _ < /proc/$pid/stat 2>/dev/null
    [ "$st" = Z ] || [ "$st" = gone ] && break
    for s in /proc/[0-9]*/stat; do
      read -r _ _ _ ppid _ < "$s" 2>/dev/null || continue
      [ "$ppid" = "$pid" ] && state=ok
    done
    [ $state = ok ] && break
    sleep 0.02
  done
  echo $state > /work/$i.up.tmp && mv /work/$i.up.tmp /work/$i.up
  while [ ! -f /work/$i.done ]; do sleep 0.02; done
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
done
"""


@dataclass
class Request:
    target: str = "/api/posts"
    host: str | None = "localhost"
    port: int = 80
    method: str = "GET"
    headers: list[tuple[str, str]] = field(default_factory=list)
    flip: float = 0.0  # seconds to wait after the backend's address changes, then ask again

    def as_json(self) -> dict:
        return {
            "target": self.target,
            "host": self.host,
            "port": self.port,
            "method": self.method,
            "headers": [list(h) for h in self.headers],
            "flip": self.flip,
        }


@dataclass
class RunCase:
    """A config as nginx starts it: files under /etc/nginx (container path -> text)."""

    name: str
    files: dict[str, str]
    requests: list[Request]


def _docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout)


def _ready(path: Path, deadline: float, what: str, containers: list[str]) -> None:
    while not path.exists():
        if time.monotonic() > deadline:
            logs = "\n".join(_docker("logs", "--tail", "20", c, check=False).stderr for c in containers)
            raise AssertionError(f"{what} did not start: {logs}")
        time.sleep(0.05)


def run_in_nginx(
    cases: list[RunCase], work: Path, hosts: set[str], ports: set[int], timeout: float = 1500, lanes: int = 3
) -> list[dict]:
    """What nginx did with each case's requests: per case {"started": "ok"|"fail", "error": its
    stderr, "results": one per request}. Each file of a case lands at /etc/nginx/<path> in a
    folder of its own (nginx.conf's includes are rewritten to that folder)."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.fail("the request oracle needs Docker")
    for image in (NGINX_IMAGE, PYTHON_IMAGE):
        if _docker("image", "inspect", image, check=False).returncode:
            pytest.fail(f"the request oracle needs the local {image} image (bash scripts/setup-runtime.sh)")
    tag = uuid.uuid4().hex[:8]
    net, a, b = (f"grader-reqoracle-{tag}-{x}" for x in ("net", "a", "b"))
    gs = [f"grader-reqoracle-{tag}-nginx{k}" for k in range(lanes)]
    shared = work / "shared"
    shared.mkdir(parents=True)
    os.chmod(shared, 0o777)
    (work / "inside.py").write_text(INSIDE.read_text(encoding="utf-8"), encoding="utf-8")
    ports_args = [str(p) for p in sorted(ports)]
    try:
        _docker("network", "create", "--label", LABEL, net)
        mounts = ["-v", f"{work / 'inside.py'}:/inside.py:ro", "-v", f"{shared}:/work"]
        _docker(
            "run",
            "-d",
            "--name",
            b,
            "--label",
            LABEL,
            "--network",
            net,
            *mounts,
            PYTHON_IMAGE,
            "python3",
            "/inside.py",
            "echo",
            "B",
            *ports_args,
        )
        aliases = []
        for h in sorted(hosts | {"backend"}):
            aliases += ["--network-alias", h]
        _docker(
            "run",
            "-d",
            "--name",
            a,
            "--label",
            LABEL,
            "--network",
            net,
            *aliases,
            *mounts,
            PYTHON_IMAGE,
            "python3",
            "/inside.py",
            "drive",
            "A",
            *ports_args,
            "--work",
            "/work",
        )
        a_ip = json.loads(_docker("inspect", a).stdout)[0]["NetworkSettings"]["Networks"][net]["IPAddress"]
        cases_dir = work / "cases"
        for i, c in enumerate(cases):
            d = cases_dir / str(i)
            for path, text in c.files.items():
                p = d / path
                p.parent.mkdir(parents=True, exist_ok=True)
                # The case's own folder stands for /etc/nginx; the resolver is our DNS server.
                p.write_text(text.replace("/etc/nginx/", f"/cases/{i}/").replace(DOCKER_DNS, a_ip), encoding="utf-8")
            for std in ("mime.types", "fastcgi_params", "scgi_params", "uwsgi_params"):
                if not (d / std).exists():
                    (d / std).symlink_to(f"/etc/nginx/{std}")
        # Lanes run side by side: most of a case's time is spent waiting for a resolver's answer to expire.
        plan = {
            "other": b,
            "lanes": [
                {
                    "nginx": g,
                    "cases": [
                        {"id": i, "requests": [r.as_json() for r in c.requests]}
                        for i, c in enumerate(cases)
                        if i % lanes == k
                    ],
                }
                for k, g in enumerate(gs)
            ],
        }
        for k in range(lanes):
            (shared / f"order-{k}").write_text("".join(f"{i}\n" for i in range(k, len(cases), lanes)), encoding="utf-8")
        (shared / "cases.json.tmp").write_text(json.dumps(plan), encoding="utf-8")
        os.replace(shared / "cases.json.tmp", shared / "cases.json")
        _ready(shared / "dns.ready", time.monotonic() + 60, "the echoing backend", [a, b])
        for k, g in enumerate(gs):
            _docker(
                "run",
                "-d",
                "--name",
                g,
                "--label",
                LABEL,
                "--network",
                net,
                "-v",
                f"{cases_dir}:/cases:ro",
                "-v",
                f"{shared}:/work",
                "-e",
                f"LANE={k}",
                "--entrypoint",
                "sh",
                NGINX_IMAGE,
                "-c",
                NGINX_LOOP,
            )
        deadline = time.monotonic() + timeout
        while not (shared / "all.done").exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"the request oracle ran out of time after {timeout:.0f} s")
            for k, c in enumerate((a, *gs)):
                state = json.loads(_docker("inspect", c).stdout)[0]["State"]
                # A lane's nginx ends once its last case is done; the driver (k == 0) never early.
                last = max(range(k - 1, len(cases), lanes), default=None) if k else None
                finished = k > 0 and (last is None or (shared / f"{last}.done").exists())
                if not state["Running"] and not finished and not (shared / "all.done").exists():
                    logs = _docker("logs", "--tail", "30", c, check=False)
                    raise AssertionError(f"{c} stopped: {logs.stdout[-2000:]}{logs.stderr[-2000:]}")
            time.sleep(0.5)
        out = []
        for i in range(len(cases)):
            got = json.loads((shared / f"{i}.out").read_text(encoding="utf-8"))
            got["error"] = (shared / f"{i}.err").read_text(encoding="utf-8", errors="replace")
            out.append(got)
        return out
    finally:
        for c in (*gs, a, b):
            _docker("rm", "-f", "-v", c, check=False)
        _docker("network", "rm", net, check=False)
