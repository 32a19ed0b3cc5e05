"""nginx semantics over the parsed tree.

- Inheritance: a directive is in effect at a location when it is set there, or, if not, at
  the nearest enclosing level that sets it. For array directives (proxy_set_header,
  add_header) this is nginx's rule that an inner level setting ANY of them inherits NONE.
- Variables: `set` (server and location levels, run in order) and `map` (http level).
- Location matching for a URI as nginx does it: exact, longest prefix, `^~`, then regexes in
  order (those nested in the chosen prefix first).
- Upstreams with their servers and the `resolve` flag; `resolver` at http, server, location
  and upstream levels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.results import Note

if TYPE_CHECKING:
    from grader.nginx.request import Outcome

VAR_RE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass(eq=False)
class Directive:
    """One nginx directive as parsed, with its block and where it was written."""

    name: str
    args: list[str]
    file: str
    line: int | None  # None: a line of the image's own file that nothing in the submission keeps
    block: list[Directive] | None = None
    parent: Directive | None = field(default=None, repr=False)
    origin: str | None = None  # the image's own file it comes from (file/line then say who keeps it)

    def children(self, name: str | None = None) -> list[Directive]:
        return [d for d in (self.block or []) if name is None or d.name == name]

    def ancestors(self) -> Iterator[Directive]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self) -> Iterator[Directive]:
        """Every directive inside this one's block, depth first, in the order written."""
        for child in self.block or []:
            yield child
            yield from child.descendants()


@dataclass
class UpstreamServer:
    """One `server` of an upstream block."""

    host: str
    port: int | None
    params: list[str]
    file: str
    line: int | None  # None: a line of the image's own file that nothing in the submission keeps

    @property
    def resolve(self) -> bool:
        return "resolve" in self.params


@dataclass
class Upstream:
    """An `upstream` block: its name and its servers."""

    name: str
    directive: Directive
    servers: list[UpstreamServer]


@dataclass
class ProxyTarget:
    """What a `proxy_pass` reaches, after variables are substituted."""

    directive: Directive
    raw: str
    url: str | None  # None: a variable whose value cannot be known from the files
    scheme: str | None
    host: str | None
    port: int | None
    has_variables: bool
    upstream: Upstream | None
    set_line: int | None = None  # the `set` that gave the variable its value
    set_file: str | None = None
    unknown: list[str] = field(default_factory=list)


@dataclass
class ApiRoute:
    """The server and location that serve the API path, and what their proxy_pass reaches;
    `outcome` is the request model's account of the whole way (grader.nginx.request), when it
    could follow it."""

    server: Directive
    location: Directive
    target: ProxyTarget | None
    outcome: Outcome | None = None
    arrives: Outcome | None = None  # the request as it reaches the published port (C109)

    @property
    def proxy_directive(self) -> Directive:
        """Where a failure of the route is written: the proxy_pass, else the location."""
        return self.target.directive if self.target else self.location


# Docker's embedded DNS gives every answer this TTL; nginx keeps an answer that long without
# `valid=` (N102, and the runtime's scale-up wait).
DOCKER_DNS_TTL = 600.0
# The longest `valid=` with which new replicas still count as getting traffic soon: the runtime
# waits this out, a longer one is judged by requests (N102 and R107 agree on it).
LONGEST_VALID = 30.0


@dataclass(frozen=True)
class Resolution:
    """How nginx finds the backend's addresses for the API route.

    once:    a name written literally (or an upstream server without `resolve`) is looked up
             when nginx starts; replicas added later are never reached, removed ones stay.
    runtime: a variable in proxy_pass, or upstream servers with `resolve`: nginx asks the
             resolver again once an answer is older than `valid` (resolver valid=, else the
             answer's TTL).
    unknown: the files do not say (no proxy_pass found, a value from the environment)."""

    mode: str
    host: str | None = None
    valid: float | None = None  # seconds; None: the DNS answer's own TTL
    resolver: Directive | None = None


def split_host_port(text: str) -> tuple[str, int | None]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
        return host, int(port) if port.isdigit() else None
    host, sep, port = text.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return text, None


# The authority ends at the first `/` or `?`, or at a variable right after a port
# (`http://backend:8080$request_uri`).
URL_RE = re.compile(r"^(?P<scheme>[a-z]+)://(?P<authority>[^/?$]*:\d+(?=\$)|[^/?]*)(?P<rest>.*)$", re.I)


