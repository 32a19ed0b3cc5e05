"""The safety gate: before anything runs, refuse a compose file that would reach past its own
containers into the host: privileged mode, host namespaces, the Docker socket, host paths
outside the submission, devices, extra capabilities, unconfined security options, or a build
context outside the root. Runtime grading runs untrusted files; `--allow-unsafe` is for input
the grader's user trusts."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from grader.compose.model import is_remote_context
from grader.errors import InputError, OutsideRootError
from grader.i18n.ko import localized
from grader.submission.reader import SubmissionRoot
from grader.submission.yamlfile import YMap, YNode, YScalar, YSeq

# Docker's default capability set: adding one of these back changes nothing a container
# could not already do.
ALLOWED_CAPS = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "NET_RAW",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
HOST_NAMESPACE_KEYS = ("network_mode", "pid", "ipc", "uts", "userns_mode", "cgroup")
DOCKER_SOCKETS = ("docker.sock", "docker.socket", "containerd.sock", "podman.sock")


# What the gate says, in each language: a hazard names its text and, for a host path, the
# reason (`why`) the path is refused.
TEXT = {
    "en": {
        "refused": "refused to run: {hazard}",
        "more": " (and {count} more)",
        "privileged": "service {service} asks for `privileged: true`, which gives the container the host's devices "
        "and every capability",
        "namespace": "service {service} asks for `{key}: host`, sharing the host's namespace",
        "devices": "service {service} asks for host `{key}`",
        "capability": "service {service} adds capability {cap} beyond Docker's default set",
        "security_opt": "service {service} turns off a security profile (`{opt}`)",
        "env_file": "service {service} reads env_file {path!r}, but {why}",
        "extends": "service {service} extends {path!r}, but {why}",
        "bind": "service {service} bind-mounts {path!r}, but {why}",
        "remote_context": "service {service} builds from a remote context {path!r}; only the submission's own "
        "folders are built",
        "context": "service {service} has build context {path!r}, but {why}",
        "dockerfile": "service {service} builds with dockerfile {path!r}, but {why}",
        "extra_context": "service {service} adds build context {key}={path!r} from outside the submission",
        "build_privileged": "service {service} builds with `privileged: true`",
        "build_network": "service {service} builds on the host's network",
        "include": "include of {path!r}, but {why}",
        "config_file": "{section} {key} reads {path!r}, but {why}",
        "volume_device": "volume {key} binds host path {path!r}, but {why}",
        "why_environment": "it depends on the host's environment (~ or a variable)",
        "why_socket": "it is the container engine's socket, which gives full control of the host",
        "why_outside": "it is outside the submission",
    },
    "ko": {
        "refused": "안전하지 않아 실행하지 않습니다. {hazard}",
        "more": " 이 밖에도 {count}개가 더 있습니다.",
        "privileged": "{service} 서비스가 `privileged: true`를 요청합니다. 이러면 컨테이너가 호스트의 장치와 모든 "
        "권한을 갖게 됩니다.",
        "namespace": "{service} 서비스가 `{key}: host`로 호스트의 네임스페이스를 함께 씁니다.",
        "devices": "{service} 서비스가 호스트의 `{key}`{을} 요청합니다.",
        "capability": "{service} 서비스가 Docker의 기본 권한 목록에 없는 {cap}{을} 추가합니다.",
        "security_opt": "{service} 서비스가 보안 프로필을 끕니다(`{opt}`).",
        "env_file": "{service} 서비스가 읽는 `env_file` {path!r}{은} {why}",
        "extends": "{service} 서비스가 `extends`로 가져오는 {path!r}{은} {why}",
        "bind": "{service} 서비스가 마운트하는 호스트 경로 {path!r}{은} {why}",
        "remote_context": "{service} 서비스가 원격 빌드 컨텍스트 {path!r}에서 빌드합니다. 제출물 안의 폴더만 "
        "빌드할 수 있습니다.",
        "context": "{service} 서비스의 빌드 컨텍스트 {path!r}{은} {why}",
        "dockerfile": "{service} 서비스가 빌드에 쓰는 `dockerfile` {path!r}{은} {why}",
        "extra_context": "{service} 서비스가 제출물 밖의 빌드 컨텍스트 {key}={path!r}{을} 추가합니다.",
        "build_privileged": "{service} 서비스가 `privileged: true`로 빌드합니다.",
        "build_network": "{service} 서비스가 호스트의 네트워크에서 빌드합니다.",
        "include": "`include`로 가져오는 {path!r}{은} {why}",
        "config_file": "{section}의 {key}{이} 읽는 {path!r}{은} {why}",
        "volume_device": "볼륨 {key}{이} 연결하는 호스트 경로 {path!r}{은} {why}",
        "why_environment": "호스트의 환경(~나 변수)에 따라 달라지는 경로입니다.",
        "why_socket": "컨테이너 엔진의 소켓이라 호스트 전체를 제어할 수 있습니다.",
        "why_outside": "제출물 밖에 있습니다.",
    },
}


def _say(lang: str, key: str, params: dict[str, Any]) -> str:
    return localized(TEXT, lang, key, **params)


@dataclass(frozen=True)
class Hazard:
    key: str
    file: str
    line: int
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    # The table its texts come from: this module's, or the allow-list's (grader/runtime/allowlist.py).
    texts: dict[str, dict[str, str]] = field(default_factory=lambda: TEXT, hash=False, compare=False, repr=False)

    def text(self, lang: str = "en") -> str:
        params = dict(self.params)
        # a reason, a use, what was asked: keys of the same table, filled in first ("what" may be
        # a text of its own, e.g. the allow-list's `key: value`)
        for part in ("why", "use", "what"):
            if part in params and (part != "what" or params[part] in self.texts.get("en", {})):
                params[part] = localized(self.texts, lang, params[part], **params)
        return localized(self.texts, lang, self.key, **params)

    @property
    def message(self) -> str:
        return self.text("en")

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class UnsafeSubmissionError(InputError):
    """The gate refused the compose file; every hazard is listed with file:line."""

    def __init__(self, hazards: list[Hazard]):
        first = hazards[0]
        super().__init__(self._refused(hazards, "en"), first.file, first.line)
        self.hazards = hazards

    @staticmethod
    def _refused(hazards: list[Hazard], lang: str) -> str:
        more = _say(lang, "more", {"count": len(hazards) - 1}) if len(hazards) > 1 else ""
        return _say(lang, "refused", {"hazard": hazards[0].text(lang)}) + more

    def text(self, lang: str = "en") -> str:
        """The first hazard's line in `lang` (the message keeps the English)."""
        return self._refused(self.hazards, lang)


