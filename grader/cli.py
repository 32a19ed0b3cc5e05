"""The `grader` command. Each command parses options, calls one function, prints, and exits:
0 every required check passed, 1 some check failed, 2 the input could not be graded (or the
safety gate refused it), 3 the grader itself failed (a bug: please report it), 4 the stack
cannot be run on this machine (no Docker engine, no Compose v2), 130 interrupted (Ctrl-C, SIGINT),
143 terminated (SIGTERM)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import Any

import click

from grader import __version__
from grader.errors import InputError, Interrupted, RuntimeSetupError
from grader.i18n.cli_text import HELP_KO, OPTION_HELP_KO, TEXT, localize_error
from grader.i18n.wrap import cell_len
from grader.report import ALIASES, FORMATS, canonical

EXIT_INPUT = 2
EXIT_INTERNAL = 3
EXIT_SETUP = 4  # no Docker daemon or no Compose v2: the machine's problem, not the learner's
EXIT_INTERRUPTED = 130
# The line an interruption prints, by what the runs left on the engine (interrupt.cleanup_outcome)
INTERRUPTED = {"none": "interrupted", "removed": "interrupted_removed", "left": "interrupted_left"}


def interrupted_line(lang: str | None) -> str:
    """The line an interruption ends with, true to what the command's runs left on the engine."""
    from grader import interrupt

    return say(lang, INTERRUPTED[interrupt.cleanup_outcome()])


def default_lang() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def say(lang: str | None, key: str, **params: Any) -> str:
    """One of the command's own lines, in the report's language."""
    from grader.i18n.ko import localized

    return localized(TEXT, lang or default_lang(), key, **params)


