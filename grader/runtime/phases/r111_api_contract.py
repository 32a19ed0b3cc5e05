"""R5 (advisory): the API answers as its OpenAPI document says. The document is the one given
with --openapi, else the submission's own (openapi.yaml/.yml/.json at its top, in backend/ or
in docs/). schemathesis exercises each operation through the frontend in its own process,
with a JUnit report: one testcase per operation, a <failure> for each that broke a check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import yaml

from grader.results import Status
from grader.runtime.outcome import PhaseOutcome, tail
from grader.texts import CheckTexts, Message, Text

if TYPE_CHECKING:
    from grader.runtime.stack import Stack

CODE = "R111"
SLUG = "runtime.api-contract"
NEEDS = ("runtime.api",)

TEXTS = CheckTexts(
    CODE,
    title=Text(
        en="The API answers as its OpenAPI document says (advisory)",
        ko="API가 OpenAPI 문서대로 응답합니다 (권장)",
    ),
    why=Text(
        en="The frontend page relies on the API's documented shapes and status codes. Each operation is "
        "exercised through nginx with generated requests (schemathesis), against the document given "
        "with --openapi, else the submission's own openapi.yaml (at its top, in backend/ or in docs/).",
        ko="프론트엔드 페이지는 문서에 적힌 API 응답 형태와 상태 코드에 기대어 동작합니다. 각 동작을 "
        "nginx를 거쳐 생성된 요청으로 시험합니다 (schemathesis). 문서는 --openapi로 준 것을, 없으면 "
        "제출물에 있는 openapi.yaml (맨 위, backend/, docs/ 중 한 곳)을 씁니다.",
    ),
    fix=Text(
        en="Make each listed operation answer with the status codes and JSON shapes the OpenAPI document gives.",
        ko="목록에 나온 각 동작이 OpenAPI 문서의 상태 코드와 JSON 형태로 응답하게 하세요.",
    ),
    messages={
        "pass": Message(
            en="All {operations} operations answered as {document} says.",
            ko="동작 {operations}개가 모두 {document}에 적힌 대로 응답했습니다.",
            params=("document", "operations"),
        ),
        "fail": Message(
            en="{failed} of {operations} operations answered otherwise than {document} says: {names}.",
            ko="동작 {operations}개 중 {failed}개가 {document}에 적힌 것과 다르게 응답했습니다: {names}.",
            params=("document", "failed", "names", "operations"),
        ),
        "no_openapi": Message(
            en="No OpenAPI document was given (--openapi FILE) or found (openapi.yaml); the contract was not checked.",
            ko="OpenAPI 문서를 받지도 (--openapi FILE) 찾지도 (openapi.yaml) 못해 계약을 확인하지 않았습니다.",
        ),
        "unavailable": Message(
            en="schemathesis is not installed (pip install 'workshop-grader[contract]'); the contract was not checked.",
            ko="schemathesis가 설치되어 있지 않아 (pip install 'workshop-grader[contract]') 계약을 "
            "확인하지 않았습니다.",
        ),
        "error": Message(
            en="The contract run did not complete: {error}",
            ko="계약 검사가 끝나지 않았습니다: {error}",
            params=("error",),
        ),
    },
)

# Checks about what the server answers; not the ones about which inputs it must refuse, which
# the workshop app is not asked to enforce beyond its documented 400s.
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
OWN_DOCUMENTS = tuple(
    f"{folder}openapi.{ext}" for folder in ("", "backend/", "docs/") for ext in ("yaml", "yml", "json")
)
TIMEOUT = 300.0


def document(stack: Stack) -> tuple[Path | None, str | None]:
    """(path, how it is named in the report) of the OpenAPI document to check against."""
    if stack.opt.openapi is not None:
        return stack.opt.openapi, str(stack.opt.openapi)
    base = stack.ws.compose_dir
    for rel in OWN_DOCUMENTS:
        rel = f"{base}/{rel}" if base else rel
        if stack.ws.root.exists(rel):
            return stack.ws.root.resolve(rel), rel
    return None, None


def _base_path(spec: Path) -> str:
    try:
        doc = yaml.safe_load(spec.read_text("utf-8"))
        url = (doc.get("servers") or [{}])[0].get("url", "")
        return urlsplit(url).path.rstrip("/")
    except (OSError, yaml.YAMLError, AttributeError, IndexError):
        return ""


def run(stack: Stack) -> PhaseOutcome:
    # here, not at the top: every static grade imports this module for its texts
    import importlib.util
    import subprocess
    import tempfile
    import xml.etree.ElementTree as ET

    spec, named = document(stack)
    if spec is None:
        return PhaseOutcome([stack.at_compose(Status.SKIP, "no_openapi")])
    if importlib.util.find_spec("schemathesis") is None:
        return PhaseOutcome([stack.at_compose(Status.SKIP, "unavailable")])
    assert stack.client is not None
    with tempfile.TemporaryDirectory(prefix="grader-contract-") as tmp:
        junit = Path(tmp) / "junit.xml"
        argv = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            str(spec.resolve()),
            "--url",
            f"{stack.client.base}{_base_path(spec)}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            str(stack.opt.contract_examples),
            "--request-timeout",
            "10",
            "--seed",
            "6",
            "--no-color",
            "--report",
            "junit",
            "--report-junit-path",
            str(junit),
        ]
        stack.progress.say("schemathesis", document=named)
        try:
            proc = subprocess.run(
                argv, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            return PhaseOutcome([stack.at_compose(Status.FAIL, "error", error=f"no result within {TIMEOUT:g} s")])
        if not junit.exists():
            return PhaseOutcome(
                [stack.at_compose(Status.FAIL, "error", error=tail(proc.stdout + proc.stderr, 1))],
                output=tail(proc.stdout + proc.stderr, 30),
            )
        cases = list(ET.parse(junit).getroot().iter("testcase"))
    details, failed = [], []
    for case in cases:
        name = case.get("name", "?")
        problems = [
            f.get("message") or (f.text or "").strip().splitlines()[0]
            for f in list(case.iter("failure")) + list(case.iter("error"))
        ]
        if problems:
            failed.append(name)
            details.append({"operation": name, "status": "fail", "message": f"{name}: {problems[0][:300]}"})
        else:
            details.append({"operation": name, "status": "pass", "message": f"{name}: ok"})
    if failed:
        return PhaseOutcome(
            [
                stack.at_compose(
                    Status.FAIL,
                    "fail",
                    failed=len(failed),
                    operations=len(cases),
                    names=", ".join(failed),
                    document=named,
                )
            ],
            details,
            tail(proc.stdout, 40),
        )
    return PhaseOutcome([stack.at_compose(Status.PASS, "pass", operations=len(cases), document=named)], details)