class NginxConfig:
    def __init__(self, top: list[Directive], files: list[str], notes: list[Note], comments: list[tuple[str, int, str]]):
        self.files = files
        self.notes = notes
        self.comments = comments
        self.main = Directive("main", [], files[0] if files else "", 0, top)
        self._link(self.main)
        https = self.main.children("http")
        # A conf.d snippet is included inside the image's `http` block: its top level is http.
        self.http = https[0] if https else self.main

    @staticmethod
    def _link(node: Directive) -> None:
        for child in node.block or []:
            child.parent = node
            NginxConfig._link(child)

    # -- structure -------------------------------------------------------------------------
    def servers(self) -> list[Directive]:
        return self.http.children("server")

    def upstreams(self) -> dict[str, Upstream]:
        out: dict[str, Upstream] = {}
        for up in self.http.children("upstream"):
            if not up.args:
                continue
            servers = []
            for s in up.children("server"):
                if not s.args:
                    continue
                host, port = split_host_port(s.args[0])
                servers.append(UpstreamServer(host, port, s.args[1:], s.file, s.line))
            out[up.args[0]] = Upstream(up.args[0], up, servers)
        return out

    @staticmethod
    def listen_ports(server: Directive) -> list[int]:
        ports = []
        listens = server.children("listen")
        if not listens:
            return [80]
        for d in listens:
            if not d.args or d.args[0].startswith("unix:"):
                continue
            addr = d.args[0]
            if addr.isdigit():
                ports.append(int(addr))
                continue
            _, port = split_host_port(addr)
            ports.append(port if port is not None else 80)
        return ports

    # -- inheritance -----------------------------------------------------------------------
    @staticmethod
    def chain(node: Directive) -> list[Directive]:
        """The node and its enclosing levels, innermost first; `if` blocks are their own
        configuration, so a location's settings never come from one."""
        return [node] + [a for a in node.ancestors() if a.name != "if"]

    def effective(self, node: Directive, name: str) -> list[Directive]:
        for level in self.chain(node):
            found = level.children(name)
            if found:
                return found
        return []

    def effective_one(self, node: Directive, name: str) -> Directive | None:
        found = self.effective(node, name)
        return found[-1] if found else None

    def effective_headers(self, node: Directive) -> dict[str, Directive]:
        return {d.args[0].lower(): d for d in self.effective(node, "proxy_set_header") if d.args}

    # -- variables -------------------------------------------------------------------------
    def variable_values(self, node: Directive, var: str) -> list[tuple[str, Directive]]:
        """Possible values of $var at `node`: the last `set` that runs (location sets run after
        server sets), else every value a `map` can give it."""
        for level in self.chain(node):
            sets = [d for d in level.children("set") if len(d.args) >= 2 and d.args[0] == f"${var}"]
            if sets:
                return [(sets[-1].args[1], sets[-1])]
        for m in self.http.children("map"):
            if len(m.args) >= 2 and m.args[1] == f"${var}":
                return [
                    (d.args[-1], d)
                    for d in m.block or []
                    if d.args and d.name not in ("hostnames", "volatile", "include")
                ]
        return []

    def substitute(self, node: Directive, text: str, depth: int = 0) -> tuple[str | None, list[str], Directive | None]:
        """Substitute user-defined variables; built-ins after the authority are kept as they are.
        Returns (text or None if the authority cannot be known, unknown variable names, the set)."""
        unknown: list[str] = []
        source: Directive | None = None

        def repl(m: re.Match[str]) -> str:
            nonlocal source
            name = m.group(1) or m.group(2)
            values = self.variable_values(node, name)
            if len(values) == 1 and depth < 5:
                value, d = values[0]
                source = source or d
                inner, more, _ = self.substitute(node, value, depth + 1)
                unknown.extend(more)
                return inner if inner is not None else m.group(0)
            unknown.append(name)
            return m.group(0)

        result = VAR_RE.sub(repl, text)
        return result, unknown, source

    # -- locations -------------------------------------------------------------------------
    def match_location(self, container: Directive, uri: str) -> Directive | None:
        from grader.nginx.request import Unknown, match_location  # the request model's own rule

        try:
            return match_location(container, uri).location
        except Unknown:
            return None

    # -- proxying --------------------------------------------------------------------------
    def proxy_target(self, location: Directive) -> ProxyTarget | None:
        d = location.children("proxy_pass")
        if not d or not d[-1].args:
            return None
        pp = d[-1]
        raw = pp.args[0]
        has_vars = bool(VAR_RE.search(raw))
        url, unknown, source = self.substitute(location, raw)
        scheme = host = None
        port = None
        upstream = None
        m = URL_RE.match(url or "")
        if m and not VAR_RE.search(m.group("authority")):
            scheme = m.group("scheme").lower()
            host, port = split_host_port(m.group("authority"))
            upstream = self.upstreams().get(host)
        elif m is None or VAR_RE.search(m.group("authority") if m else url or ""):
            url = None
        return ProxyTarget(
            pp,
            raw,
            url,
            scheme,
            host,
            port,
            has_vars,
            upstream,
            source.line if source else None,
            source.file if source else None,
            unknown,
        )

    def resolver_at(self, node: Directive) -> Directive | None:
        return self.effective_one(node, "resolver")

    def resolution(self, route: ApiRoute | None) -> Resolution:
        p = route.outcome.proxied if route is not None and route.outcome is not None else None
        if p is not None:  # the request model's account
            if p.resolution in ("request", "periodic"):
                return Resolution("runtime", p.group.name if p.group else p.host, p.valid, p.resolver)
            if p.resolution == "start":
                return Resolution("once", p.group.name if p.group else p.host)
        t = route.target if route else None
        if t is None or (t.host is None and t.upstream is None):
            return Resolution("unknown")
        if t.upstream is not None:
            if not t.upstream.servers or any(not s.resolve for s in t.upstream.servers):
                return Resolution("once", t.upstream.name)
            resolver = self.resolver_at(t.upstream.directive)
        elif t.has_variables:
            assert route is not None  # t is its target
            resolver = self.resolver_at(route.location)
        else:
            return Resolution("once", t.host)
        valid = None
        for arg in resolver.args if resolver else []:
            if arg.startswith("valid="):
                valid = parse_duration(arg[len("valid=") :])
        return Resolution("runtime", t.host or (t.upstream.name if t.upstream else None), valid, resolver)

    def api_route(
        self, uri: str, listen_ports: list[int] | None = None, host: str = "localhost"
    ) -> tuple[Directive, Directive] | None:
        """The (server, location) that serves http://host`uri` as nginx picks them: the port is
        the first of `listen_ports` (the container ports the frontend publishes) some server
        listens on (80 when unknown and served), the server is the one whose server_name
        matches `host`, else the port's default server; None when it has no matching location."""
        ports = listen_ports or []
        for _ in range(3):  # a redirect to https (or another port) is followed, as a browser does
            server = self.select_server(host, ports)
            if server is None:
                return None
            loc = self.match_location(server, uri)
            port = self._redirect_port(server) or (self._redirect_port(loc) if loc is not None else None)
            if port is None or port in ports[:1]:
                return (server, loc) if loc is not None else None
            ports = [port]
        return None

    @staticmethod
    def _redirect_port(node: Directive) -> int | None:
        """The port a `return 301 https://$host$request_uri;` of this level sends the browser to."""
        ret = node.children("return")
        if not ret or len(ret[0].args) != 2 or ret[0].args[0] not in ("301", "302", "303", "307", "308"):
            return None
        m = URL_RE.match(ret[0].args[1])
        if m is None:
            return None
        _, port = (
            split_host_port(m.group("authority"))
            if not VAR_RE.search(m.group("authority").split(":")[-1])
            else ("", None)
        )
        return port or (443 if m.group("scheme").lower() == "https" else 80)

    def select_server(self, host: str, ports: list[int]) -> Directive | None:
        """The server for `host` on the first of `ports` some server listens on (80, else any
        port, when none does), by nginx's rules as the request model follows them."""
        from grader.nginx.request import Unknown  # it builds on this module
        from grader.nginx.request import select_server as nginx_picks

        by_port: dict[int, list[Directive]] = {}
        for s in self.servers():
            for p in self.listen_ports(s):
                by_port.setdefault(p, [])
                if s not in by_port[p]:
                    by_port[p].append(s)
        port = next((p for p in ports if p in by_port), None)
        if port is None:
            port = 80 if 80 in by_port else next(iter(by_port), None)
        if port is None:
            return None
        for inside in (False, True):  # a socket bound to 127.0.0.1 takes the request from inside only
            try:
                picked = nginx_picks(self, host, port, inside)
            except Unknown:  # an address of its own, or a server_name regex nginx refuses
                break
            if isinstance(picked, tuple):
                return picked[0]
        return by_port[port][0]


def _location_kind(loc: Directive) -> tuple[str, str]:
    args = loc.args
    if len(args) >= 2 and args[0] in ("=", "~", "~*", "^~"):
        return args[0], args[1]
    a = args[0]
    for mod in ("~*", "^~", "~", "="):
        if a.startswith(mod) and len(a) > len(mod):
            return mod, a[len(mod) :]
    return "", a


def parse_duration(text: str) -> float | None:
    """nginx time: "5", "5s", "500ms", "1m", "1m30s" -> seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|[smhdwMy]?)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(int(n) * units[u or "s"] for n, u in parts)


def by_client_address(upstream: Directive) -> Directive | None:
    """`ip_hash`, or `hash` of the client's address, in an upstream: every request from one
    address goes to one server. Through Docker's published port every request nginx gets comes
    from one address (the bridge's gateway), so one replica gets them all."""
    for d in upstream.children():
        if d.name == "ip_hash" or (d.name == "hash" and d.args and "remote_addr" in d.args[0]):
            return d
    return None