def fail_cleanly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Input problems are one clear line and exit 2; never a traceback for the learner. The
    line is in the language the command was asked for (--lang, else LANG)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from grader import interrupt

        lang = kwargs.get("lang") or default_lang()
        try:
            # SIGINT and SIGTERM at any moment: Interrupted, answered below once the run has
            # cleaned up; installed whatever the shell left them as (ignored, in a background job).
            with interrupt.handled():
                return fn(*args, **kwargs)
        except InputError as e:
            where = e.where()
            # the safety gate's refusal says itself in each language, and lists every hazard
            message = e.text(lang)
            click.echo(f"grader: {where}: {message}" if where else f"grader: {message}", err=True)
            for hazard in getattr(e, "hazards", [])[1:]:
                click.echo(f"grader: {hazard.file}:{hazard.line}: {hazard.text(lang)}", err=True)
            sys.exit(EXIT_INPUT)
        except RuntimeSetupError as e:
            click.echo("grader: " + say(lang, "cannot_run", message=localize_error(e.message, lang)), err=True)
            sys.exit(EXIT_SETUP)
        except (Interrupted, KeyboardInterrupt) as e:
            click.echo("grader: " + interrupted_line(lang), err=True)
            sys.exit(e.exit_code if isinstance(e, Interrupted) else EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (`grader list | head`): stop quietly, as other tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as e:
            if os.environ.get("GRADER_DEBUG"):
                import traceback

                traceback.print_exc()
            click.echo("grader: " + say(lang, "internal", error=f"{type(e).__name__}: {e}"), err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper


def parse_services(values: tuple[str, ...], lang: str | None = None) -> dict[str, str]:
    from grader.workspace import ROLES

    out = {}
    for v in values:
        role, eq, name = v.partition("=")
        if not eq or role not in ROLES or not name:
            raise click.BadParameter(say(lang, "bad_service", value=v, roles=", ".join(ROLES)), param_hint="--service")
        out[role] = name
    return out


def load(rubric: str | None):
    from grader.registry import known_checks
    from grader.rubric import load_rubric

    return load_rubric(rubric, registry=known_checks())


# click's usage errors exit 2 already: a bad option is "input that cannot be graded".
@click.group()
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Grade a learner's Docker workshop step: static checks of docker-compose.yml and the
    frontend's nginx.conf, and (with --runtime) a real run of the stack."""


lang_option = click.option(
    "--lang",
    type=click.Choice(["ko", "en"]),
    default=None,
    help="Language of the report (default: ko when LANG starts with ko).",
)
rubric_option = click.option(
    "--rubric",
    default=None,
    metavar="NAME|FILE",
    help="Rubric name in rubrics/ or a rubric file (default: step-06-horizontal-scaling).",
)


def submission_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(
        [
            click.argument("path", required=False, type=click.Path(file_okay=True, dir_okay=True)),
            click.option(
                "--compose",
                "compose_file",
                metavar="FILE",
                help="The compose file (default: found as Compose finds it).",
            ),
            click.option(
                "--nginx",
                "nginx_file",
                metavar="FILE",
                help="The frontend's nginx config (default: found from the frontend's Dockerfile or mounts).",
            ),
            click.option(
                "--service",
                "services",
                multiple=True,
                metavar="ROLE=NAME",
                help="Which service plays a role (backend, frontend); repeatable.",
            ),
            rubric_option,
            lang_option,
            click.option(
                "--format",
                "fmt",
                type=click.Choice([*FORMATS, *ALIASES]),
                default="text",
                show_default=True,
                help="Report format on stdout (or in the --output FILE). classroom50 writes Classroom 50's "
                "result.json and exits 0 when the grade is recorded, even for input that cannot be "
                "graded; `classroom` is the old name of gh-classroom-reporter.",
            ),
            click.option(
                "--output",
                "outputs",
                multiple=True,
                metavar="[FORMAT=]FILE",
                help="Write the --format report to FILE instead of stdout; FORMAT=FILE writes another "
                "format too (repeatable), e.g. --output sarif=grader.sarif --output junit=junit.xml.",
            ),
            click.option(
                "--exit-zero",
                is_flag=True,
                help="Exit 0 whatever the grade (for steps that upload a report); input errors still exit 2.",
            ),
            click.option("--no-color", is_flag=True, help="No colour, even on a terminal."),
        ]
    ):
        fn = opt(fn)
    return fn


def runtime_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(
        [
            click.option(
                "--allow-unsafe",
                is_flag=True,
                help="Run a compose file the safety gate refuses (privileged, host paths, ...): trusted input only.",
            ),
            click.option(
                "--openapi",
                type=click.Path(exists=True, dir_okay=False),
                default=None,
                help="OpenAPI document the API is checked against (runtime.api-contract).",
            ),
            click.option(
                "--timeout",
                "total_timeout",
                type=float,
                default=None,
                metavar="SECONDS",
                help="Time limit for the whole runtime run (default 1800).",
            ),
            click.option(
                "--build-timeout",
                type=float,
                default=None,
                metavar="SECONDS",
                help="Time limit for building the images (default 900).",
            ),
            click.option(
                "--ready-timeout",
                type=float,
                default=None,
                metavar="SECONDS",
                help="How long replicas and the API may take to come up (default 60).",
            ),
            click.option(
                "--progress",
                "progress_mode",
                type=click.Choice(["auto", "plain", "rich", "none"]),
                default="auto",
                show_default=True,
                help="Progress on stderr while the stack runs.",
            ),
        ]
    ):
        fn = opt(fn)
    return fn


def parse_outputs(
    fmt: str, values: tuple[str, ...], lang: str | None = None
) -> tuple[str | None, list[tuple[str, str]]]:
    """(file for the --format report or None for stdout, [(format, file), ...])."""
    main_file = None
    extra = []
    for v in values:
        name, eq, file = v.partition("=")
        if eq and (name in FORMATS or name in ALIASES):
            if not file:
                raise click.BadParameter(say(lang, "output_no_file", value=v), param_hint="--output")
            extra.append((name, file))
        elif main_file is None:
            main_file = v
        else:
            raise click.BadParameter(
                say(lang, "output_one_file", value=v, formats=", ".join(FORMATS)), param_hint="--output"
            )
    return main_file, extra


def deprecated(name: str, lang: str | None = None) -> str:
    """The format's name now; a note on stderr when an old name was used."""
    if name in ALIASES:
        click.echo("grader: " + say(lang, "deprecated", old=name, new=ALIASES[name]), err=True)
    return canonical(name)


def error_results(rubric: Any, lang: str, error: InputError, have: set[str], runtime: bool) -> list[Any]:
    """The checks not graded because of `error`, each an error result with the reason, so a
    consumer that needs a grade (Classroom 50) gets one with every check and why it failed."""
    from grader.grade import error_result

    return [
        error_result(rubric, spec, lang, "input_error", {"error": error.describe(lang)}, error.file, error.line)
        for spec in rubric.checks
        if spec.enabled and spec.slug not in have and spec.slug.startswith("runtime.") == runtime
    ]


def _grade_and_print(
    path: str | None,
    compose_file: str | None,
    nginx_file: str | None,
    services: tuple[str, ...],
    rubric: str | None,
    lang: str | None,
    fmt: str,
    outputs: tuple[str, ...],
    no_color: bool,
    exit_zero: bool,
    runtime: bool,
    static: bool = True,
    runtime_args: dict[str, Any] | None = None,
) -> None:
    from grader.grade import grade
    from grader.report import FormatContext, render
    from grader.results import Note, Report

    lang = lang or default_lang()
    output, extra_outputs = parse_outputs(fmt, outputs, lang)
    fmt = deprecated(fmt, lang)
    extra_outputs = [(deprecated(name, lang), file) for name, file in extra_outputs]
    # Classroom 50 records a grade only from a valid result.json and exit 0: input that cannot
    # be graded is a failing grade with the reason, not an error without one.
    grade_anyway = fmt == "classroom50"
    if "classroom50" in (fmt, *(name for name, _ in extra_outputs)):
        from grader.report.classroom50 import identity

        identity(os.environ)  # the runner's variables, before any work
    if path is None:
        path = str(Path(compose_file).parent) if compose_file else "workshop"
    lang = lang or default_lang()
    rub = load(rubric)
    try:
        report, ws = grade(
            path, rub, lang=lang, compose=compose_file, nginx=nginx_file, services=parse_services(services, lang)
        )
    except InputError as e:
        if not grade_anyway:
            raise
        report, ws = Report(rub.id, str(path), lang, [], [Note("error", e.message, e.file, e.line)]), None
        report.results = error_results(rub, lang, e, set(), runtime=False) + (
            error_results(rub, lang, e, set(), runtime=True) if runtime else []
        )
    if not static:
        report.results = [r for r in report.results if r.check.startswith("runtime.")]
    setup_error: RuntimeSetupError | None = None
    if runtime and ws is not None:
        from grader.grade import add_runtime, not_run
        from grader.grade import runtime_options as options_from
        from grader.runtime.progress import make_progress

        args = dict(runtime_args or {})
        allow_unsafe = args.pop("allow_unsafe", False)
        mode = args.pop("progress_mode", "auto")
        if args.get("openapi"):
            args["openapi"] = Path(args["openapi"])
        have = {r.check for r in report.results}
        try:
            add_runtime(
                report, ws, rub, options_from(rub, **args), make_progress(mode, lang), allow_unsafe=allow_unsafe
            )
        except InputError as e:  # the safety gate refused the compose file: the static report stays
            # in the report's language now: the gate's composed refusal cannot be translated later
            report.notes.append(Note("error", e.text(lang), e.file, e.line))
            for hazard in getattr(e, "hazards", [])[1:]:  # every refusal, each at its line
                report.notes.append(Note("error", hazard.text(lang), hazard.file, hazard.line))
            report.results += error_results(rub, lang, e, have, runtime=True)
        except RuntimeSetupError as e:  # the machine cannot run the stack: the static report stays
            setup_error = e
            not_run(report, rub, e)
    to_tty = output is None and sys.stdout.isatty()
    color = to_tty and not no_color and "NO_COLOR" not in os.environ
    doc = report.to_dict()
    ctx = FormatContext.for_submission(rub, lang, report.submission, env=os.environ)
    for other_fmt, file in extra_outputs:
        Path(file).write_text(render(other_fmt, doc, ctx), encoding="utf-8")
    text = render(fmt, doc, replace(ctx, color=color))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if "github" in (fmt, *(name for name, _ in extra_outputs)):
        write_step_files(doc, ctx)
    for note in report.notes:
        if note.level in ("error", "warning"):  # one clear line each on stderr, whatever the format
            where = f"{note.file}:{note.line}" if note.file and note.line else (note.file or str(path))
            click.echo(f"grader: {where}: {localize_error(note.message, lang)}", err=True)
    if grade_anyway:
        sys.exit(0)
    if setup_error is not None:
        sys.exit(EXIT_SETUP)  # every requested report is written; the run itself could not be
    sys.exit(0 if exit_zero and report.exit_code == 1 else report.exit_code)


def _watch(
    path: str,
    compose_file: str | None,
    nginx_file: str | None,
    services: tuple[str, ...],
    rubric: str | None,
    lang: str,
    fmt: str,
    no_color: bool,
) -> None:
    from grader.grade import grade
    from grader.report import FormatContext, render
    from grader.watch import grader_for, watch

    if not Path(path).is_dir():
        raise InputError("submission folder not found", path)
    rub = load(rubric)
    color = sys.stdout.isatty() and not no_color and "NO_COLOR" not in os.environ
    ctx = FormatContext.for_submission(rub, lang, path, color=color, env=os.environ)
    parsed = parse_services(services, lang)
    once = grader_for(
        lambda: grade(path, rub, lang=lang, compose=compose_file, nginx=nginx_file, services=parsed),
        lambda doc: render(deprecated(fmt, lang), doc, ctx),
    )
    watch(path, once, lambda key, **p: say(lang, key, **p))


def write_step_files(doc: dict[str, Any], ctx: Any) -> None:
    """The step summary and outputs of the github format, appended to the files the Actions
    runner names in GITHUB_STEP_SUMMARY and GITHUB_OUTPUT (when it names them)."""
    from grader.report.github import step_files

    for var, text in step_files(doc, ctx).items():
        if os.environ.get(var):
            with open(os.environ[var], "a", encoding="utf-8") as f:
                f.write(text)


@main.command()
@submission_options
@click.option("--runtime", is_flag=True, help="Also build and run the stack with Docker (see `grader run`).")
@click.option("--watch", is_flag=True, help="Grade again on every save, showing what changed first (Ctrl-C ends).")
@runtime_options
@fail_cleanly
def check(
    path: str | None,
    compose_file: str | None,
    nginx_file: str | None,
    services: tuple[str, ...],
    rubric: str | None,
    lang: str | None,
    fmt: str,
    outputs: tuple[str, ...],
    exit_zero: bool,
    no_color: bool,
    runtime: bool,
    watch: bool,
    **runtime_args: Any,
) -> None:
    """Grade the workspace at PATH (default: ./workshop)."""
    if watch:
        lang = lang or default_lang()
        if runtime:
            raise click.UsageError(say(lang, "watch_runtime"))
        _watch(path or "workshop", compose_file, nginx_file, services, rubric, lang, fmt, no_color)
        return
    _grade_and_print(
        path,
        compose_file,
        nginx_file,
        services,
        rubric,
        lang,
        fmt,
        outputs,
        no_color,
        exit_zero,
        runtime=runtime,
        runtime_args=runtime_args,
    )


@main.command()
@submission_options
@runtime_options
@fail_cleanly
def run(
    path: str | None,
    compose_file: str | None,
    nginx_file: str | None,
    services: tuple[str, ...],
    rubric: str | None,
    lang: str | None,
    fmt: str,
    outputs: tuple[str, ...],
    exit_zero: bool,
    no_color: bool,
    **runtime_args: Any,
) -> None:
    """Only the runtime checks: build the stack at PATH, scale the backend to 3, check the API
    through the frontend, the load spread, scaling to 5 and 2, and a restart of one replica.
    Needs a Docker engine and Compose v2; everything the run creates is removed at the end."""
    _grade_and_print(
        path,
        compose_file,
        nginx_file,
        services,
        rubric,
        lang,
        fmt,
        outputs,
        no_color,
        exit_zero,
        runtime=True,
        static=False,
        runtime_args=runtime_args,
    )


@main.command()
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("grades"),
    show_default=True,
    help="Folder for the gradebook, feedback files, reports and report.html.",
)
@rubric_option
@lang_option
@click.option("--jobs", type=int, default=0, help="Static grading processes (default: every core).")
@click.option("--runtime", is_flag=True, help="Also run each stack (see `grader run`).")
@click.option("--stacks", type=int, default=1, show_default=True, help="With --runtime: stacks running at once.")
@click.option(
    "--time-limit",
    type=float,
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="With --runtime: time limit per submission.",
)
@click.option("--clone-timeout", type=float, default=60, show_default=True, metavar="SECONDS")
@click.option("--resume", is_flag=True, help="Skip learners whose commit and rubric did not change since the last run.")
@click.option("--progress", "progress_mode", type=click.Choice(["auto", "plain", "rich", "none"]), default="auto")
@click.option(
    "--queue",
    default=None,
    metavar="redis://HOST:PORT/DB",
    help="Grade on `grader worker`s (one per Docker host) through this Redis queue instead of here; "
    "--stacks is then each worker's.",
)
@fail_cleanly
def batch(
    target: Path,
    out: Path,
    rubric: str | None,
    lang: str | None,
    jobs: int,
    runtime: bool,
    stacks: int,
    time_limit: float,
    clone_timeout: float,
    resume: bool,
    progress_mode: str,
    queue: str | None,
) -> None:
    """Grade a class: TARGET is a folder with one folder per learner, or a CSV roster
    `student,repo[,ref]` (repo: a local folder or repository, or a git URL, cloned shallowly).
    Writes OUT/gradebook.csv and .json, OUT/feedback/<id>.md, OUT/reports/<id>.json and
    OUT/report.html. A submission that cannot be fetched or graded is a row with its error.
    With --queue, workers on the Docker hosts grade and this command collects their results."""
    from grader.batch.outputs import write_all
    from grader.batch.progress import BatchProgress
    from grader.batch.run import Batch, BatchOptions

    lang = lang or default_lang()
    if queue is not None:
        from grader.batch.queue import check_url
        from grader.extras import require

        check_url(queue)
        require("queue", "grader batch --queue")
    rub = load(rubric)
    opt = BatchOptions(
        out=out,
        rubric=rubric,
        lang=lang,
        jobs=jobs,
        runtime=runtime,
        stacks=stacks,
        time_limit=time_limit,
        clone_timeout=clone_timeout,
        resume=resume,
        queue=queue,
    )
    rows = Batch(target, opt, rub, BatchProgress(progress_mode, lang)).run()
    paths = write_all(out, rows, rub, lang)
    counts = {v: sum(1 for r in rows if r.verdict == v) for v in ("pass", "fail", "error", "not-graded")}
    reused = sum(1 for r in rows if r.reused)
    click.echo(
        say(
            lang,
            "batch_counts",
            learners=len(rows),
            passed=counts["pass"],
            failed=counts["fail"],
            errors=counts["error"],
            not_graded=counts["not-graded"],
        )
        + (say(lang, "batch_reused", reused=reused) if resume else "")
    )
    click.echo(say(lang, "batch_files", csv=paths["csv"], html=paths["html"], feedback=paths["feedback"]))


@main.command()
@click.option("--queue", required=True, metavar="redis://HOST:PORT/DB", help="The Redis the batch sends tasks to.")
@click.option(
    "--stacks",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Stacks running at once on this host (one worker process each).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="The longest a stack may run; a batch's longer --time-limit is cut to it. The task's hard limit "
    "and the queue's visibility timeout follow from it.",
)
@click.option("--loglevel", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True)
@lang_option
@fail_cleanly
def worker(queue: str, stacks: int, time_limit: float, loglevel: str, lang: str | None) -> None:
    """Grade the tasks `grader batch --queue` sends, on this host's Docker engine: run one on
    each Docker host. At start, removes what runs of stopped workers left on the engine."""
    from grader.batch.queue import run_worker
    from grader.extras import require

    require("queue", "grader worker")
    run_worker(queue, stacks, time_limit, loglevel, lambda line: click.echo(line, err=True), lang or default_lang())


@main.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("grades"), show_default=True
)
@rubric_option
@lang_option
@fail_cleanly
def aggregate(reports: tuple[Path, ...], out: Path, rubric: str | None, lang: str | None) -> None:
    """Merge reports made elsewhere into one gradebook (a column per check), feedback files and
    HTML report: the grader's JSON reports (e.g. the Action's artifacts) and Classroom 50's
    result.json files (what `gh teacher download` writes, a folder per learner). REPORTS are
    files or folders searched for *.json. The learner id is the file name, or its folder's
    name for a generic name such as grader-report.json or result.json."""
    from grader.batch.aggregate import load_reports
    from grader.batch.outputs import write_all

    lang = lang or default_lang()
    rub = load(rubric)
    rows = load_reports(list(reports))
    paths = write_all(out, rows, rub, lang)
    click.echo(say(lang, "aggregated", reports=len(rows), csv=paths["csv"], html=paths["html"]))


