"""What nginx does with one request: the request model.

Given the parsed config (grader.nginx.model) and a request as it arrives on a port of the
container (method, target, Host), `follow` walks nginx's phases as nginx 1.30 runs them:

1. the listening socket that accepts the connection (address and port; a socket bound to
   127.0.0.1 accepts nothing from outside the container);
2. the server: exact `server_name`, the longest leading wildcard, the longest trailing
   wildcard, the first matching regex, else the default server of that address and port;
3. the server-level rewrite phase (`set`, `rewrite`, `return`, `if`), then the location, then
   the location's rewrite phase; `rewrite ... last` (or with no flag) looks the location up again;
4. access (`deny all`, `auth_basic`), `try_files`, then the content: `return` was earlier,
   `proxy_pass`, or a static file of the image;
5. for `proxy_pass`: the request line's target the backend receives (the URI rules with and
   without variables, and after a rewrite), the Host and other headers (inherited or not,
   `map` results), the HTTP version, and how the name is found: resolved once at start (a
   literal host, an upstream server without `resolve`, or a variable whose host and port are
   those of a configured or implicit upstream), per request through the `resolver`, or
   periodically (`resolve` on an upstream server).

Where the files cannot tell (a client address, a file the image does not hold, a directive the
model does not follow), the outcome says `unknown` with the reason instead of guessing. The
request oracle (tests/test_request_oracle.py) holds every outcome to a real nginx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from grader.nginx.model import (
    URL_RE,
    VAR_RE,
    Directive,
    NginxConfig,
    Upstream,
    _location_kind,
    parse_duration,
    split_host_port,
)

PREFIX = "/etc/nginx"  # the official build's --prefix: `root html` is /etc/nginx/html
# The files the image serves: its html folder and nothing else (a submission's own static files
# are the frontend's business; the API's path is never among them).
IMAGE_FILES = {"/usr/share/nginx/html/index.html", "/usr/share/nginx/html/50x.html"}
IMAGE_DIRS = {"/usr/share/nginx/html", "/usr/share/nginx", "/etc/nginx", "/etc/nginx/conf.d"}
DEFAULT_HTTP_VERSION = "1.1"  # nginx 1.30 talks HTTP/1.1 to backends and keeps connections open
MAX_URI_CHANGES = 10  # nginx's NGX_HTTP_MAX_URI_CHANGES: then 500
REDIRECT_CODES = {"301", "302", "303", "307", "308"}
# Request headers nginx replaces with its own (or drops) when proxying, unless proxy_set_header says.
HOP_HEADERS = {"host", "connection", "keep-alive", "te", "expect", "upgrade", "content-length", "transfer-encoding"}
OTHER_CONTENT = (
    "stub_status",
    "empty_gif",
    "js_content",
    "perl",
    "flv",
    "mp4",
    "dav_methods",
    "mirror",
    "random_index",
    "api",
    "status",
)
PASS_DIRECTIVES = ("proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass")


class Unknown(Exception):
    """The files do not tell what nginx does here."""


@dataclass(frozen=True)
class Request:
    """A request to the frontend container, as the learner's browser or a test sends it."""

    target: str = "/api/posts"
    host: str | None = "localhost"
    port: int = 80
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    from_inside: bool = False  # sent inside the container (to 127.0.0.1), not to the published port
    tls: bool = False  # https://: the connection speaks TLS first


@dataclass
class Step:
    """One thing nginx did on the way, with the directive that did it."""

    what: str
    node: Directive | None
    detail: str = ""


@dataclass
class Proxied:
    """The request nginx sends to the backend."""

    directive: Directive
    url: str
    scheme: str
    host: str
    port: int | None
    target: str  # the backend's request line: path and query
    http_version: str
    headers: dict[str, str | None]  # lower-cased name -> value (None: known to be sent, value not from the files)
    header_nodes: dict[str, Directive]  # the proxy_set_header behind each header nginx sets
    group: Upstream | None  # the configured upstream the name is
    implicit: Directive | None  # the literal proxy_pass elsewhere whose implicit upstream a variable matched
    resolution: str  # "start" | "request" | "periodic" | "address" | "no_resolver"
    resolver: Directive | None = None
    valid: float | None = None  # resolver valid=, seconds; None: the answer's TTL

    @property
    def names(self) -> list[tuple[str, int | None]]:
        """The host names (and ports) nginx connects to."""
        if self.group is not None:
            return [(s.host, s.port) for s in self.group.servers]
        return [(self.host, self.port)]


@dataclass
class Outcome:
    """What nginx does with one request: closes, answers, or proxies it, and the steps on the way."""

    kind: str  # "closed" | "response" | "proxy" | "unknown"
    status: int | None = None
    server: Directive | None = None
    location: Directive | None = None  # the location (or `if` in it) whose configuration serves the request
    steps: list[Step] = field(default_factory=list)
    uri: str = ""
    args: str = ""
    proxied: Proxied | None = None
    redirect: str | None = None  # a redirect's Location, as the config writes it
    reason: str = ""  # why `unknown`, or why the connection is closed


# -- the pieces -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Listen:
    """One listening socket of a server block."""

    addr: str  # "*" (any IPv4), "[::]", or an address
    port: int
    node: Directive | None
    default: bool
    ssl: bool
    ipv6only: bool = True


