"""`grader aggregate`: reports made elsewhere merged into the same gradebook, feedback files and
HTML report as `grader batch`. Two kinds are read:

- the grader's JSON report (`workshop-grader/report/v1`), e.g. the Action's artifacts;
- Classroom 50's `result.json` (`classroom50/result/v1`), as `gh teacher download` writes it,
  a folder per learner: its tests (one per check, with code, points, message and fix) become
  the gradebook's column per check that Classroom 50's own CSV lacks.

A file named on the command line must be one of them; in a folder, other JSON files (a
learner's package.json) are passed over, but a `result.json` or `*report*.json` that is
neither is an error, so no learner silently drops out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.batch.roster import safe_id
from grader.batch.run import Row
from grader.errors import InputError
from grader.results import REPORT_SCHEMA

CLASSROOM50_SCHEMA = "classroom50/result/v1"
GENERIC_NAMES = {"grader-report", "report", "results", "result", "grader"}


def learner_id(path: Path) -> str:
    """alice.json -> alice; alice/grader-report.json (an artifact folder) -> alice;
    alice/result.json (gh teacher download) -> alice."""
    stem = path.stem
    return safe_id(path.parent.name if stem in GENERIC_NAMES and path.parent.name else stem)


def _expected(path: Path) -> bool:
    """A file that must be a report when found in a folder."""
    return path.stem in GENERIC_NAMES or "report" in path.stem


def from_classroom50(result: dict[str, Any], source: Path) -> dict[str, Any]:
    """A Classroom 50 result.json as the grader's report, so the gradebook, feedback and HTML
    read it as they read ours. Tests written by the grader carry their code, check, status,
    message, fix, file and line; any other test is keyed by its name."""
    results = []
    for t in result.get("tests") or []:
        if not isinstance(t, dict):
            raise InputError("a test in result.json is not an object", str(source))
        name = str(t.get("test-name", ""))
        code = str(t.get("code") or name.split(" ", 1)[0] or "?")
        title = name[len(code) + 1 :] if name.startswith(code + " ") else name
        passed = bool(t.get("passed"))
        status = (
            t.get("status")
            if t.get("status") in ("pass", "fail", "warn", "error", "blocked")
            else ("pass" if passed else "fail")
        )
        results.append(
            {
                "check": str(t.get("check") or code),
                "code": code,
                "status": status,
                "points": float(t.get("score") or 0),
                "max_points": float(t.get("max-score") or 0),
                "required": bool(t.get("required", True)),
                "title": title,
                "file": t.get("file"),
                "line": t.get("line") if isinstance(t.get("line"), int) else None,
                "message": str(t.get("message") or ""),
                "hint": t.get("fix") or None,
            }
        )
    error = any(r["status"] == "error" for r in results)
    passed = not error and not any(r["required"] and r["status"] in ("fail", "blocked") for r in results)
    return {
        "schema": REPORT_SCHEMA,
        "rubric": str(result.get("assignment", "")),
        "submission": str(result.get("submission", source.parent.name)),
        "lang": "en",
        "passed": passed,
        "score": float(result.get("score") or 0),
        "max_score": float(result.get("max-score") or 0),
        "exit_code": 2 if error else (0 if passed else 1),
        "results": results,
        "notes": [],
    }


def _row(rid: str, doc: dict[str, Any], when: str, commit: str | None) -> Row:
    verdict = {2: "error", 4: "not-graded"}.get(doc.get("exit_code") or 0) or ("pass" if doc.get("passed") else "fail")
    return Row(rid, verdict, float(doc.get("score", 0)), float(doc.get("max_score", 0)), commit, when, doc)


def load_reports(paths: list[Path]) -> list[Row]:
    files: list[tuple[Path, bool]] = []  # (file, must it be a report)
    for p in paths:
        files += [(f, _expected(f)) for f in sorted(p.rglob("*.json"))] if p.is_dir() else [(p, True)]
    rows, seen = [], set()
    for f, must in files:
        try:
            doc = json.loads(f.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            if not must:
                continue
            raise InputError(f"not a JSON report: {e}", str(f)) from None
        schema = doc.get("schema") if isinstance(doc, dict) else None
        if schema not in (REPORT_SCHEMA, CLASSROOM50_SCHEMA):
            if not must:
                continue
            raise InputError(f"not a grader report (schema {REPORT_SCHEMA} or {CLASSROOM50_SCHEMA} expected)", str(f))
        rid = learner_id(f)
        if rid in seen:
            raise InputError(f"a second report for learner {rid!r}", str(f))
        seen.add(rid)
        when = datetime.fromtimestamp(f.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if schema == CLASSROOM50_SCHEMA:
            rows.append(
                _row(
                    rid,
                    from_classroom50(doc, f),
                    str(doc.get("graded_at") or doc.get("datetime") or when),
                    str(doc.get("commit") or "") or None,
                )
            )
        else:
            rows.append(_row(rid, doc, when, None))
    if not rows:
        raise InputError("no reports found", ", ".join(str(p) for p in paths))
    return rows
