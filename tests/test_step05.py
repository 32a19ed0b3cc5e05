"""The learner's starting point (step 05) must fail C1, C2, C4, C7 and N2."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import by_slug, grade_json, shared_path


def test_step05_fails_what_the_step_asks_to_change(tmp_path: Path) -> None:
    ws = tmp_path / "workshop"
    shutil.copytree(shared_path("reference", "step-05"), ws)
    # step-05's compose file lives in the corpus (case 01 is complete/step-05 of the workshop).
    shutil.copy(shared_path("corpus", "dev", "01-handson-step05", "docker-compose.yml"), ws / "docker-compose.yml")
    # As shipped, its nginx.conf does not load: nginx knows no gzip_proxied "must-revalidate".
    code, report = grade_json(ws)
    assert code == 2
    refused = by_slug(report)["nginx.api-location"]  # one finding; the nginx checks are blocked by it
    assert refused["status"] == "error" and refused["line"] == 50
    assert 'invalid value "must-revalidate"' in refused["message"]
    assert by_slug(report)["nginx.dynamic-backend-resolution"]["blocked_by"] == "N100"
    conf = ws / "frontend" / "nginx.conf"
    conf.write_text(conf.read_text(encoding="utf-8").replace(" must-revalidate", ""), encoding="utf-8")
    code, report = grade_json(ws)
    results = by_slug(report)
    for slug in (
        "compose.backend-no-container-name",
        "compose.backend-no-published-ports",
        "compose.network-appnet",
        "compose.frontend-depends-on-backend",
        "nginx.dynamic-backend-resolution",
    ):
        assert results[slug]["status"] == "fail", (slug, results[slug])
    assert code == 1
    # The nginx config was found through the frontend Dockerfile's COPY into conf.d.
    assert results["nginx.dynamic-backend-resolution"]["file"] == "frontend/nginx.conf"
    # step-05 publishes 3000:80 and nginx listens on 80: that part is right.
    assert results["compose.frontend-port-matches-listen"]["status"] == "pass"
