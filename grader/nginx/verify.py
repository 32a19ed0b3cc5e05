"""What makes nginx refuse a configuration, found as nginx finds it, in nginx's words.

Each directive is checked where nginx reads it (a conf.d file inside `http`, the main file at
the top): that a loaded module has it, its context and argument count (nginx's own table,
grader/nginx/directives.py), and the values nginx itself parses: by the set function the table
names (flags, enumerations, times, sizes, numbers), and by our reading of nginx's own handlers
for the values those parse (ports and `listen` parameters, URLs, `return`, upstream servers).
Then the whole configuration: duplicates, upstreams (`resolve` needs a `zone` and a resolver),
variables that no module and no `set`/`map` define, `proxy_pass` with a URI where nginx forbids
one. tests/test_nginx_oracle.py holds these verdicts equal to `nginx -t` of the nginx:1.30 image.

Host names are taken to resolve (they are the stack's service names); files a config names
(certificates) are taken to exist.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from grader.errors import InputError
from grader.nginx import directives
from grader.nginx.model import VAR_RE, Directive, NginxConfig, parse_duration

REFUSES = "nginx refuses to start: "


def refuse(reason: str, file: str | None, line: int | None) -> InputError:
    return InputError(REFUSES + reason, file, line)


# -- values nginx parses -----------------------------------------------------------------------
SIZE_RE = re.compile(r"^\d+[kKmMgG]?$")


def _time(v: str) -> bool:
    return parse_duration(v) is not None


def _size(v: str) -> bool:
    return bool(SIZE_RE.match(v))


def _num(v: str) -> bool:
    return v.isdigit()


# Directives whose set function is nginx's own (not exported, so the table names none) but
# which parse their value as a number the way ngx_conf_set_num_slot does.
NUMBER = {"worker_connections", "keepalive"}
# The set functions of nginx's that refuse a second directive in one block ("is duplicate").
DUPLICATE_SLOTS = {
    "ngx_conf_set_flag_slot",
    "ngx_conf_set_msec_slot",
    "ngx_conf_set_sec_slot",
    "ngx_conf_set_num_slot",
    "ngx_conf_set_size_slot",
    "ngx_conf_set_off_slot",
    "ngx_conf_set_str_slot",
    "ngx_conf_set_enum_slot",
    "ngx_conf_set_bufs_slot",
    "ngx_conf_set_path_slot",
    "ngx_conf_set_access_slot",
    "ngx_http_set_complex_value_slot",
    "ngx_http_set_complex_value_size_slot",
    "ngx_http_set_complex_value_zero_slot",
}
LISTEN_FLAGS = {
    "default_server",
    "default",
    "ssl",
    "http2",
    "quic",
    "proxy_protocol",
    "reuseport",
    "deferred",
    "bind",
    "multipath",
}
LISTEN_PARAMS = {"ipv6only", "backlog", "rcvbuf", "sndbuf", "so_keepalive", "fastopen", "accept_filter", "setfib"}
UPSTREAM_FLAGS = {"backup", "down", "resolve"}
UPSTREAM_PARAMS = {
    "weight": _num,
    "max_fails": _num,
    "max_conns": _num,
    "fail_timeout": _time,
    "service": lambda v: bool(v),
    "route": lambda v: bool(v),
}  # route=: for `sticky`
RESOLVER_PARAMS = {
    "valid": _time,
    "ipv4": lambda v: v in ("on", "off"),
    "ipv6": lambda v: v in ("on", "off"),
    "status_zone": lambda v: bool(v),
}
LOG_PARAMS = ("buffer=", "flush=", "if=", "gzip=")
REWRITE_FLAGS = {"last", "break", "redirect", "permanent"}
LOCATION_MODIFIERS = {"=", "~", "~*", "^~"}


def _port(text: str) -> bool:
    return text.isdigit() and 1 <= int(text) <= 65535


def _ports(text: str) -> bool:
    """A port or, in `listen`, a range of them (nginx 1.27.3+): 8182-8183."""
    low, dash, high = text.partition("-")
    return _port(low) and (not dash or (_port(high) and int(high) >= int(low)))


def _listen_address(addr: str) -> bool:
    if "$" in addr:  # no variables in listen: a word nginx cannot resolve
        return False
    if addr.startswith("unix:"):
        return len(addr) > 5
    if addr[:1].isdigit() and ":" not in addr and "." not in addr:
        return _ports(addr)
    if addr.startswith("["):
        host, sep, rest = addr[1:].partition("]")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return not rest or (rest.startswith(":") and (_ports(rest[1:]) or rest[1:] == "*"))
    host, sep, port = addr.rpartition(":")
    if sep:
        return bool(host) and (_ports(port)) and "/" not in host
    return "/" not in addr and not addr.startswith("=")


def _check_listen(args: list[str]) -> str | None:
    if not _listen_address(args[0]):
        # a word where the address goes: nginx tries it as a host name
        return (
            f'invalid port in "{args[0]}" of the "listen" directive'
            if ":" in args[0] and "$" not in args[0]
            else f'host not found in "{args[0]}" of the "listen" directive'
        )
    for a in args[1:]:
        key = a.split("=", 1)[0]
        if a in LISTEN_FLAGS or ("=" in a and key in LISTEN_PARAMS):
            continue
        return f'invalid parameter "{a}"'
    return None


def _check_upstream_server(args: list[str]) -> str | None:
    addr = args[0]
    if "$" in addr:  # no variables here: nginx looks the word up as a host name
        return f'host not found in upstream "{addr}"'
    if not addr.startswith("unix:"):
        port = addr.rsplit("]", 1)[1] if addr.startswith("[") else addr
        _host, sep, port = port.rpartition(":")
        if sep and not _port(port):
            return f'invalid port in upstream "{addr}"'
    for a in args[1:]:
        key, eq, value = a.partition("=")
        if a in UPSTREAM_FLAGS or (eq and key in UPSTREAM_PARAMS and UPSTREAM_PARAMS[key](value)):
            continue
        return f'invalid parameter "{a}"'
    return None


def _check_resolver(args: list[str]) -> str | None:
    for a in args:
        key, eq, value = a.partition("=")
        if eq and key in RESOLVER_PARAMS:
            if not RESOLVER_PARAMS[key](value):
                return f"invalid parameter: {a}"
            continue
        if eq or not a or a.startswith(("/", "$")):
            return f"invalid parameter: {a}" if eq else f'host not found in resolver "{a}"'
        _host, _, port = a.rpartition(":") if not a.startswith("[") and a.count(":") == 1 else (a, "", "")
        if port and not _port(port):
            return f'invalid port in resolver "{a}"'
    return None


def _check_return(args: list[str]) -> str | None:
    first = args[0]
    if first.isdigit():
        if len(first) != 3 or not (100 <= int(first) <= 999):
            return f'invalid return code "{first}"'
        return None
    if len(args) == 2:
        return f'invalid return code "{first}"'
    if first.startswith(("http://", "https://", "$")):
        return None
    return f'invalid return code "{first}"'


def _check_proxy_pass(args: list[str]) -> str | None:
    url = args[0]
    if VAR_RE.search(url):
        return None
    low = url.lower()
    if not low.startswith(("http://", "https://")):
        return f'invalid URL prefix in "{url}"'
    rest = url.split("://", 1)[1]
    if rest.startswith("unix:"):  # http://unix:/path/to.sock:/uri (ngx_parse_unix_domain_url)
        return None if len(rest) > 5 and rest[5:6] == "/" else f'no path in the unix domain socket "{rest}"'
    if not rest or rest.startswith("/"):
        return f'no host in "{url}"' if not rest else f'no host in upstream "{url}"'
    authority = rest.split("/", 1)[0]
    if authority.startswith("["):
        _host, _, tail = authority[1:].partition("]")
        port = tail[1:] if tail.startswith(":") else ""
    else:
        _host, sep, port = authority.partition(":")
        if sep and not port:
            return f'invalid port in upstream "{rest}"'
    if port and not _port(port):
        return f'invalid port in upstream "{rest}"'
    return None


def _check_error_page(args: list[str]) -> str | None:
    for a in args[:-1]:
        if a.startswith("="):
            if a != "=" and not a[1:].isdigit():
                return f'invalid value "{a}"'
            continue
        if not a.isdigit():
            return f'invalid value "{a}"'
        if not 300 <= int(a) <= 599:
            return f'value "{a}" must be between 300 and 599'
    if args[-1].startswith("=") and len(args) > 1:
        return f'invalid value "{args[-1]}"'
    return None


def _check_add_header(args: list[str]) -> str | None:
    if len(args) == 3 and args[2] != "always":
        return f'invalid parameter "{args[2]}"'
    return None


def _check_location(args: list[str]) -> str | None:
    if len(args) == 2 and args[0] not in LOCATION_MODIFIERS:
        return f'invalid location modifier "{args[0]}"'
    return None


def _check_set(args: list[str]) -> str | None:
    if not args[0].startswith("$") or len(args[0]) < 2:
        return f'invalid variable name "{args[0]}"'
    return None


def _check_rewrite(args: list[str]) -> str | None:
    if len(args) == 3 and args[2] not in REWRITE_FLAGS:
        return f'invalid parameter "{args[2]}"'
    return None


def _check_access_log(args: list[str]) -> str | None:
    if args[0] == "off":
        return None if len(args) == 1 else f'invalid parameter "{args[1]}"'
    for a in args[2:]:
        if a == "gzip" or a.startswith(LOG_PARAMS):
            continue
        return f'invalid parameter "{a}"'
    return None


def _check_keepalive_timeout(args: list[str]) -> str | None:
    if not all(_time(a) for a in args):
        return "invalid value"
    return None


def _check_worker_processes(args: list[str]) -> str | None:
    return None if args[0] == "auto" or args[0].isdigit() else "invalid value"


def _check_cache_valid(args: list[str]) -> str | None:
    if not _time(args[-1]):
        return f'invalid time value "{args[-1]}"'
    for a in args[:-1]:
        if a != "any" and not (a.isdigit() and 100 <= int(a) <= 599):
            return f'invalid status "{a}"'
    return None


LOG_LEVELS = ("stderr", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug")
DEBUG_LEVELS = ("debug_core", "debug_alloc", "debug_mutex", "debug_event", "debug_http", "debug_mail", "debug_stream")
# The accounts of the image (Debian's base ones and the image's `nginx`).
USERS = {
    "root",
    "daemon",
    "bin",
    "sys",
    "sync",
    "games",
    "man",
    "lp",
    "mail",
    "news",
    "uucp",
    "proxy",
    "www-data",
    "backup",
    "list",
    "irc",
    "_apt",
    "nobody",
    "nginx",
}
GROUPS = USERS - {"sync", "_apt", "nobody"} | {
    "adm",
    "tty",
    "disk",
    "kmem",
    "dialout",
    "fax",
    "voice",
    "cdrom",
    "floppy",
    "tape",
    "sudo",
    "audio",
    "dip",
    "operator",
    "src",
    "shadow",
    "utmp",
    "video",
    "sasl",
    "plugdev",
    "staff",
    "users",
    "nogroup",
}


def _check_error_log(args: list[str]) -> str | None:
    seen: set[str] = set()
    for a in args[1:]:
        if a not in LOG_LEVELS[1:] and a not in DEBUG_LEVELS:
            return f'invalid log level "{a}"'
        if seen and (a in LOG_LEVELS or any(x in LOG_LEVELS for x in seen)):
            return f'duplicate log level "{a}"'
        seen.add(a)
    return None


def _check_user(args: list[str]) -> str | None:
    if args[0] not in USERS:
        return f'getpwnam("{args[0]}") failed'
    if len(args) == 2 and args[1] not in GROUPS:
        return f'getgrnam("{args[1]}") failed'
    return None


RATE_RE = re.compile(r"rate=\d+r/[sm]")


def _check_limit_req_zone(args: list[str]) -> str | None:
    for a in args[1:]:
        if a.startswith("rate=") and not RATE_RE.fullmatch(a):
            return f'invalid rate "{a}"'
    return None


VALUE_CHECKS: dict[str, Callable[[list[str]], str | None]] = {
    "limit_req_zone": _check_limit_req_zone,
    "listen": _check_listen,
    "resolver": _check_resolver,
    "return": _check_return,
    "proxy_pass": _check_proxy_pass,
    "error_page": _check_error_page,
    "add_header": _check_add_header,
    "location": _check_location,
    "set": _check_set,
    "rewrite": _check_rewrite,
    "access_log": _check_access_log,
    "keepalive_timeout": _check_keepalive_timeout,
    "worker_processes": _check_worker_processes,
    "proxy_cache_valid": _check_cache_valid,
    "error_log": _check_error_log,
    "user": _check_user,
}


def _slot_error(entry: directives.Entry, args: list[str]) -> str | None:
    """What nginx's own set function says of the value (src/core/ngx_conf_file.c)."""
    name, slot, value = entry.name, entry.set, args[0] if args else ""
    if slot == "ngx_conf_set_flag_slot" and value.lower() not in ("on", "off"):
        return f'invalid value "{value}" in "{name}" directive, it must be "on" or "off"'
    if slot == "ngx_conf_set_enum_slot" and value.lower() not in {v.lower() for v in entry.values}:
        return f'invalid value "{value}"'
    if slot == "ngx_conf_set_bitmask_slot":
        known = {v.lower() for v in entry.values}
        bad = next((a for a in args if a.lower() not in known), None)
        return f'invalid value "{bad}"' if bad is not None else None
    if slot in ("ngx_conf_set_msec_slot", "ngx_conf_set_sec_slot") and not _time(value):
        return f'"{name}" directive invalid value'
    if slot in ("ngx_conf_set_size_slot", "ngx_conf_set_off_slot") and not _size(value):
        return f'"{name}" directive invalid value'
    if (slot == "ngx_conf_set_num_slot" or (slot is None and name in NUMBER)) and not _num(value):
        return f'"{name}" directive invalid number' if name != "worker_connections" else f'invalid number "{value}"'
    return None


