"""`grader mcp` driven by the official SDK's own stdio client, as an editor's agent drives it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import REPO, WORKSHOP, failing_copy
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

ENV = {**os.environ, "PYTHONPATH": str(REPO), "LANG": "C.UTF-8", "COLUMNS": "100"}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=ENV, cwd=cwd)


def payload(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        data = result.structured_content
        return data.get("result", data) if set(data) == {"result"} else data
    return json.loads(result.content[0].text)


async def session(root: Path, body) -> Any:
    params = StdioServerParameters(command=sys.executable, args=["-m", "grader", "mcp", str(root)], env=ENV, cwd=root)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
        await s.initialize()
        return await body(s)


def test_check_explain_and_list_give_what_the_cli_gives(tmp_path: Path) -> None:
    ws = failing_copy(tmp_path)

    async def body(s: ClientSession) -> dict:
        tools = {t.name for t in (await s.list_tools()).tools}
        return {
            "tools": tools,
            "check": payload(await s.call_tool("check", {"path": "ws"})),
            "explain": payload(await s.call_tool("explain", {"code": "N102"})),
            "list": payload(await s.call_tool("list", {})),
            "outside": await s.call_tool("check", {"path": str(REPO)}),
        }

    got = anyio.run(session, tmp_path, body)
    assert got["tools"] == {"check", "explain", "list", "run"}
    doc = json.loads(cli("check", str(ws), "--format", "json", "--lang", "en", cwd=tmp_path).stdout)
    want = [
        {
            "code": r["code"],
            "slug": r["check"],
            "status": r["status"],
            "file": r["file"],
            "line": r["line"],
            "message": r["message"],
            "fix": r.get("hint"),
            "blocked_by": r.get("blocked_by"),
        }
        for r in doc["results"]
    ]
    findings = got["check"]["findings"]
    assert [{k: f[k] for k in want[0]} for f in findings] == want
    assert [f.get("details") for f in findings] == [r.get("details") for r in doc["results"]]
    assert (got["check"]["score"], got["check"]["max_score"]) == (doc["score"], doc["max_score"]) == (110, 120)
    assert {f["code"] for f in findings if f["status"] != "pass"} == {"C101", "N104"}
    page = cli("explain", "N102", "--lang", "en", cwd=tmp_path).stdout
    assert got["explain"].strip() == page.strip()
    assert [c["code"] for c in got["list"]] == [
        line.split()[0] for line in cli("list", "--lang", "en", cwd=tmp_path).stdout.splitlines()
    ]
    assert got["outside"].is_error and "outside the folder" in got["outside"].content[0].text


@pytest.mark.runtime
def test_a_cancelled_run_leaves_nothing_on_the_engine(tmp_path: Path) -> None:
    from grader.runtime.engine import connect, labelled

    ws = tmp_path / "ws"
    shutil.copytree(WORKSHOP, ws)
    client = connect()
    seen: list[str] = []

    async def body(s: ClientSession) -> str:
        async def progress(step: float, total: float | None, message: str | None) -> None:
            seen.append(message or "")

        with anyio.move_on_after(600) as scope:
            async with anyio.create_task_group() as tg:

                async def call() -> None:
                    await s.call_tool("run", {"path": "ws"}, progress_callback=progress)

                tg.start_soon(call)
                # Cancelled once the run has put something on the engine (the build or the stack).
                while not labelled(client, scope="all"):
                    await anyio.sleep(0.5)
                tg.cancel_scope.cancel()
        assert not scope.cancelled_caught, "the run never started anything"
        return "cancelled"

    assert anyio.run(session, tmp_path, body) == "cancelled"
    assert seen, "no progress notification came"
    deadline = time.monotonic() + 180  # the run cleans up after the cancel, as after Ctrl-C
    while labelled(client, scope="all") and time.monotonic() < deadline:
        time.sleep(1)
    assert labelled(client, scope="all") == {}
