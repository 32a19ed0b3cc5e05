"""JUnit XML in the Jenkins/Ant shape (testsuites > testsuite > testcase), which Jenkins,
GitLab and the GitHub JUnit actions read: one testsuite per rubric, one testcase per check
with classname, name, file and time; a failure carries every finding and the fix.

XML 1.0 cannot hold every character a learner's file (or the stack's output) may contain: the
control characters, lone surrogates, U+FFFE and U+FFFF are replaced with U+FFFD in the whole
document, so any input gives XML that parses."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from grader.report.context import FormatContext, group

# Everything outside XML 1.0's Char production.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    results = doc["results"]
    count = {s: sum(1 for r in results if r["status"] == s) for s in ("fail", "error", "skip", "blocked")}
    total_time = sum(r.get("seconds") or 0.0 for r in results)
    suites = ET.Element(
        "testsuites",
        name="workshop-grader",
        tests=str(len(results)),
        failures=str(count["fail"]),
        errors=str(count["error"]),
        time=f"{total_time:.3f}",
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=doc["rubric"],
        tests=str(len(results)),
        failures=str(count["fail"]),
        errors=str(count["error"]),
        skipped=str(count["skip"] + count["blocked"]),
        time=f"{total_time:.3f}",
        timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
    )
    props = ET.SubElement(suite, "properties")
    for name in ("submission", "score", "max_score", "passed"):
        value = doc[name]
        text = (
            ("true" if value else "false")
            if isinstance(value, bool)
            else (f"{value:g}" if isinstance(value, float) else str(value))
        )
        ET.SubElement(props, "property", name=name, value=text)
    for r in results:
        attrs = {
            "classname": f"{doc['rubric']}.{group(r)}",
            "name": f"{r['code']} {r['check']}: {r['title']}",
            "time": f"{r.get('seconds') or 0.0:.3f}",
        }
        if r.get("file"):
            attrs["file"] = ctx.uri(r["file"]) or r["file"]
        if r.get("line"):
            attrs["line"] = str(r["line"])
        case = ET.SubElement(suite, "testcase", attrs)
        where = f"{ctx.where(r)}: " if r.get("file") and r.get("line") else ""
        body = ctx.with_fix(f"{where}{ctx.full_message(r)}", r)
        if r["status"] == "fail":
            ET.SubElement(case, "failure", message=r["message"], type=r["code"]).text = body
        elif r["status"] == "error":
            ET.SubElement(case, "error", message=r["message"], type=r["code"]).text = body
        elif r["status"] in ("skip", "blocked"):  # blocked: not run; its cause is the failure of blocked_by
            ET.SubElement(case, "skipped", message=r["message"])
        out = []
        if r["status"] == "warn":
            out.append(f"warning: {body}")
        if r.get("output"):
            out.append(r["output"])
        if out:
            ET.SubElement(case, "system-out").text = "\n".join(out)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml_safe(ET.tostring(suites, encoding="unicode")) + "\n"
