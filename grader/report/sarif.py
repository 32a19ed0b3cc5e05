"""SARIF 2.1.0 as GitHub code scanning accepts it: stable rule ids (the check codes), rules
with short and full descriptions, help (the `grader explain` page) and `helpUri` (the check's
page on the documentation site, grader.report.links), one result per check
that did not pass, with a repository-relative uri (percent-encoded, as a URI reference must
be: a folder `sp ace%` is `sp%20ace%25`), a start line and a level."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from grader import __version__
from grader.report.context import FormatContext, not_passing
from grader.report.explain import render as explain
from grader.report.links import check_url

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"fail": "error", "error": "error", "warn": "warning"}


def _rule(spec: Any, lang: str) -> dict[str, Any]:
    page = explain(spec, lang, width=88)  # a fixed width: the file does not depend on the terminal
    return {
        "id": spec.code,
        "name": "".join(part.capitalize() for part in spec.slug.replace(".", "-").split("-")),
        "shortDescription": {"text": spec.text("title", lang)},
        "fullDescription": {"text": spec.text("why", lang)},
        "help": {"text": spec.text("fix", lang), "markdown": page},
        "helpUri": check_url(spec.code, lang),
        "defaultConfiguration": {"level": "error" if spec.required else "warning"},
        "properties": {
            "tags": [spec.slug.split(".")[0], "workshop"],
            "slug": spec.slug,
            **({"ask": spec.ask} if spec.ask else {}),
        },
    }


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    specs = [s for s in ctx.rubric.checks if s.enabled]
    index = {s.code: i for i, s in enumerate(specs)}
    compose = next((r["file"] for r in doc["results"] if r["check"].startswith("compose.") and r.get("file")), None)
    results = []
    for r in not_passing(doc):
        file = r.get("file") or compose  # a runtime failure is about the stack the compose file describes
        result: dict[str, Any] = {
            "ruleId": r["code"],
            "level": LEVEL[r["status"]],
            "message": {"text": ctx.with_fix(ctx.full_message(r), r)},
        }
        if r["code"] in index:
            result["ruleIndex"] = index[r["code"]]
        if file:
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": quote(ctx.uri(file) or ""), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": int(r.get("line") or 1)},
                    }
                }
            ]
        results.append(result)
    sarif = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "workshop-grader",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(s, ctx.lang) for s in specs],
                    }
                },
                "automationDetails": {"id": f"workshop-grader/{doc['rubric']}/"},
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root"}}},
                "results": results,
                "properties": {"score": doc["score"], "maxScore": doc["max_score"], "passed": doc["passed"]},
            }
        ],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=2) + "\n"
