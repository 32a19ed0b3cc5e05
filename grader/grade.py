"""Run the rubric's checks over a workspace: findings -> scored results -> report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.checks import BY_CODE, PROVIDERS
from grader.checks.context import CheckContext
from grader.results import Finding, Note, Report, Result, Status
from grader.rubric import CheckSpec, Rubric
from grader.workspace import Workspace, load_workspace


def score(rubric: Rubric, spec: CheckSpec, findings: list[Finding], lang: str) -> Result:
    worst = max(findings, key=lambda f: f.status.severity)
    status = worst.status
    if not spec.required and status is Status.FAIL:
        status = Status.WARN  # advisory: shown, never fails the grade
    max_points = 0.0 if status is Status.SKIP else spec.points
    points = max_points if status in (Status.PASS, Status.WARN) else 0.0
    details = [
        {
            "file": f.file,
            "line": f.line,
            "status": f.status.value,
            "message": rubric.message(spec, f.key, lang, f.params),
        }
        for f in findings
        if f is not worst and f.status.severity > 0
    ]
    return Result(
        check=spec.slug,
        code=spec.code,
        status=status,
        points=points,
        max_points=max_points,
        required=spec.required,
        title=spec.text("title", lang),
        file=worst.file,
        line=worst.line,
        message=rubric.message(spec, worst.key, lang, worst.params),
        hint=rubric.fix(spec, worst.key, lang, worst.params)
        if status not in (Status.PASS, Status.SKIP, Status.BLOCKED)
        else None,
        details=details,
        blocked_by=worst.params.get("blocked_by") if status is Status.BLOCKED else None,
    )


def blocked(rubric: Rubric, spec: CheckSpec, need: str, provider: str, cause: Finding, lang: str) -> Result:
    """A check that cannot run because `need` is missing: no points, no fix of its own; the
    provider's finding (`cause`) says why, once, with the fix. It points where the cause does."""
    message = rubric.message(spec, f"blocked_{need}", lang, {"code": provider})
    return Result(
        spec.slug,
        spec.code,
        Status.BLOCKED,
        0.0,
        spec.points,
        spec.required,
        spec.text("title", lang),
        cause.file,
        cause.line,
        message,
        None,
        blocked_by=provider,
    )


def run_checks(ws: Workspace, rubric: Rubric, lang: str) -> list[Result]:
    """Each check runs only with what it NEEDS. A missing need is told once, by the check that
    PROVIDES it; the others that need it are blocked by that check. When the rubric leaves the
    provider out, the cause is scored as the needing check's own finding instead."""
    ctx = CheckContext(ws=ws, params=rubric.params)
    enabled = {s.code for s in rubric.checks if s.enabled and s.code in BY_CODE}
    results = []
    for spec in rubric.checks:
        if spec.code not in enabled:
            continue
        module = BY_CODE[spec.code]
        unmet = ctx.unmet(module.NEEDS)
        if unmet is None:
            results.append(score(rubric, spec, list(module.check(ctx)), lang))
            continue
        need, cause = unmet
        provider = PROVIDERS.get(need)
        if provider in enabled and provider != spec.code:
            results.append(blocked(rubric, spec, need, provider, cause, lang))
        else:
            results.append(score(rubric, spec, [cause], lang))
    return results


def grade(
    path: str | Path,
    rubric: Rubric,
    lang: str = "en",
    compose: str | None = None,
    nginx: str | None = None,
    services: dict[str, str] | None = None,
) -> tuple[Report, Workspace]:
    ws = load_workspace(path, compose=compose, nginx=nginx, services=services, api_path=rubric.api_path)
    results = run_checks(ws, rubric, lang)
    notes: list[Note] = list(ws.notes)
    # A config the build never copies is C111's finding, not a second note.
    for err in (ws.compose_error, None if ws.config_not_built else ws.nginx_error):
        if err is not None:
            notes.append(Note("error", err.message, err.file, err.line))
    report = Report(rubric=rubric.id, submission=str(path), lang=lang, results=results, notes=notes)
    return report, ws


def runtime_options(rubric: Rubric, **overrides: Any) -> Any:
    """RuntimeOptions from the rubric's `runtime:` section, then the command line's overrides."""
    from dataclasses import fields

    from grader.runtime.stack import RuntimeOptions

    names = {f.name for f in fields(RuntimeOptions)}
    values = {k: v for k, v in rubric.runtime.items() if k in names}
    values.setdefault("list_path", rubric.api_path)
    values.setdefault("create_path", rubric.api_path)
    values.update({k: v for k, v in overrides.items() if v is not None})
    if isinstance(values.get("budget"), dict):  # the rubric's `budget:` mapping
        from grader.runtime.budget import Budget

        values["budget"] = Budget(**values["budget"])
    return RuntimeOptions(**values)


def add_runtime(
    report: Report,
    ws: Workspace,
    rubric: Rubric,
    options: Any,
    progress: Any = None,
    allow_unsafe: bool = False,
    require_seal: bool = False,
) -> None:
    """Run the stack and add each runtime phase, scored, to the report (and the run's cleanup
    trouble to its notes). The gate (grader/runtime/gate.py) raises (exit 2) before anything starts; a missing
    compose file or role skips every phase with the reason. A run that cannot be sealed goes on
    with a note saying why, unless `require_seal` (batch, worker): then RuntimeSetupError."""
    from grader.runtime.scenario import RuntimeRun, skipped

    if ws.compose is None:
        outcomes = skipped("skipped_no_compose")
    elif ws.roles.get("backend") is None or ws.compose.service(ws.roles.get("backend")) is None:
        outcomes = skipped("skipped_no_backend")
    else:
        run = RuntimeRun(ws, options, progress)
        run.prepare(allow_unsafe, require_seal)
        if run.unsealed is not None:
            report.notes.append(Note("warning", f"this run was not sealed: {run.unsealed}"))
        outcomes = run.run()
        report.notes.extend(Note("warning", f"cleanup: {problem}") for problem in run.cleanup_problems)
    for spec in rubric.checks:
        outcome = outcomes.get(spec.slug)
        if not spec.enabled or outcome is None:
            continue
        result = score(rubric, spec, outcome.findings, report.lang)
        result.details = outcome.details + result.details
        result.output = outcome.output
        result.seconds = round(outcome.seconds, 2)
        report.results.append(result)


def not_run(report: Report, rubric: Rubric, error: Any) -> None:
    """The machine could not run the stack (a RuntimeSetupError): the static results stay, each
    runtime phase becomes an error that gives the reason, a note says it, and the report's exit
    code is 4."""
    from grader.i18n.cli_text import localize_error

    have = {r.check for r in report.results}
    reason = localize_error(error.message, report.lang)
    report.notes.append(Note("error", f"runtime grading could not run: {error.message}"))
    report.setup_error = True
    report.results += [
        error_result(rubric, spec, report.lang, "runtime_not_run", {"reason": reason})
        for spec in rubric.checks
        if spec.enabled and spec.slug.startswith("runtime.") and spec.slug not in have
    ]


def error_result(
    rubric: Rubric,
    spec: Any,
    lang: str,
    key: str,
    params: dict[str, Any],
    file: str | None = None,
    line: int | None = None,
) -> Result:
    """A check that could not be graded: an error with no points, its message `key` saying why."""
    return Result(
        spec.slug,
        spec.code,
        Status.ERROR,
        0.0,
        spec.points,
        spec.required,
        spec.text("title", lang),
        file,
        line,
        rubric.message(spec, key, lang, params),
        None,
    )
