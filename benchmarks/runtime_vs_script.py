"""Times the whole runtime scenario on workshop/: `grader run` beside the same steps done by
hand in a shell script (benchmarks/runtime_by_hand.sh), in one run, alternating, with the base
images already built. Prints each phase's time for both, the totals and the ratio.

The script has no API contract step, so the grader runs on a copy of PATH without its OpenAPI
document (the contract phase is then skipped): the same steps on both sides.

    python benchmarks/runtime_vs_script.py [--rounds 2] [PATH]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "benchmarks" / "runtime_by_hand.sh"
# The grader's phases beside the script's steps of the same name.
PHASES = [
    "build",
    "up-scaled",
    "replicas",
    "api",
    "shared-state",
    "load-spread",
    "logs",
    "scale-up",
    "scale-down",
    "restart-one",
]


def by_hand(path: Path) -> tuple[float, dict[str, float]]:
    start = time.monotonic()
    out = subprocess.run(["bash", str(SCRIPT), str(path)], capture_output=True, text=True, check=True).stdout
    total = time.monotonic() - start
    marks = [(ln.split()[1], float(ln.split()[2])) for ln in out.splitlines() if ln.startswith("phase ")]
    phases = {name: nxt - t for (name, t), (_, nxt) in itertools.pairwise(marks)}
    return total, phases


def grader(path: Path) -> tuple[float, dict[str, float]]:
    start = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(path), "--format", "json", "--progress", "none"],
        capture_output=True,
        text=True,
    )
    total = time.monotonic() - start
    report = json.loads(p.stdout)
    if not report["passed"]:
        sys.exit(f"grader run did not pass on {path}; the timing would not compare like with like:\n{p.stderr}")
    return total, {r["check"].removeprefix("runtime."): r.get("seconds") or 0.0 for r in report["results"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", default=str(REPO / "workshop"))
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="grader-bench-")
    path = Path(tmp.name) / "ws"
    shutil.copytree(args.path, path)
    for doc in path.glob("**/openapi.*"):
        doc.unlink()
    g_tot, s_tot = [], []
    g_ph: dict[str, list[float]] = {}
    s_ph: dict[str, list[float]] = {}
    for i in range(args.rounds):
        # Alternate which goes first, so neither always gets the warmer cache.
        order = [("script", by_hand), ("grader", grader)] if i % 2 == 0 else [("grader", grader), ("script", by_hand)]
        for name, fn in order:
            total, phases = fn(path)
            (g_tot if name == "grader" else s_tot).append(total)
            for k, v in phases.items():
                (g_ph if name == "grader" else s_ph).setdefault(k, []).append(v)
            print(f"round {i + 1}: {name:<6} {total:6.1f} s", file=sys.stderr)
    print(f"{'phase':<14}{'grader s':>10}{'script s':>10}")
    for k in PHASES:
        g = statistics.median(g_ph.get(k, [0.0]))
        s = statistics.median(s_ph.get(k, [0.0]))
        print(f"{k:<14}{g:>10.2f}{s:>10.2f}")
    extra = statistics.median(s_ph.get("down", [0.0]))
    print(f"{'(down)':<14}{'':>10}{extra:>10.2f}")
    g, s = statistics.median(g_tot), statistics.median(s_tot)
    print(f"{'total (wall)':<14}{g:>10.2f}{s:>10.2f}")
    print(f"ratio grader/script: {g / s:.2f} (median of {args.rounds} rounds each)")


if __name__ == "__main__":
    main()