def listens(cfg: NginxConfig, server: Directive) -> list[Listen]:
    out = []
    ds = server.children("listen")
    if not ds:
        return [Listen("*", 80, None, False, False)]  # nginx runs as root in the image: *:80
    for d in ds:
        if not d.args or d.args[0].startswith("unix:"):
            continue
        a = d.args[0]
        if a.isdigit():
            addr, port = "*", int(a)
        else:
            host, p = split_host_port(a)
            if p is None and not a.startswith("[") and not re.fullmatch(r"[\d.]+|\*|localhost|[\w.-]+", a):
                continue
            addr, port = (host or "*"), (p if p is not None else 80)
            if a.startswith("["):
                addr = f"[{host}]"
        if addr in ("*", "0.0.0.0"):
            addr = "*"
        flags = d.args[1:]
        out.append(
            Listen(
                addr,
                port,
                d,
                "default_server" in flags or "default" in flags,
                "ssl" in flags,
                "ipv6only=off" not in flags,
            )
        )
    return out


def _accepts(listen: Listen, port: int, inside: bool) -> bool | None:
    """Whether a socket bound per `listen` gets a connection to the container's IPv4 address
    (or, from inside, to 127.0.0.1) on `port`."""
    if listen.port != port:
        return False
    if listen.addr == "*":
        return True
    if listen.addr.startswith("["):
        return listen.addr in ("[::]",) and not listen.ipv6only
    if listen.addr == "localhost" or listen.addr.startswith("127."):
        return inside
    return None  # an address of its own: whether it is the container's, the files do not say


def closed_to_outside(listen: Listen) -> str | None:
    """Why a socket bound per `listen` takes no connection that comes to the container's IPv4
    address, where a published port leads: "loopback" (bound to a loopback address) or
    "ipv6_only" ([::] with nginx's ipv6only=on); None when it takes them."""
    if listen.addr.startswith("127.") or listen.addr in ("localhost", "[::1]"):
        return "loopback"
    if listen.addr == "[::]" and listen.ipv6only:
        return "ipv6_only"
    return None


def _server_names(server: Directive) -> list[str]:
    return [n.lower() for d in server.children("server_name") for n in d.args]


def select_server(cfg: NginxConfig, host: str | None, port: int, inside: bool) -> tuple[Directive, Listen] | str:
    """The server nginx gives the request to, and the listen it came in on; or why nothing accepts it."""
    group: list[tuple[Directive, Listen]] = []
    unsure = False
    for s in cfg.servers():
        for ls in listens(cfg, s):
            ok = _accepts(ls, port, inside)
            unsure = unsure or ok is None
            if ok and not any(g[0] is s for g in group):
                group.append((s, ls))
    if not group:
        if unsure:
            raise Unknown(f"a listen on port {port} names an address of its own")
        return (
            "nothing listens on that port"
            if not any(ls.port == port for s in cfg.servers() for ls in listens(cfg, s))
            else "bound to another address"
        )
    # The sockets on this port with the address that won: the wildcard beats nothing else here.
    addr = group[0][1].addr
    group = [g for g in group if g[1].addr == addr]
    if host is not None:
        h = host_name(host)
        for s, ls in group:  # exact names; `.example.com` is also the exact example.com
            if any(n == h or n == "." + h for n in _server_names(s)):
                return s, ls
        best: tuple[int, Directive, Listen] | None = None
        for s, ls in group:  # leading wildcards, the longest first
            for n in _server_names(s):
                stem = n[1:] if n.startswith("*.") else n if n.startswith(".") else None
                if stem is None:
                    continue
                if (h.endswith(stem) or (n.startswith(".") and h == n[1:])) and (best is None or len(stem) > best[0]):
                    best = (len(stem), s, ls)
        if best is None:
            for s, ls in group:  # trailing wildcards
                for n in _server_names(s):
                    if n.endswith(".*") and h.startswith(n[:-1]) and (best is None or len(n) > best[0]):
                        best = (len(n), s, ls)
        if best is not None:
            return best[1], best[2]
        for s, ls in group:
            for n in _server_names(s):
                if n.startswith("~"):
                    try:
                        if re.search(n[1:], h):
                            return s, ls
                    except re.error as e:
                        raise Unknown(f"server_name {n}: {e}") from None
    for s, ls in group:
        if any(x.default and x.addr == addr and x.port == port for x in listens(cfg, s)):
            return s, ls
    return group[0]


HOST_RE = re.compile(r"[A-Za-z0-9._-]+(?::\d*)?|\[[0-9A-Fa-f:.]+\](?::\d*)?")


def host_name(host: str) -> str:
    """The Host header as nginx compares it with server names: lower case, no port, no final dot."""
    h = host.lower()
    if h.startswith("["):
        return h.split("]")[0] + "]"
    return h.rsplit(":", 1)[0].rstrip(".") if ":" in h else h.rstrip(".")


def normalize(path: str) -> str:
    """The URI nginx matches locations against: decoded, `//` merged, `.` and `..` resolved."""
    decoded = unquote(path)
    decoded = re.sub(r"/{2,}", "/", decoded)
    out: list[str] = []
    for part in decoded.split("/")[1:]:
        if part == ".":
            continue
        if part == "..":
            if not out:
                raise Unknown("the URI goes above the root (nginx answers 400)")
            out.pop()
            continue
        out.append(part)
    result = "/" + "/".join(out)
    if decoded.endswith(("/.", "/..")) and not result.endswith("/"):
        result += "/"
    return result


