"""Batch progress: done/total, failures so far and an ETA; rich on a terminal, plain lines
otherwise."""
from __future__ import annotations

import sys
import time
from typing import Any


class BatchProgress:
    def __init__(self, mode: str = "auto"):
        self.rich = mode == "rich" or (mode == "auto" and sys.stderr.isatty())
        self.quiet = mode == "none"
        self.total = 0
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        if self.rich and not self.quiet:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[failed]} not passing"), TimeRemainingColumn(),
                                 console=__import__("rich.console").console.Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task("grading", total=total, failed=0)

    def advance(self, sub_id: str, verdict: str) -> None:
        self.done += 1
        if not verdict.startswith("pass"):
            self.failed += 1
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)
            return
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        print(f"[{self.done}/{self.total}] {sub_id}: {verdict} · {self.failed} not passing · ETA {eta:.0f}s",
              file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.stop()
