"""runtime.api-contract: exercise the API through the frontend against its OpenAPI document,
with schemathesis (an optional extra), and report each operation that answers outside it.

schemathesis runs as its own process with a JUnit report: one testcase per operation, a
<failure> for each operation that broke a check."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from grader.results import Finding, Status
from grader.runtime.http import Client
from grader.runtime.progress import Progress

# Checks about what the server answers; not the ones about which inputs it must refuse, which
# the workshop app is not asked to enforce beyond its documented 400s.
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def _base_path(spec: Path) -> str:
    try:
        doc = yaml.safe_load(spec.read_text("utf-8"))
        url = (doc.get("servers") or [{}])[0].get("url", "")
        return urlsplit(url).path.rstrip("/")
    except (OSError, yaml.YAMLError, AttributeError, IndexError):
        return ""


def check_contract(client: Client, spec: Path, examples: int, progress: Progress,
                   timeout: float = 300.0) -> Any:
    from grader.runtime.scenario import PhaseOutcome, tail

    if importlib.util.find_spec("schemathesis") is None:
        return PhaseOutcome([Finding(Status.SKIP, "unavailable")])
    with tempfile.TemporaryDirectory(prefix="grader-contract-") as tmp:
        junit = Path(tmp) / "junit.xml"
        argv = [sys.executable, "-m", "schemathesis.cli", "run", str(spec.resolve()),
                "--url", f"{client.base}{_base_path(spec)}", "--checks", CHECKS,
                "--phases", "examples,fuzzing", "--max-examples", str(examples),
                "--request-timeout", "10", "--seed", "6", "--no-color",
                "--report", "junit", "--report-junit-path", str(junit)]
        progress.status("schemathesis …")
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=tmp,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return PhaseOutcome([Finding(Status.FAIL, "error", {"error": f"no result within {timeout:g} s"})])
        if not junit.exists():
            return PhaseOutcome([Finding(Status.FAIL, "error", {"error": tail(proc.stdout + proc.stderr, 1)})],
                                output=tail(proc.stdout + proc.stderr, 30))
        cases = ET.parse(junit).getroot().iter("testcase")
    details, failed = [], []
    total = 0
    for case in cases:
        total += 1
        name = case.get("name", "?")
        problems = [f.get("message") or (f.text or "").strip().splitlines()[0]
                    for f in list(case.iter("failure")) + list(case.iter("error"))]
        if problems:
            failed.append(name)
            details.append({"operation": name, "status": "fail", "message": f"{name}: {problems[0][:300]}"})
        else:
            details.append({"operation": name, "status": "pass", "message": f"{name}: ok"})
    if failed:
        return PhaseOutcome([Finding(Status.FAIL, "fail", {"failed": len(failed), "operations": total,
                                                          "names": ", ".join(failed)})],
                            details, tail(proc.stdout, 40))
    return PhaseOutcome([Finding(Status.PASS, "pass", {"operations": total})], details)
