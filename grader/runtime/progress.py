"""What a runtime run shows while it works: the phase and its elapsed time, replicas coming up,
and the share of requests per replica. On a terminal with rich; otherwise one plain line per
event on stderr, which reads well in CI logs. The lines are in the report's language; what
Compose itself prints stays as Compose wrote it."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from grader.i18n.ko import localized

TEXT = {
    "en": {
        "stale_removed": "removed what earlier killed runs left: {count} objects",
        "project": "Compose project {project} (compose {version})",
        "replicas_ready": "{ready}/{want} replicas ready",
        "accepted": "{served}/{total} accepted requests",
        "removing": "removing the run's containers, networks, volumes and images",
        "no_answer": "{request}: no answer ({error})",
        "schemathesis": "schemathesis against {document} …",
        "elapsed": "[{seconds:6.1f}s]",
        "took": "({seconds:.1f}s)",
        "pass": "pass",
        "fail": "fail",
        "warn": "warn",
        "skip": "skip",
        "error": "error",
        "blocked": "blocked",
    },
    "ko": {
        "stale_removed": "강제로 끝난 이전 실행이 남긴 {count}개를 지웠습니다.",
        "project": "Compose 프로젝트 {project}(compose {version})",
        "replicas_ready": "준비된 복제본 {ready}/{want}개",
        "accepted": "요청을 받은 복제본 {served}/{total}개",
        "removing": "이번 실행이 만든 컨테이너, 네트워크, 볼륨, 이미지를 지우는 중입니다.",
        "no_answer": '{request}: 응답이 없습니다("{error}").',
        "schemathesis": "schemathesis로 API가 {document}{과} 맞는지 확인하는 중 …",
        "elapsed": "[{seconds:6.1f}초]",
        "took": "({seconds:.1f}초)",
        "pass": "통과",
        "fail": "실패",
        "warn": "경고",
        "skip": "검사하지 않음",
        "error": "오류",
        "blocked": "막힘",
    },
}
STATUSES = ("pass", "fail", "warn", "skip", "error", "blocked")


class Progress:
    """Silent: for tests and JSON output to a pipe."""

    lang = "en"

    def text(self, key: str, **params: Any) -> str:
        """One of the progress lines, in the run's language."""
        return localized(TEXT, self.lang, key, **params)

    def say(self, key: str, **params: Any) -> None:
        self.status(self.text(key, **params))

    def outcome(self, status: str) -> str:
        """A phase's status (pass, fail, ...) as a word of the run's language."""
        return self.text(status) if status in STATUSES else status

    def phase(self, slug: str) -> None: ...
    def status(self, text: str) -> None: ...
    def output(self, line: str) -> None: ...  # a line a Compose command printed
    def done(self, slug: str, status: str, seconds: float, message: str) -> None: ...
    def shares(self, shares: list[tuple[str, float]]) -> None: ...
    def close(self) -> None: ...


class PlainProgress(Progress):
    def __init__(self, stream: TextIO | None = sys.stderr, lang: str = "en"):
        self.stream = stream
        self.lang = lang
        self.started = time.monotonic()
        self.last = ""

    def _say(self, text: str) -> None:
        if self.stream is None:
            return
        try:
            elapsed = self.text("elapsed", seconds=time.monotonic() - self.started)
            print(f"{elapsed} {text}", file=self.stream, flush=True)
        except (OSError, ValueError):  # the reader went away: go on, silently, and still clean up
            self.stream = None

    def phase(self, slug: str) -> None:
        self._say(f"{slug} …")

    def status(self, text: str) -> None:
        if text != self.last:  # polling repeats itself; say each state once
            self.last = text
            self._say(f"  {text}")

    def done(self, slug: str, status: str, seconds: float, message: str) -> None:
        self._say(f"{slug}: {self.outcome(status)} {self.text('took', seconds=seconds)} {message}")

    def shares(self, shares: list[tuple[str, float]]) -> None:
        for name, share in shares:
            self._say(f"  {name:<28} {'#' * round(share * 40):<40} {share:6.1%}")


class RichProgress(Progress):
    def __init__(self, lang: str = "en") -> None:
        from rich.console import Console
        from rich.progress import Progress as Bar
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.bar = Bar(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.bar.start()
        self.task: Any = None
        self.slug = ""
        self.lang = lang

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
            self.bar.update(
                self.task, description=f"[bold]{slug}[/] [{colour}]{self.outcome(status)}[/]", total=1, completed=1
            )
            self.task = None

    def shares(self, shares: list[tuple[str, float]]) -> None:
        from rich.table import Table

        table = Table(show_header=False, box=None, padding=(0, 1))
        for name, share in shares:
            table.add_row(f"  {name}", f"[cyan]{'█' * round(share * 40)}[/]", f"{share:6.1%}")
        self.bar.console.print(table)

    def close(self) -> None:
        self.bar.stop()


def make_progress(mode: str, lang: str = "en") -> Progress:
    """mode: auto (rich on a terminal, plain lines otherwise), plain, rich, or none."""
    if mode == "none":
        return Progress()
    if mode == "rich" or (mode == "auto" and sys.stderr.isatty()):
        return RichProgress(lang)
    return PlainProgress(lang=lang)
