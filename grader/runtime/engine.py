"""The Docker engine, through the Docker SDK: the containers of one Compose project, their
network counters, logs and restarts, and the removal of everything a run created.

The grader never talks to container IPs from the host: traffic goes through the frontend's
published port, and everything else through this API."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from grader.errors import RuntimeSetupError

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
NUMBER_LABEL = "com.docker.compose.container-number"
RUN_LABEL = "org.workshop-grader.run"  # on every container, network, volume and image a run creates
OWNER_LABEL = "org.workshop-grader.owner"  # host:pid of the grader process running it


def owner() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(value: str | None) -> bool:
    """False only when the owner is a process on this host that no longer exists."""
    import os
    import socket

    host, _, pid = (value or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's run, or unknown: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed process whose parent has not reaped it yet (a worker's pool process, orphaned
    # when the whole worker was killed) still answers kill(0): it is dead all the same.
    if not os.path.isdir("/proc/self"):
        return True  # no /proc to tell
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rpartition(")")[2].split()[:1] != ["Z"]
    except FileNotFoundError:
        return False  # reaped meanwhile
    except OSError:
        return True


def list_containers(client: Any, filters: dict[str, Any], all: bool = True) -> list[Any]:
    """Containers matching `filters`, each inspected. One removed between the listing and its
    inspection (Compose scaling down, a run cleaning up) is left out: the SDK's
    `containers.list` would raise NotFound for it."""
    from docker.errors import NotFound

    found = []
    for summary in client.api.containers(all=all, filters=filters):
        try:
            found.append(client.containers.get(summary["Id"]))
        except NotFound:
            continue
    return found


def list_images(client: Any, filters: dict[str, Any]) -> list[Any]:
    """Images matching `filters`, each inspected; one removed between the listing and its
    inspection (another run cleaning up at the same time) is left out, as list_containers does:
    the SDK's `images.list` would raise ImageNotFound for it."""
    from docker.errors import ImageNotFound

    found = []
    for summary in client.api.images(filters=filters):
        try:
            found.append(client.images.get(summary["Id"]))
        except ImageNotFound:
            continue
    return found


def connect(timeout: float = 30.0) -> Any:
    import docker  # only runtime grading needs the SDK

    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except Exception as e:  # the SDK raises several types for "no daemon"
        raise RuntimeSetupError(
            f"the Docker engine does not answer ({e.__class__.__name__}: {e}); "
            "start it, or check DOCKER_HOST and this user's access"
        ) from None
    return client


@dataclass
class Replica:
    """One container of a service, as the engine reports it now."""

    id: str
    name: str
    number: int
    status: str  # created | running | restarting | exited | ...
    health: str | None  # healthy | unhealthy | starting | None without a healthcheck
    exit_code: int | None
    restart_count: int
    started_at: str

    @property
    def short_id(self) -> str:
        return self.id[:12]


@dataclass(frozen=True)
class Accepted:
    """A reading of one container's network namespace: how many TCP connections it has
    accepted since it started (the kernel's Tcp PassiveOpens), and the healthchecks Docker had
    run by then. Only a peer connecting to a listening socket moves the count: ARP, DNS,
    broadcasts and the grader's own exec and inspect calls never do."""

    connections: int
    health_runs: frozenset[str] = frozenset()  # start times of the healthchecks Docker keeps (last 5)
    health_interval: float | None = None  # seconds, when the container has a healthcheck


def accepted_between(before: Accepted, after: Accepted, seconds: float) -> int:
    """Connections accepted between two readings, less one for each healthcheck run meanwhile:
    a healthcheck that asks the app over loopback is a connection no request made. Docker keeps
    the last five runs; when all five are new, the rest are estimated from the interval."""
    runs = len(after.health_runs - before.health_runs)
    if runs and runs == len(after.health_runs) and after.health_interval:
        runs = max(runs, int(seconds / after.health_interval) + 1)
    return max(0, after.connections - before.connections - runs)


