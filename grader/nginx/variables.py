"""nginx's built-in variables as the nginx the grader is held to knows them: read from its
binaries (every module's variable array, and the names modules add in code, each confirmed by
that nginx) by grader/nginx/table/make_table.py into grader/nginx/table/variables.json, not
typed by hand. A name ending in `_` is a prefix (`$http_x_token`, `$arg_page`, `$cookie_id`).
A dynamic module's variables exist once load_module loaded it. Read once, on first use."""

from __future__ import annotations

import json
import os
from functools import lru_cache

TABLE = os.path.join(os.path.dirname(__file__), "table", "variables.json")


@lru_cache(maxsize=1)
def _table() -> tuple[frozenset[str], tuple[str, ...], dict[str, frozenset[str]]]:
    with open(TABLE, encoding="utf-8") as f:
        data = json.load(f)
    static = frozenset(n for n in data["static"] if not n.endswith("_"))
    prefixes = tuple(sorted(n for n in data["static"] if n.endswith("_")))
    dynamic = {so: frozenset(names) for so, names in data["dynamic"].items()}
    return static, prefixes, dynamic


def builtin(name: str, loaded: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether nginx has variable `name` without the config defining it (digits are captures)."""
    static, prefixes, dynamic = _table()
    if name in static or name.isdigit() or name.startswith(prefixes):
        return True
    return any(name in dynamic[so] for so in loaded if so in dynamic)