# -- variables --------------------------------------------------------------------------------
class Vars:
    """The variables of one request, as far as the files tell (None: not from the files)."""

    def __init__(self, cfg: NginxConfig, req: Request):
        self.cfg = cfg
        self.req = req
        self.user: dict[str, str | None] = {}
        self.captures: list[str] = []
        self.server: Directive | None = None
        self.uri = ""
        self.args = ""
        self.headers = {k.lower(): v for k, v in req.headers}
        if req.host is not None:
            self.headers["host"] = req.host
        self.proxy_host: str | None = None
        self.cfg_declared = {d.args[0].lstrip("$") for d in cfg.main.descendants() if d.name == "set" and d.args}

    def get(self, name: str) -> str | None:
        if name.isdigit():
            i = int(name)
            return self.captures[i] if i < len(self.captures) else ""
        if name in self.user:
            return self.user[name]
        if name in self.cfg_declared:
            return ""  # set somewhere, not (yet) on this request's way: nginx gives it no value
        m = self._map(name)
        if m is not _NO_MAP:
            return m  # type: ignore[return-value]
        r = self.req
        if name in ("uri", "document_uri"):
            return self.uri
        if name == "request_uri":
            return r.target
        if name in ("args", "query_string"):
            return self.args
        if name == "is_args":
            return "?" if self.args else ""
        if name.startswith("arg_"):
            for pair in self.args.split("&"):
                k, _, v = pair.partition("=")
                if k.lower() == name[4:].lower():
                    return v
            return ""
        if name == "host":
            if r.host:
                return host_name(r.host)
            names = _server_names(self.server) if self.server is not None else []
            return names[0] if names else ""
        if name == "http_host":
            return r.host or ""
        if name.startswith("http_"):
            return self.headers.get(name[5:].replace("_", "-"), "")
        if name.startswith("cookie_"):
            for part in self.headers.get("cookie", "").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name[7:]:
                    return v
            return ""
        if name == "scheme":
            return "https" if r.tls else "http"
        if name == "server_port":
            return str(r.port)
        if name == "server_name":
            names = _server_names(self.server) if self.server is not None else []
            return names[0] if names else ""
        if name == "request_method":
            return r.method
        if name == "server_protocol":
            return "HTTP/1.1"
        if name == "proxy_host":
            return self.proxy_host
        if name in (
            "remote_addr",
            "remote_port",
            "server_addr",
            "proxy_add_x_forwarded_for",
            "hostname",
            "binary_remote_addr",
            "request_id",
            "msec",
            "time_local",
            "time_iso8601",
            "pid",
            "connection",
            "realip_remote_addr",
            "proxy_protocol_addr",
        ):
            return None
        if name in ("content_length", "content_type"):
            return self.headers.get(name.replace("_", "-"), "")
        raise Unknown(f"${name} is a variable the model does not know")

    def _map(self, name: str) -> object:
        for m in self.cfg.http.children("map"):
            if len(m.args) < 2 or m.args[1] != f"${name}":
                continue
            source = self.expand(m.args[0])
            if source is None:
                return None
            entries = [d for d in m.block or [] if d.name not in ("hostnames", "volatile", "include")]
            if any(d.name == "include" for d in m.block or []) or any(d.name == "hostnames" for d in m.block or []):
                raise Unknown(f"map ${name} uses include or hostnames")
            default = ""
            for d in entries:
                key = d.name
                value = d.args[-1] if d.args else ""
                if key == "default":
                    default = value
                    continue
                if key == "\\default":
                    key = "default"
                if not key.startswith("~") and key == source:
                    return self.expand(value)
            for d in entries:
                key = d.name
                value = d.args[-1] if d.args else ""
                if key.startswith("~"):
                    flags = re.I if key.startswith("~*") else 0
                    pat = key[2:] if key.startswith("~*") else key[1:]
                    try:
                        mm = re.search(pat, source, flags)
                    except re.error as e:
                        raise Unknown(f"map ${name}: regex {pat}: {e}") from None
                    if mm:
                        saved = self.captures
                        self.captures = [mm.group(0), *[g or "" for g in mm.groups()]]
                        try:
                            return self.expand(value)
                        finally:
                            self.captures = saved
            return self.expand(default)
        return _NO_MAP

    def expand(self, text: str) -> str | None:
        unknown = False

        def repl(m: re.Match[str]) -> str:
            nonlocal unknown
            value = self.get(m.group(1) or m.group(2))
            if value is None:
                unknown = True
                return ""
            return value

        out = VAR_RE.sub(repl, text)
        return None if unknown else out


_NO_MAP = object()


# -- conditions ---------------------------------------------------------------------------------
def _exists(path: str, kind: str) -> bool:
    path = re.sub(r"/{2,}", "/", path).rstrip("/") or "/"
    if kind == "d":
        return path in IMAGE_DIRS
    if kind == "f":
        return path in IMAGE_FILES
    if path.startswith(("/usr/share/nginx/html/", "/etc/nginx/html")) or path in IMAGE_DIRS:
        return path in IMAGE_FILES or path in IMAGE_DIRS
    raise Unknown(f"whether {path} exists")


