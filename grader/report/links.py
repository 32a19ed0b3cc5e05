"""Where each check's page lives on the documentation site: the one place the grader knows the
site's address. Every report links a check to its page (SARIF `helpUri`, the HTML class report,
the problem matcher's lines, GitHub annotations, the Markdown table, the `grader explain`
footer), and `scripts/make_docs.py` writes the pages at exactly these paths.

The default is mkdocs.yml's `site_url`; `GRADER_DOCS_URL` points the links at another copy of
the site (a fork's, or one served inside a school's network). English pages are at the root,
Korean ones under `ko/`, as mkdocs-static-i18n lays them out."""

from __future__ import annotations

import os

DOCS_URL = "https://workshop-grader.github.io/workshop-grader/"
ENV = "GRADER_DOCS_URL"
LANG_PREFIX = {"en": "", "ko": "ko/"}
# the label before a page's address in a line of text ("More: https://…/checks/c101/")
MORE_LABEL = {"en": "More", "ko": "자세히 보기"}


def docs_url() -> str:
    """The site's base address, ending in `/`."""
    base = os.environ.get(ENV, "").strip() or DOCS_URL
    return base if base.endswith("/") else base + "/"


def page_path(code: str, lang: str = "en") -> str:
    """The page of one check or runtime phase, relative to the site's root: `checks/c103/`,
    `ko/checks/c103/`."""
    return f"{LANG_PREFIX.get(lang, '')}checks/{code.lower()}/"


def check_url(code: str, lang: str = "en") -> str:
    """The full address of a check's page in `lang` (English for a language the site has not)."""
    return docs_url() + page_path(code, lang)


def more(code: str, lang: str = "en") -> str:
    """`More: <the check's page>`, labelled in `lang`."""
    return f"{MORE_LABEL.get(lang, MORE_LABEL['en'])}: {check_url(code, lang)}"
