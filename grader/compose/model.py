"""A Compose file as Compose reads it, with lines.

Covers the short and long syntaxes of the keys the checks and the runtime gate read; a key
of the wrong type is an input error, as `docker compose config` would refuse it too.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grader.compose.merge import clean_path, is_null, seq_items
from grader.errors import InputError
from grader.submission.yamlfile import Comment, YamlDocument, YMap, YNode, YScalar, YSeq, file_of

if TYPE_CHECKING:
    from grader.compose.loader import LoadedProject

# The order Compose 2.26 tries them in (docker-compose.yml before .yaml).
COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


@dataclass
class Port:
    """One entry of a service's `ports:`, short or long syntax."""

    target: str  # container port or range, e.g. "80" or "8000-8002"
    published: str | None  # host port or range; None: an ephemeral host port
    host_ip: str | None
    protocol: str
    line: int
    published_int: bool = False  # long syntax `published: 8080`, a number (see bindings)

    def target_numbers(self) -> list[int]:
        return _port_range(self.target)

    def published_numbers(self) -> list[int]:
        return _port_range(self.published) if self.published else []

    def bindings(self) -> list[tuple[str, str, str, str]]:
        """The port bindings Compose makes of it, each as it keys them to make ports unique
        (host address 0.0.0.0 when none is given): a target range is one binding per port."""
        host = self.host_ip or "0.0.0.0"
        targets = self.target_numbers()
        if self.published_int:
            # compose-go formats a number here with %s, so it never matches the short form's key
            return [(host, f"%!s(int={self.published})", self.target, self.protocol)]
        if len(targets) <= 1:
            return [(host, self.published or "", self.target, self.protocol)]
        pubs = self.published_numbers()
        return [
            (host, str(pubs[i]) if len(pubs) == len(targets) else (self.published or ""), str(t), self.protocol)
            for i, t in enumerate(targets)
        ]


def unique_ports(ports: list[Port]) -> list[Port]:
    """Ports as Compose makes them unique: a binding given again later replaces the earlier one
    (`80:80` in the file and `0.0.0.0:80:80` in the override are one port)."""
    keys = [p.bindings() for p in ports]
    out: list[Port] = []
    for i, p in enumerate(ports):
        later = {k for ks in keys[i + 1 :] for k in ks}
        rest = [k for k in keys[i] if k not in later]
        if len(rest) == len(keys[i]):
            out.append(p)
        else:  # some of a range given again later: the rest, one port each
            out.extend(Port(t, pub or None, p.host_ip, proto, p.line) for _, pub, t, proto in rest)
    return out


def _one_port(text: str) -> str:
    """A port or range as Compose prints it: `08080` is 8080, `8080-8080` is 8080."""
    r = _go_port_range(text)
    if r is None:
        return text
    return str(r[0]) if r[0] == r[1] else f"{r[0]}-{r[1]}"


def _port_range(text: str) -> list[int]:
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", text.strip())
    if not m:
        return []
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    return list(range(lo, min(hi, lo + 1000) + 1))


def _go_port_range(text: str) -> tuple[int, int] | None:
    """go-connections' ParsePortRange: `N` or `N-M`, each a 16-bit number, N <= M."""
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", text)
    if not m or int(m.group(1)) > 65535 or int(m.group(2) or 0) > 65535:
        return None
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    return (lo, hi) if lo <= hi else None


def parse_volume_spec(spec: str) -> tuple[str | None, str, bool]:
    """A short-syntax volume as compose-go's ParseVolume reads it: `SOURCE:TARGET[:MODE]`, a one
    letter before `:` kept as a Windows drive, an empty part or a fourth part refused in its words.
    (source or None for an anonymous volume, target, read-only)."""
    if spec == "":
        raise ValueError("invalid empty volume spec")
    if len(spec) <= 2:
        return None, spec, False
    source: str | None = None
    target: str | None = None
    read_only = False
    buffer = ""
    for i, char in enumerate(spec + "\0"):
        end = i == len(spec)
        if char == ":" and not end and len(buffer) == 1 and buffer.isalpha():
            buffer += char  # a Windows drive letter
        elif char == ":" or end:
            if buffer == "":
                raise ValueError(f"invalid spec: {spec}: empty section between colons")
            if source is None and end:
                target = buffer
            elif source is None:
                source = buffer
            elif target is None:
                target = buffer
            elif not end:
                raise ValueError(f"invalid spec: {spec}: too many colons")
            else:
                for option in buffer.split(","):
                    if option in ("ro", "rw"):
                        read_only = option == "ro"
            buffer = ""
        else:
            buffer += char
    return source, target or "", read_only