def condition(v: Vars, args: list[str]) -> bool:
    if len(args) == 1:
        value = v.expand(args[0])
        if value is None:
            raise Unknown(f"if ({args[0]}): the value is not in the files")
        return value not in ("", "0")
    if len(args) == 2 and args[0] in ("-f", "!-f", "-d", "!-d", "-e", "!-e", "-x", "!-x"):
        path = v.expand(args[1])
        if path is None:
            raise Unknown(f"if ({' '.join(args)})")
        kind = args[0].lstrip("!-")
        got = _exists(path, kind if kind in ("f", "d") else "e")
        return not got if args[0].startswith("!") else got
    if len(args) == 3:
        left = v.expand(args[0])
        if left is None:
            raise Unknown(f"if ({' '.join(args)}): the value is not in the files")
        op, right = args[1], args[2]
        if op in ("=", "!="):
            r = v.expand(right)
            if r is None:
                raise Unknown(f"if ({' '.join(args)})")
            return (left == r) == (op == "=")
        if op in ("~", "~*", "!~", "!~*"):
            try:
                m = re.search(right, left, re.I if "*" in op else 0)
            except re.error as e:
                raise Unknown(f"if regex {right}: {e}") from None
            if m and not op.startswith("!"):
                v.captures = [m.group(0), *[g or "" for g in m.groups()]]
            return bool(m) != op.startswith("!")
    raise Unknown(f"if ({' '.join(args)}) is a condition the model does not follow")


# -- the walk -----------------------------------------------------------------------------------
class _Done(Exception):
    def __init__(self, outcome: Outcome):
        self.outcome = outcome