@main.command()
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Also remove the objects of runs still going (another grader on this machine, or elsewhere).",
)
@lang_option
@fail_cleanly
def clean(everything: bool, lang: str | None) -> None:
    """Remove every container, network, volume and image that grader runs left behind (a run
    killed with SIGKILL cannot clean up after itself): those of runs whose grader process on
    this host is gone. Found by the label org.workshop-grader.run; nothing else on the engine is
    touched, nor a run still going unless --all."""
    from grader.runtime.engine import connect, sweep

    removed = sweep(connect(), scope="all" if everything else "stale")
    total = sum(len(v) for v in removed.values())
    for kind, names in removed.items():
        for name in names:
            click.echo(say(lang, "removed", kind=say(lang, kind) if kind in TEXT["en"] else kind[:-1], name=name))
    click.echo(say(lang, "cleaned", total=total) if total else say(lang, "nothing_to_clean"))


@main.command()
@rubric_option
@lang_option
@fail_cleanly
def doctor(rubric: str | None, lang: str | None) -> None:
    """Say what runtime grading needs on this machine and whether it is there: the engine,
    Compose v2, the seal (its helper image is built here on first use) and the base images the
    rubric trusts. Exits 0 when a run can be sealed, 4 when runtime grading cannot run sealed."""
    import os

    from grader.i18n.cli_text import localize_error
    from grader.runtime import seal_helper
    from grader.runtime.compose_cli import find_compose
    from grader.runtime.engine import connect
    from grader.runtime.seal import why_not_available

    rub = load(rubric)
    client = connect()
    where = os.environ.get("DOCKER_HOST") or "local socket"
    click.echo(say(lang, "doctor_engine", version=client.version().get("Version", "?"), where=where))
    click.echo(say(lang, "doctor_compose", version=find_compose()[1]))
    why = why_not_available(client)
    if why is None:
        backend = seal_helper.run(client).backend
        click.echo(say(lang, "doctor_sealed", image=seal_helper.IMAGE, backend=backend))
    else:
        click.echo(say(lang, "doctor_unsealed", why=localize_error(why, lang or default_lang())))
    for image in rub.runtime.get("base_images") or []:
        try:
            client.images.get(image)
            state = say(lang, "doctor_present")
        except Exception:
            state = say(lang, "doctor_absent")
        click.echo(say(lang, "doctor_image", image=image, state=state))
    if why is not None:
        sys.exit(EXIT_SETUP)
    click.echo(say(lang, "doctor_ready"))