def _is_file_path(source: str | None) -> bool:
    """compose-go's isFilePath: a bind mount's source rather than a named volume."""
    if not source:
        return False
    if source[0] in "./~$" or source.startswith("\\\\"):
        return True
    return len(source) > 1 and source[0].isalpha() and source[1] == ":"


def port_spec_fault(raw: str) -> str | None:
    """What Compose (go-connections' ParsePortSpec) says of a short-syntax port it cannot read,
    in its words, or None when it reads it."""
    parts = raw.split(":")
    container = parts[-1]
    host = parts[-2] if len(parts) > 1 else ""
    ip = ":".join(parts[:-2])
    proto = "tcp"
    if "/" in container:
        container, _, proto = container.partition("/")
        proto = proto.split("/")[0] or "tcp"
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    elif ":" in ip:  # an IPv6 address is written in brackets: [::1]:80:80
        return f"Invalid ip address {ip}: address {ip}:: too many colons in address"
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return f"invalid IP address: {ip}"
    if container == "":
        return f"No port specified: {raw}<empty>"
    ports = _go_port_range(container)
    if ports is None:
        return f"Invalid containerPort: {container}"
    if host:
        hosts = _go_port_range(host)
        if hosts is None:
            return f"Invalid hostPort: {host}"
        if ports[1] - ports[0] != hosts[1] - hosts[0] and ports[1] != ports[0]:
            return f"Invalid ranges specified for container and host Ports: {container} and {host}"
    if proto.lower() not in ("tcp", "udp", "sctp"):
        return f"Invalid proto: {proto}"
    if ports[0] == 0:
        return "a port's target is 0; Compose reads that as no target port"
    return None


@dataclass
class EnvVar:
    """One variable of a service's environment, from `environment:` or an env file."""

    name: str
    value: str | None  # None: taken from the shell running compose
    line: int
    file: str  # where it was written: the compose file or an env file


@dataclass
class EnvFileRef:
    """One entry of a service's `env_file:`."""

    path: str
    required: bool
    line: int
    read: bool = False  # set when the workspace has read it from the submission


@dataclass
class Dependency:
    """One service this service depends on, with its condition."""

    service: str
    condition: str | None
    line: int
    via: str | None = None  # None: written under depends_on; else the key Compose derives it from
    required: bool = True


# Keys from which Compose derives a dependency when depends_on does not name the service
# (compose-go's normalize): links, the namespaces shared with a service, volumes_from.
NAMESPACE_KEYS = ("network_mode", "ipc", "pid", "uts", "cgroup")


@dataclass
class Mount:
    """One entry of a service's `volumes:`, short or long syntax."""

    source: str | None
    target: str
    kind: str  # "bind" | "volume" | "tmpfs" | other long-syntax types
    read_only: bool
    line: int


@dataclass
class Network:
    """A top-level network: its key and the name Compose creates it under."""

    key: str
    name: str  # the `name:` given, else the key
    line: int
    external: bool = False
    internal: int | None = None  # the line of `internal: true`: Docker publishes no port on it


REMOTE_CONTEXT_PREFIXES = ("https://", "http://", "git://", "ssh://", "github.com/", "git@")


def is_remote_context(context: str) -> bool:
    """A build context Compose hands to the builder as it is (a URL or a git address), not a
    folder relative to the project."""
    return "://" in context or context.startswith(REMOTE_CONTEXT_PREFIXES)


@dataclass
class Build:
    """A service's `build:`: the context folder and the Dockerfile in it."""

    context: str
    dockerfile: str
    line: int


@dataclass
class Scalar:
    """A single value of the compose file with its line."""

    value: Any
    line: int


@dataclass
class ConfigMount:
    """One entry of a service's `configs:`: a top-level config placed in the container."""

    source: str  # the key of a top-level config
    target: str  # where it lands in the container ("/<source>" when not given)
    line: int


@dataclass
class NetworkAlias:
    """`networks: {NET: {aliases: [NAME]}}`: Docker's DNS answers NAME on NET with every container
    of the service, as it answers the service's own name."""

    name: str
    network: str
    line: int


@dataclass
class ConfigDef:
    """A top-level `configs:` entry: a file, or inline `content` (interpolated)."""

    key: str
    line: int
    file: str | None = None  # relative to the project folder
    content: str | None = None
    content_line: int | None = None


