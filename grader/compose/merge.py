"""Merging as Compose merges files and documents (compose-go's override.Merge and
EnforceUnicity), on located YAML so that every merged value keeps its file and line."""

from __future__ import annotations

from collections.abc import Callable

from grader.submission.yamlfile import YMap, YNode, YScalar, YSeq


def is_null(node: YNode | None) -> bool:
    return node is None or (isinstance(node, YScalar) and node.value is None and node.tag is None)


def seq_items(node: YNode | None) -> list[YNode]:
    if isinstance(node, YSeq):
        return list(node.items)
    if node is None or is_null(node):
        return []
    return [node]


def _kv_map(node: YNode | None) -> YMap | None:
    """environment/labels/... in mapping form: a list of `K=V` becomes K: V, each entry keeping its line."""
    if isinstance(node, YMap):
        return node
    if isinstance(node, YSeq):
        m = YMap(node.line, node.col)
        for item in node.items:
            if not isinstance(item, YScalar):
                return None
            text = item.text
            key, eq, value = text.partition("=")
            m.items[key] = YScalar(
                item.line, item.col, value=value if eq else None, raw=value if eq else "", quoted=True
            )
            m.key_lines[key] = item.line
        return m
    return None


def _name_map(node: YNode | None, depends: bool = False) -> YMap | None:
    """depends_on / networks in mapping form: a list of names becomes name: null, or for
    depends_on `name: {condition: service_started}`, as Compose makes the short form canonical
    before it merges (so a list merges with a mapping)."""
    if isinstance(node, YMap):
        return node
    if isinstance(node, YSeq):
        m = YMap(node.line, node.col)
        for item in node.items:
            if not isinstance(item, YScalar):
                return None
            key = item.text
            m.items[key] = YScalar(item.line, item.col, value=None, raw="")
            if depends:
                cond = YScalar(item.line, item.col, value="service_started", raw="service_started")
                m.items[key] = YMap(item.line, item.col, items={"condition": cond}, key_lines={"condition": item.line})
            m.key_lines[key] = item.line
        return m
    return None


def _port_key(node: YNode) -> str:
    if isinstance(node, YMap):
        parts = [plain(node.get(k)) for k in ("host_ip", "published", "target", "protocol")]
        return "{}:{}:{}/{}".format(*tuple(parts))
    return plain(node)


def clean_path(path: str) -> str:
    """Go's path.Clean: one slash between parts, no `.`, `..` resolved, no trailing slash."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out and out[-1] != "..":
                out.pop()
            elif not rooted:
                out.append(part)
            continue
        out.append(part)
    text = "/".join(out)
    return ("/" + text) if rooted else (text or ".")


def _volume_key(node: YNode) -> str:
    """A mount's target as Compose keys mounts to make them unique: a short one cleaned (`/d/`
    is `/d`), a long one's `target` as written."""
    if isinstance(node, YMap):
        return plain(node.get("target"))
    else:
        from grader.compose.model import parse_volume_spec

        try:
            target = parse_volume_spec(plain(node))[1]
        except ValueError:
            return plain(node)
    return clean_path(target) if target.startswith("/") else target


def _env_file_key(node: YNode) -> str:
    return plain(node.get("path")) if isinstance(node, YMap) else plain(node)


def plain(node: YNode | None) -> str:
    if isinstance(node, YScalar):
        return node.text
    return "" if node is None else repr(node.plain())


def _kv_key(node: YNode) -> str:
    return plain(node).partition("=")[0]


def _mount_key(node: YNode) -> str:
    if isinstance(node, YMap):
        return plain(node.get("target")) or plain(node.get("source"))
    return plain(node)


# Lists Compose keeps unique (compose-go's EnforceUnicity): a later entry with the same key
# replaces the earlier one, in its place. Compose applies it before the schema's uniqueItems.
UNIQUE: dict[str, Callable[[YNode], str]] = {
    "ports": _port_key,
    "volumes": _volume_key,
    "expose": plain,
    "env_file": _env_file_key,
    "profiles": plain,
    "cap_add": plain,
    "cap_drop": plain,
    "dns": plain,
    "dns_opt": plain,
    "dns_search": plain,
    "devices": _volume_key,
    "links": plain,
    "tmpfs": plain,
    "environment": _kv_key,
    "labels": _kv_key,
    "annotations": _kv_key,
    "sysctls": _kv_key,
    "extra_hosts": _kv_key,
    "configs": _mount_key,
    "secrets": _mount_key,
}
# Keys written as one value or a list: merged as lists.
LISTISH = ("env_file", "dns", "dns_search", "tmpfs")
KV = ("environment", "labels", "annotations", "sysctls", "extra_hosts")
NAMED = ("depends_on", "networks")
OVERRIDE = ("command", "entrypoint")


