"""Every message a check or a runtime phase yields is declared in its TEXTS (or is a common
message) with exactly the values the code passes: read from the code itself, so a key or a
placeholder that is missing fails here and at import, never in front of a learner."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from conftest import REPO

from grader.checks import MODULES
from grader.checks.context import NEEDS_KNOWN
from grader.common_texts import COMMON_MESSAGES
from grader.runtime.phases import PHASES
from grader.texts import CheckTexts, Message, Text, TextsError

# Calls that make a finding: name -> (index of the key, index of a params dict or None); the
# others pass params as keywords.
EMITTERS = {
    "at_compose": (1, None),
    "at": (1, None),
    "at_route": (1, None),
    "at_resolver": (1, None),
    "Finding": (1, 2),
    "skipped": (0, None),
}
PACKAGE = REPO / "grader"
# Keys a phase takes from a helper's answer: (file, variable) -> the keys it can be there.
# stack.wait_replicas says why it gave up, "broken", "not_listening" or "timeout" (its "ready" comes with ok).
KEYS_FROM = {("r103_replicas.py", "why"): ["broken", "not_listening", "timeout"]}


def _adders() -> dict[str, tuple[int, set[str]]]:
    """Functions of the stack and the check context that `params.update(...)` a dict they are given."""
    out = {}
    for path in (PACKAGE / "runtime" / "stack.py", PACKAGE / "checks" / "context.py"):
        for fn in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(fn, ast.FunctionDef):
                continue
            names = [a.arg for a in fn.args.args]
            for call in ast.walk(fn):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "update"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id in names
                ):
                    index = names.index(call.func.value.id) - (names[0] == "self")
                    out.setdefault(fn.name, (index, set()))[1].update(k.arg for k in call.keywords)
    return out


ADDERS = _adders()


@dataclass
class Use:
    where: str
    key: str
    params: frozenset[str]


class Unreadable(Exception):
    """A call whose key or params the test cannot show from the code."""


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


class ModuleReader:
    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text("utf-8"))
        # (key, params) pairs returned by helpers like n101's classify(): `return "key", {...}`
        self.pairs = [
            (keys, params)
            for fn in ast.walk(self.tree)
            if isinstance(fn, ast.FunctionDef)
            for r in ast.walk(fn)
            if isinstance(r, ast.Return)
            and isinstance(r.value, ast.Tuple)
            and len(r.value.elts) == 2
            and isinstance(r.value.elts[1], ast.Dict)
            for keys in [self._strings(r.value.elts[0])]
            if keys
            for params in [self._dict(r.value.elts[1], None)]
        ]

    @staticmethod
    def _strings(node: ast.AST) -> list[str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            a, b = ModuleReader._strings(node.body), ModuleReader._strings(node.orelse)
            return a + b if a is not None and b is not None else None
        return None

    def _assigned(self, fn: ast.AST, name: str) -> list[ast.AST]:
        out = []
        for node in ast.walk(fn):
            if (
                isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            ) or (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name):
                out.append(node.value)
        return out

    def _dict(self, node: ast.AST, fn: ast.AST | None) -> set[str]:
        """The keys of a params dict: a literal (with `**` of other dicts it can show), or a local
        name assigned one, with what `name.update(...)` and the ADDERS put in it."""
        if isinstance(node, ast.Dict):
            keys = set()
            for k, v in zip(node.keys, node.values, strict=True):
                if k is None:
                    keys |= self._dict(v, fn)
                elif isinstance(k, ast.Constant) and isinstance(k.value, str):
                    keys.add(k.value)
                else:
                    raise Unreadable(ast.unparse(node))
            return keys
        if isinstance(node, ast.Name) and fn is not None:
            values = self._assigned(fn, node.id)
            if len(values) != 1:
                raise Unreadable(f"{node.id} is assigned {len(values)} times")
            keys = self._dict(values[0], fn)
            for call in ast.walk(fn):
                if not isinstance(call, ast.Call):
                    continue
                name = _call_name(call)
                if (
                    name == "update"
                    and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == node.id
                ):
                    keys |= {k.arg for k in call.keywords}
                elif name in ADDERS:
                    index, added = ADDERS[name]
                    if any(isinstance(a, ast.Name) and a.id == node.id for a in call.args[index : index + 1]):
                        keys |= added
            return keys
        raise Unreadable(ast.unparse(node))

    def uses(self) -> list[Use]:
        out = []
        for fn in ast.walk(self.tree):
            if not isinstance(fn, ast.FunctionDef) or fn.name in EMITTERS:
                continue
            params_of_fn = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
            for call in ast.walk(fn):
                if not isinstance(call, ast.Call) or (name := _call_name(call)) not in EMITTERS:
                    continue
                key_at, dict_at = EMITTERS[name]
                if len(call.args) <= key_at:
                    continue
                key_node = call.args[key_at]
                if isinstance(key_node, ast.Name) and key_node.id in params_of_fn:
                    continue  # a helper that passes on its caller's key (context.at_compose)
                where = f"{self.path.relative_to(REPO)}:{call.lineno}"
                keywords = set()
                pair_params: list[tuple[list[str], set[str]]] = []
                for k in call.keywords:
                    if k.arg is not None:
                        keywords.add(k.arg)
                    elif self._assigned(fn, getattr(k.value, "id", "")) and not self._is_pair(fn, k.value):
                        keywords |= self._dict(k.value, fn)
                if dict_at is not None:
                    node = call.args[dict_at]
                    if isinstance(node, ast.Dict) and any(
                        k is None and self._is_pair(fn, v) for k, v in zip(node.keys, node.values, strict=True)
                    ):
                        node = ast.Dict(
                            [k for k in node.keys if k is not None],
                            [v for k, v in zip(node.keys, node.values, strict=True) if k is not None],
                        )
                    keywords |= self._dict(node, fn)
                keys = self._strings(key_node)
                if isinstance(key_node, ast.Name) and (self.path.name, key_node.id) in KEYS_FROM:
                    keys = KEYS_FROM[self.path.name, key_node.id]
                elif keys is None and isinstance(key_node, ast.Name):
                    values = self._assigned(fn, key_node.id)
                    if len(values) == 1 and self._strings(values[0]) is not None:
                        keys = self._strings(values[0])
                    else:  # the key (and more params) come from a helper returning pairs
                        pair_params = self.pairs
                if keys is not None:
                    out += [Use(where, k, frozenset(keywords)) for k in keys]
                elif pair_params:
                    out += [Use(where, k, frozenset(keywords | p)) for ks, p in pair_params for k in ks]
                else:
                    raise Unreadable(f"{where}: key {ast.unparse(key_node)}")
        return out

    def _is_pair(self, fn: ast.AST, node: ast.AST) -> bool:
        """Whether `node` names the params of a (key, params) pair from a helper (unpacked)."""
        if not isinstance(node, ast.Name) or not self.pairs:
            return False
        for n in ast.walk(fn):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.For) else []
            for t in targets:
                if isinstance(t, ast.Tuple) and any(isinstance(e, ast.Name) and e.id == node.id for e in t.elts):
                    return True
        return False


def _declared(module: ModuleType | None, key: str) -> Message | None:
    own = module.TEXTS.messages if module is not None else {}
    return own.get(key) or COMMON_MESSAGES.get(key)


SOURCES = [(m.CODE, m) for m in MODULES + PHASES] + [("context", None), ("scenario", None), ("grade", None)]
PATHS = {
    "context": PACKAGE / "checks" / "context.py",
    "scenario": PACKAGE / "runtime" / "scenario.py",
    "grade": PACKAGE / "grade.py",
}


@pytest.mark.parametrize(("name", "module"), SOURCES, ids=[n for n, _ in SOURCES])
def test_every_message_a_check_yields_is_declared_with_its_params(name: str, module: ModuleType | None) -> None:
    path = Path(module.__file__) if module is not None else PATHS[name]
    uses = ModuleReader(path).uses()
    if module is not None:
        assert uses, f"{name} yields no message the test can read"
    for use in uses:
        message = _declared(module, use.key)
        assert message is not None, f"{use.where}: message {use.key!r} is not in {name}'s TEXTS nor common"
        assert message.given == use.params, (
            f"{use.where}: {use.key!r} is given {sorted(use.params)}, its texts declare {sorted(message.given)}"
        )


def test_every_blocked_message_names_its_provider() -> None:
    # grader.grade says `blocked_{need}` with the providing check's code, for each need.
    for need in NEEDS_KNOWN:
        assert COMMON_MESSAGES[f"blocked_{need}"].params == ("code",), need
    assert COMMON_MESSAGES["input_error"].params == ("error",)  # the CLI's error results


def test_every_own_message_is_yielded() -> None:
    """A message no code yields is dead text (or a key spelt differently in the code)."""
    for module in MODULES + PHASES:
        yielded = {u.key for u in ModuleReader(Path(module.__file__)).uses()}
        assert set(module.TEXTS.messages) <= yielded, (module.CODE, set(module.TEXTS.messages) - yielded)


def test_common_messages_are_sound() -> None:
    for key, message in COMMON_MESSAGES.items():
        assert not message.problems(), (key, message.problems())


def test_every_check_has_texts_for_its_code() -> None:
    for module in MODULES + PHASES:
        assert isinstance(module.TEXTS, CheckTexts) and module.TEXTS.code == module.CODE


@pytest.mark.parametrize(
    ("message", "wrong"),
    [
        (Message("Service {service} is up.", "{service} 서비스가 켜졌습니다.", params=()), "{service}, not declared"),
        (
            Message("Service {service} is up.", "{service} 서비스가 켜졌습니다.", params=("service", "port")),
            "declares {port}, which no template",
        ),
        (
            Message("Service {service} is up.", "{name} 서비스가 켜졌습니다.", params=("service",)),
            "en inserts {service} but ko inserts {name}",
        ),
        (
            Message("Up.", "켜졌습니다.", fix=Text("Open {port}.", "{port}{을} 여세요."), params=()),
            "en.fix uses {port}",
        ),
    ],
)
def test_a_message_that_does_not_fit_fails_at_import(message: Message, wrong: str) -> None:
    with pytest.raises(TextsError) as e:
        CheckTexts("C999", Text("t", "t"), Text("w", "w"), Text("f", "f"), {"oops": message})
    assert "C999 message 'oops'" in str(e.value) and wrong in str(e.value)


def test_particles_and_nginx_braces_are_not_placeholders() -> None:
    m = Message(
        "Port {port} and `location / { root /srv; }`.", "{port}{을} `location / { root /srv; }`.", params=("port",)
    )
    assert not m.problems()