@dataclass
class Service:
    """One service of the effective project, with the line of each setting the checks read."""

    name: str
    line: int
    node: YMap
    image: Scalar | None = None
    build: Build | None = None
    container_name: Scalar | None = None
    ports: list[Port] = field(default_factory=list)
    ports_line: int | None = None
    expose: list[Scalar] = field(default_factory=list)
    networks: dict[str, int] | None = None  # None: the implicit `default` network
    aliases: list[NetworkAlias] = field(default_factory=list)  # other names on a network
    environment: list[EnvVar] = field(default_factory=list)
    env_files: list[EnvFileRef] = field(default_factory=list)
    env_from_files: list[EnvVar] = field(default_factory=list)  # filled when the files are read
    depends_on: list[Dependency] = field(default_factory=list)
    depends_on_line: int | None = None
    replicas: Scalar | None = None
    scale: Scalar | None = None
    volumes: list[Mount] = field(default_factory=list)
    healthcheck: YNode | None = None
    command: Scalar | None = None
    entrypoint: Scalar | None = None
    profiles: list[str] = field(default_factory=list)
    configs: list[ConfigMount] = field(default_factory=list)

    @property
    def file(self) -> str | None:
        """The file the service is defined in (its first definition when merged)."""
        return getattr(self.line, "file", None)

    def line_of(self, key: str) -> int:
        return self.node.line_of(key)

    @property
    def all_env(self) -> list[EnvVar]:
        # Compose: `environment` wins over `env_file` for the same name, and of the env files
        # the last to set a name wins.
        own = {e.name for e in self.environment}
        from_files: dict[str, EnvVar] = {}
        for e in self.env_from_files:
            if e.name not in own:
                from_files.pop(e.name, None)
                from_files[e.name] = e
        return self.environment + list(from_files.values())

    def network_keys(self) -> list[str]:
        return list(self.networks) if self.networks is not None else ["default"]

    def replica_count(self) -> int | None:
        for s in (self.replicas, self.scale):
            if s is not None and isinstance(s.value, int) and not isinstance(s.value, bool):
                return s.value
        return None


@dataclass
class ComposeModel:
    """The Compose project as Compose loads it: services, networks and comments, each located."""

    rel: str
    services: dict[str, Service]
    networks: dict[str, Network]
    comments: list[Comment]
    version_line: int | None
    root: YMap
    # The effective project (grader.compose.loader): every file merged, in order; services
    # left out because their profile is not enabled (name -> line); what Compose would refuse
    # in the merged project (undefined network, service or volume), each with file:line.
    files: list[str] = field(default_factory=list)
    project_files: list[str] = field(default_factory=list)  # the files Compose picks, as `-f` would name them
    inactive: dict[str, int] = field(default_factory=dict)
    refusals: list[InputError] = field(default_factory=list)
    configs: dict[str, ConfigDef] = field(default_factory=dict)
    volumes: dict[str, int] = field(default_factory=dict)  # top-level named volumes -> line

    def service(self, name: str | None) -> Service | None:
        return self.services.get(name) if name else None

    def network(self, key: str) -> Network:
        return self.networks.get(key) or Network(key=key, name=key, line=0)

    def by_alias(self, name: str) -> tuple[Service, NetworkAlias] | None:
        """The service a network alias names, and the alias."""
        for s in self.services.values():
            for a in s.aliases:
                if a.name == name:
                    return s, a
        return None

    def by_container_name(self, name: str) -> Service | None:
        for s in self.services.values():
            if s.container_name is not None and str(s.container_name.value) == name:
                return s
        return None


