"""What a check reads: the models and roles of one workspace and the rubric's parameters.
A check never opens a file."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.compose.model import ComposeModel, Service
from grader.nginx.model import ApiRoute, Directive, NginxConfig
from grader.results import Finding, Status
from grader.workspace import Workspace


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
        return self.ws.api_path

    @property
    def api_route(self) -> ApiRoute | None:
        return self.ws.api_route

    # -- findings ----------------------------------------------------------------------------
    def at_compose(self, status: Status, key: str, line: int | None, **params: Any) -> Finding:
        return Finding(status, key, params, self.compose_rel, line)

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
