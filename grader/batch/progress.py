"""Batch progress: done/total, failures so far and an ETA; rich on a terminal, plain lines
otherwise, in the batch's language."""

from __future__ import annotations

import sys
import time
from typing import Any

from grader.i18n.ko import localized

TEXT = {
    "en": {
        "line": "[{done}/{total}] {learner}: {verdict} · {failed} not passing · ETA {eta:.0f}s",
        "grading": "grading",
        "not_passing": "{failed} not passing",
        "unchanged": "{verdict} (unchanged)",
        "pass": "pass",
        "fail": "fail",
        "error": "error",
        "not-graded": "not-graded",
    },
    "ko": {
        "line": "[{done}/{total}] {learner}: {verdict} · 통과하지 못한 학습자 {failed}명 · 남은 시간 약 {eta:.0f}초",
        "grading": "채점 중",
        "not_passing": "통과하지 못한 학습자 {failed}명",
        "unchanged": "{verdict}(바뀌지 않아 다시 채점하지 않음)",
        "pass": "통과",
        "fail": "실패",
        "error": "입력 오류",
        "not-graded": "가져오지 못함",
    },
}


class BatchProgress:
    def __init__(self, mode: str = "auto", lang: str = "en"):
        self.rich = mode == "rich" or (mode == "auto" and sys.stderr.isatty())
        self.quiet = mode == "none"
        self.lang = lang
        self.total = 0
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    def text(self, key: str, **params: Any) -> str:
        return localized(TEXT, self.lang, key, **params)

    def start(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        if self.rich and not self.quiet:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            # rich fills the braces of a column's text itself: the count goes in as {task.fields[failed]}
            not_passing = self.text("not_passing", failed="{task.fields[failed]}")
            self._bar = Progress(
                TextColumn(f"[bold]{self.text('grading')}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(not_passing),
                TimeRemainingColumn(),
                console=__import__("rich.console").console.Console(stderr=True),
            )
            self._bar.start()
            self._task = self._bar.add_task("grading", total=total, failed=0)

    def advance(self, sub_id: str, verdict: str, unchanged: bool = False) -> None:
        """One learner done: `verdict` is the row's (pass, fail, error, not-graded); `unchanged`
        when --resume kept the last run's grade."""
        self.done += 1
        if verdict != "pass":
            self.failed += 1
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)
            return
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        word = self.text(verdict) if verdict in TEXT["en"] else verdict
        if unchanged:
            word = self.text("unchanged", verdict=word)
        print(
            self.text(
                "line", done=self.done, total=self.total, learner=sub_id, verdict=word, failed=self.failed, eta=eta
            ),
            file=sys.stderr,
            flush=True,
        )

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