class _Reader:
    """Turns located YAML into the model, refusing wrong types with file:line."""

    def __init__(self, rel: str):
        self.rel = rel

    def err(self, node: YNode | None, msg: str, line: int | None = None) -> InputError:
        line = line or (node.line if node else None)
        return InputError(msg, file_of(line, self.rel), line)

    def text(self, node: YNode, what: str) -> str:
        if isinstance(node, YScalar) and node.value is not None and not isinstance(node.value, (list, dict)):
            return node.text
        raise self.err(node, f"{what} must be a single value")

    def mapping(self, node: YNode | None, what: str) -> YMap:
        if isinstance(node, YMap):
            return node
        if isinstance(node, YScalar) and node.value is None:
            return YMap(node.line, node.col)
        raise self.err(node, f"{what} must be a mapping (key: value)")

    def seq(self, node: YNode | None, what: str) -> YSeq:
        if isinstance(node, YSeq):
            return node
        if isinstance(node, YScalar) and node.value is None:
            return YSeq(node.line, node.col)
        raise self.err(node, f"{what} must be a list")

    def str_list(self, node: YNode | None, what: str) -> list[tuple[str, int]]:
        if isinstance(node, YScalar) and node.value is not None:
            return [(self.text(node, what), node.line)]
        return [(self.text(i, what), i.line) for i in self.seq(node, what).items]

    def port(self, node: YNode) -> Port:
        if isinstance(node, YMap):
            target_node = node.get("target")
            if target_node is None:
                raise self.err(node, "a long-syntax port needs `target`")
            pub = node.get("published")
            ip = node.get("host_ip")
            proto_node = node.get("protocol")
            return Port(
                self.text(target_node, "ports.target"),
                self.text(pub, "ports.published") if pub else None,
                self.text(ip, "ports.host_ip") if ip else None,
                self.text(proto_node, "ports.protocol") if proto_node else "tcp",
                node.line,
                published_int=isinstance(pub, YScalar) and type(pub.value) is int,
            )
        raw = self.text(node, "a port")
        fault = port_spec_fault(raw)
        if fault is not None:
            raise self.err(node, fault)
        spec, _, proto = raw.partition("/")
        host_ip: str | None = None
        published: str | None
        if spec.startswith("["):
            end = spec.find("]")
            host_ip, spec = spec[1:end], spec[end + 2 :]
            parts = spec.split(":") if spec else []
            parts = ([""] if len(parts) == 1 else []) + parts
            published, target = (parts[0] or None), parts[-1]
        else:
            parts = spec.split(":")
            if len(parts) == 1:
                published, target = None, parts[0]
            elif len(parts) == 2:
                published, target = parts[0] or None, parts[1]
            else:
                host_ip, published, target = ":".join(parts[:-2]), parts[-2] or None, parts[-1]
        return Port(
            _one_port(target),
            _one_port(published) if published else None,
            host_ip or None,
            (proto or "tcp").lower(),
            node.line,
        )

    def env(self, node: YNode, rel: str) -> list[EnvVar]:
        out = []
        if isinstance(node, YMap):
            for k, v in node.items.items():
                value = None if (isinstance(v, YScalar) and v.value is None) else self.text(v, f"environment.{k}")
                line = node.line_of(k)
                out.append(EnvVar(k, value, line, file_of(line, rel)))
            return out
        for item in self.seq(node, "environment").items:
            entry = self.text(item, "an environment entry")
            name, eq, value = entry.partition("=")  # Compose keeps spaces around `=`: "A = 1" sets "A "
            out.append(EnvVar(name, value if eq else None, item.line, getattr(item.line, "file", None) or rel))
        return out

    def env_files(self, node: YNode) -> list[EnvFileRef]:
        items = node.items if isinstance(node, YSeq) else [node]
        out = []
        for item in items:
            if isinstance(item, YMap):
                path = item.get("path")
                if path is None:
                    raise self.err(item, "an env_file entry needs `path`")
                req = item.get("required")
                required = not (isinstance(req, YScalar) and req.value is False)
                out.append(EnvFileRef(self.text(path, "env_file.path"), required, item.line))
            else:
                out.append(EnvFileRef(self.text(item, "env_file"), True, item.line))
        return out

    def mount(self, node: YNode) -> Mount:
        if isinstance(node, YMap):
            target_node = node.get("target")
            source_node = node.get("source")
            kind_node = node.get("type")
            ro = node.get("read_only")
            written = self.text(target_node, "volumes.target") if target_node else ""
            return Mount(
                self.text(source_node, "volumes.source") if source_node else None,
                clean_path(written) if written.startswith("/") else written,
                self.text(kind_node, "volumes.type") if kind_node else "volume",
                isinstance(ro, YScalar) and ro.value is True,
                node.line,
            )
        raw = self.text(node, "a volume")
        try:
            source, target, read_only = parse_volume_spec(raw)
        except ValueError as e:
            raise self.err(node, str(e)) from None
        kind = "bind" if _is_file_path(source) else "volume"
        # Compose cleans the target (`//data/./` is /data)
        return Mount(source, clean_path(target) if target.startswith("/") else target, kind, read_only, node.line)

    def depends(self, node: YNode) -> list[Dependency]:
        if isinstance(node, YMap):
            out = []
            for name, spec in node.items.items():
                cond, required = None, True
                if isinstance(spec, YMap) and (condition := spec.get("condition")) is not None:
                    cond = self.text(condition, "depends_on.condition")
                if isinstance(spec, YMap) and isinstance(req := spec.get("required"), YScalar):
                    required = req.value is not False
                out.append(Dependency(name, cond, node.line_of(name), required=required))
            return out
        return [Dependency(name, None, line) for name, line in self.str_list(node, "depends_on")]

    def implicit_depends(self, s: Service, m: YMap) -> None:
        """The dependencies Compose adds when depends_on does not name the service already."""
        found: list[tuple[str, str, int]] = []
        if (links := m.get("links")) is not None:
            found += [(t.split(":")[0], "links", line) for t, line in self.str_list(links, "links")]
        for key in NAMESPACE_KEYS:
            node = m.get(key)
            if isinstance(node, YScalar) and node.text.startswith("service:"):
                found.append((node.text[len("service:") :], key, m.line_of(key)))
        if (volumes_from := m.get("volumes_from")) is not None:
            found += [
                (t.split(":")[0], "volumes_from", line)
                for t, line in self.str_list(volumes_from, "volumes_from")
                if not t.startswith("container:")
            ]
        named = {d.service for d in s.depends_on}
        for service, via, line in found:
            if service not in named:
                named.add(service)
                s.depends_on.append(Dependency(service, "service_started", line, via=via))

    def build(self, node: YNode) -> Build:
        if isinstance(node, YMap):
            ctx = node.get("context")
            df = node.get("dockerfile")
            return Build(
                self.text(ctx, "build.context") if ctx else ".",
                self.text(df, "build.dockerfile") if df else "Dockerfile",
                node.line,
            )
        return Build(self.text(node, "build"), "Dockerfile", node.line)

    def scalar(self, node: YNode, what: str) -> Scalar:
        if isinstance(node, YScalar):
            return Scalar(node.value, node.line)
        if isinstance(node, YSeq):
            return Scalar(" ".join(self.text(i, what) for i in node.items), node.line)
        raise self.err(node, f"{what} must be a value or a list")

    def service(self, name: str, node: YNode, line: int) -> Service:
        m = self.mapping(node, f"service {name!r}")
        s = Service(name=name, line=line, node=m)
        get = m.get
        if (image := get("image")) is not None:
            s.image = Scalar(self.text(image, "image"), m.line_of("image"))
        if (build := get("build")) is not None:
            s.build = self.build(build)
        if (container_name := get("container_name")) is not None:
            name = self.text(container_name, "container_name")
            if name != "":  # Compose 2.26 drops an empty container_name (2.40 refuses it)
                s.container_name = Scalar(name, m.line_of("container_name"))
        if (ports := get("ports")) is not None:
            s.ports = unique_ports([self.port(item) for item in self.seq(ports, "ports").items])
            s.ports_line = m.line_of("ports")
        if (expose := get("expose")) is not None:
            s.expose = [Scalar(v, line) for v, line in self.str_list(expose, "expose")]
        nets = get("networks")
        if nets is not None:
            if isinstance(nets, YMap):
                s.networks = {k: nets.line_of(k) for k in nets.items}
                for k in nets.items:
                    spec = nets.get(k)
                    if isinstance(spec, YMap) and spec.get("aliases") is not None:
                        for alias, line in self.str_list(spec.get("aliases"), "networks.aliases"):
                            s.aliases.append(NetworkAlias(alias, k, line))
            else:
                s.networks = {v: line for v, line in self.str_list(nets, "networks")}
        if (environment := get("environment")) is not None:
            s.environment = self.env(environment, self.rel)
        if (env_file := get("env_file")) is not None:
            s.env_files = self.env_files(env_file)
        if (depends_on := get("depends_on")) is not None:
            s.depends_on = self.depends(depends_on)
            s.depends_on_line = m.line_of("depends_on")
        self.implicit_depends(s, m)
        deploy = get("deploy")
        if deploy is not None:
            d = self.mapping(deploy, "deploy")
            if (replicas := d.get("replicas")) is not None:
                s.replicas = Scalar(replicas.plain(), d.line_of("replicas"))
        if (scale := get("scale")) is not None:
            s.scale = Scalar(scale.plain(), m.line_of("scale"))
        if (volumes := get("volumes")) is not None:
            s.volumes = [self.mount(v) for v in self.seq(volumes, "volumes").items]
        s.healthcheck = get("healthcheck")
        if (command := get("command")) is not None:
            s.command = self.scalar(command, "command")
        if (entrypoint := get("entrypoint")) is not None:
            s.entrypoint = self.scalar(entrypoint, "entrypoint")
        if (profiles := get("profiles")) is not None:
            s.profiles = [v for v, _ in self.str_list(profiles, "profiles")]
        if (configs := get("configs")) is not None:
            for item in self.seq(configs, "configs").items:
                if isinstance(item, YMap):
                    src = item.get("source")
                    if src is None:
                        raise self.err(item, "a long-syntax config needs `source`")
                    source = self.text(src, "configs.source")
                    tgt = item.get("target")
                    target = self.text(tgt, "configs.target") if tgt is not None else "/" + source
                    s.configs.append(ConfigMount(source, target, item.line))
                else:
                    source = self.text(item, "a config")
                    s.configs.append(ConfigMount(source, "/" + source, item.line))
        return s


