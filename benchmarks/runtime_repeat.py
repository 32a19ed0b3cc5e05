"""Grades one submission many times and shows whether every runtime check got the same status
each time: a grade must not depend on timing luck.

    python benchmarks/runtime_repeat.py PATH [--runs 5] [--parallel 2]
    python benchmarks/runtime_repeat.py --fixture literal-proxy-pass --runs 5
    python benchmarks/runtime_repeat.py --all-fixtures --runs 5 --parallel 2

--parallel K runs K gradings at once (as `grader batch --runtime --stacks K` does), which is
also the harshest case for timing on a small machine. Prints, per runtime check, the statuses
seen in order and AGREE or DIFFER, and for scale-up the connections the new replicas accepted.
Exits 1 when any check differs between runs."""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
print = functools.partial(print, flush=True)
sys.path.insert(0, str(REPO / "tests"))
from runtime_fixtures import FIXTURES, materialize  # noqa: E402


def grade_once(path: Path) -> tuple[dict, float]:
    start = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "grader", "run", str(path), "--format", "json", "--lang", "en", "--progress", "none"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if not p.stdout:
        sys.exit(f"grader run gave no report for {path} (exit {p.returncode}):\n{p.stderr}")
    return json.loads(p.stdout), time.monotonic() - start


def repeat(name: str, path: Path, runs: int, parallel: int) -> bool:
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        graded = list(pool.map(lambda _: grade_once(path), range(runs)))
    print(f"\n{name}: {runs} runs, {parallel} at a time; seconds per run {', '.join(f'{s:.0f}' for _, s in graded)}")
    agree = True
    checks = [r["check"] for r in graded[0][0]["results"] if r["check"].startswith("runtime.")]
    for check in checks:
        seen = [next(r for r in report["results"] if r["check"] == check) for report, _ in graded]
        statuses = [r["status"] for r in seen]
        same = len(set(statuses)) == 1
        agree &= same
        extra = ""
        if check == "runtime.scale-up":
            new = [[d.get("connections") for d in r.get("details", []) if "served" in d] for r in seen]
            extra = f"  new replicas' connections: {new}"
        print(f"  {'AGREE ' if same else 'DIFFER'} {check:<22} {' '.join(statuses)}{extra}")
        if not same:
            for status, message in Counter((r["status"], r["message"]) for r in seen).items():
                print(f"         {status}: {message}")
    scores = [report["score"] for report, _ in graded]
    print(f"  scores: {scores} -> {'full agreement' if agree and len(set(scores)) == 1 else 'DISAGREEMENT'}")
    return agree and len(set(scores)) == 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", type=Path)
    ap.add_argument("--fixture", action="append", choices=sorted(FIXTURES), default=[])
    ap.add_argument("--all-fixtures", action="store_true")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--parallel", type=int, default=1)
    args = ap.parse_args()
    names = sorted(FIXTURES) if args.all_fixtures else args.fixture
    if args.path is None and not names:
        ap.error("give PATH, --fixture NAME or --all-fixtures")
    ok = True
    with tempfile.TemporaryDirectory(prefix="grader-repeat-") as tmp:
        targets = [(str(args.path), args.path)] if args.path else []
        targets += [(n, materialize(n, Path(tmp) / n)) for n in names]
        for name, path in targets:
            ok &= repeat(name, path, args.runs, args.parallel)
    print("\nevery check agreed in every run" if ok else "\nsome checks DIFFER between runs")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
