"""The documentation site built once per test session (mkdocs build --strict into a temporary
folder), for tests/test_docs.py and tests/test_docs_browser.py."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import REPO


@functools.cache
def _build() -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = Path(tempfile.mkdtemp(prefix="grader-site-")) / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's banner about MkDocs 2.0, not a problem of ours
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    return out, proc


def built_site() -> Path:
    """The built site's folder; the test fails (never skips) when the build does."""
    try:
        import mkdocs  # noqa: F401
    except ImportError:
        pytest.fail('mkdocs is missing: pip install ".[docs]" (scripts/setup.sh does)')
    out, proc = _build()
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return out


def page_file(site: Path, url: str) -> Path:
    """The built file a site address (`https://…/ko/checks/c103/`, or a path under the site's
    root) is served from."""
    from grader.report.links import docs_url

    path = url[len(docs_url()) :] if url.startswith(docs_url()) else url
    path = path.split("#", 1)[0]
    return site / path / "index.html" if path.endswith("/") or not path else site / path
