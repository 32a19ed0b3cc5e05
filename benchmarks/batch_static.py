"""Batch static throughput: `grader batch` over N generated submissions (copies of workshop/
with mistakes applied) beside running `grader check` once per submission as separate
processes (one at a time, and as many at once as there are cores). Prints seconds per
submission for each and the ratios.

    python benchmarks/batch_static.py [--count 500]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKSHOP = REPO / "workshop"
MISTAKES = [
    None,
    ("docker-compose.yml", "  backend:\n", "  backend:\n    container_name: be\n"),
    ("frontend/nginx.conf", "proxy_pass $backend_upstream;", "proxy_pass http://backend:8080;"),
    (
        "docker-compose.yml",
        "    depends_on:\n      - backend\n",
        "    depends_on:\n      backend:\n        condition: service_healthy\n",
    ),
    ("docker-compose.yml", "services:\n", "services: [\n"),
]


def generate(root: Path, count: int) -> list[Path]:
    subs = []
    for i in range(count):
        dest = root / f"s{i:04d}"
        shutil.copytree(WORKSHOP, dest, ignore=shutil.ignore_patterns("__pycache__"))
        mistake = MISTAKES[i % len(MISTAKES)]
        if mistake:
            p = dest / mistake[0]
            p.write_text(p.read_text().replace(mistake[1], mistake[2], 1))
        subs.append(dest)
    return subs


def one_process(sub: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "grader", "check", str(sub), "--format", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=500)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        root = Path(tmp) / "class"
        subs = generate(root, args.count)
        start = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "grader", "batch", str(root), "--out", str(Path(tmp) / "out"), "--progress", "none"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        batch = time.monotonic() - start
        start = time.monotonic()
        for sub in subs:
            one_process(sub)
        serial = time.monotonic() - start
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=cores) as pool:
            list(pool.map(one_process, subs))
        parallel = time.monotonic() - start
    n = args.count
    print(f"{n} submissions, {cores} cores")
    print(f"{'grader batch (one process, all cores)':<46}{batch:8.2f} s  {batch / n * 1000:7.2f} ms/submission")
    print(f"{'grader check per submission, one at a time':<46}{serial:8.2f} s  {serial / n * 1000:7.2f} ms/submission")
    print(
        f"{f'grader check per submission, {cores} at a time':<46}{parallel:8.2f} s  "
        f"{parallel / n * 1000:7.2f} ms/submission"
    )
    print(f"ratio batch/one-at-a-time: {batch / serial:.3f}   batch/{cores}-at-a-time: {batch / parallel:.3f}")


if __name__ == "__main__":
    main()