@main.command()
@click.argument("code")
@rubric_option
@lang_option
@fail_cleanly
def explain(code: str, rubric: str | None, lang: str | None) -> None:
    """Explain a check: what it wants, why, a failing and a passing example, and the fix."""
    from grader.report.explain import render

    rub = load(rubric)
    spec = rub.find(code)
    if spec is None:
        raise InputError(say(lang, "no_check", code=code, rubric=rub.id))
    click.echo(render(spec, lang or default_lang()), nl=False)


@main.command("mcp")
@click.argument("root", default=".", type=click.Path(exists=True, file_okay=False))
@fail_cleanly
def mcp(root: str) -> None:
    """Serve the grader to an editor's agent over MCP (stdio): the tools check, explain, list
    and run, for workspaces inside ROOT (default: this folder)."""
    from grader.mcp_server import serve

    serve(Path(root))


@main.command("list")
@rubric_option
@lang_option
@fail_cleanly
def list_checks(rubric: str | None, lang: str | None) -> None:
    """List the rubric's checks: code, slug, points, required or advisory, title."""
    rub = load(rubric)
    lang = lang or default_lang()
    for c in rub.checks:
        kind = say(lang, ("required" if c.required else "advisory") if c.enabled else "off")
        pad = 8 - cell_len(kind)  # Hangul is two columns wide
        click.echo(f"{c.code}  {c.slug:<40} {c.points:>5g}  {kind}{' ' * pad}  {c.text('title', lang)}")


