"""What a check reads: the models and roles of one workspace and the rubric's parameters.
A check never opens a file.

The models are imported for type checking only: `grader list` and `grader explain` import
every check module for its texts and should not load the Compose and nginx models with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grader.errors import InputError
from grader.results import Finding, Status

if TYPE_CHECKING:
    from grader.compose.model import ComposeModel, Service
    from grader.nginx.model import ApiRoute, Directive, NginxConfig
    from grader.workspace import Workspace


@dataclass
class CheckContext:
    """What a check reads: the workspace and the rubric's parameters."""

    ws: Workspace
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def compose(self) -> ComposeModel:
        assert self.ws.compose is not None
        return self.ws.compose

    @property
    def nginx(self) -> NginxConfig:
        assert self.ws.nginx is not None
        return self.ws.nginx

    @property
    def compose_rel(self) -> str:
        return self.ws.compose_rel or ""

    @property
    def backend(self) -> Service | None:
        return self.ws.role("backend")

    @property
    def frontend(self) -> Service | None:
        return self.ws.role("frontend")

    @property
    def api_path(self) -> str:
        return self.ws.api_path

    @property
    def api_route(self) -> ApiRoute | None:
        return self.ws.api_route

    def names_backend(self, host: str) -> bool:
        """`host` is the backend's service name, or a network alias of it (Docker's DNS answers
        both with every replica)."""
        backend = self.backend
        if backend is None:
            return False
        aliased = self.compose.by_alias(host)
        return host == backend.name or (aliased is not None and aliased[0].name == backend.name)

    # -- findings ----------------------------------------------------------------------------
    def at_compose(self, status: Status, key: str, line: int | None, **params: Any) -> Finding:
        # A line read from the project knows its file (the override, an included or extended file).
        from grader.submission.yamlfile import file_of

        return Finding(status, key, params, file_of(line, self.compose_rel), int(line) if line is not None else None)

    def at(self, status: Status, key: str, node: Directive | None, **params: Any) -> Finding:
        if node is None:
            return Finding(status, key, params, self.ws.nginx_rel, None)
        return Finding(status, key, params, node.file, node.line)

    # -- what a check needs ----------------------------------------------------------------
    def unmet(self, needs: tuple[str, ...]) -> tuple[str, Finding] | None:
        """The first of `needs` that is missing, as (need, the finding that says why). A role
        or the API's location needs its file first: when the file is what is missing, the
        need named is the file's ("compose", "nginx"), so the blocked check says so."""
        for need in needs:
            for basic in (*_UNDER.get(need, ()), need):
                if (cause := self.cause(basic)) is not None:
                    return basic, cause
        return None

    def cause(self, need: str) -> Finding | None:
        """Why `need` (one of NEEDS_KNOWN) is not there, as the one finding that says so and
        carries the fix; None when it is there. A check that declares the need never runs
        without it: it is blocked by the check that PROVIDES the need (grader.grade)."""
        if need == "compose":
            return self._input_error(self.ws.compose_error, "no compose file") if self.ws.compose is None else None
        if need == "frontend_image":
            return self.image_not_built()
        if need == "nginx":
            return self._input_error(self.ws.nginx_error, "no nginx config") if self.ws.nginx is None else None
        if need in ("backend", "frontend"):
            if (cause := self.cause("compose")) is not None:
                return cause
            if need == "backend":
                return self.no_backend() if self.backend is None else None
            return self.no_frontend() if self.frontend is None else None
        if need == "api_route":
            if (cause := self.cause("nginx")) is not None:
                return cause
            route = self.api_route
            return self.no_api_route() if route is None or route.target is None else None
        raise ValueError(f"unknown need {need!r} (known: {', '.join(NEEDS_KNOWN)})")

    def _input_error(self, err: InputError | None, default: str) -> Finding:
        err = err or InputError(default)
        return Finding(Status.ERROR, "input_error", {"error": str(err)}, err.file, err.line)

    def _services_line(self) -> int | None:
        root = self.compose.root
        return root.line_of("services") if "services" in root.items else None

    def _candidates(self) -> list[Service]:
        """Services that could be the backend: all but the frontend and database images."""
        front = self.ws.roles.get("frontend")
        return [s for s in self.compose.services.values() if s.name != front and not is_database_service(s)]

    def no_backend(self) -> Finding:
        if self.ws.compose_error is not None:
            # The project was loaded only in part (a file it includes could not be read): that
            # file, not the backend's name, is why the backend is not there.
            return self._input_error(self.ws.compose_error, "")
        services = ", ".join(self.compose.services)
        candidates = self._candidates()
        one = candidates[0] if len(candidates) == 1 else None
        candidate = one.name if one else "NAME"
        line = one.line if one else self._services_line()
        route = self.api_route if self.ws.nginx is not None else None
        hosts = self._proxied_hosts(route)
        # A backend that is there but only in a profile: `up` does not start it.
        for name in [h for h, _ in hosts] + ["backend"]:
            if name in self.compose.inactive:
                return self.at_compose(Status.FAIL, "backend_in_profile", self.compose.inactive[name], service=name)
        if hosts:
            host, node = hosts[0]
            return self.at_compose(
                Status.FAIL,
                "backend_unknown_host",
                line,
                services=services,
                host=host,
                where=f"{node.file}:{node.line}",
                candidate=candidate,
            )
        return self.at_compose(Status.FAIL, "no_backend", line, services=services, candidate=candidate)

    def _proxied_hosts(self, route: ApiRoute | None) -> list[tuple[str, Any]]:
        t = route.target if route else None
        if t is None or t.url is None:
            return []
        if t.upstream is not None:
            return [(s.host, s) for s in t.upstream.servers if s.host]
        return [(t.host, t.directive)] if t.host else []

    def image_not_built(self) -> Finding | None:
        """The COPY that would put nginx's config into the frontend's image fails the build (C111):
        there is no image whose nginx the checks could judge."""
        f = self.ws.config_not_built
        if f is None:
            return None
        return Finding(Status.FAIL, "config_not_built", {"instruction": f.instruction}, f.dockerfile, f.line)

    def no_frontend(self) -> Finding:
        if self.ws.compose_error is not None:
            return self._input_error(self.ws.compose_error, "")
        return self.at_compose(
            Status.FAIL, "no_frontend", self._services_line(), services=", ".join(self.compose.services)
        )

    def config_not_read(self) -> Finding | None:
        """A file of the submission put where nginx never reads it (`sites-enabled/`, a name not
        ending .conf): when no server serves the API, that placement is why."""
        src = self.ws.nginx_source
        read = set(self.nginx.files)
        for target, rel in src.files.items():
            by = src.placed.get(target)
            if rel in read or by is None or target == src.main:
                continue
            return Finding(
                Status.FAIL,
                "config_not_read",
                {"how": by[2], "file": rel, "target": target, "main": src.main, "path": self.api_path},
                by[0],
                by[1],
            )
        return None

    def _answered(self, route: ApiRoute) -> Finding | None:
        """nginx answers the API itself (a return, a redirect, an error on the way): say which
        directive did it; None when the location simply has no proxy_pass."""
        o = route.outcome
        assert o is not None
        # A location without proxy_pass that serves a file is said by no_proxy_pass instead.
        deciding = [
            s for s in o.steps if s.what in ("return", "rewrite", "deny", "auth_basic", "proxy_pass", "cycle", "host")
        ]
        stop = next(
            (
                s
                for s in reversed(o.steps)
                if s.what in ("break", "rewrite")
                and s.node is not None
                and (s.what == "break" or (s.node.args[2:3] in (["break"], ["last"])))
            ),
            None,
        )
        last = deciding[-1] if deciding else None
        if (
            last is not None
            and last.what == "proxy_pass"
            and stop is not None
            and stop.node is not None
            and last.node is not None
        ):
            from grader.nginx.model import VAR_RE

            raw = last.node.args[0] if last.node.args else ""
            var = next((m.group(0) for m in VAR_RE.finditer(raw)), raw)
            return self.at(
                Status.FAIL,
                "api_empty_variable",
                last.node,
                path=self.api_path,
                raw=raw,
                answer=o.status,
                var=var,
                stop=f"{stop.node.name} {' '.join(stop.node.args)}",
                stop_where=f"{stop.node.file}:{stop.node.line}",
            )
        if last is not None and last.what == "proxy_pass" and last.node is not None:
            elsewhere = self._set_elsewhere(last.node)
            if elsewhere is not None:
                return elsewhere
        if last is None or last.node is None:
            return None
        node = last.node
        return self.at(
            Status.FAIL,
            "api_answered",
            node,
            path=self.api_path,
            answer=o.status,
            cause=f"{node.name} {' '.join(node.args)}".strip(),
            redirect=o.redirect or "",
        )

    def _set_elsewhere(self, proxy: Directive) -> Finding | None:
        """proxy_pass of a variable that no `set` on the request's way gives a value: nginx sends
        an empty URL (500). When a `set` of it is elsewhere (a sibling location), that is the cause."""
        from grader.nginx.model import VAR_RE

        raw = proxy.args[0] if proxy.args else ""
        names = [m.group(0) for m in VAR_RE.finditer(raw)]
        if not names:
            return None
        on_way = {id(a) for a in proxy.ancestors()}
        for var in names:
            sets = [
                d
                for d in self.nginx.main.descendants()
                if d.name == "set" and d.args[:1] == [var] and id(d.parent) not in on_way
            ]
            if sets:
                where = sets[0].parent
                place = f"{where.name} {' '.join(where.args)}".strip() if where is not None else "main"
                return self.at(
                    Status.FAIL,
                    "api_variable_set_elsewhere",
                    proxy,
                    path=self.api_path,
                    raw=raw,
                    var=var,
                    place=place,
                    set_where=f"{sets[0].file}:{sets[0].line}",
                )
        return None

    def _error_page_never(self, location: Directive) -> Finding | None:
        """`error_page 404 … @name` in the API's location, behind a `try_files` whose last part is a
        file URI: try_files ends there instead of answering 404, so the error page never runs."""
        pages = [d for d in location.children("error_page") if "404" in d.args[:-1] and d.args[-1].startswith("@")]
        tries = location.children("try_files")
        if not pages or not tries or not tries[0].args or tries[0].args[-1].startswith("="):
            return None
        page, fallback = pages[0], tries[0].args[-1]
        return self.at(
            Status.FAIL,
            "error_page_never",
            page,
            path=self.api_path,
            location=" ".join(location.args),
            fallback=fallback,
            try_where=f"{tries[0].file}:{tries[0].line}",
            named=page.args[-1],
        )

    def no_api_route(self) -> Finding:
        route = self.api_route
        if route is not None and route.server.origin is not None:
            # The image's own server (conf.d/default.conf, kept by the Dockerfile) answers first.
            names = " ".join(a for d in route.server.children("server_name") for a in d.args)
            return self.at(
                Status.FAIL,
                "image_default_server",
                route.server,
                origin=route.server.origin,
                path=self.api_path,
                names=names,
            )
        if route is None:
            unread = self.config_not_read()
            if unread is not None:
                return unread
            servers = self.nginx.servers()
            return self.at(Status.FAIL, "no_api_location", servers[0] if servers else None, path=self.api_path)
        if route.outcome is not None and route.outcome.kind == "response":
            answered = self._answered(route)
            if answered is not None:
                return answered
        if route.location.name != "location":
            return self.at(Status.FAIL, "no_api_location", route.server, path=self.api_path)
        never = self._error_page_never(route.location)
        if never is not None:
            return never
        return self.at(
            Status.FAIL, "no_proxy_pass", route.location, path=self.api_path, location=" ".join(route.location.args)
        )


NEEDS_KNOWN = ("compose", "nginx", "backend", "frontend", "api_route", "frontend_image")
# A need is looked for after those under it: nginx's config is judged only in an image that builds.
_UNDER = {
    "backend": ("compose",),
    "frontend": ("compose",),
    "api_route": ("frontend_image", "nginx"),
    "nginx": ("frontend_image",),
}
DB_IMAGES = ("postgres", "mysql", "mariadb", "mongo", "mssql", "cockroach", "couchdb", "cassandra", "redis")


def is_database_service(s: Service) -> bool:
    """A service running a database server (by its image, or named db/database)."""
    image = str(s.image.value).lower() if s.image else ""
    name = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    return any(i in name for i in DB_IMAGES) or s.name.lower() in ("db", "database")
