#!/usr/bin/env python3
"""Renders the site's pictures of the grader's own output (docs/img/): the text report of a
failing copy of workshop/ as a terminal shows it (`terminal-report.png`), and a stand-in for VS
Code's Problems panel listing what `--format problems` prints for the same copy
(`problems-panel.png`; VS Code does not run here, so the picture says it is a stand-in). Each
is an HTML page screenshotted by headless Chromium (Debian's `chromium`, which scripts/setup.sh
installs). The class report's picture (`class-report.png`) comes from the HTML report's test.

    python3 scripts/make_screenshots.py"""

from __future__ import annotations

import html
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
IMG = REPO / "docs" / "img"
FONT = "'DejaVu Sans Mono','Noto Sans Mono CJK KR',monospace"


def failing_copy(root: Path) -> Path:
    """workshop/ with the backend's container_name kept and nginx's proxy_pass written literally."""
    sub = root / "workshop"
    shutil.copytree(REPO / "workshop", sub, ignore=shutil.ignore_patterns(".vscode"))
    compose = sub / "docker-compose.yml"
    compose.write_text(
        compose.read_text().replace("  backend:\n", "  backend:\n    container_name: socialapp-backend\n", 1)
    )
    conf = sub / "frontend" / "nginx.conf"
    conf.write_text(conf.read_text().replace("proxy_pass $backend_upstream;", "proxy_pass http://backend:8080;"))
    return sub


def grade(sub: Path, fmt: str, color: bool = False) -> str:
    """The report `grader check . --format FMT` prints in the submission's folder (on a
    terminal, for the text format: in colour)."""
    import os

    from grader.grade import grade as grade_submission
    from grader.registry import known_checks
    from grader.report import render
    from grader.report.context import FormatContext
    from grader.rubric import load_rubric

    here = os.getcwd()
    os.chdir(sub)
    try:
        rubric = load_rubric(None, known_checks())
        report, _ = grade_submission(".", rubric)
        ctx = FormatContext.for_submission(rubric, "en", ".", color=color)
        return render(fmt, report.to_dict(), ctx)
    finally:
        os.chdir(here)


def terminal_page(ansi: str) -> str:
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=400, color_system="truecolor", file=io.StringIO())
    console.print("$ grader check .", style="bold #e6edf3")
    console.print(Text.from_ansi(ansi.rstrip("\n")))
    body = console.export_html(inline_styles=True, code_format="<pre>{code}</pre>")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>body{{margin:0;background:#0d1117}}"
        f"pre{{margin:0;padding:18px 22px;color:#e6edf3;font:13px/1.45 {FONT};white-space:pre-wrap}}</style>"
        f"</head><body>{body}</body></html>"
    )


def problems_page(lines: list[str]) -> str:
    by_file: dict[str, list[str]] = {}
    for line in lines:
        where, rest = line.split(": ", 1)
        file, lineno, col = where.rsplit(":", 2)
        severity, rest = rest.split(": ", 1)
        code, message = rest.split(" ", 1)
        icon, colour = ("⊗", "#f14c4c") if severity == "error" else ("⚠", "#cca700")
        by_file.setdefault(file, []).append(
            f"<div class='row'><span class='icon' style='color:{colour}'>{icon}</span>"
            f"<span>{html.escape(message)} <span class='dim'>grader({html.escape(code)}) "
            f"[Ln {lineno}, Col {col}]</span></span></div>"
        )
    rows = []
    for file, items in by_file.items():
        name = file.rsplit("/", 1)[-1]
        rows.append(
            f"<div class='file'>⌄ <b>{html.escape(name)}</b> <span class='dim'>{html.escape(file)}</span>"
            f" <span class='badge'>{len(items)}</span></div>"
        )
        rows += items
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        "body{margin:0;background:#1e1e1e;color:#cccccc;font:13px/1.5 'DejaVu Sans','Noto Sans CJK KR',sans-serif}"
        ".tabs{display:flex;gap:22px;padding:6px 16px;border-bottom:1px solid #333;font-size:11px;letter-spacing:.04em}"
        ".tabs b{color:#e7e7e7;border-bottom:1px solid #e7e7e7;padding-bottom:4px}.tabs span{color:#969696}"
        ".file{padding:4px 16px 2px}.badge{background:#4d4d4d;border-radius:9px;padding:0 6px;font-size:11px}"
        ".row{display:flex;padding:2px 16px 2px 34px}"
        ".icon{flex:0 0 20px}.dim{color:#8b8b8b}"
        ".note{padding:8px 16px;color:#8b8b8b;font-size:11px;border-top:1px solid #333;margin-top:6px}"
        "</style></head><body><div class='tabs'><b>PROBLEMS " + str(len(lines)) + "</b><span>OUTPUT</span>"
        "<span>DEBUG CONSOLE</span><span>TERMINAL</span></div>"
        + "".join(rows)
        + "<div class='note'>A rendered stand-in for VS Code's Problems panel, not a screenshot of VS Code: the "
        "task <code>grader: check</code> runs <code>grader check . --format problems</code>, and its problem "
        "matcher turns each line into a problem at its file and line.</div></body></html>"
    )


def screenshot(page: str, out: Path, size: str) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium on PATH: bash scripts/setup.sh installs it")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page.html"
        src.write_text(page, encoding="utf-8")
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={tmp}/profile",
                f"--window-size={size}",
                f"--screenshot={out}",
                src.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> int:
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sub = failing_copy(Path(tmp))
        screenshot(terminal_page(grade(sub, "text", color=True)), IMG / "terminal-report.png", "1400,620")
        problems = [line for line in grade(sub, "problems").splitlines() if line.strip()]
        screenshot(problems_page(problems), IMG / "problems-panel.png", "1100,300")
    print(f"wrote {IMG / 'terminal-report.png'} and {IMG / 'problems-panel.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