def _strip(node: YNode) -> YNode:
    if node.tag in ("!override", "!reset"):
        if isinstance(node, YMap):
            m = YMap(node.line, node.col, items=dict(node.items), key_lines=dict(node.key_lines))
            return m
        if isinstance(node, YSeq):
            return YSeq(node.line, node.col, items=list(node.items))
        assert isinstance(node, YScalar)  # a node is a mapping, a list or a scalar
        return YScalar(node.line, node.col, value=node.value, raw=node.raw, quoted=node.quoted)
    return node


def merge_maps(base: YMap, over: YMap, path: tuple[str, ...] = ()) -> YMap:
    """`over` merged onto `base` as Compose merges files and documents: mappings key by key,
    lists appended (ports, volumes … made unique, the later entry winning), `command` and
    scalars replaced, a null leaving the base, `!reset` removing and `!override` replacing."""
    out = YMap(base.line, base.col, items=dict(base.items), key_lines=dict(base.key_lines))
    # In environment, labels ... a later `NAME:` without a value replaces the earlier value
    # (the variable is then taken from the shell); elsewhere a null leaves the earlier value.
    null_replaces = len(path) == 3 and path[0] == "services" and path[-1] in KV
    for key, value in over.items.items():
        if value.tag == "!reset":
            out.items.pop(key, None)
            out.key_lines.pop(key, None)
            continue
        if value.tag == "!override" or key not in out.items or (null_replaces and is_null(value)):
            if is_null(value) and key in out.items and not null_replaces:
                continue
            out.items[key] = _strip(value)
            out.key_lines[key] = over.line_of(key)
            continue
        merged = merge_value(out.items[key], value, path + (key,))
        if merged is not out.items[key]:
            out.items[key] = merged
            if merged is value or isinstance(merged, YScalar):
                out.key_lines[key] = over.line_of(key)
    return out


def merge_value(base: YNode, over: YNode, path: tuple[str, ...]) -> YNode:
    if is_null(over):
        return base
    in_service = len(path) == 3 and path[0] == "services"
    key = path[-1]
    if in_service and key in OVERRIDE:
        return over
    if in_service and key in KV:
        b, o = _kv_map(base), _kv_map(over)
        if b is not None and o is not None:
            return merge_maps(b, o, path)
    if in_service and key in NAMED:
        b, o = _name_map(base, key == "depends_on"), _name_map(over, key == "depends_on")
        if b is not None and o is not None:
            return merge_maps(b, o, path)
    if in_service and key in LISTISH:
        return YSeq(base.line, base.col, items=seq_items(base) + [_strip(i) for i in seq_items(over)])
    if in_service and key == "build":
        b = base if isinstance(base, YMap) else _context_map(base)
        o = over if isinstance(over, YMap) else _context_map(over)
        return merge_maps(b, o, path)
    if isinstance(base, YMap) and isinstance(over, YMap):
        return merge_maps(base, over, path)
    if isinstance(base, YSeq) and isinstance(over, YSeq):
        return YSeq(base.line, base.col, items=base.items + [_strip(i) for i in over.items])
    return over


def _context_map(node: YNode) -> YMap:
    m = YMap(node.line, node.col)
    m.items["context"] = node
    m.key_lines["context"] = node.line
    return m


def enforce_unicity(services: YMap) -> None:
    for _name, svc in services.items.items():
        if not isinstance(svc, YMap):
            continue
        for key, keyfn in UNIQUE.items():
            node = svc.items.get(key)
            if not isinstance(node, YSeq):
                continue
            seen: dict[str, int] = {}
            items: list[YNode] = []
            for item in node.items:
                k = keyfn(item)
                if k in seen:
                    items[seen[k]] = item
                else:
                    seen[k] = len(items)
                    items.append(item)
            if len(items) != len(node.items):
                svc.items[key] = YSeq(node.line, node.col, items=items)
