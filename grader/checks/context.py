"""What a check reads: the models and roles of one workspace and the rubric's parameters.
A check never opens a file."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from grader.compose.model import ComposeModel, Service
from grader.nginx.model import Directive, NginxConfig, ProxyTarget
from grader.results import Finding, Status
from grader.workspace import Workspace


@dataclass
class ApiRoute:
    server: Directive
    location: Directive
    target: ProxyTarget | None


@dataclass
class CheckContext:
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
        return str(self.params.get("api_path", "/api/posts"))

    @cached_property
    def api_route(self) -> ApiRoute | None:
        front = self.frontend
        ports = [n for p in front.ports for n in p.target_numbers()] if front else []
        found = self.nginx.api_route(self.api_path, ports)
        if found is None:
            return None
        server, location = found
        return ApiRoute(server, location, self.nginx.proxy_target(location))

    # -- findings ----------------------------------------------------------------------------
    def at_compose(self, status: Status, key: str, line: int | None, **params: Any) -> Finding:
        # A line read from the project knows its file (the override, an included or extended file).
        return Finding(status, key, params, getattr(line, "file", None) or self.compose_rel,
                       int(line) if line is not None else None)

    def at(self, status: Status, key: str, node: Directive | None, **params: Any) -> Finding:
        if node is None:
            return Finding(status, key, params, self.ws.nginx_rel, None)
        return Finding(status, key, params, node.file, node.line)

    def missing_role(self, *roles: str) -> Finding | None:
        """The finding for the first of `roles` (backend, frontend) the compose file lacks;
        None when all are there. Checks start with it instead of testing each role."""
        for role in roles:
            if role == "backend" and self.backend is None:
                return self.no_backend()
            if role == "frontend" and self.frontend is None:
                return self.no_frontend()
        return None

    def no_backend(self) -> Finding:
        return self.at_compose(Status.FAIL, "no_backend", None, services=", ".join(self.compose.services))

    def no_frontend(self) -> Finding:
        return self.at_compose(Status.FAIL, "no_frontend", None, services=", ".join(self.compose.services))

    def no_api_route(self) -> Finding:
        route = self.api_route
        if route is None:
            servers = self.nginx.servers()
            return self.at(Status.FAIL, "no_api_location", servers[0] if servers else None, path=self.api_path)
        return self.at(Status.FAIL, "no_proxy_pass", route.location, path=self.api_path,
                       location=" ".join(route.location.args))