def load_compose(doc: YamlDocument) -> ComposeModel:
    """One compose file as written (no override, include, extends or interpolation)."""
    if doc.root is None:
        raise InputError("is empty: a compose file needs `services:`", doc.rel)
    return _model(doc.rel, doc.root, doc.comments)


def load_compose_project(project: LoadedProject) -> ComposeModel:
    """The effective project built by grader.compose.loader, with what Compose would refuse in
    it (refusals) and the services its profiles leave out (inactive)."""
    model = _model(project.files[0], project.root, project.comments)
    model.files = list(project.files)
    model.project_files = list(project.project_files)
    model.inactive = dict(project.inactive)
    # A bare `- NAME` takes its value from the environment Compose runs in: of that, the grader
    # knows the project's .env and the project's name (never this machine's variables).
    known = {**{k: v.value for k, v in project.env.items()}, "COMPOSE_PROJECT_NAME": project.name}
    for s in model.services.values():
        for e in s.environment:
            if e.value is None and known.get(e.name) is not None:
                e.value = known[e.name]
    model.refusals = _refusals(model)
    return model


def _model(rel: str, node: YNode, comments: list[Comment]) -> ComposeModel:
    r = _Reader(rel)
    root = r.mapping(node, "the compose file")
    services_node = root.get("services")  # Compose accepts a project without services
    services_map = r.mapping(services_node, "services") if services_node is not None else YMap(root.line, root.col)
    services = {name: r.service(name, node, services_map.line_of(name)) for name, node in services_map.items.items()}
    networks: dict[str, Network] = {}
    if root.get("networks") is not None:
        nets = r.mapping(root.get("networks"), "networks")
        for key, spec in nets.items.items():
            name, external, internal = key, False, None
            if isinstance(spec, YMap):
                if (name_node := spec.get("name")) is not None:
                    name = r.text(name_node, "networks.name")
                ext = spec.get("external")
                external = (isinstance(ext, YScalar) and ext.value is True) or isinstance(ext, YMap)
                inner = spec.get("internal")
                if isinstance(inner, YScalar) and inner.value is True:
                    internal = spec.line_of("internal")
            networks[key] = Network(key, name, nets.line_of(key), external, internal)
    version_line = root.line_of("version") if "version" in root.items else None
    model = ComposeModel(rel, services, networks, comments, version_line, root)
    if root.get("volumes") is not None:
        vols = r.mapping(root.get("volumes"), "volumes")
        model.volumes = {k: vols.line_of(k) for k in vols.items}
    if root.get("configs") is not None:
        cfgs = r.mapping(root.get("configs"), "configs")
        for key, spec in cfgs.items.items():
            c = ConfigDef(key, cfgs.line_of(key))
            if isinstance(spec, YMap):
                if (file := spec.get("file")) is not None:
                    c.file = r.text(file, "configs.file")
                if (content := spec.get("content")) is not None:
                    c.content = r.text(content, "configs.content")
                    c.content_line = content.line
            model.configs[key] = c
    return model