def _value_error(entry: directives.Entry, args: list[str], ctx: tuple[str, ...]) -> str | None:
    if not args:
        return None
    reason = _slot_error(entry, args)
    if reason:
        return reason
    if entry.name == "server" and entry.module == "ngx_stream_upstream_module":
        return _check_upstream_server(args[:1])  # the address as http's; stream's own parameters
    if entry.mtype in ("stream", "mail"):
        return None  # the handlers below are the http (and core) modules' own
    if entry.name == "server" and entry.module == "ngx_http_upstream_module":
        return _check_upstream_server(args)
    if entry.name in VALUE_CHECKS:
        return VALUE_CHECKS[entry.name](args)
    return None


# -- directives nginx takes once per block ------------------------------------------------------
# Those whose set function is nginx's own and refuses a second one too; the rest come from the
# table: every directive parsed by one of DUPLICATE_SLOTS.
CUSTOM_ONCE = {
    "proxy_pass",
    "root",
    "alias",
    "resolver",
    "try_files",
    "charset",
    "keepalive",
    "zone",
    "worker_processes",
    "worker_connections",
    "user",
    "keepalive_timeout",
}


@lru_cache(maxsize=1)
def once() -> frozenset[str]:
    return frozenset(CUSTOM_ONCE) | {
        name for name, entries in directives.table().items() if all(e.set in DUPLICATE_SLOTS for e in entries)
    }  # in every module that has it


