"""`grader mcp [ROOT]`: the grader as tools for an editor's agent, over the Model Context Protocol
(stdio), built on the official `mcp` SDK.

Tools: `check` (the static grade of a workspace: every finding as data, and the score), `explain`
(a check's page), `list` (the rubric's checks) and `run` (the runtime check: the stack is built,
scaled and tested by `grader run` in a process of its own, so the safety gate, the limits and
the clean-up are the command's; its progress lines become progress notifications, and a client
that cancels the call stops it as Ctrl-C would, the server waiting until its clean-up is done).
A path is taken relative to ROOT (the folder the server was started for) and refused outside it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from grader.errors import InputError

INSTRUCTIONS = (
    "Grades a learner's Docker workshop step (06: horizontal scaling). Call `check` after "
    "editing docker-compose.yml or the nginx config and fix what fails (each finding has "
    "its file, line, message and fix); `explain` a code for the why; `run` builds and runs "
    "the stack (minutes; needs Docker) once `check` passes."
)
RUN_STOP_SECONDS = 120  # how long a cancelled run may take to clean up before it is killed


class Tools:
    def __init__(self, root: Path):
        self.root = root.resolve()

    def workspace(self, path: str) -> Path:
        p = Path(path)
        full = (p if p.is_absolute() else self.root / p).resolve()
        if full != self.root and self.root not in full.parents:
            raise InputError(f"{path}: outside the folder this server grades ({self.root}); give a path inside it")
        if not full.is_dir():
            raise InputError("submission folder not found", str(path))
        return full

    def grade(self, path: str, lang: str, rubric: str | None) -> dict[str, Any]:
        from grader.grade import grade
        from grader.rubric import load_rubric

        ws = self.workspace(path)
        rub = load_rubric(rubric)
        report, _ = grade(str(ws), rub, lang=lang)
        return as_findings(report.to_dict())

    def explain(self, code: str, lang: str, rubric: str | None) -> str:
        from grader.report.explain import render
        from grader.rubric import load_rubric

        rub = load_rubric(rubric)
        spec = rub.find(code)
        if spec is None:
            raise InputError(f"no check {code} in rubric {rub.id} (see the `list` tool)")
        return render(spec, lang, width=100)

    def list(self, lang: str, rubric: str | None) -> list[dict[str, Any]]:
        from grader.rubric import load_rubric

        rub = load_rubric(rubric)
        return [
            {
                "code": c.code,
                "slug": c.slug,
                "points": c.points,
                "required": c.required,
                "enabled": c.enabled,
                "title": c.text("title", lang),
            }
            for c in rub.checks
        ]


def as_findings(doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON report's results as findings: one per check, its other findings in `details`,
    and `blocked_by` the check whose finding blocks it."""
    findings = []
    for r in doc["results"]:
        item = {
            "code": r["code"],
            "slug": r["check"],
            "status": r["status"],
            "file": r["file"],
            "line": r["line"],
            "message": r["message"],
            "fix": r.get("hint"),
            "blocked_by": r.get("blocked_by"),
            "points": r["points"],
            "max_points": r["max_points"],
            "required": r["required"],
        }
        if r.get("details"):
            item["details"] = r["details"]
        findings.append(item)
    return {
        "passed": doc["passed"],
        "score": doc["score"],
        "max_score": doc["max_score"],
        "exit_code": doc["exit_code"],
        "findings": findings,
        "notes": doc.get("notes", []),
    }


def said(fn):
    """Input that cannot be graded reaches the client as the tool's error, in the grader's words
    (anything else is a crash, whose text stays on the server)."""
    import functools
    import inspect

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except InputError as e:
                raise ToolError(e.describe(kwargs.get("lang", "en"))) from None

        return run_async

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            raise ToolError(e.describe(kwargs.get("lang", "en"))) from None

    return run


def build(root: Path) -> MCPServer:
    tools = Tools(root)
    server = MCPServer("workshop-grader", instructions=INSTRUCTIONS)

    @server.tool(
        name="check",
        description="Grade the workspace at PATH (relative to the server's folder): "
        "every finding with code, status, file, line, message and fix, and the score.",
    )
    @said
    def check(path: str = ".", lang: str = "en", rubric: str | None = None) -> dict[str, Any]:
        return tools.grade(path, lang, rubric)

    @server.tool(name="explain", description="A check's page: what it wants, why, examples, the fix.")
    @said
    def explain(code: str, lang: str = "en", rubric: str | None = None) -> str:
        return tools.explain(code, lang, rubric)

    @server.tool(name="list", description="The rubric's checks: code, slug, points, required, title.")
    @said
    def list_checks(lang: str = "en", rubric: str | None = None) -> list[dict[str, Any]]:
        return tools.list(lang, rubric)

    @server.tool(
        name="run",
        description="The runtime check: build the stack, scale the backend to 3 and test "
        "it (minutes; needs Docker). Progress is reported; cancelling stops it "
        "and removes everything it started.",
    )
    @said
    async def run(ctx: Context, path: str = ".", lang: str = "en", rubric: str | None = None) -> dict[str, Any]:
        ws = tools.workspace(path)
        return await run_stack(ws, lang, rubric, ctx)

    return server


async def run_stack(ws: Path, lang: str, rubric: str | None, ctx: Context) -> dict[str, Any]:
    import anyio

    cmd = [sys.executable, "-m", "grader", "run", str(ws), "--format", "json", "--lang", lang, "--progress", "plain"]
    if rubric:
        cmd += ["--rubric", rubric]
    proc = await anyio.open_process(cmd, env={**os.environ, "NO_COLOR": "1"}, start_new_session=True)
    out = bytearray()
    step = 0
    try:

        async def read_out() -> None:
            assert proc.stdout is not None
            async for chunk in proc.stdout:
                out.extend(chunk)

        async def read_progress() -> None:
            nonlocal step
            assert proc.stderr is not None
            buf = b""
            async for chunk in proc.stderr:
                buf += chunk
                *done, buf = buf.split(b"\n")
                for line in done:
                    if line.strip():
                        step += 1
                        await ctx.report_progress(step, None, line.decode("utf-8", "replace").strip())

        async with anyio.create_task_group() as tg:
            tg.start_soon(read_out)
            tg.start_soon(read_progress)
            await proc.wait()
    except anyio.get_cancelled_exc_class():
        # The client cancelled: stop the run as Ctrl-C does and wait for its clean-up.
        with anyio.CancelScope(shield=True):
            if proc.returncode is None:
                os.killpg(proc.pid, signal.SIGINT)
                with anyio.move_on_after(RUN_STOP_SECONDS):
                    await proc.wait()
                if proc.returncode is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    await proc.wait()
        raise
    try:
        doc = json.loads(out.decode("utf-8"))
    except ValueError:
        raise InputError(f"the runtime check ended with exit code {proc.returncode} and no report") from None
    return as_findings(doc)


def serve(root: Path) -> None:
    build(root).run("stdio")
