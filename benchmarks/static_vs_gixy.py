"""Time a whole `grader check` process on one submission beside gixy-ng on its nginx.conf
alone, in one run, and print the ratio (ours / gixy; below 1.0 means we are faster). Then the
warm regrade the watcher and the MCP server do (the imports and the rubric already loaded): of
the unchanged submission, and after a one-line change, beside the loop's 20 ms.

    python benchmarks/static_vs_gixy.py [SUBMISSION] [--runs N]

Runs alternate between the commands so that all see the same machine state; the median of N
runs is compared. Both tools start the same way: this interpreter, reading bytecode from one
fresh cache folder that the warm-up run fills (a version manager's shim in front of one
console script, or PYTHONDONTWRITEBYTECODE making one side compile its source on every run,
would time the launcher instead of the tool). A third line times this interpreter importing
only click, crossplane and PyYAML, the libraries the grader is built on: no grader can start
faster than that here. Needs gixy-ng (`pip install gixy-ng`, the `bench` extra).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's grader, as the timed command runs it


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=REPO, env=env)
    return time.perf_counter() - start


def console_script(name: str) -> list[str] | None:
    """The tool's console script run by this interpreter: the script beside it, else the one on
    PATH (which may be a shim: then its own start-up is timed too)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return [sys.executable, str(beside)]
    found = shutil.which(name)
    return [found] if found else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("submission", nargs="?", default=str(REPO / "workshop"))
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    gixy = console_script("gixy")
    if gixy is None:
        print("gixy-ng is not installed: pip install gixy-ng", file=sys.stderr)
        return 2
    sub = Path(args.submission).resolve()
    ours = [sys.executable, "-m", "grader", "check", str(sub), "--no-color"]  # this checkout's grader
    theirs = [*gixy, str(sub / "frontend" / "nginx.conf")]
    floor = [sys.executable, "-c", "import click, crossplane, yaml"]
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for cmd in (ours, theirs, floor):  # fill the bytecode cache, the page cache, the rubric's marker
            timed(cmd, env)
        a, b, c = [], [], []
        for _ in range(args.runs):
            a.append(timed(ours, env))
            b.append(timed(theirs, env))
            c.append(timed(floor, env))
    ma, mb, mc = statistics.median(a), statistics.median(b), statistics.median(c)
    print(f"{'command':<44} {'median s':>9} {'min s':>7}")
    from grader.checks import MODULES

    label = f"grader check (compose + nginx, {len(MODULES)} checks)"
    print(f"{label:<44} {ma:>9.3f} {min(a):>7.3f}")
    print(f"{'gixy-ng (nginx.conf only)':<44} {mb:>9.3f} {min(b):>7.3f}")
    print(f"{'python: import click, crossplane, yaml':<44} {mc:>9.3f} {min(c):>7.3f}")
    print(f"ratio grader/gixy: {ma / mb:.2f}; the libraries alone/gixy: {mc / mb:.2f} (runs: {args.runs})")
    same, changed = warm_regrades(sub, args.runs)
    print(f"{'warm regrade, unchanged (ms)':<44} {statistics.median(same):>9.1f} {min(same):>7.1f}")
    print(f"{'warm regrade, one line changed (ms)':<44} {statistics.median(changed):>9.1f} {min(changed):>7.1f}")
    print(f"warm regrade / 20 ms: {statistics.median(changed) / 20:.2f}")
    return 0


def warm_regrades(sub: Path, runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of grade() in this process, as `--watch` and `grader mcp` call it again."""
    from grader.grade import grade
    from grader.rubric import load_rubric

    rub = load_rubric(None)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(sub, ws)
        compose = ws / "docker-compose.yml"
        text = compose.read_text(encoding="utf-8")
        grade(str(ws), rub, lang="en")
        same, changed = [], []
        for i in range(runs):
            start = time.perf_counter()
            grade(str(ws), rub, lang="en")
            same.append((time.perf_counter() - start) * 1000)
            compose.write_text(text + f"# edit {i}\n", encoding="utf-8")
            start = time.perf_counter()
            grade(str(ws), rub, lang="en")
            changed.append((time.perf_counter() - start) * 1000)
    return same, changed


if __name__ == "__main__":
    sys.exit(main())