def _refusals(model: ComposeModel) -> list[InputError]:
    """What `docker compose config` refuses in a project that parsed: a reference to a service,
    network, volume or config the project does not define (a profile may have left it out)."""
    out: list[InputError] = []

    def refuse_project(msg: str, line: int) -> None:
        out.append(InputError(msg, file_of(line, model.rel), line))

    secrets = model.root.get("secrets")
    declared_secrets = secrets.items if isinstance(secrets, YMap) else {}
    for s in model.services.values():
        if (s.image is None or s.image.value == "") and s.build is None:
            refuse_project(f'service "{s.name}" has neither an image nor a build context specified', s.line)
        scale = s.scale.value if s.scale is not None and isinstance(s.scale.value, int) else None
        replicas = s.replicas.value if s.replicas is not None and isinstance(s.replicas.value, int) else None
        if scale is not None and replicas is not None and scale != replicas:
            assert s.scale is not None  # scale is its value
            refuse_project(
                f"services.{s.name}: can't set distinct values on 'scale' and 'deploy.replicas': invalid "
                "compose project",
                s.scale.line,
            )
        elif s.container_name is not None and max(scale or 0, replicas or 0) > 1:
            key, where = ("deploy.replicas", s.replicas) if replicas is not None else ("scale", s.scale)
            assert where is not None  # replicas or scale is set (more than 1)
            refuse_project(
                f"services.{key}: can't set container_name and {s.name} as container name must be unique: "
                "invalid compose project",
                where.line,
            )
        build = s.node.get("build")
        if (
            isinstance(build, YMap)
            and not is_null(build.get("dockerfile"))
            and not is_null(build.get("dockerfile_inline"))
        ):
            refuse_project(
                f'service "{s.name}" declares mutualy exclusive dockerfile and dockerfile_inline: '
                "invalid compose project",
                build.line_of("dockerfile_inline"),
            )
        for item in seq_items(s.node.get("env_file")):
            fmt = item.get("format") if isinstance(item, YMap) else None
            if isinstance(fmt, YScalar) and fmt.text:
                refuse_project(f'unsupported env_file format "{fmt.text}"', fmt.line)
        if "network_mode" in s.node.items and s.node.get("networks") is not None:
            refuse_project(
                f"service {s.name} declares mutually exclusive `network_mode` and `networks`: invalid compose project",
                s.node.line_of("networks"),
            )
        for message, node in _decoding_faults(s):
            refuse_project(message, node.line)
        for i, dev in enumerate(_reserved_devices(s.node)):
            count = dev.get("count")
            if (
                isinstance(count, YScalar)
                and count.value is not None
                and not (
                    (isinstance(count.value, int) and not isinstance(count.value, bool))
                    or re.fullmatch(r"[-+]?\d+|all", count.text)
                )
            ):
                refuse_project(
                    f"error decoding 'services[{s.name}].deploy.resources.reservations.devices[{i}].count': "
                    f"invalid value \"{count.text}\", the only value allowed is 'all' or a number",
                    count.line,
                )
            elif count is not None and dev.get("device_ids") is not None:
                refuse_project(
                    f'services.{s.name}.deploy.resources.reservations.devices.[]: "count" and '
                    '"device_ids" attributes are exclusive',
                    dev.line_of("count"),
                )
        for m in s.volumes:
            if m.kind == "bind" and not m.source:
                refuse_project('invalid mount config for type "bind": field Source must not be empty', m.line)
        for d in s.depends_on:
            if d.service in model.inactive and not d.required:
                continue  # an optional dependency on a service its profile leaves out
            if d.service not in model.services:
                why = " (its profile is not enabled)" if d.service in model.inactive else ""
                if d.via is not None:
                    why += f" (Compose adds the dependency for {d.via})"
                refuse_project(f'service "{s.name}" depends on undefined service "{d.service}"{why}', d.line)
        for key, line in (s.networks or {}).items():
            if key != "default" and key not in model.networks:
                refuse_project(
                    f'service "{s.name}" refers to undefined network "{key}"; declare it under top-level `networks:`',
                    line,
                )
        for m in s.volumes:
            if m.kind == "volume" and m.source and m.source not in model.volumes:
                refuse_project(
                    f'service "{s.name}" refers to undefined volume "{m.source}"; declare it under top-level '
                    "`volumes:`",
                    m.line,
                )
        for item in seq_items(s.node.get("secrets")):
            source = item.get("source") if isinstance(item, YMap) else item
            name = source.text if isinstance(source, YScalar) else ""
            if name and name not in declared_secrets:
                refuse_project(
                    f'service "{s.name}" refers to undefined secret {name}: invalid compose project', item.line
                )
        for c in s.configs:
            if c.source not in model.configs:
                refuse_project(f'service "{s.name}" refers to undefined config "{c.source}"', c.line)
    cycle = _dependency_cycle(model)
    if cycle:
        first = model.services[cycle[0]]
        line = next((d.line for d in first.depends_on if d.service == cycle[1]), first.line)
        refuse_project("dependency cycle detected: " + " -> ".join(cycle), line)
    return out