def _entry_error(block: str, name: str, args: list[str]) -> str | None:
    """An entry of a block whose handler reads its own entries (ngx_http_map, ngx_http_geo, the
    types handler, split_clients): what that handler refuses of its shape."""
    words = 1 + len(args)
    if name == "include":
        return None if words == 2 else 'invalid number of arguments in "include" directive'
    if block == "map":
        if words == 1 and name in ("hostnames", "volatile"):
            return None
        return None if words == 2 else "invalid number of the map parameters"
    if block == "split_clients":
        if words != 2:
            return "invalid number of arguments"
        if name != "*" and not re.fullmatch(r"\d+(\.\d+)?%", name):
            return f'invalid percent value "{name}"'
        return None
    if block == "types" and words < 2:
        return f'invalid number of arguments in "{name}" directive'
    return None


# -- variables ---------------------------------------------------------------------------------
NAMED_CAPTURE = re.compile(r"\(\?P?<(\w+)>")
DEFINES = {"set": 0, "auth_request_set": 0, "perl_set": 0, "js_set": 0}
# Directives whose arguments nginx compiles as values with variables: name -> argument positions
# (None: all).
COMPILED: dict[str, tuple[int, ...] | None] = {
    "proxy_pass": None,
    "proxy_set_header": (1,),
    "add_header": (1,),
    "set": (1,),
    "return": None,
    "rewrite": (1,),
    "try_files": None,
    "root": None,
    "alias": None,
    "proxy_redirect": None,
    "index": None,
    "error_page": (-1,),
    "map": (0,),
    "log_format": None,
    "proxy_cookie_domain": None,
    "proxy_cookie_path": None,
    "auth_request_set": (1,),
    "limit_req_zone": (0,),
    "limit_conn_zone": (0,),
    # compiled with variables since nginx 1.15.9 (loaded per handshake when they have one)
    "ssl_certificate": None,
    "ssl_certificate_key": None,
    "split_clients": (0,),
    "fastcgi_param": (1,),
    "uwsgi_param": (1,),
    "proxy_cache_key": None,
}


