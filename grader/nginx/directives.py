"""nginx's directives as the nginx the grader is held to knows them: read from its binaries by
grader/nginx/table/make_table.py into grader/nginx/table/directives.json, not typed by hand.

`Directives.find` does what ngx_conf_handler does with a directive: look its name up in every
loaded module of the context's module type (core, event, http, stream, mail; the conf module's
`include` everywhere), check the context bits and the argument count, and say in nginx's words
why not. Dynamic modules' directives exist only after their `load_module`. The table is read
once, on first use."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any, NamedTuple

TABLE = os.path.join(os.path.dirname(__file__), "table", "directives.json")
MAX_ARGS = 7  # NGX_CONF_MAX_ARGS is 8 words, the name among them
# Blocks whose entries are read by the block's own handler, not as directives.
NOT_DIRECTIVES = ("map", "geo", "types", "split_clients", "charset_map", "match")


class Entry(NamedTuple):
    """One directive of one nginx module, as the nginx binary's own table declares it. A tuple:
    the table makes about a thousand of them on every run."""

    name: str
    module: str
    mtype: str  # core, conf, event, http, stream, mail
    contexts: tuple[str, ...]
    args: Any  # a list of counts, "any", "flag", "1+", "2+"
    block: bool
    set: str | None
    values: tuple[str, ...]
    file: str | None  # the .so of a dynamic module; None when compiled in

    def takes(self, count: int) -> bool:
        if self.args == "any":
            return True
        if self.args == "flag":
            return count == 1
        if self.args == "1+":
            return count >= 1
        if self.args == "2+":
            return count >= 2
        return count <= MAX_ARGS and count in self.args


@lru_cache(maxsize=1)
def table() -> dict[str, list[Entry]]:
    with open(TABLE, encoding="utf-8") as f:
        data = json.load(f)
    out: dict[str, list[Entry]] = {}
    for m in data["modules"]:
        for d in m["directives"]:
            out.setdefault(d["name"], []).append(
                Entry(
                    d["name"],
                    m["name"],
                    m["type"],
                    tuple(d["contexts"]),
                    d["args"],
                    bool(d.get("block")),
                    d.get("set"),
                    tuple(d.get("values", ())),
                    m.get("file"),
                )
            )
    return out


@lru_cache(maxsize=1)
def version() -> str:
    with open(TABLE, encoding="utf-8") as f:
        return json.load(f)["nginx"]


def module_files() -> set[str]:
    return {e.file for entries in table().values() for e in entries if e.file}


def where(ctx: tuple[str, ...]) -> tuple[str, str]:
    """(module type, context) of a crossplane-style block path: () is the main context,
    ("http", "server", "if") a server's `if`, ("http", "location") any location."""
    if not ctx:
        return "core", "main"
    top, last = ctx[0], ctx[-1]
    if top == "events":
        return "event", "events"
    if top == "http":
        if len(ctx) == 1:
            return "http", "http"
        if last == "if":
            return "http", "location_if" if "location" in ctx else "server_if"
        if last in ("server", "location", "upstream", "limit_except"):
            return "http", last
        return "http", last
    if top in ("stream", "mail"):
        return (top, top) if len(ctx) == 1 else (top, last)
    return "core", last


class Refusal(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def find(name: str, ctx: tuple[str, ...], nargs: int, block: bool, loaded: set[str]) -> Entry:
    """The entry nginx would take for this directive, or Refusal with nginx's words."""
    mtype, context = where(ctx)
    found = False
    for e in table().get(name, ()):
        if e.file is not None and e.file not in loaded:
            continue
        found = True
        if e.mtype != "conf" and e.mtype != mtype:
            continue
        if e.mtype != "conf" and context not in e.contexts:
            continue
        if not e.block and block:
            raise Refusal(f'directive "{name}" is not terminated by ";"')
        if e.block and not block:
            raise Refusal(f'directive "{name}" has no opening "{{"')
        if not e.takes(nargs):
            raise Refusal(f'invalid number of arguments in "{name}" directive')
        return e
    if found:
        raise Refusal(f'"{name}" directive is not allowed here')
    raise Refusal(f'unknown directive "{name}"')
