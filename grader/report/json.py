"""The JSON report: the one result model every other format is built from (docs/json-report.md)."""
from __future__ import annotations

import json

from grader.results import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
