"""The frontend image as its Dockerfile builds it: where the nginx config lands decides what
nginx serves. A relative COPY destination is under the WORKDIR the build has reached, and a
COPY --from an earlier stage brings what that stage copied from the build context. Both
stacks were run for real (`grader run`: every runtime check passes); the static grade must
agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import by_slug, grade_json

DOCKERFILES = {
    "relative destination under WORKDIR": (
        "FROM nginx:1.30\nRUN rm -f /etc/nginx/conf.d/default.conf\nWORKDIR /etc/nginx/conf.d\n"
        "COPY nginx.conf default.conf\nCOPY html/ /usr/share/nginx/html/\n"
    ),
    "relative folder destination under WORKDIR": (
        "FROM nginx:1.30\nRUN rm -f /etc/nginx/conf.d/default.conf\nWORKDIR /etc/nginx/conf.d\n"
        "COPY nginx.conf ./\nCOPY html/ /usr/share/nginx/html/\n"
    ),
    "config copied from an earlier stage": (
        "FROM python:3.13-slim AS config\nWORKDIR /build\nCOPY nginx.conf .\n\n"
        "FROM nginx:1.30\nRUN rm -f /etc/nginx/conf.d/default.conf\n"
        "COPY --from=config /build/nginx.conf /etc/nginx/conf.d/default.conf\nCOPY html/ /usr/share/nginx/html/\n"
    ),
    "a folder copied from an earlier stage by number": (
        "FROM python:3.13-slim\nCOPY nginx.conf /out/conf.d/default.conf\n\n"
        "FROM nginx:1.30\nCOPY --from=0 /out/conf.d/ /etc/nginx/conf.d/\nCOPY html/ /usr/share/nginx/html/\n"
    ),
}


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_the_config_lands_where_the_build_puts_it(ws: Path, name: str) -> None:
    (ws / "frontend" / "Dockerfile").write_text(DOCKERFILES[name])
    code, report = grade_json(ws)
    assert code == 0, [(r["code"], r["message"]) for r in report["results"] if r["status"] != "pass"]
    assert by_slug(report)["nginx.api-location"]["file"] == "frontend/nginx.conf"
