"""Every benchmark in one run, side by side: static grading vs gixy-ng on the same files, batch
static throughput, and the runtime scenario vs the plain script. Prints one table (and the
machine it ran on) for the README.

    python benchmarks/all.py [--count 500] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(script: str, *args: str) -> str:
    p = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True, check=True)
    return p.stdout


def grab(pattern: str, text: str) -> str:
    m = re.search(pattern, text)
    return m.group(1) if m else "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", default="500")
    ap.add_argument("--rounds", default="2")
    args = ap.parse_args()
    static = run("static_vs_gixy.py")
    batch = run("batch_static.py", "--count", args.count)
    runtime = run("runtime_vs_script.py", "--rounds", args.rounds)
    docker = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True
    ).stdout.strip()
    compose = subprocess.run(["docker", "compose", "version", "--short"], capture_output=True, text=True).stdout.strip()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Docker {docker}, Compose {compose}"
    )
    rows = [
        (
            "static check of workshop/ vs gixy-ng on its nginx.conf",
            grab(r"grader check [(][^)]*[)]\s+([\d.]+)", static) + " s",
            grab(r"gixy-ng [(][^)]*[)]\s+([\d.]+)", static) + " s",
            grab(r"ratio grader/gixy: ([\d.]+)", static),
        ),
        (
            f"{args.count} submissions: grader batch vs grader check once per submission (one process each)",
            grab(r"all cores[)]\s+[\d.]+ s\s+([\d.]+ ms)", batch) + "/submission",
            grab(r"one at a time\s+[\d.]+ s\s+([\d.]+ ms)", batch) + "/submission",
            grab(r"batch/one-at-a-time: ([\d.]+)", batch),
        ),
        (
            "runtime scenario on workshop/ vs the same steps as a shell script",
            grab(r"total [(]wall[)]\s+([\d.]+)", runtime) + " s",
            grab(r"total [(]wall[)]\s+[\d.]+\s+([\d.]+)", runtime) + " s",
            grab(r"ratio grader/script: ([\d.]+)", runtime),
        ),
    ]
    print("| what | grader | baseline | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print(static.strip())
    print(batch.strip())
    print(runtime.strip())


if __name__ == "__main__":
    main()
