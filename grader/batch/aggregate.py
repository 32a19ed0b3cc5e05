"""`grader aggregate`: JSON reports made elsewhere (e.g. by the Action in each learner's
repository, downloaded as artifacts) merged into the same gradebook and HTML report."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from grader.batch.roster import safe_id
from grader.batch.run import Row
from grader.errors import InputError
from grader.results import REPORT_SCHEMA

GENERIC_NAMES = {"grader-report", "report", "results", "grader"}


def learner_id(path: Path) -> str:
    """alice.json -> alice; alice/grader-report.json (an artifact folder) -> alice."""
    stem = path.stem
    return safe_id(path.parent.name if stem in GENERIC_NAMES and path.parent.name else stem)


def load_reports(paths: list[Path]) -> list[Row]:
    files: list[Path] = []
    for p in paths:
        files += sorted(p.rglob("*.json")) if p.is_dir() else [p]
    rows, seen = [], set()
    for f in files:
        try:
            doc = json.loads(f.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise InputError(f"not a JSON report: {e}", str(f)) from None
        if not isinstance(doc, dict) or doc.get("schema") != REPORT_SCHEMA:
            raise InputError(f"not a grader report (schema {REPORT_SCHEMA} expected)", str(f))
        rid = learner_id(f)
        if rid in seen:
            raise InputError(f"a second report for learner {rid!r}", str(f))
        seen.add(rid)
        when = datetime.fromtimestamp(f.stat().st_mtime, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        verdict = "error" if doc.get("exit_code") == 2 else ("pass" if doc.get("passed") else "fail")
        rows.append(Row(rid, verdict, float(doc.get("score", 0)), float(doc.get("max_score", 0)), None, when, doc))
    if not rows:
        raise InputError("no reports found", ", ".join(str(p) for p in paths))
    return rows
