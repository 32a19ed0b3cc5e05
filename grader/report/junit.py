"""JUnit XML in the Jenkins/Ant shape (testsuites > testsuite > testcase), which Jenkins,
GitLab and the GitHub JUnit actions read: one testsuite per rubric, one testcase per check
with classname, name, file and time; a failure carries the message and the fix."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

from grader.report.context import FormatContext, group


def _clean(text: str) -> str:
    # XML 1.0 cannot hold most control characters; a learner's build output may contain them.
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def render(doc: dict[str, Any], ctx: FormatContext) -> str:
    results = doc["results"]
    count = {s: sum(1 for r in results if r["status"] == s) for s in ("fail", "error", "skip")}
    total_time = sum(r.get("seconds") or 0.0 for r in results)
    suites = ET.Element("testsuites", name="workshop-grader", tests=str(len(results)),
                        failures=str(count["fail"]), errors=str(count["error"]), time=f"{total_time:.3f}")
    suite = ET.SubElement(suites, "testsuite", name=doc["rubric"], tests=str(len(results)),
                          failures=str(count["fail"]), errors=str(count["error"]), skipped=str(count["skip"]),
                          time=f"{total_time:.3f}", timestamp=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    props = ET.SubElement(suite, "properties")
    for name in ("submission", "score", "max_score", "passed"):
        value = doc[name]
        text = ("true" if value else "false") if isinstance(value, bool) else (
            f"{value:g}" if isinstance(value, float) else str(value))
        ET.SubElement(props, "property", name=name, value=text)
    for r in results:
        attrs = {"classname": f"{doc['rubric']}.{group(r)}", "name": f"{r['code']} {r['check']}: {r['title']}",
                 "time": f"{r.get('seconds') or 0.0:.3f}"}
        if r.get("file"):
            attrs["file"] = ctx.uri(r["file"]) or r["file"]
        if r.get("line"):
            attrs["line"] = str(r["line"])
        case = ET.SubElement(suite, "testcase", attrs)
        where = f"{ctx.where(r)}: " if r.get("file") and r.get("line") else ""
        body = _clean(f"{where}{r['message']}" + (f"\nfix: {r['hint']}" if r.get("hint") else ""))
        if r["status"] == "fail":
            ET.SubElement(case, "failure", message=_clean(r["message"]), type=r["code"]).text = body
        elif r["status"] == "error":
            ET.SubElement(case, "error", message=_clean(r["message"]), type=r["code"]).text = body
        elif r["status"] == "skip":
            ET.SubElement(case, "skipped", message=_clean(r["message"]))
        out = []
        if r["status"] == "warn":
            out.append(f"warning: {body}")
        if r.get("output"):
            out.append(r["output"])
        if out:
            ET.SubElement(case, "system-out").text = _clean("\n".join(out))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
