"""What a runtime run shows while it works: the phase and its elapsed time, replicas coming up,
and the share of requests per replica. On a terminal with rich; otherwise one plain line per
event on stderr, which reads well in CI logs."""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """Silent: for tests and JSON output to a pipe."""

    def phase(self, slug: str) -> None: ...
    def status(self, text: str) -> None: ...
    def output(self, line: str) -> None: ...  # a line a Compose command printed
    def done(self, slug: str, status: str, seconds: float, message: str) -> None: ...
    def shares(self, shares: list[tuple[str, float]]) -> None: ...
    def close(self) -> None: ...


class PlainProgress(Progress):
    def __init__(self, stream: TextIO | None = sys.stderr):
        self.stream = stream
        self.started = time.monotonic()
        self.last = ""

    def _say(self, text: str) -> None:
        if self.stream is None:
            return
        try:
            print(f"[{time.monotonic() - self.started:6.1f}s] {text}", file=self.stream, flush=True)
        except (OSError, ValueError):  # the reader went away: go on, silently, and still clean up
            self.stream = None

    def phase(self, slug: str) -> None:
        self._say(f"{slug} …")

    def status(self, text: str) -> None:
        if text != self.last:  # polling repeats itself; say each state once
            self.last = text
            self._say(f"  {text}")

    def done(self, slug: str, status: str, seconds: float, message: str) -> None:
        self._say(f"{slug}: {status} ({seconds:.1f}s) {message}")

    def shares(self, shares: list[tuple[str, float]]) -> None:
        for name, share in shares:
            self._say(f"  {name:<28} {'#' * round(share * 40):<40} {share:6.1%}")


class RichProgress(Progress):
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress as Bar, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.bar = Bar(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                       console=self.console, transient=False)
        self.bar.start()
        self.task: Any = None
        self.slug = ""

    def phase(self, slug: str) -> None:
        self.slug = slug
        self.task = self.bar.add_task(f"[bold]{slug}", total=None)

    def status(self, text: str) -> None:
        if self.task is not None:
            self.bar.update(self.task, description=f"[bold]{self.slug}[/] {text}")

    def output(self, line: str) -> None:
        if line.strip():
            self.status(line.strip())

    def done(self, slug: str, status: str, seconds: float, message: str) -> None:
        colour = {"pass": "green", "fail": "red", "warn": "yellow", "skip": "bright_black"}.get(status, "magenta")
        if self.task is not None:
            self.bar.update(self.task, description=f"[bold]{slug}[/] [{colour}]{status}[/]", total=1, completed=1)
            self.task = None

    def shares(self, shares: list[tuple[str, float]]) -> None:
        from rich.table import Table

        table = Table(show_header=False, box=None, padding=(0, 1))
        for name, share in shares:
            table.add_row(f"  {name}", f"[cyan]{'█' * round(share * 40)}[/]", f"{share:6.1%}")
        self.bar.console.print(table)

    def close(self) -> None:
        self.bar.stop()


def make_progress(mode: str) -> Progress:
    """mode: auto (rich on a terminal, plain lines otherwise), plain, rich, or none."""
    if mode == "none":
        return Progress()
    if mode == "rich" or (mode == "auto" and sys.stderr.isatty()):
        return RichProgress()
    return PlainProgress()
