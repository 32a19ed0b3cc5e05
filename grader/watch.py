"""`grader check --watch`: grade again on every save. Each grade prints, first, the score (and
the last one) and what changed since the last grade: the checks newly failing, then those newly
passing; then the whole report. Only the static grade: the files are read anew each time, the
rubric and the imports stay loaded. Ctrl-C ends it, exit 0."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader.errors import InputError

NOT_PASSING = ("fail", "error", "warn")
# Editors write a file in steps (truncate, write, rename): changes within this many ms are one save.
DEBOUNCE_MS = 40


def changes(before: dict[str, dict] | None, now: dict[str, dict]) -> tuple[list[dict], list[dict]]:
    """(newly not passing, newly passing) between two grades' results, by check code."""
    if before is None:
        return [], []
    worse = [
        r for c, r in now.items() if r["status"] in NOT_PASSING and before.get(c, {}).get("status") not in NOT_PASSING
    ]
    better = [r for c, r in now.items() if r["status"] == "pass" and before.get(c, {}).get("status") in NOT_PASSING]
    return worse, better


def watch(
    path: str, grade_once: Callable[[], tuple[dict[str, Any] | None, str, str | None]], say: Callable[..., str]
) -> None:
    """Grade, print, then again on every change below `path`, until Ctrl-C. `grade_once` gives
    (the JSON report or None, the rendered report, an input error's text or None)."""
    import watchfiles

    before: dict[str, dict] | None = None
    last_score: str | None = None

    def once() -> None:
        nonlocal before, last_score
        doc, text, error = grade_once()
        stamp = time.strftime("%H:%M:%S")
        if doc is None:
            click.echo(f"[{stamp}] {say('watch_error', error=error)}")
            sys.stdout.flush()
            return
        score = f"{doc['score']:g}/{doc['max_score']:g}"
        head = say("watch_score", score=score) + (
            f" ({say('watch_was', score=last_score)})" if last_score is not None and last_score != score else ""
        )
        click.echo(f"[{stamp}] {head}")
        now = {r["code"]: r for r in doc["results"]}
        worse, better = changes(before, now)
        for label, items in (("watch_worse", worse), ("watch_better", better)):
            for r in items:
                where = f"{r['file']}:{r['line']}: " if r.get("file") and r.get("line") else ""
                click.echo(f"  {say(label)} {r['code']} {r['title']}: {where}{r['message']}")
        if before is not None and not worse and not better:
            click.echo(f"  {say('watch_same')}")
        click.echo(text, nl=False)
        click.echo(say("watch_waiting", path=path))
        sys.stdout.flush()
        before, last_score = now, score

    once()
    try:
        for _ in watchfiles.watch(Path(path), debounce=DEBOUNCE_MS, step=20, raise_interrupt=True):
            once()
    except KeyboardInterrupt:
        pass
    click.echo(say("watch_stopped"))


def grader_for(
    grade: Callable[[], tuple[Any, Any]], render: Callable[[dict], str]
) -> Callable[[], tuple[dict[str, Any] | None, str, str | None]]:
    def grade_once() -> tuple[dict[str, Any] | None, str, str | None]:
        try:
            report, _ = grade()
        except InputError as e:
            return None, "", str(e)
        doc = report.to_dict()
        return doc, render(doc), None

    return grade_once