def _var_names(text: str) -> Iterator[str]:
    for m in VAR_RE.finditer(text):
        name = m.group(1) or m.group(2)
        if not name.isdigit():
            yield name.lower()


def _known(name: str, defined: set[str], loaded: set[str]) -> bool:
    """A variable nginx has: built in (grader/nginx/variables.py, read from nginx's binaries), of a
    dynamic module load_module loaded, or one the config defines."""
    from grader.nginx.variables import builtin

    return name in defined or builtin(name, loaded)


def _split_modifier(arg: str) -> tuple[str, str]:
    for mod in ("~*", "^~", "~", "="):
        if arg.startswith(mod) and len(arg) > len(mod):
            return mod, arg[len(mod) :]
    return "", arg


PORTLESS_PASSES = ("fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass")


def _in_http(d: Directive) -> bool:
    p = d.parent
    while p is not None:
        if p.name in ("stream", "mail"):
            return False
        if p.name == "http":
            return True
        p = p.parent
    return True  # a conf.d file: inside the image's http


class Checker:
    """Run by the parser on each directive as it is read, then on the whole config."""

    def __init__(self) -> None:
        self.loaded: set[str] = set()  # the dynamic modules' files load_module loaded so far

    def directive(self, stmt: dict, ctx: tuple[str, ...], file: str, line: int | None) -> None:
        name, args = stmt["directive"], list(stmt["args"])
        if ctx and ctx[-1] in directives.NOT_DIRECTIVES:
            reason = _entry_error(ctx[-1], name, args)
            if reason:
                raise refuse(reason, file, line)
            return
        try:
            entry = directives.find(name, ctx, len(args), "block" in stmt, self.loaded)
        except directives.Refusal as e:
            reason = e.reason
            end = stmt.get("end")
            if reason.startswith("invalid number of arguments") and line and end and end > line:
                # nginx names the line where the directive ends; the `;` is missing before it
                reason += f' (it runs on to line {end}: is a ";" missing at the end of line {line}?)'
            raise refuse(reason, file, line) from None
        if name == "load_module" and args:
            self._load(args[0], file, line)
        reason = _value_error(entry, args, ctx)
        if reason:
            raise refuse(reason, file, line)

    def _load(self, path: str, file: str, line: int | None) -> None:
        """load_module as the image has it: modules/ (a link to /usr/lib/nginx/modules) holds
        the dynamic modules' files; stream and mail are compiled in and have none."""
        full = path if path.startswith("/") else f"/etc/nginx/{path}"
        folder, _, base = full.rpartition("/")
        if (
            folder.rstrip("/") not in ("/etc/nginx/modules", "/usr/lib/nginx/modules")
            or base not in directives.module_files()
        ):
            raise refuse(
                f'dlopen() "{full}" failed ({full}: cannot open shared object file: No such file or directory)',
                file,
                line,
            )
        if base in self.loaded:
            module = base.removesuffix(".so")
            raise refuse(f'module "{module}" is already loaded', file, line)
        self.loaded.add(base)

    def whole(self, cfg: NginxConfig) -> None:
        main = cfg.main
        if not main.children("events"):
            raise refuse('no "events" section in configuration', cfg.files[0] if cfg.files else None, None)
        for kind in ("events", "http"):
            found = main.children(kind)
            if len(found) > 1:
                raise refuse(f'"{kind}" directive is duplicate', found[1].file, found[1].line)
        all_nodes = list(main.descendants())
        repeatable_not = once()
        for d in [main, *all_nodes]:
            if d.block is not None and d.name not in directives.NOT_DIRECTIVES:
                self._block(d, repeatable_not)
        self._upstreams(cfg)
        self._ports_of_passes(cfg, all_nodes)
        self._log_formats(all_nodes)
        self._variables(cfg, all_nodes, self.loaded)
        self._proxy_pass_uri(all_nodes)
        self._servers(cfg)

    @staticmethod
    def _block(block: Directive, once_only: frozenset[str]) -> None:
        seen: dict[str, Directive] = {}
        locations: dict[tuple[bool, str], Directive] = {}
        for d in block.block or []:
            if d.name in once_only:
                if d.name in seen:
                    raise refuse(f'"{d.name}" directive is duplicate', d.file, d.line)
                seen[d.name] = d
            if d.name == "location" and d.args:
                mod, pattern = (d.args[0], d.args[1]) if len(d.args) == 2 else _split_modifier(d.args[0])
                if block.name == "location" and block.args:
                    pmod, ppattern = (
                        (block.args[0], block.args[1]) if len(block.args) == 2 else _split_modifier(block.args[0])
                    )
                    if pmod == "=":
                        raise refuse(
                            f'location "{pattern}" cannot be inside the exact location "{ppattern}"', d.file, d.line
                        )
                    if ppattern.startswith("@"):
                        raise refuse(
                            f'location "{pattern}" cannot be inside the named location "{ppattern}"', d.file, d.line
                        )
                    if pattern.startswith("@"):
                        raise refuse(f'named location "{pattern}" can be on the server level only', d.file, d.line)
                    if pmod not in ("~", "~*") and mod not in ("~", "~*") and not pattern.startswith(ppattern):
                        raise refuse(f'location "{pattern}" is outside location "{ppattern}"', d.file, d.line)
                if mod in ("~", "~*"):
                    continue
                key = (mod == "=", pattern)
                if key in locations:
                    raise refuse(f'duplicate location "{pattern}"', d.file, d.line)
                locations[key] = d

    @staticmethod
    def _listens(server: Directive) -> None:
        seen: set[str] = set()
        for d in server.children("listen"):
            if not d.args:
                continue
            addr = d.args[0]
            key = (
                f"0.0.0.0:{addr}"
                if addr.isdigit()
                else (addr if ":" in addr or addr.startswith("unix:") else f"{addr}:80")
            )
            if key in seen:
                raise refuse(f"a duplicate listen {key}", d.file, d.line)
            seen.add(key)

    @staticmethod
    def _upstreams(cfg: NginxConfig) -> None:
        names: set[str] = set()
        http_resolver = bool(cfg.http.children("resolver")) if cfg.http is not cfg.main else False
        sized = {z.args[0] for u in cfg.http.children("upstream") for z in u.children("zone") if len(z.args) == 2}
        for up in cfg.http.children("upstream"):
            name = up.args[0] if up.args else ""
            for z in up.children("zone"):
                if len(z.args) == 2 and not _size(z.args[1]):
                    raise refuse(f'invalid zone size "{z.args[1]}"', z.file, z.line)
                if len(z.args) == 1 and z.args[0] not in sized:
                    raise refuse(f'zero size shared memory zone "{z.args[0]}"', z.file, z.line)
            if name in names:
                raise refuse(f'duplicate upstream "{name}"', up.file, up.line)
            names.add(name)
            servers = up.children("server")
            if not servers:
                raise refuse("no servers are inside upstream", up.file, up.line)
            if any("resolve" in s.args[1:] for s in servers):
                if not up.children("zone"):
                    raise refuse(
                        f'resolving names at run time requires upstream "{name}" in '
                        f"{up.file}:{up.line} to be in shared memory",
                        up.file,
                        up.line,
                    )
                if not up.children("resolver") and not http_resolver:
                    raise refuse(
                        f'no resolver defined to resolve names at run time in upstream "{name}"', up.file, up.line
                    )
            for s in servers:
                if any(a.startswith("service=") for a in s.args[1:]) and "resolve" not in s.args[1:]:
                    raise refuse('service upstream "' + name + '" requires "resolve" parameter', s.file, s.line)

    @staticmethod
    def _ports_of_passes(cfg: NginxConfig, nodes: list[Directive]) -> None:
        """fastcgi_pass, uwsgi_pass, scgi_pass and memcached_pass have no default port: a name
        without one must be an upstream (ngx_parse_url with no_port, then the upstream list)."""
        upstreams = {u.args[0] for u in cfg.http.children("upstream") if u.args}
        for d in nodes:
            if d.name not in PORTLESS_PASSES or not d.args or "$" in d.args[0]:
                continue
            target = d.args[0]
            for scheme in ("uwsgi://", "suwsgi://"):
                target = target.removeprefix(scheme)
            if target.startswith("unix:") or target in upstreams:
                continue
            host = target.rsplit("]", 1)[1] if target.startswith("[") else target
            if ":" not in host:
                raise refuse(f'no port in upstream "{target}"', d.file, d.line)

    @staticmethod
    def _log_formats(nodes: list[Directive]) -> None:
        """access_log names a log_format defined before it (in http; "combined" is built in):
        nginx looks the name up as it reads the directive."""
        names = {"combined"}
        for d in nodes:
            if d.name == "log_format" and d.args and _in_http(d):
                names.add(d.args[0])
            if d.name != "access_log" or len(d.args) < 2 or d.args[0] == "off" or not _in_http(d):
                continue
            fmt = d.args[1]
            if "=" in fmt or fmt == "gzip":
                continue
            if fmt not in names:
                raise refuse(f'unknown log format "{fmt}"', d.file, d.line)

    @staticmethod
    def _variables(cfg: NginxConfig, nodes: list[Directive], loaded: set[str]) -> None:
        defined: set[str] = set()
        for d in nodes:
            if d.name in DEFINES and d.args:
                defined.add(d.args[DEFINES[d.name]].lstrip("$").lower())
            elif d.name in ("map", "split_clients") and len(d.args) >= 2:
                defined.add(d.args[1].lstrip("$").lower())
            elif d.name == "geo" and d.args:
                defined.add(d.args[-1].lstrip("$").lower())
            for a in d.args:
                defined.update(n.lower() for n in NAMED_CAPTURE.findall(a))
        for d in nodes:
            positions = COMPILED.get(d.name, ())
            parent = d.parent.name if d.parent is not None else ""
            if parent == "map":
                args = d.args[-1:] if d.name not in ("hostnames", "volatile", "include") else []
            elif d.name == "if":
                args = [a for i, a in enumerate(d.args) if i == 0 or (i >= 2 and d.args[i - 1] in ("=", "!="))]
            elif positions is None:
                args = d.args
            else:
                args = [d.args[i] for i in positions if -len(d.args) <= i < len(d.args)]
            for a in args:
                for m in re.finditer(r"\$\{(\w*)(.?)", a):
                    if m.group(2) != "}":
                        raise refuse(f'the closing bracket in "{m.group(1)}" variable is missing', d.file, d.line)
                for name in _var_names(a):
                    if not _known(name, defined, loaded):
                        raise refuse(f'unknown "{name}" variable', d.file, d.line)

    @staticmethod
    def _proxy_pass_uri(nodes: list[Directive]) -> None:
        for d in nodes:
            if d.name != "proxy_pass" or not d.args or VAR_RE.search(d.args[0]):
                continue
            rest = d.args[0].split("://", 1)[-1]
            if "/" not in rest:
                continue
            parent = d.parent
            if parent is None:
                continue
            regex = parent.name == "location" and (
                parent.args[0] in ("~", "~*") or parent.args[0].startswith("@") or parent.args[0].startswith("~")
            )
            if regex or parent.name in ("if", "limit_except"):
                raise refuse(
                    '"proxy_pass" cannot have URI part in location given by regular expression, or '
                    'inside named location, or inside "if" statement, or inside "limit_except" block',
                    d.file,
                    d.line,
                )

    @staticmethod
    def _servers(cfg: NginxConfig) -> None:
        defaults: dict[int, Directive] = {}
        for s in cfg.servers():
            Checker._listens(s)
            for listen in s.children("listen"):
                if not listen.args or listen.args[0].startswith("unix:"):
                    continue
                if "default_server" in listen.args[1:] or "default" in listen.args[1:]:
                    six = listen.args[0].startswith("[")
                    port = NginxConfig.listen_ports(Directive("server", [], "", 0, [listen]))[0]
                    key = port if not six else -port
                    if key in defaults:
                        raise refuse(f"a duplicate default server for {listen.args[0]}", listen.file, listen.line)
                    defaults[key] = s