@main.group()
def rubric() -> None:
    """Rubric files: which checks run, their points, required or advisory."""


@rubric.command("init")
@click.argument("path", default="rubric.yaml", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--from",
    "source",
    default=None,
    metavar="NAME|FILE",
    help="The rubric to start from (default: step-06-horizontal-scaling).",
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@lang_option
@fail_cleanly
def rubric_init(path: str, source: str | None, force: bool, lang: str | None) -> None:
    """Write a rubric to start from to PATH (default rubric.yaml; - for standard output): the
    bundled rubric's points and parameters, one line per check. Texts stay with the checks."""
    from grader.rubric import policy_text

    text = policy_text(load(source), lang or default_lang())
    if path == "-":
        click.echo(text, nl=False)
        return
    target = Path(path)
    if target.exists() and not force:
        raise InputError(say(lang, "exists", path=path))
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write rubric: {e.strerror}", path) from None
    click.echo(say(lang, "written", path=path), err=True)


def _help_in_korean(argv: list[str]) -> bool:
    if "--lang" in argv:
        i = argv.index("--lang")
        return argv[i + 1 : i + 2] == ["ko"]
    if any(a.startswith("--lang=") for a in argv):
        return "--lang=ko" in argv
    return default_lang() == "ko"


def localize_help(argv: list[str] | None = None) -> None:
    """`--help` in Korean when --lang ko is given or LANG starts with ko: the commands' texts
    and the options a learner uses (click's own words, such as "Usage:", stay as click has them)."""
    if not _help_in_korean(sys.argv[1:] if argv is None else argv):
        return
    import importlib

    from grader.i18n.cli_text import CLICK_KO

    def translate(message: str) -> str:
        return CLICK_KO.get(message, message)

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            # click's words: click looks them up with gettext (its module global `_`) at each use
            vars(module)["_"] = translate
    main.help = HELP_KO[None]
    commands = [(name, cmd) for name, cmd in main.commands.items()]
    commands += [
        (f"{name} {sub}", c)
        for name, cmd in main.commands.items()
        if isinstance(cmd, click.Group)
        for sub, c in cmd.commands.items()
    ]
    for name, cmd in commands:
        if name in HELP_KO:
            cmd.help = HELP_KO[name]
            cmd.short_help = None
        for param in cmd.params:
            if isinstance(param, click.Option) and param.name in OPTION_HELP_KO:
                param.help = OPTION_HELP_KO[param.name]


localize_help()