_UNITS = ("ns", "us", "µs", "μs", "ms", "s", "m", "h")
DURATIONS = (
    "healthcheck.interval",
    "healthcheck.timeout",
    "healthcheck.start_period",
    "healthcheck.start_interval",
    "stop_grace_period",
    "deploy.restart_policy.delay",
    "deploy.restart_policy.window",
    "deploy.update_config.delay",
    "deploy.update_config.monitor",
    "deploy.rollback_config.delay",
    "deploy.rollback_config.monitor",
)
SIZES = (
    "mem_limit",
    "memswap_limit",
    "mem_reservation",
    "shm_size",
    "build.shm_size",
    "deploy.resources.limits.memory",
    "deploy.resources.reservations.memory",
)
CPUS = ("deploy.resources.limits.cpus", "deploy.resources.reservations.cpus")


def go_duration_fault(text: str) -> str | None:
    """What Go's time.ParseDuration says of a duration it cannot read (Compose decodes every
    duration with it: `1m30s`, `10s`, `1.5h`), or None."""
    s = text.lstrip("+-")
    if s == "0":
        return None
    if s == "":
        return f'time: invalid duration "{text}"'
    while s:
        m = re.match(r"(\d*)(\.\d*)?", s)
        assert m is not None  # every part of the pattern may be empty: it always matches
        digits = (m.group(1) or "") + (m.group(2) or "").lstrip(".")
        if not digits:
            return f'time: invalid duration "{text}"'
        s = s[m.end() :]
        unit_match = re.match(r"[^0-9.]*", s)
        assert unit_match is not None  # it may match nothing: it always matches
        unit = unit_match.group()
        if not unit:
            return f'time: missing unit in duration "{text}"'
        if unit not in _UNITS:
            return f'time: unknown unit "{unit}" in duration "{text}"'
        s = s[len(unit) :]
    return None


