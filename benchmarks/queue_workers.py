"""The same roster graded through the queue by 1 worker and by 2 workers (each one stack at a
time, on this machine's engine): wall time side by side, the ratio, and whether every learner
got the same verdict, score and points per check both times.

    python benchmarks/queue_workers.py               # workshop/ and each runtime fixture, with --runtime
    python benchmarks/queue_workers.py --copies 2    # each of them twice
    python benchmarks/queue_workers.py --static --copies 40

Starts its own redis-server on 127.0.0.1 at a free port in a temporary folder, and the workers
as `grader worker` processes; stops all of them at the end. Exits 1 when the verdicts differ."""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
print = functools.partial(print, flush=True)
sys.path.insert(0, str(REPO / "tests"))
from queue_helpers import Worker, redis_server  # noqa: E402
from runtime_fixtures import FIXTURES, WORKSHOP, materialize  # noqa: E402


def roster(root: Path, copies: int) -> Path:
    subs = root / "class"
    for k in range(copies):
        shutil.copytree(WORKSHOP, subs / f"k{k}-workshop")
        for name in FIXTURES:
            materialize(name, subs / f"k{k}-{name}")
    return subs


def graded(out: Path) -> dict[str, tuple]:
    """Per learner: verdict, score and every check's points (the gradebook without the time)."""
    rows = json.loads((out / "gradebook.json").read_text())
    return {r["id"]: tuple((k, v) for k, v in r.items() if k not in ("id", "graded_at", "commit")) for r in rows}


def one_round(url: str, subs: Path, root: Path, workers: int, runtime: bool, time_limit: float) -> tuple[float, Path]:
    out = root / f"grades-{workers}"
    started = [Worker(url, root / f"w{workers}-{i}.log", stacks=1, time_limit=time_limit) for i in range(workers)]
    try:
        for w in started:
            w.wait_ready()
        args = [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(subs),
            "--queue",
            url,
            "--out",
            str(out),
            "--time-limit",
            f"{time_limit:g}",
            "--lang",
            "en",
            "--progress",
            "none",
        ]
        if runtime:
            args.append("--runtime")
        t0 = time.monotonic()
        p = subprocess.run(
            args,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            cwd=REPO,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        wall = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit(f"grader batch failed (exit {p.returncode}):\n{p.stderr}")
        print(f"  {workers} worker(s): {p.stdout.splitlines()[0]} in {wall:.1f} s")
        return wall, out
    finally:
        for w in started:
            w.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1, help="copies of workshop/ and of each runtime fixture")
    ap.add_argument("--static", action="store_true", help="static grading only (no stacks)")
    ap.add_argument("--time-limit", type=float, default=300)
    args = ap.parse_args()
    runtime = not args.static
    with tempfile.TemporaryDirectory(prefix="grader-bench-queue-") as tmp:
        root = Path(tmp)
        subs = roster(root, args.copies)
        n = sum(1 for _ in subs.iterdir())
        print(
            f"roster: {n} learners ({'static and runtime' if runtime else 'static only'}), "
            f"each worker one stack at a time, one Redis on 127.0.0.1"
        )
        with redis_server(root / "redis") as url:
            one, out1 = one_round(url, subs, root, 1, runtime, args.time_limit)
            two, out2 = one_round(url, subs, root, 2, runtime, args.time_limit)
        a, b = graded(out1), graded(out2)
    print()
    print(f"{'workers':<8} {'wall time':>10} {'per learner':>12}")
    print(f"{1:<8} {one:>9.1f}s {one / n:>11.2f}s")
    print(f"{2:<8} {two:>9.1f}s {two / n:>11.2f}s")
    print(f"ratio (1 worker / 2 workers): {one / two:.2f}")
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    if not differ:
        print(f"verdicts identical ({n} learners: verdict, score and every check's points)")
        return 0
    print(f"verdicts differ for {len(differ)} of {n} learners:")
    for k in differ:
        da, db = dict(a.get(k, ())), dict(b.get(k, ()))
        print(
            f"  {k}: "
            + ", ".join(
                f"{c} {da.get(c)!r} vs {db.get(c)!r}" for c in sorted(da.keys() | db.keys()) if da.get(c) != db.get(c)
            )
        )
    return 1


if __name__ == "__main__":
    sys.exit(main())
