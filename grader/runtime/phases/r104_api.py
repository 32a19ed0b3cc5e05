"""R5: the API answers through the frontend's published port: GET and POST of the list path
return JSON. A failure says what nginx answered (502: it could not reach the backend)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.results import Finding, Status
from grader.runtime.outcome import PhaseOutcome, backoff

if TYPE_CHECKING:  # the static path imports the phases for their codes: no HTTP client there
    from grader.runtime.http import Response
    from grader.runtime.stack import Stack

CODE = "R104"
SLUG = "runtime.api"
NEEDS = ("runtime.replicas",)
KEYS = ("pass", "no_frontend", "not_published", "no_answer", "bad_gateway", "not_found", "not_json", "status")


def frontend_port(stack: Stack) -> tuple[int | None, int | None]:
    """(container port, host port) of the frontend, as Docker published it for this run; the
    ports the API's nginx server listens on first."""
    svc = stack.model.service(stack.frontend)
    if svc is None or not svc.ports:
        return None, None
    targets = [n for p in svc.ports for n in p.target_numbers()]
    route = stack.ws.api_route
    if route is not None and stack.ws.nginx is not None:
        listening = stack.ws.nginx.listen_ports(route.server)
        targets.sort(key=lambda t: t not in listening)
    for t in targets:
        host = stack.engine.published_port(stack.frontend or "", t)
        if host is not None:
            return t, host
    return targets[0], None


def body(stack: Stack, marker: str) -> dict[str, Any]:
    return {k: (v.format(marker=marker) if isinstance(v, str) else v) for k, v in stack.opt.create_body.items()}


def failure(stack: Stack, r: Response) -> Finding:
    params = {"request": f"{r.method} {r.path}", "status": r.status, "error": r.error or ""}
    if r.status is None:
        return stack.at_compose(Status.FAIL, "no_answer", None, **params)
    if r.status in (502, 503, 504):
        return stack.at_route(Status.FAIL, "bad_gateway", **params)
    if r.status == 404:
        return stack.at_route(Status.FAIL, "not_found", **params)
    if r.ok:
        return stack.at_route(Status.FAIL, "not_json", **params)
    return stack.at_route(Status.FAIL, "status", **params)


def run(stack: Stack) -> PhaseOutcome:
    if stack.frontend is None:
        return PhaseOutcome([stack.at_compose(Status.FAIL, "no_frontend", None,
                                              services=", ".join(stack.model.services))])
    target, host = frontend_port(stack)
    if host is None:
        svc = stack.model.service(stack.frontend)
        return PhaseOutcome([stack.at_compose(Status.FAIL, "not_published", svc.line if svc else None,
                                              service=stack.frontend)])
    from grader.runtime.http import Client

    stack.client = Client("127.0.0.1", host)
    last: Response | None = None
    for _ in backoff(stack.opt.ready_timeout, first=0.2, most=1.5):
        last = stack.client.get(stack.opt.list_path)
        stack.progress.status(last.describe())
        if last.ok and last.is_json():
            break
    assert last is not None
    details = [{"message": f"{last.describe()} via 127.0.0.1:{host} (container port {target})"}]
    if not (last.ok and last.is_json()):
        return PhaseOutcome([failure(stack, last)], details, last.body[:2000].decode("utf-8", "replace"))
    created = stack.client.post(stack.opt.create_path, body(stack, "api check"))
    details.append({"message": created.describe()})
    if not (created.ok and created.is_json()):
        return PhaseOutcome([failure(stack, created)], details, created.body[:2000].decode("utf-8", "replace"))
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", path=stack.opt.list_path,
                                          status=last.status, port=host)], details)