def _size_fault(text: str) -> str | None:
    """go-units' RAMInBytes: `512m`, `1.5g`, `2GiB`, `1024`."""
    return None if re.fullmatch(r"(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?", text) else f"invalid size: '{text}'"


def _at(node: YNode | None, path: str) -> YNode | None:
    for key in path.split("."):
        node = node.get(key) if isinstance(node, YMap) else None
    return node


def _decoding_faults(s: Service) -> list[tuple[str, YNode]]:
    """Values Compose refuses when it decodes the project (durations, sizes, CPUs), in its words."""
    out: list[tuple[str, YNode]] = []
    where = f"services[{s.name}]"
    for path in DURATIONS + SIZES + CPUS:
        node = _at(s.node, path)
        if not isinstance(node, YScalar) or not isinstance(node.value, str):
            continue
        if path in DURATIONS:
            fault = go_duration_fault(node.value)
        elif path in SIZES:
            fault = _size_fault(node.value)
        else:
            fault = (
                None
                if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", node.value)
                else f'strconv.ParseFloat: parsing "{node.value}": invalid syntax'
            )
        if fault:
            out.append((f"error decoding '{where}.{path}': {fault}", node))
    for i, item in enumerate(seq_items(s.node.get("volumes"))):
        size = _at(item, "tmpfs.size")
        if isinstance(size, YScalar) and isinstance(size.value, str) and _size_fault(size.value):
            out.append((f"error decoding '{where}.volumes[{i}].tmpfs.size': {_size_fault(size.value)}", size))
    return out


def _reserved_devices(node: YMap) -> list[YMap]:
    devices = _at(node, "deploy.resources.reservations.devices")
    return [d for d in devices.items if isinstance(d, YMap)] if isinstance(devices, YSeq) else []


def _dependency_cycle(model: ComposeModel) -> list[str] | None:
    """A depends_on cycle (Compose refuses it), as the names along it, first repeated last."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for d in model.services[name].depends_on:
            if d.service not in model.services:
                continue
            if state.get(d.service) == 1:
                return path[path.index(d.service) :] + [d.service]
            if d.service not in state:
                found = visit(d.service)
                if found:
                    return found
        state[name] = 2
        path.pop()
        return None

    for name in model.services:
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None
