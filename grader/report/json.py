"""The JSON report: the one result model every other format is built from (docs/json-report.md)."""

from __future__ import annotations

import json
from typing import Any

from grader.report.context import FormatContext


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