class _Walk:
    def __init__(self, cfg: NginxConfig, req: Request):
        self.cfg = cfg
        self.req = req
        self.v = Vars(cfg, req)
        self.out = Outcome("unknown")
        self.changes = 0
        self.rewrote = False  # the URI was changed: the request line's own target is not sent as is
        self.broke = False  # after `rewrite ... break` the location's prefix is not replaced in proxy_pass
        self.uri_changed = False

    def step(self, what: str, node: Directive | None, detail: str = "") -> None:
        self.out.steps.append(Step(what, node, detail))

    def respond(self, status: int, node: Directive | None, redirect: str | None = None) -> None:
        self.out.kind, self.out.status, self.out.redirect = "response", status, redirect
        if status == 444:
            self.out.kind, self.out.status, self.out.reason = "closed", None, "return 444 closes the connection"
        raise _Done(self.out)

    def run(self) -> Outcome:
        try:
            self._run()
        except _Done as d:
            return d.outcome
        except Unknown as e:
            self.out.kind, self.out.reason = "unknown", str(e)
        except (ValueError, IndexError, KeyError, TypeError) as e:
            # A directive written in a way the model has not met: say so rather than guess (the
            # checks then read the config's text, as before the model).
            self.out.kind, self.out.reason = "unknown", f"the model cannot follow this config ({type(e).__name__})"
        return self.out

    def _run(self) -> None:
        req, out = self.req, self.out
        picked = select_server(self.cfg, req.host, req.port, req.from_inside)
        if isinstance(picked, str):
            out.kind, out.reason = "closed", picked
            raise _Done(out)
        server, ls = picked
        self.step("listen", ls.node, f"{ls.addr}:{ls.port}")
        out.server = self.v.server = server
        self.step("server", server)
        if ls.ssl and not req.tls:
            self.respond(400, ls.node)  # a plain HTTP request on an ssl port
        if req.tls and not ls.ssl:
            out.kind, out.reason = "closed", "a TLS connection to a port without ssl"
            raise _Done(out)
        if req.host is not None and (not HOST_RE.fullmatch(req.host) or ".." in req.host):
            self.step("host", None, f"invalid Host {req.host!r}")
            self.respond(400, server)
        if not req.target.startswith("/"):
            self.respond(400, server)
        path, _, args = req.target.partition("?")
        self.v.uri, self.v.args = normalize(path), args
        self.serve(server)

    def serve(self, server: Directive) -> None:
        """From the server's rewrite phase on: where a request, and each internal redirect, starts."""
        self.script(server, server)
        node = self.find_location(server)
        while True:
            self.uri_changed = False
            conf, _ = self.script(node, node)
            if not self.uri_changed:
                self.content(conf)
                return
            self.count_change(node)  # the URI changed: the location is looked up again
            node = self.find_location(server)

    def count_change(self, node: Directive | None) -> None:
        self.changes += 1
        if self.changes > MAX_URI_CHANGES:
            self.step("cycle", node, "rewrite or internal redirection cycle")
            self.respond(500, node)

    def find_location(self, server: Directive) -> Directive:
        uri = self.v.uri
        loc, redirect = self.match(server, uri)
        if redirect:
            self.step("location", loc, "a request for the prefix without its slash")
            self.respond(301, loc, redirect=uri + "/" + (f"?{self.v.args}" if self.v.args else ""))
        if loc is None:
            # No location: the server's own configuration serves it (static files).
            self.step("location", None, "no location matches")
            self.out.location = None
            return server
        self.step("location", loc, " ".join(loc.args))
        self.out.location = loc
        return loc

    def match(self, container: Directive, uri: str) -> tuple[Directive | None, bool]:
        found = match_location(container, uri)
        if found.captures is not None:
            self.v.captures = found.captures
        return found.location, found.redirect

    def script(self, block: Directive, conf: Directive) -> tuple[Directive, bool]:
        """Run a level's rewrite module directives in order, an `if` that holds inline. Returns
        the configuration that serves the request (the level, or the last `if` that held) and
        whether the script stopped (`break`, `rewrite ... last|break`)."""
        for d in block.block or []:
            if d.name == "set" and len(d.args) >= 2:
                self.v.user[d.args[0].lstrip("$")] = self.v.expand(d.args[1])
                self.step("set", d, d.args[0])
            elif d.name == "return":
                self.do_return(d)
            elif d.name == "break":
                self.step("break", d)
                self.uri_changed = False
                return conf, True
            elif d.name == "rewrite" and len(d.args) >= 2:
                result = self.do_rewrite(d)
                if result == "last":
                    self.uri_changed = True
                    return conf, True
                if result == "break":
                    self.uri_changed = False
                    self.broke = True
                    return conf, True
                if result == "continue":
                    self.uri_changed = True
            elif d.name == "if" and condition(self.v, d.args):
                self.step("if", d, " ".join(d.args))
                conf, stopped = self.script(d, d)
                if stopped:
                    return conf, True
        return conf, False

    def do_return(self, d: Directive) -> None:
        self.step("return", d, " ".join(d.args))
        args = d.args
        if len(args) == 1 and not args[0].isdigit():
            self.respond(302, d, redirect=self.v.expand(args[0]))
        code = int(args[0]) if args and args[0].isdigit() else 0
        if str(code) in REDIRECT_CODES and len(args) > 1:
            self.respond(code, d, redirect=self.v.expand(args[1]))
        if code >= 400 and len(args) == 1:
            self.error(code, self.out.location or d, d)
        self.respond(code, d)

    def do_rewrite(self, d: Directive) -> str | None:
        pattern, replacement = d.args[0], d.args[1]
        flag = d.args[2] if len(d.args) > 2 else ""
        try:
            m = re.search(pattern, self.v.uri)
        except re.error as e:
            raise Unknown(f"rewrite {pattern}: {e}") from None
        if not m:
            return None
        self.v.captures = [m.group(0), *[g or "" for g in m.groups()]]
        new = self.v.expand(replacement)
        if new is None:
            raise Unknown(f"rewrite {pattern} {replacement}: the value is not in the files")
        self.step("rewrite", d, f"{self.v.uri} -> {new}")
        if (
            flag in ("redirect", "permanent")
            or new.startswith(("http://", "https://"))
            or replacement.startswith("$scheme")
        ):
            if replacement.endswith("?"):
                new = new[:-1]
            elif self.v.args:  # the request's arguments go along, unless the replacement ends in `?`
                new += ("&" if "?" in new else "?") + self.v.args
            self.respond(301 if flag == "permanent" else 302, d, redirect=new)
        drop = replacement.endswith("?")  # a `?` at the end: the old arguments are not kept
        path, q, new_args = (new[:-1] if drop else new).partition("?")
        self.v.uri = path
        if q:
            self.v.args = new_args + (f"&{self.v.args}" if self.v.args and not drop else "")
        elif drop:
            self.v.args = ""
        self.rewrote = True
        return flag or "continue"

    def content(self, conf: Directive) -> None:
        cfg, v = self.cfg, self.v
        self.out.location = conf if conf.name in ("location", "if") else self.out.location
        self.out.uri, self.out.args = v.uri, v.args
        # access: the first level with allow/deny rules holds them all; the first that matches wins
        rules = next(
            (
                [d for d in level.block or [] if d.name in ("allow", "deny")]
                for level in NginxConfig.chain(conf)
                if any(d.name in ("allow", "deny") for d in level.block or [])
            ),
            [],
        )
        for rule in rules:
            hit = client_matches(rule.args[0] if rule.args else "", self.req.from_inside)
            if hit is None:
                raise Unknown(f"{rule.name} {' '.join(rule.args)}: it depends on the client's address")
            if hit:
                if rule.name == "deny":
                    self.step("deny", rule)
                    self.error(403, conf, rule)
                break
        auth = cfg.effective_one(conf, "auth_basic")
        if auth is not None and auth.args and auth.args[0] != "off":
            self.step("auth_basic", auth)
            self.error(401, conf, auth)
        limit = cfg.effective_one(conf, "limit_req") or cfg.effective_one(conf, "limit_conn")
        if limit is not None:
            raise Unknown(f"{limit.name}: whether a request is let through depends on the others")
        cache = cfg.effective_one(conf, "proxy_cache")
        if cache is not None and cache.args[:1] != ["off"]:
            raise Unknown("proxy_cache: an answer may come from the cache")
        for lim in conf.children("limit_except"):
            allowed = {m.upper() for m in lim.args} | ({"HEAD"} if "GET" in (m.upper() for m in lim.args) else set())
            if self.req.method not in allowed:
                raise Unknown("limit_except for this method is not followed")
        # An `if` in a location takes the location's proxy_pass when it has none of its own.
        holders = [conf] + (
            [conf.parent] if conf.name == "if" and conf.parent is not None and conf.parent.name == "location" else []
        )
        pp = next((h.children(p)[-1] for h in holders for p in PASS_DIRECTIVES if h.children(p)), None)
        if pp is not None and pp.name != "proxy_pass":
            raise Unknown(f"{pp.name} is not followed")
        other = next((d for h in holders for d in h.block or [] if d.name in OTHER_CONTENT), None)
        if other is not None and pp is None:
            raise Unknown(f"{other.name} is not followed")
        if conf.children("try_files"):
            if pp is not None:
                raise Unknown("try_files beside proxy_pass is not followed")
            self.try_files(conf, conf.children("try_files")[-1])
            return
        if pp is not None:
            self.proxy(conf, pp)
            raise _Done(self.out)
        self.static(conf)

    @staticmethod
    def _levels(conf: Directive, name: str) -> list[Directive]:
        for level in NginxConfig.chain(conf):
            found = level.children(name)
            if found:
                return found
        return []

    def root_of(self, conf: Directive) -> tuple[str, bool]:
        if conf.children("alias"):
            return self.v.expand(conf.children("alias")[-1].args[0]) or "", True
        root = self.cfg.effective_one(conf, "root")
        path = self.v.expand(root.args[0]) if root is not None and root.args else "html"
        if path is None:
            raise Unknown("root uses a value not in the files")
        return (path if path.startswith("/") else f"{PREFIX}/{path}"), False

    def file_of(self, conf: Directive, uri: str) -> str:
        base, alias = self.root_of(conf)
        if alias:
            loc = self.out.location
            mod, pattern = _location_kind(loc) if loc is not None and loc.name == "location" else ("", "")
            if mod in ("~", "~*"):
                raise Unknown("alias in a regex location is not followed")
            return base + uri[len(pattern) :]
        return base.rstrip("/") + uri

    def try_files(self, conf: Directive, d: Directive) -> None:
        self.step("try_files", d, " ".join(d.args))
        for arg in d.args[:-1]:
            value = self.v.expand(arg)
            if value is None:
                raise Unknown(f"try_files {arg}")
            if arg.endswith("/"):  # written with a trailing slash: a folder is looked for
                if _exists(self.file_of(conf, value.rstrip("/") or "/"), "d"):
                    self.v.uri = value
                    self.static(conf)
                    return
            elif _exists(self.file_of(conf, value), "f"):
                self.v.uri = value
                self.static(conf)
                return
        last = d.args[-1]
        if last.startswith("="):
            self.respond(int(last[1:]), d)
        if last.startswith("@"):
            named = self._named(last)
            self.count_change(d)
            self.step("location", named, last)
            self.out.location = node = named
            while True:  # a named location starts at its rewrite phase, the URI as it is
                self.uri_changed = False
                conf, _ = self.script(node, node)
                if not self.uri_changed:
                    self.content(conf)
                    return
                self.count_change(node)
                node = self.find_location(self.out.server)  # type: ignore[arg-type]
        target = self.v.expand(last)
        if target is None:
            raise Unknown(f"try_files {last}")
        self.internal_redirect(target, d)

    def _named(self, name: str) -> Directive:
        server = self.out.server
        for loc in server.children("location") if server is not None else []:
            if loc.args[:1] == [name]:
                return loc
        raise Unknown(f"no location {name}")

    def internal_redirect(self, target: str, d: Directive) -> None:
        """try_files' last URI, index, error_page: the request starts again at the server's
        rewrite phase with the new URI (and the arguments it gives, or none)."""
        self.count_change(d)
        path, _, args = target.partition("?")
        self.v.uri, self.v.args = path, args
        self.rewrote = True
        self.step("internal redirect", d, target)
        assert self.out.server is not None
        self.serve(self.out.server)

    def static(self, conf: Directive) -> None:
        uri = self.v.uri
        if uri.endswith("/"):
            for d in self.cfg.effective(conf, "index") or [Directive("index", ["index.html"], "", 0)]:
                for name in d.args:
                    value = self.v.expand(name) or ""
                    if _exists(self.file_of(conf, uri + value), "f"):
                        self.internal_redirect(uri + value, d)
                        return
            directory = self.file_of(conf, uri)
            autoindex = self.cfg.effective_one(conf, "autoindex")
            if autoindex is not None and autoindex.args[:1] == ["on"] and _exists(directory, "d"):
                self.respond(200, autoindex)
            self.error(403 if _exists(directory, "d") else 404, conf)
        path = self.file_of(conf, uri)
        if _exists(path, "f"):
            self.respond(200, conf)
        if _exists(path, "d"):
            self.respond(301, conf, redirect=uri + "/")
        self.error(404, conf)

    def error(self, status: int, conf: Directive, node: Directive | None = None) -> None:
        for d in self.cfg.effective(conf, "error_page"):
            codes = [a for a in d.args[:-1] if a.isdigit()]
            if str(status) in codes:
                raise Unknown(f"error_page {' '.join(d.args)} is not followed")
        self.respond(status, node or conf)

    # -- the request to the backend -------------------------------------------------------
    def proxy(self, conf: Directive, pp: Directive) -> None:
        cfg, v = self.cfg, self.v
        raw = pp.args[0]
        has_vars = bool(VAR_RE.search(raw))
        url = v.expand(raw)
        if url is None:
            raise Unknown(f"proxy_pass {raw}: the value is not in the files")
        m = URL_RE.match(url)
        if m is None and has_vars and not re.match(r"(?i)https?://", url):
            self.step("proxy_pass", pp, f"{raw} is {url!r}: not a URL")
            self.respond(500, pp)  # "invalid URL prefix"
        if m is None:
            raise Unknown(f"proxy_pass {url}: not a URL the model reads")
        scheme = m.group("scheme").lower()
        host, port = split_host_port(m.group("authority"))
        if host.startswith("unix:") or m.group("authority").startswith("unix:"):
            raise Unknown("a unix socket backend is not followed")
        if not host:
            self.step("proxy_pass", pp, f"{raw} is {url!r}: no host")
            self.respond(500, pp)  # "no host in upstream"
        uri_part = m.group("rest")
        if has_vars and uri_part.startswith("?"):
            uri_part = "/" + uri_part
        group = None
        implicit = None
        explicit = cfg.upstreams()
        if has_vars:
            up = next((u for n, u in explicit.items() if n.lower() == host.lower()), None)
            if up is not None and port is None:
                group = up
            else:
                implicit = self.implicit_upstream(
                    host, port if port is not None else (443 if scheme == "https" else 80)
                )
        else:
            up = explicit.get(host)
            if up is not None and port is None:
                group = up
        # The request line's target.
        if has_vars and uri_part:
            target = uri_part
        elif not uri_part and not self.rewrote:
            target = self.req.target
        else:
            loc = conf if conf.name == "location" else next((a for a in conf.ancestors() if a.name == "location"), None)
            prefix = ""
            if uri_part and not self.broke and loc is not None:
                mod, pattern = _location_kind(loc)
                prefix = pattern if mod in ("", "^~", "=") else ""
            path = v.uri[len(prefix) :] if v.uri.startswith(prefix) else v.uri
            target = (uri_part if not self.broke else "") + _escape(path) + (f"?{v.args}" if v.args else "")
        port_text = f":{port}" if port is not None and port != (443 if scheme == "https" else 80) else ""
        v.proxy_host = host + port_text if group is None else host
        headers, nodes = self.headers(conf)
        version = cfg.effective_one(conf, "proxy_http_version")
        http_version = version.args[0] if version is not None and version.args else DEFAULT_HTTP_VERSION
        resolver = cfg.resolver_at(conf)
        valid = None
        if group is not None and any(s.host.startswith("unix:") for s in group.servers):
            raise Unknown(f"upstream {group.name} has a unix socket server")
        if group is not None:
            if group.servers and all(s.resolve for s in group.servers):
                resolution = "periodic"
                resolver = cfg.resolver_at(group.directive)
            else:
                resolution = "start"
        elif implicit is not None or not has_vars:
            resolution = "start"
        elif _is_address(host):
            resolution = "address"
        elif resolver is None:
            resolution = "no_resolver"
        else:
            resolution = "request"
        if resolver is not None and resolution in ("request", "periodic"):
            for arg in resolver.args:
                if arg.startswith("valid="):
                    valid = parse_duration(arg[len("valid=") :])
        self.out.kind = "proxy"
        self.out.proxied = Proxied(
            pp,
            url,
            scheme,
            host,
            port,
            target,
            http_version,
            headers,
            nodes,
            group,
            implicit,
            resolution,
            resolver if resolution in ("request", "periodic") else None,
            valid,
        )
        self.step("proxy_pass", pp, url)

    def implicit_upstream(self, host: str, port: int) -> Directive | None:
        """The literal proxy_pass (anywhere in http) whose implicit upstream is host:port: a
        variable's URL with that host and port uses its addresses, resolved at start."""
        for node in self.cfg.http.descendants():
            if node.name in PASS_DIRECTIVES and node.args and not VAR_RE.search(node.args[0]):
                m = URL_RE.match(node.args[0]) if "://" in node.args[0] else URL_RE.match("http://" + node.args[0])
                if m is None:
                    continue
                h, p = split_host_port(m.group("authority"))
                default = 443 if m.group("scheme").lower() in ("https", "grpcs") else 80
                if h.lower() == host.lower() and (p if p is not None else default) == port:
                    return node
        return None

    def headers(self, conf: Directive) -> tuple[dict[str, str | None], dict[str, Directive]]:
        v = self.v
        sets = self.cfg.effective(conf, "proxy_set_header")
        out: dict[str, str | None] = {}
        nodes: dict[str, Directive] = {}
        named = {d.args[0].lower() for d in sets if d.args}
        pass_headers = self.cfg.effective_one(conf, "proxy_pass_request_headers")
        if pass_headers is None or pass_headers.args[:1] != ["off"]:
            for k, val in self.req.headers:
                if k.lower() not in HOP_HEADERS and k.lower() not in named and "_" not in k:
                    out[k.lower()] = val
        if "host" not in named:
            out["host"] = v.proxy_host
        for d in sets:
            if len(d.args) < 2:
                continue
            value = v.expand(d.args[1])
            name = d.args[0].lower()
            if value == "":
                out.pop(name, None)
                continue
            out[name] = value
            nodes[name] = d
        return out, nodes


