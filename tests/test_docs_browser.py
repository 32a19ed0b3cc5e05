"""Two pages of the built documentation site as headless Chromium shows them (Debian's
`chromium`, which scripts/setup.sh installs): a check's page in Korean and the learner's guide.
Each has its title, its code blocks (highlighted, with the copy button Material's script adds,
so the script ran), the language switch pointing at the page in the other language, and pixels
on the screen."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html import unescape
from pathlib import Path

import pytest
from docs_site import built_site

from grader.registry import known_texts


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is missing: scripts/setup.sh installs it")
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=tmp))
    flags = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        "--window-size=1280,900",
    ]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120)


def rendered(page: Path, tmp: Path) -> tuple[str, Path]:
    """The DOM once the page's scripts ran, and a screenshot."""
    dom = chromium(tmp, "--dump-dom", page.as_uri())
    assert dom.returncode == 0 and "<body" in dom.stdout, dom.stderr[-2000:]
    shot = tmp / f"{page.parent.name}.png"
    chromium(tmp, f"--screenshot={shot}", page.as_uri())
    assert shot.is_file()
    return dom.stdout, shot


def switch(dom: str) -> dict[str, str]:
    """The language switch: hreflang -> address."""
    return dict(
        (lang, href) for href, lang in re.findall(r'<a href="([^"]*)" hreflang="(\w+)" class="md-select__link"', dom)
    )


def painted(shot: Path) -> None:
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, "the page is blank"  # text, the header's colour, highlighted code


@pytest.mark.parametrize("code", ["C103"])
def test_a_check_page_in_korean_renders(tmp_path: Path, code: str) -> None:
    site = built_site()
    page = site / "ko" / "checks" / code.lower() / "index.html"
    dom, shot = rendered(page, tmp_path)
    texts = known_texts()[code]
    title = texts.title.get("ko")
    assert re.search(r'<html[^>]* lang="ko"', dom)
    assert f"<title>{code} {title}" in unescape(dom)
    assert re.search(rf"<h1[^>]*>{code} {re.escape(title)}", unescape(dom))
    blocks = re.findall(r'<div class="highlight"><pre id="__code_\d+">', dom)
    assert len(blocks) == 2, "the failing and the passing example"
    assert '<span class="nt">frontend</span>' in dom, "the YAML is highlighted"
    assert dom.count('data-md-type="copy"') == 2, "Material's script added a copy button to each code block"
    assert "왜 중요한가요" in dom and "고치는 법" in dom
    langs = switch(dom)
    assert langs.get("en", "").endswith(f"checks/{code.lower()}/") and langs.get("ko") == "./", langs
    assert (page.parent / langs["en"] / "index.html").resolve().is_file()
    painted(shot)


def test_the_learners_guide_renders(tmp_path: Path) -> None:
    site = built_site()
    page = site / "learner" / "index.html"
    dom, shot = rendered(page, tmp_path)
    assert re.search(r'<html[^>]* lang="en"', dom)
    assert "<title>Learner's guide" in unescape(dom)
    assert re.search(r"<h1[^>]*>Learner(&#39;|')s guide", dom)
    blocks = len(re.findall(r'<div class="highlight"><pre id="__code_\d+">', dom))
    assert blocks >= 3 and dom.count('data-md-type="copy"') == blocks, "code blocks, each with Material's copy button"
    assert "grader check" in dom and "--watch" in dom and "grader mcp" in dom
    assert 'src="../img/terminal-report.png"' in dom
    langs = switch(dom)
    assert langs.get("ko", "").endswith("ko/learner/") and langs.get("en") == "./", langs
    assert (page.parent / langs["ko"] / "index.html").resolve().is_file()
    painted(shot)
