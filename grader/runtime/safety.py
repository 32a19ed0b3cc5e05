"""The safety gate: before anything runs, refuse a compose file that would reach past its own
containers into the host: privileged mode, host namespaces, the Docker socket, host paths
outside the submission, devices, extra capabilities, unconfined security options, or a build
context outside the root. Runtime grading runs untrusted files; `--allow-unsafe` is for input
the grader's user trusts."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from grader.errors import InputError, OutsideRootError
from grader.submission.reader import SubmissionRoot
from grader.submission.yamlfile import YMap, YNode, YScalar, YSeq

# Docker's default capability set: adding one of these back changes nothing a container
# could not already do.
ALLOWED_CAPS = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
HOST_NAMESPACE_KEYS = ("network_mode", "pid", "ipc", "uts", "userns_mode", "cgroup")
DOCKER_SOCKETS = ("docker.sock", "docker.socket", "containerd.sock", "podman.sock")


@dataclass(frozen=True)
class Hazard:
    message: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class UnsafeSubmissionError(InputError):
    """The gate refused the compose file; every hazard is listed with file:line."""

    def __init__(self, hazards: list[Hazard]):
        first = hazards[0]
        more = f" (and {len(hazards) - 1} more)" if len(hazards) > 1 else ""
        super().__init__(f"refused to run: {first.message}{more}", first.file, first.line)
        self.hazards = hazards


def _text(node: YNode | None) -> str | None:
    if isinstance(node, YScalar) and node.value is not None:
        return node.raw if node.raw else str(node.value)
    return None


def _items(node: YNode | None) -> list[YNode]:
    if isinstance(node, YSeq):
        return node.items
    if node is None or (isinstance(node, YScalar) and node.value is None):
        return []
    return [node]


class Gate:
    def __init__(self, root: SubmissionRoot, compose_rel: str, doc: YMap):
        self.root = root
        self.rel = compose_rel
        self.base = posixpath.dirname(compose_rel)
        self.doc = doc

    def hazard(self, message: str, line: int) -> Hazard:
        return Hazard(message, self.rel, line)

    def outside(self, path: str, base: str | None = None) -> str | None:
        """Why a host path written in the compose file is not inside the submission, or None."""
        if path.startswith(("~", "$")) or "${" in path or path.startswith("$"):
            return "it depends on the host's environment (~ or a variable)"
        if any(path.rstrip("/").endswith(s) for s in DOCKER_SOCKETS):
            return "it is the container engine's socket, which gives full control of the host"
        try:
            rel = self.root.join(self.base if base is None else base, path)
            self.root.resolve(rel)
        except OutsideRootError:
            return "it is outside the submission"
        return None

    def check(self) -> list[Hazard]:
        found: list[Hazard] = []
        services = self.doc.get("services")
        if isinstance(services, YMap):
            for name, node in services.items.items():
                if isinstance(node, YMap):
                    found.extend(self.service(name, node))
        found.extend(self.top_level())
        return found

    def service(self, name: str, s: YMap) -> Iterator[Hazard]:
        where = f"service {name}"
        if isinstance(s.get("privileged"), YScalar) and s.get("privileged").value is True:
            yield self.hazard(f"{where} asks for `privileged: true`, which gives the container the host's devices "
                              "and every capability", s.line_of("privileged"))
        for key in HOST_NAMESPACE_KEYS:
            value = _text(s.get(key))
            if value == "host":
                yield self.hazard(f"{where} asks for `{key}: host`, sharing the host's namespace", s.line_of(key))
        for key in ("devices", "device_cgroup_rules"):
            if _items(s.get(key)):
                yield self.hazard(f"{where} asks for host `{key}`", s.line_of(key))
        for cap in _items(s.get("cap_add")):
            value = (_text(cap) or "").upper().removeprefix("CAP_")
            if value not in ALLOWED_CAPS:
                yield self.hazard(f"{where} adds capability {value or '?'} beyond Docker's default set", cap.line)
        for opt in _items(s.get("security_opt")):
            value = (_text(opt) or "").lower().replace("=", ":")
            if "unconfined" in value or value in ("label:disable", "no-new-privileges:false"):
                yield self.hazard(f"{where} turns off a security profile (`{_text(opt)}`)", opt.line)
        for vol in _items(s.get("volumes")):
            yield from self.mount(where, vol)
        yield from self.build(where, s.get("build"), s.line_of("build"))
        for ref in _items(s.get("env_file")):
            path = _text(ref.get("path")) if isinstance(ref, YMap) else _text(ref)
            if path and (why := self.outside(path)):
                yield self.hazard(f"{where} reads env_file {path!r}, but {why}", ref.line)
        ext = s.get("extends")
        if isinstance(ext, YMap) and (path := _text(ext.get("file"))) and (why := self.outside(path)):
            yield self.hazard(f"{where} extends {path!r}, but {why}", ext.line_of("file"))

    def mount(self, where: str, vol: YNode) -> Iterator[Hazard]:
        if isinstance(vol, YMap):
            kind = _text(vol.get("type")) or "volume"
            source = _text(vol.get("source"))
            if kind == "bind" and source and (why := self.outside(source)):
                yield self.hazard(f"{where} bind-mounts {source!r}, but {why}", vol.line)
            return
        text = _text(vol) or ""
        source = text.split(":")[0] if ":" in text else ""
        if source.startswith((".", "/", "~", "$")) and (why := self.outside(source)):
            yield self.hazard(f"{where} bind-mounts {source!r}, but {why}", vol.line)

    def build(self, where: str, node: YNode | None, line: int) -> Iterator[Hazard]:
        if node is None:
            return
        ctx = _text(node) if not isinstance(node, YMap) else (_text(node.get("context")) or ".")
        if ctx is None:
            return
        if isinstance(node, YMap) and "context" in node.items:
            line = node.line_of("context")
        if "://" in ctx or ctx.startswith(("git@", "github.com/")):
            yield self.hazard(f"{where} builds from a remote context {ctx!r}; only the submission's own "
                              "folders are built", line)
            return
        if why := self.outside(ctx):
            yield self.hazard(f"{where} has build context {ctx!r}, but {why}", line)
            return
        if not isinstance(node, YMap):
            return
        ctx_rel = posixpath.normpath(posixpath.join(self.base or ".", ctx))
        df = _text(node.get("dockerfile"))
        if df and (why := self.outside(df, ctx_rel)):
            yield self.hazard(f"{where} builds with dockerfile {df!r}, but {why}", node.line_of("dockerfile"))
        extra = node.get("additional_contexts")
        extra_items = extra.items.items() if isinstance(extra, YMap) else []
        for key, value in extra_items:
            path = _text(value) or ""
            if "://" in path or path.startswith("docker-image:") or (why := self.outside(path)):
                yield self.hazard(f"{where} adds build context {key}={path!r} from outside the submission",
                                  extra.line_of(key))
        if isinstance(node.get("privileged"), YScalar) and node.get("privileged").value is True:
            yield self.hazard(f"{where} builds with `privileged: true`", node.line_of("privileged"))
        if _text(node.get("network")) == "host":
            yield self.hazard(f"{where} builds on the host's network", node.line_of("network"))

    def top_level(self) -> Iterator[Hazard]:
        for entry in _items(self.doc.get("include")):
            paths = [entry] if not isinstance(entry, YMap) else _items(entry.get("path"))
            for p in paths:
                if (path := _text(p)) and (why := self.outside(path)):
                    yield self.hazard(f"include of {path!r}, but {why}", p.line)
        for section in ("configs", "secrets"):
            block = self.doc.get(section)
            if not isinstance(block, YMap):
                continue
            for key, spec in block.items.items():
                if isinstance(spec, YMap) and (path := _text(spec.get("file"))) and (why := self.outside(path)):
                    yield self.hazard(f"{section} {key} reads {path!r}, but {why}", spec.line_of("file"))
        volumes = self.doc.get("volumes")
        if isinstance(volumes, YMap):
            for key, spec in volumes.items.items():
                opts = spec.get("driver_opts") if isinstance(spec, YMap) else None
                device = _text(opts.get("device")) if isinstance(opts, YMap) else None
                if device and (why := self.outside(device)):
                    yield self.hazard(f"volume {key} binds host path {device!r}, but {why}", opts.line_of("device"))


def check_safety(root: SubmissionRoot, compose_rel: str, doc: YMap) -> None:
    """Raise UnsafeSubmissionError listing every hazard; return when there is none."""
    hazards = Gate(root, compose_rel, doc).check()
    if hazards:
        raise UnsafeSubmissionError(hazards)