@dataclass
class LocationMatch:
    """The location nginx picks for a URI, and what the pick captured."""

    location: Directive | None
    redirect: bool = False  # /api for a proxying `location /api/`: nginx answers 301 to /api/
    captures: list[str] | None = None  # the regex location's $0, $1 ...


def passes(loc: Directive) -> bool:
    return any(loc.children(p) for p in PASS_DIRECTIVES)


def match_location(container: Directive, uri: str) -> LocationMatch:
    """The location nginx picks for `uri` among `container`'s: exact, the longest prefix (its
    nested locations first; `^~` stops there), then regexes in order, else the longest prefix."""
    locs = [d for d in container.children("location") if d.args and not d.args[0].startswith("@")]
    exact, prefixes, regexes = [], [], []
    for loc in locs:
        mod, pattern = _location_kind(loc)
        if mod == "=":
            exact.append((pattern, loc))
        elif mod in ("~", "~*"):
            regexes.append((mod, pattern, loc))
        else:
            prefixes.append((mod, pattern, loc))
    for pattern, loc in exact:
        if uri == pattern:
            return LocationMatch(loc)
    best = None
    for mod, pattern, loc in prefixes:
        if uri.startswith(pattern) and (best is None or len(pattern) > len(best[1])):
            best = (mod, pattern, loc)
    # The auto-redirect: /api, for a `location /api/` that proxies, is answered 301 to /api/,
    # before any regex is tried (a longer prefix that matches wins first).
    for pattern, loc in [(p, where) for _, p, where in prefixes] + exact:
        if (
            pattern.endswith("/")
            and uri == pattern[:-1]
            and passes(loc)
            and (best is None or len(best[1]) < len(pattern))
        ):
            return LocationMatch(loc, redirect=True)
    if best is not None:
        nested = match_location(best[2], uri)
        if nested.location is not None:
            return nested
        if best[0] == "^~":
            return LocationMatch(best[2])
    for mod, pattern, loc in regexes:
        try:
            m = re.search(pattern, uri, re.I if mod == "~*" else 0)
        except re.error as e:
            raise Unknown(f"location {mod} {pattern}: {e}") from None
        if m:
            nested = match_location(loc, uri)
            if nested.location is not None:
                return nested
            return LocationMatch(loc, captures=[m.group(0), *[g or "" for g in m.groups()]])
    return LocationMatch(best[2] if best else None)


