"""What the runtime gate refuses in real projects: every project folder under the given roots
goes through the gate exactly as `grader check --runtime` would take it (the static path
check, then Compose's resolved project against the allow-list and the base-image rule), and
each refusal is listed with its file, line and reason; then the counts per reason.

    python3 scripts/gate_survey.py ../shared/corpus/wild/compose ../shared/corpus/dev

Nothing is built or started: the gate is all that runs. A project Compose itself does not load,
or that has no compose file, is counted apart."""

from __future__ import annotations

import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.errors import InputError
from grader.runtime.compose_cli import find_compose
from grader.runtime.engine import connect
from grader.runtime.gate import checked_project
from grader.runtime.safety import UnsafeSubmissionError
from grader.workspace import load_workspace

BASE_IMAGES = ["nginx:1.30", "python:3.13-slim"]


def survey(folder: Path, argv: list[str], client: object) -> tuple[str, list[str]]:
    """(outcome, lines): outcome is runs | refused | not-loaded | no-compose."""
    try:
        ws = load_workspace(folder)
    except InputError as e:
        return "no-compose", [str(e)]
    if ws.compose is None or ws.compose_rel is None:
        return "no-compose", [str(ws.compose_error)]
    try:
        checked_project(ws, argv, "survey", BASE_IMAGES, lambda: client)
    except UnsafeSubmissionError as e:
        return "refused", [str(h) for h in e.hazards]
    except InputError as e:
        return "not-loaded", [e.message]
    return "runs", []


def reason(line: str) -> str:
    """A refusal's kind: the key or value named in backticks, else the text after the service."""
    import re

    m = re.search(r"sets `([^`:]+)", line) or re.search(
        r"(privileged|namespace|capability|security profile|"
        r"bind-mounts|build context|env_file|built on this engine|"
        r"could not read|Docker's default set|host's network)",
        line,
    )
    return m.group(1) if m else line.split(": ", 2)[-1][:60]


def main(roots: list[str]) -> int:
    argv, _ = find_compose()
    client = connect()
    folders = sorted(p for root in roots for p in Path(root).iterdir() if p.is_dir())
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda f: (f, *survey(f, argv, client)), folders))
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for folder, outcome, lines in results:
        outcomes[outcome] += 1
        if outcome == "refused":
            print(f"{folder.parent.name}/{folder.name}")
            for line in lines:
                print(f"    {line}")
                reasons[reason(line)] += 1
    print("\nprojects:", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print("refusals by reason:")
    for what, n in reasons.most_common():
        print(f"  {n:4}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["../shared/corpus/wild/compose", "../shared/corpus/dev"]))