def _text(node: YNode | None) -> str | None:
    if isinstance(node, YScalar) and node.value is not None:
        return node.text
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

    def hazard(self, text: str, line: int, **params: Any) -> Hazard:
        """A hazard at `line` of the compose file; `text` is its TEXT key, `params` fill it."""
        return Hazard(text, self.rel, line, params)

    def outside(self, path: str, base: str | None = None) -> str | None:
        """Why (its TEXT key) a host path written in the compose file is not inside the submission, or None."""
        if path.startswith(("~", "$")) or "${" in path or path.startswith("$"):
            return "why_environment"
        if any(path.rstrip("/").endswith(s) for s in DOCKER_SOCKETS):
            return "why_socket"
        try:
            rel = self.root.join(self.base if base is None else base, path)
            self.root.resolve(rel)
        except OutsideRootError:
            return "why_outside"
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
        if isinstance(privileged := s.get("privileged"), YScalar) and privileged.value is True:
            yield self.hazard("privileged", s.line_of("privileged"), service=name)
        for key in HOST_NAMESPACE_KEYS:
            value = _text(s.get(key))
            if value == "host":
                yield self.hazard("namespace", s.line_of(key), service=name, key=key)
        for key in ("devices", "device_cgroup_rules"):
            if _items(s.get(key)):
                yield self.hazard("devices", s.line_of(key), service=name, key=key)
        for cap in _items(s.get("cap_add")):
            value = (_text(cap) or "").upper().removeprefix("CAP_")
            if value not in ALLOWED_CAPS:
                yield self.hazard("capability", cap.line, service=name, cap=value or "?")
        for opt in _items(s.get("security_opt")):
            value = (_text(opt) or "").lower().replace("=", ":")
            if "unconfined" in value or value in ("label:disable", "no-new-privileges:false"):
                yield self.hazard("security_opt", opt.line, service=name, opt=_text(opt))
        for vol in _items(s.get("volumes")):
            yield from self.mount(name, vol)
        yield from self.build(name, s.get("build"), s.line_of("build"))
        for ref in _items(s.get("env_file")):
            path = _text(ref.get("path")) if isinstance(ref, YMap) else _text(ref)
            if path and (why := self.outside(path)):
                yield self.hazard("env_file", ref.line, service=name, path=path, why=why)
        ext = s.get("extends")
        if isinstance(ext, YMap) and (path := _text(ext.get("file"))) and (why := self.outside(path)):
            yield self.hazard("extends", ext.line_of("file"), service=name, path=path, why=why)

    def mount(self, service: str, vol: YNode) -> Iterator[Hazard]:
        if isinstance(vol, YMap):
            kind = _text(vol.get("type")) or "volume"
            source = _text(vol.get("source"))
            if kind == "bind" and source and (why := self.outside(source)):
                yield self.hazard("bind", vol.line, service=service, path=source, why=why)
            return
        text = _text(vol) or ""
        source = text.split(":")[0] if ":" in text else ""
        if source.startswith((".", "/", "~", "$")) and (why := self.outside(source)):
            yield self.hazard("bind", vol.line, service=service, path=source, why=why)

    def build(self, service: str, node: YNode | None, line: int) -> Iterator[Hazard]:
        if node is None:
            return
        ctx = _text(node) if not isinstance(node, YMap) else (_text(node.get("context")) or ".")
        if ctx is None:
            return
        if isinstance(node, YMap) and "context" in node.items:
            line = node.line_of("context")
        if is_remote_context(ctx):
            yield self.hazard("remote_context", line, service=service, path=ctx)
            return
        if why := self.outside(ctx):
            yield self.hazard("context", line, service=service, path=ctx, why=why)
            return
        if not isinstance(node, YMap):
            return
        ctx_rel = posixpath.normpath(posixpath.join(self.base or ".", ctx))
        df = _text(node.get("dockerfile"))
        if df and (why := self.outside(df, ctx_rel)):
            yield self.hazard("dockerfile", node.line_of("dockerfile"), service=service, path=df, why=why)
        extra = node.get("additional_contexts")
        if isinstance(extra, YMap):
            for key, value in extra.items.items():
                path = _text(value) or ""
                if "://" in path or path.startswith("docker-image:") or (why := self.outside(path)):
                    yield self.hazard("extra_context", extra.line_of(key), service=service, key=key, path=path)
        if isinstance(privileged := node.get("privileged"), YScalar) and privileged.value is True:
            yield self.hazard("build_privileged", node.line_of("privileged"), service=service)
        if _text(node.get("network")) == "host":
            yield self.hazard("build_network", node.line_of("network"), service=service)

    def top_level(self) -> Iterator[Hazard]:
        for entry in _items(self.doc.get("include")):
            paths = [entry] if not isinstance(entry, YMap) else _items(entry.get("path"))
            for p in paths:
                if (path := _text(p)) and (why := self.outside(path)):
                    yield self.hazard("include", p.line, path=path, why=why)
        for section in ("configs", "secrets"):
            block = self.doc.get(section)
            if not isinstance(block, YMap):
                continue
            for key, spec in block.items.items():
                if isinstance(spec, YMap) and (path := _text(spec.get("file"))) and (why := self.outside(path)):
                    yield self.hazard("config_file", spec.line_of("file"), section=section, key=key, path=path, why=why)
        volumes = self.doc.get("volumes")
        if isinstance(volumes, YMap):
            for key, spec in volumes.items.items():
                opts = spec.get("driver_opts") if isinstance(spec, YMap) else None
                if not isinstance(opts, YMap):
                    continue
                device = _text(opts.get("device"))
                if device and (why := self.outside(device)):
                    yield self.hazard("volume_device", opts.line_of("device"), key=key, path=device, why=why)


def check_safety(root: SubmissionRoot, compose_rel: str, doc: YMap) -> None:
    """Raise UnsafeSubmissionError listing every hazard; return when there is none."""
    hazards = Gate(root, compose_rel, doc).check()
    if hazards:
        raise UnsafeSubmissionError(hazards)
