"""Time a whole `grader check` process on one submission beside gixy-ng on its nginx.conf
alone, in one run, and print the ratio (ours / gixy; below 1.0 means we are faster).

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
