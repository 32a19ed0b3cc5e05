"""The legitimate suite's projects (tests/legit/): each folder holds only what its learner wrote
differently from workshop/ (the app, its OpenAPI document and the page are the workshop's), and
`.legit-removed` lists the workshop's files it does not have. materialize() lays a project out
whole, as the learner's folder is."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LEGIT = REPO / "tests" / "legit"
WORKSHOP = REPO / "workshop"
REMOVED = ".legit-removed"

PROJECTS = sorted(p.name for p in LEGIT.iterdir() if p.is_dir())


def materialize(name: str, dest: Path) -> Path:
    """The project `name` as a whole folder at `dest`: workshop/, then the project's own files
    over it, less the files it removed."""
    shutil.copytree(WORKSHOP, dest, ignore=shutil.ignore_patterns("__pycache__"))
    own = LEGIT / name
    for path in sorted(own.rglob("*")):
        rel = path.relative_to(own)
        if path.is_file() and rel.name != REMOVED:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / rel)
    if (own / REMOVED).is_file():
        for line in (own / REMOVED).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                (dest / line.strip()).unlink()
    return dest
