"""The documentation site: it builds with `mkdocs build --strict` (no broken link, no missing
page); the generated page of every check and runtime phase is what scripts/make_docs.py makes
from the checks' texts now, in English and Korean; every address a report links a check to is
a page of the built site; and the Korean pages use the glossary's words."""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import REPO, WORKSHOP
from docs_site import built_site, page_file

from grader.registry import known_checks, known_texts

DOCS = REPO / "docs"
URL = re.compile(r"https://workshop-grader\.github\.io/workshop-grader/[^\s\"'<>)\\`]*")


def test_the_site_builds_strict() -> None:
    site = built_site()
    for page in (
        "index.html",
        "ko/index.html",
        "learner/index.html",
        "ko/learner/index.html",
        "checks/index.html",
        "ko/checks/index.html",
        "ko/glossary/index.html",
    ):
        assert (site / page).is_file(), page


def test_generated_pages_are_what_the_texts_give_now(tmp_path: Path) -> None:
    out = tmp_path / "checks"
    p = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_docs.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    want = {f.name: f.read_text("utf-8") for f in out.glob("*.md")}
    have = {f.name: f.read_text("utf-8") for f in (DOCS / "checks").glob("*.md")}
    assert sorted(have) == sorted(want), "docs/checks/ has other pages than the checks: run scripts/make_docs.py"
    stale = [name for name in want if have[name] != want[name]]
    assert not stale, f"pages that differ from the checks' texts: {stale}; run python3 scripts/make_docs.py"


@pytest.mark.parametrize("code", sorted(known_checks()))
def test_every_check_and_phase_has_a_page_in_both_languages(code: str) -> None:
    site = built_site()
    texts = known_texts()[code]
    for lang, prefix in (("en", ""), ("ko", "ko/")):
        page = site / prefix / "checks" / code.lower() / "index.html"
        assert page.is_file(), page
        html = unescape(page.read_text("utf-8"))
        assert f'<html lang="{lang}"' in html
        assert f"{code} {texts.title.get(lang)}" in html
        # the fix, as Markdown renders it (code spans become <code>)
        fix = re.sub(r"`([^`]*)`", r"<code>\1</code>", texts.fix.get(lang))
        assert " ".join(fix.split()) in " ".join(html.split()), (code, lang)


def _failing_copy(root: Path) -> Path:
    import shutil

    sub = root / "bad"
    shutil.copytree(WORKSHOP, sub)
    compose = sub / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("  backend:\n", "  backend:\n    container_name: x\n", 1))
    conf = sub / "frontend" / "nginx.conf"
    conf.write_text(conf.read_text().replace("proxy_pass $backend_upstream;", "proxy_pass http://backend:8080;"))
    return sub


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_report_links_to_a_built_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    from grader.grade import grade
    from grader.report import html, render
    from grader.report.context import FormatContext
    from grader.report.explain import render as explain
    from grader.rubric import load_rubric

    monkeypatch.delenv("GRADER_DOCS_URL", raising=False)
    site = built_site()
    sub = _failing_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    rubric = load_rubric(None, known_checks())
    report, _ = grade("bad", rubric)
    doc = report.to_dict()
    ctx = FormatContext.for_submission(rubric, lang, str(sub))
    outputs = {fmt: render(fmt, doc, ctx) for fmt in ("sarif", "github", "problems", "markdown")}
    row = SimpleNamespace(
        id="learner", verdict="fail", score=doc["score"], max_score=doc["max_score"], report=doc, error=None
    )
    outputs["html"] = html.render([row], rubric, lang)
    outputs["explain"] = "".join(explain(spec, lang, width=88) for spec in rubric.checks)
    failing = {r["code"] for r in doc["results"] if r["status"] == "fail"}
    assert failing == {"C101", "N102"}
    prefix = "ko/checks/" if lang == "ko" else "checks/"
    for fmt, out in outputs.items():
        urls = set(URL.findall(out))
        assert urls, f"{fmt} links no check to its page"
        for url in urls:
            assert page_file(site, url).is_file(), (fmt, url)
        linked = {u.rstrip("/").rsplit("/", 1)[-1].upper() for u in urls}
        assert failing <= linked, (fmt, linked)  # every failing check links to its page
        assert all(prefix in u for u in urls), (fmt, urls)  # in the report's language
    import json

    rules = json.loads(outputs["sarif"])["runs"][0]["tool"]["driver"]["rules"]
    assert all(page_file(site, r["helpUri"]).is_file() for r in rules)
    assert {r["id"] for r in rules} == {s.code for s in rubric.checks if s.enabled}


def test_links_in_the_readme_and_docs_pages_resolve() -> None:
    """The README points into the site by its address; every such address is a built page."""
    site = built_site()
    readme = (REPO / "README.md").read_text("utf-8")
    urls = set(URL.findall(readme))
    assert len(urls) >= 5, "the README links into the documentation site"
    for url in urls:
        assert page_file(site, url).is_file(), url


def _avoided_words() -> set[str]:
    avoid = set()
    for row in (DOCS / "glossary.ko.md").read_text("utf-8").splitlines():
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) == 4 and re.search("[가-힣]", cells[2]):
            avoid |= {w.strip() for w in re.split(r"[,/]", cells[2]) if re.search("[가-힣]", w)}
    return avoid


def test_korean_pages_use_the_glossary_words() -> None:
    """The hand-written Korean pages, like the grader's texts, use the glossary's word for each
    idea (code spans and code blocks aside: they are what a learner types)."""
    avoid = _avoided_words()
    assert {"루브릭", "레플리카", "런타임 검사"} <= avoid
    pages = [p for p in DOCS.glob("*.ko.md") if p.name != "glossary.ko.md"]
    assert len(pages) >= 8
    for page in pages:
        text = re.sub(r"```.*?```", " ", page.read_text("utf-8"), flags=re.S)
        text = re.sub(r"`[^`]*`", " ", text)
        used = sorted(w for w in avoid if w in text)
        assert not used, (page.name, used)
