"""Time a whole `grader check` process on one submission beside gixy-ng on its nginx.conf
alone, in one run, and print the ratio (ours / gixy; below 1.0 means we are faster). Then the
warm regrade the watcher and the MCP server do (the imports and the rubric already loaded): of
the unchanged submission, and after a one-line change, beside the loop's 20 ms.

    python benchmarks/static_vs_gixy.py [SUBMISSION] [--runs N]

Runs alternate between the two commands so that both see the same machine state; the
median of N runs is compared. Needs gixy-ng (`pip install gixy-ng`, the `bench` extra).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("submission", nargs="?", default=str(REPO / "workshop"))
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    gixy = shutil.which("gixy")
    if gixy is None:
        print("gixy-ng is not installed: pip install gixy-ng", file=sys.stderr)
        return 2
    sub = Path(args.submission)
    ours = [sys.executable, "-m", "grader", "check", str(sub), "--no-color"]
    theirs = [gixy, str(sub / "frontend" / "nginx.conf")]
    timed(ours), timed(theirs)  # warm the page cache and the rubric's validation marker
    a, b = [], []
    for _ in range(args.runs):
        a.append(timed(ours))
        b.append(timed(theirs))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{'command':<44} {'median s':>9} {'min s':>7}")
    from grader.checks import MODULES

    label = f"grader check (compose + nginx, {len(MODULES)} checks)"
    print(f"{label:<44} {ma:>9.3f} {min(a):>7.3f}")
    print(f"{'gixy-ng (nginx.conf only)':<44} {mb:>9.3f} {min(b):>7.3f}")
    print(f"ratio grader/gixy: {ma / mb:.2f} (runs: {args.runs})")
    same, changed = warm_regrades(sub, args.runs)
    print(f"{'warm regrade, unchanged (ms)':<44} {statistics.median(same):>9.1f} {min(same):>7.1f}")
    print(f"{'warm regrade, one line changed (ms)':<44} {statistics.median(changed):>9.1f} {min(changed):>7.1f}")
    print(f"warm regrade / 20 ms: {statistics.median(changed) / 20:.2f}")
    return 0


def warm_regrades(sub: Path, runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds of grade() in this process, as `--watch` and `grader mcp` call it again."""
    import tempfile

    sys.path.insert(0, str(REPO))
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