def _passive_opens(snmp: str) -> int | None:
    """Tcp PassiveOpens from /proc/net/snmp: a header line and a value line, both `Tcp:`."""
    rows = [line.split()[1:] for line in snmp.splitlines() if line.startswith("Tcp:")]
    if len(rows) < 2 or "PassiveOpens" not in rows[0]:
        return None
    value = rows[1][rows[0].index("PassiveOpens")]
    return int(value) if value.isdigit() else None


class Engine:
    def __init__(self, client: Any, project: str):
        self.client = client
        self.project = project
        self._no_exec: set[str] = set()  # containers whose image has no `cat`

    def containers(self, service: str | None = None, all: bool = True) -> list[Any]:
        labels = [f"{PROJECT_LABEL}={self.project}"]
        if service:
            labels.append(f"{SERVICE_LABEL}={service}")
        found = list_containers(self.client, {"label": labels}, all=all)
        return sorted(found, key=lambda c: int(c.labels.get(NUMBER_LABEL, "0") or 0))

    def replicas(self, service: str) -> list[Replica]:
        out = []
        for c in self.containers(service):
            state = c.attrs.get("State", {})
            health = (state.get("Health") or {}).get("Status")
            out.append(
                Replica(
                    c.id,
                    c.name,
                    int(c.labels.get(NUMBER_LABEL, "0") or 0),
                    state.get("Status", "?"),
                    health,
                    state.get("ExitCode"),
                    c.attrs.get("RestartCount", 0),
                    state.get("StartedAt", ""),
                )
            )
        return out

    def published_port(self, service: str, container_port: int) -> int | None:
        for c in self.containers(service, all=False):
            c.reload()
            bindings = (c.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{container_port}/tcp") or []
            for b in bindings:
                if b.get("HostPort"):
                    return int(b["HostPort"])
        return None

    def accepted(self, container_ids: list[str]) -> dict[str, Accepted]:
        """A reading of each container's accepted TCP connections, in parallel. The namespace's
        /proc/net/snmp is read from the host's /proc of the container's process where the grader
        runs beside the engine (checked: that process's root holds the container's hostname),
        else through an exec of `cat` in the container. A container that cannot be read is
        left out."""

        def one(cid: str) -> tuple[str, Accepted | None]:
            try:
                attrs = self.client.api.inspect_container(cid)
            except Exception:
                return cid, None
            count = _passive_opens(self._proc(cid, attrs, "net/snmp") or "")
            if count is None:
                return cid, None
            health = attrs.get("State", {}).get("Health") or {}
            check = (attrs.get("Config") or {}).get("Healthcheck") or {}
            interval = (check.get("Interval") or 30_000_000_000) / 1e9 if check.get("Test") else None
            return cid, Accepted(count, frozenset(h.get("Start", "") for h in health.get("Log") or []), interval)

        if not container_ids:
            return {}
        with ThreadPoolExecutor(max_workers=min(8, len(container_ids))) as pool:
            return {cid: a for cid, a in pool.map(one, container_ids) if a is not None}

    def listening(self, container_ids: list[str]) -> dict[str, bool]:
        """Whether each container has a TCP socket listening (IPv4 or IPv6): its app accepts
        connections. A running process is not yet a served replica: an app that takes seconds to
        start (a JVM, a slow import) would lose every request nginx sends it meanwhile. A
        container that cannot be read is left out."""

        def one(cid: str) -> tuple[str, bool | None]:
            try:
                attrs = self.client.api.inspect_container(cid)
            except Exception:
                return cid, None
            # A namespace without IPv6 has no tcp6: its absence says nothing of `cat`.
            tables = [self._proc(cid, attrs, "net/tcp"), self._proc(cid, attrs, "net/tcp6", always_there=False)]
            if all(t is None for t in tables):
                return cid, None
            return cid, any(_has_listener(t or "") for t in tables)

        if not container_ids:
            return {}
        with ThreadPoolExecutor(max_workers=min(8, len(container_ids))) as pool:
            return {cid: v for cid, v in pool.map(one, container_ids) if v is not None}

    def _proc(self, cid: str, attrs: dict[str, Any], name: str, always_there: bool = True) -> str | None:
        """/proc/net/... of a container's network namespace: from the host's /proc where the
        grader runs beside the engine, else through an exec of `cat` (not tried again in a
        container whose image has none, as a file that is always there tells)."""
        text = _read_host_proc(attrs, name)
        if text is None and cid not in self._no_exec:
            text = self._exec_cat(cid, f"/proc/{name}")
            if text is None and always_there:
                self._no_exec.add(cid)
        return text

    def _exec_cat(self, cid: str, path: str) -> str | None:
        try:
            exec_id = self.client.api.exec_create(cid, ["cat", path], stdout=True, stderr=False)
            out = self.client.api.exec_start(exec_id)
            if self.client.api.exec_inspect(exec_id).get("ExitCode") != 0:
                return None
        except Exception:
            return None
        return out.decode("ascii", "replace")

    def addresses(self, container_id: str) -> list[str]:
        """The container's IPv4 addresses on its networks, now."""
        try:
            attrs = self.client.api.inspect_container(container_id)
        except Exception:
            return []
        nets = (attrs.get("NetworkSettings") or {}).get("Networks") or {}
        return sorted(n.get("IPAddress") for n in nets.values() if n.get("IPAddress"))

    def logs(self, container_id: str, max_bytes: int) -> tuple[str, bool]:
        """The tail of a container's logs (stdout and stderr), at most max_bytes; and whether
        it was cut."""
        data = self.client.api.logs(container_id, stdout=True, stderr=True, timestamps=False, tail=2000)
        cut = len(data) > max_bytes
        if cut:
            data = data[-max_bytes:]
            data = data[data.find(b"\n") + 1 :] or data
        return data.decode("utf-8", "replace"), cut

    def restart(self, container_id: str, timeout: int = 10) -> None:
        self.client.api.restart(container_id, timeout=timeout)


DOCKER_DNS = "0B00007F"  # 127.0.0.11 as /proc/net/tcp writes it: Docker's embedded DNS listens there


def _has_listener(table: str) -> bool:
    """A /proc/net/tcp(6) table holds a socket in state LISTEN (0A) of the container's own: on a
    user-defined network Docker's embedded DNS listens in every container's namespace too."""
    for row in table.splitlines()[1:]:
        cols = row.split()
        if len(cols) > 3 and cols[3] == "0A" and not cols[1].startswith(DOCKER_DNS + ":"):
            return True
    return False


def _read_host_proc(attrs: dict[str, Any], name: str = "net/snmp") -> str | None:
    """/proc/<pid>/`name` of a container's process as the host sees it (its network namespace's
    counters and sockets); None where the grader does not run beside the engine (a remote or
    rootless engine, the grader in another container): the pid must lead to a root whose
    /etc/hostname is the container's."""
    pid = (attrs.get("State") or {}).get("Pid")
    hostname = (attrs.get("Config") or {}).get("Hostname")
    if not isinstance(pid, int) or pid <= 0 or not hostname:
        return None
    try:
        with open(f"/proc/{pid}/root/etc/hostname", encoding="utf-8") as f:
            if f.read().strip() != hostname:
                return None
        with open(f"/proc/{pid}/{name}", encoding="ascii") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def _selectors(project: str | None, run_id: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Label filters for (containers, networks, volumes) and for images. One run's own: its
    Compose project, and the images labelled with its id. Otherwise: anything of any run."""
    objects = {"label": [f"{PROJECT_LABEL}={project}" if project else RUN_LABEL]}
    images = {"label": f"{RUN_LABEL}={run_id}" if run_id else RUN_LABEL}
    return objects, images


def _in_scope(obj: Any, scope: str) -> bool:
    """all: any run's; stale: runs whose owning grader process on this host is gone; left: those
    and this process's own (what a finished piece of work may not leave behind, while other
    graders on the machine go on undisturbed)."""
    if scope == "all":
        return True
    labels = obj.attrs.get("Labels") or obj.attrs.get("Config", {}).get("Labels") or {}
    who = labels.get(OWNER_LABEL)
    return not _owner_alive(who) or (scope == "left" and who == owner())


def sweep(
    client: Any,
    stale_only: bool = False,
    project: str | None = None,
    run_id: str | None = None,
    problems: list[str] | None = None,
    scope: str | None = None,
) -> dict[str, list[str]]:
    """Remove what grader runs left: containers first, then networks, volumes and images.
    project/run_id: only that run's (its own clean-up after `compose down`); stale_only (scope
    "stale"): only runs whose owning grader process on this host is gone (what a new run sweeps
    at start-up; runs going on in parallel are kept); scope as in _in_scope. What cannot be
    removed is left for a later sweep and said in `problems` when given. Returns what was
    removed, by kind."""
    objects, images = _selectors(project, run_id)
    removed: dict[str, list[str]] = {"containers": [], "networks": [], "volumes": [], "images": []}
    scope = scope or ("stale" if stale_only else "all")

    def mine(obj: Any) -> bool:
        return _in_scope(obj, scope)

    def remove(kind: str, name: str, action: Any) -> None:
        try:
            action()
        except Exception as e:  # gone meanwhile, or still in use
            if problems is not None:
                problems.append(f"{kind[:-1]} {name}: {e}")
            return
        removed[kind].append(name)

    for c in list_containers(client, objects):
        if mine(c):
            remove("containers", c.name, lambda c=c: c.remove(force=True, v=True))
    for n in client.networks.list(filters=objects):
        if mine(n):
            remove("networks", n.name, n.remove)
    for v in client.volumes.list(filters=objects):
        if mine(v):
            remove("volumes", v.name, lambda v=v: v.remove(force=True))
    for i in list_images(client, images):
        if mine(i):
            remove("images", ", ".join(i.tags or [i.short_id]), lambda i=i: client.images.remove(i.id, force=True))
    if project is None and run_id is None:
        from grader.runtime.seal import sweep_rules  # the firewall rules of the same runs

        try:
            removed["firewall"] = sweep_rules(client, scope)
        except RuntimeSetupError as e:  # the helper could not run: said, and left for a later sweep
            if problems is not None:
                problems.append(f"firewall rules: {e.message}")
    if run_id:
        with contextlib.suppress(Exception):  # build cache layers of the run's removed images
            client.images.prune(filters={"dangling": True, "label": f"{RUN_LABEL}={run_id}"})
    return removed


def labelled(
    client: Any, project: str | None = None, run_id: str | None = None, scope: str = "all"
) -> dict[str, list[str]]:
    """What is on the engine of one run (project/run_id) or of any run, by kind, within `scope`
    (as in _in_scope); kinds with nothing are left out, so an empty dict means nothing is there."""
    objects, images = _selectors(project, run_id)
    found = {
        "containers": [c.name for c in list_containers(client, objects) if _in_scope(c, scope)],
        "networks": [n.name for n in client.networks.list(filters=objects) if _in_scope(n, scope)],
        "volumes": [v.name for v in client.volumes.list(filters=objects) if _in_scope(v, scope)],
        "images": [t for i in list_images(client, images) if _in_scope(i, scope) for t in (i.tags or [i.short_id])],
    }
    return {kind: names for kind, names in found.items() if names}


def disk_usage(client: Any, timeout: float = 30.0) -> dict[str, Any]:
    """The engine's `system df`. The engine runs one at a time and refuses a second meanwhile
    ("a disk usage operation is already running": another run's budget watch, say), so this
    asks again until it is answered or `timeout` passes."""
    import time

    from docker.errors import APIError

    end = time.monotonic() + timeout
    delay = 0.2
    while True:
        try:
            return dict(client.df())
        except APIError as e:
            if "already running" not in str(e) or time.monotonic() > end:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 2.0)