def _is_address(host: str) -> bool:
    return bool(re.fullmatch(r"\d+\.\d+\.\d+\.\d+", host)) or ":" in host


def _escape(path: str) -> str:
    """The URI as nginx escapes it again after a change (spaces, `%`, `?`, `#` and controls)."""
    return "".join(
        c if c.isascii() and c > " " and c not in "%?#\x7f" else "".join(f"%{b:02X}" for b in c.encode()) for c in path
    )


# Where the requests through a published port come from, as nginx sees them: Docker's proxy
# connects to the container from the gateway of the container's network, one address for every
# client and never a loopback one. The gateway is in one of Docker's default address pools.
DOCKER_POOLS = ("172.16.0.0/12", "192.168.0.0/16")


def client_matches(rule: str, from_inside: bool) -> bool | None:
    """Whether an allow/deny address matches the client nginx sees (None: it cannot be told
    from the files). From inside the container the client is 127.0.0.1."""
    import ipaddress

    if rule == "all":
        return True
    if rule.startswith("unix:"):
        return False
    try:
        net = ipaddress.ip_network(rule, strict=False)
    except ValueError:
        return None
    if from_inside:
        return ipaddress.ip_address("127.0.0.1") in net if net.version == 4 else False
    if isinstance(net, ipaddress.IPv6Network) or net.is_loopback:
        return False  # the gateway is an IPv4 address of a bridge
    pools = [ipaddress.IPv4Network(p) for p in DOCKER_POOLS]
    if all(p.subnet_of(net) for p in pools):
        return True
    if not any(net.overlaps(p) for p in pools):
        return False
    return None  # which gateway address Docker hands out decides


def start_failure(cfg: NginxConfig) -> str | None:
    """Why nginx, having accepted the config, cannot start it (None: it starts). A socket on
    [::]:P with ipv6only=off takes IPv4's port P too, so a second one on *:P cannot be bound."""
    by_port: dict[int, set[str]] = {}
    for s in cfg.servers():
        for ls in listens(cfg, s):
            by_port.setdefault(ls.port, set()).add("dual" if ls.addr == "[::]" and not ls.ipv6only else ls.addr)
    for port, addrs in sorted(by_port.items()):
        if "dual" in addrs and "*" in addrs:
            return (
                f"bind() to [::]:{port} failed: *:{port} has the port already ([::]:{port} ipv6only=off takes IPv4 too)"
            )
    return None


def follow(cfg: NginxConfig, req: Request) -> Outcome:
    """What nginx does with `req` (see the module's docstring)."""
    failure = start_failure(cfg)
    if failure is not None:
        return Outcome("closed", reason=f"nginx does not start: {failure}")
    return _Walk(cfg, req).run()
