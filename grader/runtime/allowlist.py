"""The gate over what will run: an allow-list of the Compose settings a stack like this step's
needs, read from the project as Compose itself resolved it (grader/runtime/resolve.py).

Default deny: a key that is not listed here is refused, never ignored. Each refusal points at
the line of the learner's file the setting came from (the static model keeps every value's
file and line, through `include`, `extends` and overrides), says what was asked and why it is
refused, in English and Korean.

What is allowed, and why it is safe once the run's own settings are laid over it
(grader/runtime/freeze.py):
- build from a folder inside the submission, with a Dockerfile inside it, args, target and
  labels (the base images are checked by grader/runtime/base_images.py);
- image, command, entrypoint, environment (env files are already read into it), working_dir,
  user, labels, hostname, healthcheck, restart, stop settings, init, tty, read_only;
- extra_hosts (`host.docker.internal:host-gateway`, kept from step 05 by many): a name in the
  container's /etc/hosts, and the run's firewall rejects whatever it points at outside the run;
- ports and expose (every published port is bound to 127.0.0.1 by the run);
- volumes: named volumes of the project, bind mounts of folders inside the submission, tmpfs;
- the project's own networks, with aliases and addresses on them, and its own named volumes
  (a fixed `name:` of either becomes the run's own: grader/runtime/freeze.py);
- depends_on and links between the project's services;
- deploy: replicas up to a cap, resource limits and reservations (the run's caps win), restart
  and update policies; mem_limit, cpus and pids_limit likewise;
- capabilities within Docker's default set, `no-new-privileges`;
- configs and secrets read from files inside the submission (configs also inline).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from grader.runtime.freeze import LIMIT_KEYS
from grader.runtime.safety import ALLOWED_CAPS, Hazard
from grader.submission.reader import SubmissionRoot
from grader.submission.yamlfile import YMap, YNode, YScalar, YSeq

MAX_REPLICAS = 10  # deploy.replicas and scale: the step scales to 5 at most

TEXT = {
    "en": {
        "svc": "service {service} sets {what}: {why}",
        "section": "{section} {name} sets {what}: {why}",
        "project": "the project sets {what}: {why}",
        "unread": "Compose would run service {service}, which the grader could not read; nothing runs that the "
        "grader has not checked",
        "unread_file": "the grader could not read all of the project ({problem}); nothing runs that the grader "
        "has not checked",
        "why_ipv6": "a graded run seals IPv4 networks only",
        "why_unknown": "the grader runs only the Compose settings a stack like this step's needs, and this is not "
        "one of them",
        "why_namespace": "the container would share a namespace with the host or with a container outside this project",
        "why_other_container": "it reaches into a container outside this project",
        "why_external": "it uses something this run did not create, which may belong to another project",
        "why_fixed_name": "a fixed name is shared by every project that uses it, so one run could reach another's",
        "why_driver": "a driver and its options can bind a host device or folder, or reach another machine",
        "why_kernel": "it changes what the kernel lets the container do, beyond what a graded run allows",
        "why_dns": "name lookups would leave the stack",
        "why_image_store": "the build would read or name images outside this run",
        "why_grader_env": "it would read the grader's own environment",
        "why_outside": "it is outside the submission",
        "why_remote": "only the submission's own folders are built",
        "why_over_cap": "that is more than the {cap} a graded run allows",
        "why_nested_bind": "it lies inside {outer}, which service {writer} mounts writable: a container could put a "
        "link in that folder before this mount is made, and Docker would follow it outside the submission. Mount "
        "{outer} read-only (`:ro`), or mount a folder that is not inside it",
        "why_not_in_project": "{target} is not a service, network or volume of this project",
    },
    "ko": {
        "svc": "{service} 서비스가 {what}{을} 설정합니다. {why}",
        "section": "{section} {name}{이} {what}{을} 설정합니다. {why}",
        "project": "프로젝트가 {what}{을} 설정합니다. {why}",
        "unread": "Compose는 {service} 서비스를 실행하려 하지만 채점기가 이 서비스를 읽지 못했습니다. 채점기가 "
        "확인하지 않은 것은 실행하지 않습니다.",
        "unread_file": "채점기가 프로젝트를 모두 읽지 못했습니다({problem}). 채점기가 확인하지 않은 것은 실행하지 "
        "않습니다.",
        "why_ipv6": "채점 실행은 IPv4 네트워크만 격리합니다.",
        "why_unknown": "채점기는 이 단계와 같은 스택에 필요한 Compose 설정만 실행하는데, 이 설정은 그 목록에 없습니다.",
        "why_namespace": "컨테이너가 호스트나 이 프로젝트 밖의 컨테이너와 네임스페이스를 함께 쓰게 됩니다.",
        "why_other_container": "이 프로젝트 밖의 컨테이너에 접근합니다.",
        "why_external": "이번 실행이 만들지 않은 것을 쓰는데, 다른 프로젝트의 것일 수 있습니다.",
        "why_fixed_name": "고정된 이름은 그 이름을 쓰는 모든 프로젝트가 함께 쓰므로, 한 실행이 다른 실행의 것에 "
        "닿을 수 있습니다.",
        "why_driver": "드라이버와 그 옵션으로 호스트의 장치나 폴더를 연결하거나 다른 컴퓨터에 접속할 수 있습니다.",
        "why_kernel": "컨테이너가 커널에서 할 수 있는 일을 채점 실행이 허용하는 범위 밖으로 바꿉니다.",
        "why_dns": "이름 조회가 스택 밖으로 나가게 됩니다.",
        "why_image_store": "빌드가 이번 실행 밖의 이미지를 읽거나 그 이름을 쓰게 됩니다.",
        "why_grader_env": "채점기 자신의 환경 변수를 읽게 됩니다.",
        "why_outside": "제출물 밖에 있습니다.",
        "why_remote": "제출물 안의 폴더만 빌드할 수 있습니다.",
        "why_over_cap": "채점 실행이 허용하는 {cap}보다 큽니다.",
        "why_nested_bind": "{outer} 안에 있는데, {writer} 서비스가 {outer}{을} 쓰기 가능하게 마운트합니다. 그러면 "
        "이 마운트가 만들어지기 전에 컨테이너가 그 폴더에 링크를 넣을 수 있고, Docker가 그 링크를 따라 제출물 밖을 "
        "마운트하게 됩니다. {outer}{을} 읽기 전용(`:ro`)으로 마운트하거나, 그 안에 있지 않은 폴더를 마운트하세요.",
        "why_not_in_project": "{target}{은} 이 프로젝트의 서비스, 네트워크, 볼륨이 아닙니다.",
    },
}

# Service keys allowed as they are (their values are either harmless or replaced by the run).
PLAIN_SERVICE_KEYS = frozenset(
    {
        "image",
        "command",
        "entrypoint",
        "environment",
        "working_dir",
        "user",
        "labels",
        "hostname",
        "domainname",
        "healthcheck",
        "restart",
        "stop_signal",
        "stop_grace_period",
        "init",
        "tty",
        "stdin_open",
        "read_only",
        "expose",
        "container_name",
        "profiles",
        "pull_policy",
        "attach",
        "develop",
        "cap_drop",
        "mem_reservation",
        "cpu_shares",
        "scale",
        "logging",
        "platform",  # selects an image variant; one the host cannot run fails to start, nothing more
        "tmpfs",  # memory of the container's own, counted against its cap
        "extra_hosts",  # names in /etc/hosts: where they point, the run's firewall decides
        *LIMIT_KEYS,  # folded into deploy.resources.limits, where the run's cap wins (freeze.py)
    }
)
# Keys that touch the host or another project, each with why it is refused.
REFUSED_SERVICE_KEYS = {
    "privileged": "why_kernel",
    "devices": "why_kernel",
    "device_cgroup_rules": "why_kernel",
    "cgroup_parent": "why_kernel",
    "cgroup": "why_namespace",
    "oom_score_adj": "why_kernel",
    "oom_kill_disable": "why_kernel",
    "shm_size": "why_kernel",
    "sysctls": "why_kernel",
    "ulimits": "why_kernel",
    "runtime": "why_kernel",
    "isolation": "why_kernel",
    "storage_opt": "why_kernel",
    "gpus": "why_kernel",
    "blkio_config": "why_kernel",
    "group_add": "why_kernel",
    "userns_mode": "why_namespace",
    "uts": "why_namespace",
    "volumes_from": "why_other_container",
    "external_links": "why_other_container",
    "dns": "why_dns",
    "dns_search": "why_dns",
    "dns_opt": "why_dns",
    "mac_address": "why_kernel",
    "credential_spec": "why_kernel",
    "mem_swappiness": "why_kernel",
    "memswap_limit": "why_kernel",
}
# extra_hosts (the service's and the build's): a name pointed at the host or any address is
# contained by the run's firewall (grader/runtime/seal.py), which the name cannot pass.
BUILD_KEYS = frozenset(
    {"context", "dockerfile", "args", "target", "labels", "no_cache", "pull", "network", "extra_hosts"}
)
REFUSED_BUILD_KEYS = {
    "tags": "why_image_store",
    "cache_from": "why_image_store",
    "cache_to": "why_image_store",
    "additional_contexts": "why_image_store",
    "ssh": "why_grader_env",
    "secrets": "why_grader_env",
    "privileged": "why_kernel",
    "shm_size": "why_kernel",
    "ulimits": "why_kernel",
    "isolation": "why_kernel",
    "dockerfile_inline": "why_unknown",
    "platforms": "why_unknown",
}
# placement, update and rollback settings are Swarm's: Compose reads and ignores them.
DEPLOY_KEYS = frozenset(
    {
        "replicas",
        "resources",
        "restart_policy",
        "update_config",
        "rollback_config",
        "mode",
        "labels",
        "placement",
        "endpoint_mode",
    }
)
VOLUME_MOUNT_KEYS = frozenset({"type", "source", "target", "read_only", "consistency", "volume", "bind", "tmpfs"})
NETWORK_KEYS = frozenset({"name", "driver", "internal", "attachable", "enable_ipv6", "ipam", "labels"})
VOLUME_KEYS = frozenset({"name", "driver", "labels"})
FILE_KEYS = frozenset({"name", "file", "content"})


def locate(root: YMap | None, path: tuple[Any, ...], default: str) -> tuple[str, int]:
    """The file and line a resolved value came from: the deepest key of `path` the learner's
    files have (Compose prints long forms where the learner may have written short ones)."""
    from grader.submission.yamlfile import file_of

    node: YNode | None = root
    line = root.line if root is not None else 1
    for key in path:
        if isinstance(node, YMap) and isinstance(key, str) and key in node.items:
            line = node.line_of(key)
            node = node.items[key]
        elif isinstance(node, YSeq) and isinstance(key, int) and 0 <= key < len(node.items):
            node = node.items[key]
            line = node.line
        else:
            break
    return file_of(line, default) or default, int(line or 1)


def _code(key: str, value: Any = None) -> str:
    """`key: value` as a code span for the message."""
    if value is None or isinstance(value, (dict, list)):
        return f"`{key}`"
    if isinstance(value, bool):
        value = str(value).lower()
    return f"`{key}: {value}`"


class ResolvedGate:
    def __init__(
        self,
        doc: dict[str, Any],
        root: SubmissionRoot,
        model_root: YMap | None,
        compose_rel: str,
        project: str,
        known_services: set[str],
    ):
        self.doc = doc
        self.root = root
        self.model_root = model_root
        self.rel = compose_rel
        self.project = project
        self.known = known_services
        self.services = set((doc.get("services") or {}).keys())
        self.networks = set((doc.get("networks") or {}).keys())
        self.volumes = set((doc.get("volumes") or {}).keys())
        self.found: list[Hazard] = []
        # Host paths Docker resolves when it starts a container: (service, path to the value, path,
        # whether the container may write there). See nested_binds.
        self.binds: list[tuple[str, tuple[Any, ...], str, bool]] = []

    # -- saying it -------------------------------------------------------------------------------
    def _at(self, path: tuple[Any, ...]) -> tuple[str, int]:
        return locate(self.model_root, path, self.rel)

    def _as_written(self, path: tuple[Any, ...], what: str) -> str:
        """`key: value` with the value as the learner wrote it, where the path leads to one value
        in their file (Compose prints long forms, absolute paths and `=` where they wrote `:`)."""
        node: YNode | None = self.model_root
        for key in path:
            if isinstance(node, YMap) and isinstance(key, str) and key in node.items:
                node = node.items[key]
                continue
            if not (isinstance(node, YSeq) and isinstance(key, int) and 0 <= key < len(node.items)):
                return what
            node = node.items[key]
        m = re.fullmatch(r"`([^`:]+): (.*)`", what)
        if not isinstance(node, YScalar) or not node.raw or m is None:
            return what
        return f"`{m.group(1)}: {node.raw}`"

    def svc(self, service: str, path: tuple[Any, ...], what: str, why: str, **params: Any) -> None:
        what = self._as_written(("services", service, *path), what)
        file, line = self._at(("services", service, *path))
        self.found.append(Hazard("svc", file, line, {"service": service, "what": what, "why": why, **params}, TEXT))

    def section(self, section: str, name: str, path: tuple[Any, ...], what: str, why: str, **params: Any) -> None:
        what = self._as_written((section, name, *path), what)
        file, line = self._at((section, name, *path))
        self.found.append(
            Hazard("section", file, line, {"section": section, "name": name, "what": what, "why": why, **params}, TEXT)
        )

    # -- the checks ------------------------------------------------------------------------------
    def check(self) -> list[Hazard]:
        for key in self.doc:
            if key not in ("name", "services", "networks", "volumes", "configs", "secrets") and not key.startswith(
                "x-"
            ):
                file, line = self._at((key,))
                self.found.append(Hazard("project", file, line, {"what": _code(key), "why": "why_unknown"}, TEXT))
        for name, spec in (self.doc.get("services") or {}).items():
            if name not in self.known:
                file, line = self._at(("services", name))
                self.found.append(Hazard("unread", file, line, {"service": name}, TEXT))
                continue
            self.service(name, spec or {})
        for name, spec in (self.doc.get("networks") or {}).items():
            self.top("networks", name, spec or {}, NETWORK_KEYS)
        for name, spec in (self.doc.get("volumes") or {}).items():
            self.top("volumes", name, spec or {}, VOLUME_KEYS)
        for section in ("configs", "secrets"):
            for name, spec in (self.doc.get(section) or {}).items():
                self.files(section, name, spec or {})
        self.nested_binds()
        return self.found

    def nested_binds(self) -> None:
        """A host path Docker mounts is resolved each time a container starts (a replica added,
        one restarted), links included. A path inside a folder that a container can write may
        then have become a link that leads outside the submission: refuse the shape."""
        writable = [(svc, path) for svc, _, path, rw in self.binds if rw]
        for svc, where, path, _ in self.binds:
            for writer, outer in writable:
                if path != outer and path.startswith(outer.rstrip("/") + "/"):
                    rel = os.path.relpath(outer, self.root.root)
                    self.svc(svc, where, _code("volumes", path), "why_nested_bind", outer=f"`{rel}`", writer=writer)
                    break

    def inside(self, path: str) -> bool:
        return bool(path) and os.path.isabs(path) and self.root.contains(path)

    def service(self, name: str, s: dict[str, Any]) -> None:
        for key, value in s.items():
            if key in REFUSED_SERVICE_KEYS:
                if key in ("privileged", "init", "read_only", "oom_kill_disable") and value is False:
                    continue
                self.svc(name, (key,), _code(key, value), REFUSED_SERVICE_KEYS[key])
                continue
            if key.startswith("x-") or key in PLAIN_SERVICE_KEYS:
                continue
            handler = getattr(self, f"s_{key}", None)
            if handler is None:
                self.svc(name, (key,), _code(key, value), "why_unknown")
                continue
            handler(name, value)

    def s_build(self, name: str, b: dict[str, Any]) -> None:
        for key, _value in b.items():
            if key in REFUSED_BUILD_KEYS:
                self.svc(name, ("build", key), _code(f"build.{key}"), REFUSED_BUILD_KEYS[key])
            elif key not in BUILD_KEYS:
                self.svc(name, ("build", key), _code(f"build.{key}"), "why_unknown")
        context = b.get("context") or ""
        if "://" in context or context.startswith("git@") or not os.path.isabs(context):
            self.svc(name, ("build", "context"), _code("build.context", context), "why_remote")
            return
        if not self.inside(context):
            self.svc(name, ("build", "context"), _code("build.context", context), "why_outside")
            return
        dockerfile = b.get("dockerfile") or "Dockerfile"
        if not self.inside(os.path.join(context, dockerfile)):
            self.svc(name, ("build", "dockerfile"), _code("build.dockerfile", dockerfile), "why_outside")
        network = b.get("network")
        if network not in (None, "default", "none"):
            self.svc(name, ("build", "network"), _code("build.network", network), "why_namespace")

    def s_network_mode(self, name: str, value: Any) -> None:
        self.namespace(name, "network_mode", value, allowed=("none",))

    def s_pid(self, name: str, value: Any) -> None:
        self.namespace(name, "pid", value, allowed=())

    def s_ipc(self, name: str, value: Any) -> None:
        self.namespace(name, "ipc", value, allowed=("private", "shareable", "none"))

    def namespace(self, name: str, key: str, value: Any, allowed: tuple[str, ...]) -> None:
        text = str(value or "")
        if text in allowed:
            return
        if text.startswith("service:") and text[len("service:") :] in self.services:
            return
        self.svc(name, (key,), _code(key, value), "why_namespace")

    def s_ports(self, name: str, ports: list[dict[str, Any]]) -> None:
        for i, p in enumerate(ports or []):
            extra = set(p) - {"target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"}
            for key in sorted(extra):
                self.svc(name, ("ports", i), _code(f"ports.{key}"), "why_unknown")
            published = str(p.get("published") or "")
            if "-" in published:
                low, _, high = published.partition("-")
                if low.isdigit() and high.isdigit() and int(high) - int(low) >= 16:
                    self.svc(name, ("ports", i), _code("ports", published), "why_over_cap", cap="16 ports")

    def s_networks(self, name: str, nets: dict[str, Any]) -> None:
        for net, spec in (nets or {}).items():
            if net not in self.networks:
                self.svc(name, ("networks", net), _code("networks", net), "why_not_in_project", target=net)
            for key in spec or {}:
                if key not in ("aliases", "ipv4_address", "ipv6_address", "priority"):
                    self.svc(name, ("networks", net, key), _code(f"networks.{net}.{key}"), "why_unknown")

    def s_depends_on(self, name: str, deps: dict[str, Any]) -> None:
        for dep, _spec in (deps or {}).items():
            if dep not in self.services:
                self.svc(name, ("depends_on", dep), _code("depends_on", dep), "why_not_in_project", target=dep)

    def s_links(self, name: str, links: list[str]) -> None:
        for i, link in enumerate(links or []):
            target = str(link).split(":")[0]
            if target not in self.services:
                self.svc(name, ("links", i), _code("links", link), "why_other_container")

    def s_cap_add(self, name: str, caps: list[str]) -> None:
        for i, cap in enumerate(caps or []):
            plain = str(cap).upper().removeprefix("CAP_")
            if plain not in ALLOWED_CAPS:
                self.svc(name, ("cap_add", i), _code("cap_add", cap), "why_kernel")

    def s_security_opt(self, name: str, opts: list[str]) -> None:
        for i, opt in enumerate(opts or []):
            if str(opt).replace("=", ":").lower() not in ("no-new-privileges", "no-new-privileges:true"):
                self.svc(name, ("security_opt", i), _code("security_opt", opt), "why_kernel")

    def s_deploy(self, name: str, deploy: dict[str, Any]) -> None:
        for key, _value in (deploy or {}).items():
            if key not in DEPLOY_KEYS:
                self.svc(name, ("deploy", key), _code(f"deploy.{key}"), "why_unknown")
        replicas = (deploy or {}).get("replicas")
        if isinstance(replicas, int) and replicas > MAX_REPLICAS:
            self.svc(
                name, ("deploy", "replicas"), _code("deploy.replicas", replicas), "why_over_cap", cap=str(MAX_REPLICAS)
            )
        resources = (deploy or {}).get("resources") or {}
        for kind, spec in resources.items():
            if kind not in ("limits", "reservations"):
                self.svc(name, ("deploy", "resources", kind), _code(f"deploy.resources.{kind}"), "why_unknown")
                continue
            for key in spec or {}:
                if key == "devices" or key == "generic_resources" or key not in ("cpus", "memory", "pids"):
                    self.svc(
                        name, ("deploy", "resources", kind, key), _code(f"deploy.resources.{kind}.{key}"), "why_kernel"
                    )

    def s_volumes(self, name: str, mounts: list[dict[str, Any]]) -> None:
        for i, m in enumerate(mounts or []):
            for key in set(m) - VOLUME_MOUNT_KEYS:
                self.svc(name, ("volumes", i), _code(f"volumes.{key}"), "why_unknown")
            kind, source = m.get("type"), str(m.get("source") or "")
            if kind == "volume":
                if source and source not in self.volumes:
                    self.svc(name, ("volumes", i), _code("volumes", source), "why_not_in_project", target=source)
            elif kind == "bind":
                if not self.inside(source):
                    self.svc(name, ("volumes", i), _code("volumes", source), "why_outside")
                else:
                    self.binds.append((name, ("volumes", i), source, not m.get("read_only")))
                propagation = (m.get("bind") or {}).get("propagation")
                if propagation not in (None, "rprivate", "private"):
                    self.svc(name, ("volumes", i), _code("bind.propagation", propagation), "why_namespace")
            elif kind != "tmpfs":
                self.svc(name, ("volumes", i), _code("volumes.type", kind), "why_unknown")

    def s_configs(self, name: str, refs: list[dict[str, Any]]) -> None:
        self._file_binds(name, "configs", refs)
        for i, ref in enumerate(refs or []):
            if ref.get("source") not in (self.doc.get("configs") or {}):
                self.svc(
                    name,
                    ("configs", i),
                    _code("configs", ref.get("source")),
                    "why_not_in_project",
                    target=ref.get("source"),
                )

    def _file_binds(self, name: str, section: str, refs: list[dict[str, Any]]) -> None:
        """Configs and secrets read from a file: Compose mounts that file read-only."""
        for i, ref in enumerate(refs or []):
            path = ((self.doc.get(section) or {}).get(ref.get("source")) or {}).get("file")
            if path and self.inside(str(path)):
                self.binds.append((name, (section, i), str(path), False))

    def s_secrets(self, name: str, refs: list[dict[str, Any]]) -> None:
        self._file_binds(name, "secrets", refs)
        for i, ref in enumerate(refs or []):
            if ref.get("source") not in (self.doc.get("secrets") or {}):
                self.svc(
                    name,
                    ("secrets", i),
                    _code("secrets", ref.get("source")),
                    "why_not_in_project",
                    target=ref.get("source"),
                )

    def top(self, section: str, name: str, spec: dict[str, Any], allowed: frozenset[str]) -> None:
        for key, value in spec.items():
            if key == "external":
                if value:
                    self.section(section, name, (key,), _code("external", value), "why_external")
            elif key == "enable_ipv6":
                if value:
                    self.section(section, name, (key,), _code(key, value), "why_ipv6")
            elif key in ("driver_opts",):
                self.section(section, name, (key,), _code(key), "why_driver")
            elif key not in allowed:
                self.section(section, name, (key,), _code(key), "why_unknown")
        driver = spec.get("driver")
        if driver not in (None, "bridge" if section == "networks" else "local", "default"):
            self.section(section, name, ("driver",), _code("driver", driver), "why_driver")
        ipam = spec.get("ipam") or {}
        if ipam.get("driver") not in (None, "default") or ipam.get("options"):
            self.section(section, name, ("ipam",), _code("ipam"), "why_driver")

    def files(self, section: str, name: str, spec: dict[str, Any]) -> None:
        for key, value in spec.items():
            if key == "external" and value:
                self.section(section, name, (key,), _code("external", value), "why_external")
            elif key == "environment":
                self.section(section, name, (key,), _code("environment", value), "why_grader_env")
            elif (key == "content" and section == "secrets") or (key not in FILE_KEYS and key != "external"):
                self.section(section, name, (key,), _code(key), "why_unknown")
        path = spec.get("file")
        if path is not None and not self.inside(str(path)):
            self.section(section, name, ("file",), _code("file", path), "why_outside")


def check_resolved(
    doc: dict[str, Any],
    root: SubmissionRoot,
    model_root: YMap | None,
    compose_rel: str,
    project: str,
    known_services: set[str],
) -> Iterator[Hazard]:
    yield from ResolvedGate(doc, root, model_root, compose_rel, project, known_services).check()
