"""Rubric: a policy file naming which checks run, their points, required or advisory, and the
grading parameters. The texts a learner reads live beside each check (its TEXTS, and
grader.common_texts); a rubric may override any of them under a check's `texts:`. Validated
with a JSON Schema, and each override against the values its message is given; a broken
rubric names the bad key's path and is exit 2."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from grader.common_texts import COMMON_MESSAGES
from grader.errors import RubricError
from grader.i18n.ko import fill
from grader.texts import CheckTexts, Message

DEFAULT_RUBRIC = "step-06-horizontal-scaling"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "rubric.schema.json"
LANGS = ("en", "ko")


def rubric_dirs() -> list[Path]:
    """Where rubrics are looked up by name: the checkout's rubrics/ (beside the package) and
    the installed copy under <prefix>/share/workshop-grader/rubrics."""
    here = Path(__file__).resolve().parent.parent / "rubrics"
    installed = Path(sys.prefix) / "share" / "workshop-grader" / "rubrics"
    return [d for d in (here, installed) if d.is_dir()]


DEFAULT_API_PATH = "/api/posts"  # the workshop app's list of posts


@dataclass
class CheckSpec:
    """One check as a rubric runs it: its points, whether it is required, and its texts."""

    code: str
    slug: str
    ask: str | None
    points: float
    required: bool
    enabled: bool
    data: dict[str, Any]  # the rubric's entry, as written
    texts: CheckTexts  # the check's texts, with the rubric's overrides

    def text(self, field: str, lang: str) -> str:
        """title, why or fix."""
        return getattr(self.texts, field).get(lang)


@dataclass
class Rubric:
    """A loaded, validated rubric."""

    id: str
    path: Path
    data: dict[str, Any]
    checks: list[CheckSpec]

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.data.get("params") or {})

    @property
    def api_path(self) -> str:
        """The request whose route through nginx is checked and which the runtime sends."""
        return str(self.params.get("api_path", DEFAULT_API_PATH))

    @property
    def runtime(self) -> dict[str, Any]:
        return dict(self.data.get("runtime") or {})

    def title(self, lang: str) -> str:
        return self.data["title"][lang]

    def find(self, code_or_slug: str) -> CheckSpec | None:
        key = code_or_slug.strip()
        for c in self.checks:
            if key.upper() == c.code or key == c.slug:
                return c
        return None

    def _texts(self, spec: CheckSpec, key: str) -> Message | None:
        return spec.texts.messages.get(key) or COMMON_MESSAGES.get(key)

    @staticmethod
    def _params(lang: str, params: dict[str, Any]) -> dict[str, Any]:
        """An input error inserted into a Korean message is said in Korean too, and a value a
        finding gives in both languages (a Text) in the message's."""
        from grader.texts import Text

        params = {k: v.get(lang) if isinstance(v, Text) else v for k, v in params.items()}
        if lang == "ko" and isinstance(params.get("error"), str):
            from grader.i18n.cli_text import localize_error

            return {**params, "error": localize_error(params["error"], lang)}
        return params

    def fix(self, spec: CheckSpec, key: str, lang: str, params: dict[str, Any]) -> str:
        """The fix for what message `key` says: its own `fix:` when it has one (the check's fix
        would be wrong for that cause), else the check's."""
        message = self._texts(spec, key)
        own = message.fix if message is not None else None
        if own is None:
            return spec.text("fix", lang)
        try:
            return fill(own.get(lang), self._params(lang, params))
        except (KeyError, IndexError, ValueError):
            return own.get(lang)

    def message(self, spec: CheckSpec, key: str, lang: str, params: dict[str, Any]) -> str:
        texts = self._texts(spec, key)
        if texts is None:
            return f"[{spec.code}:{key}] " + ", ".join(f"{k}={v}" for k, v in params.items())
        try:
            return fill(texts.text.get(lang), self._params(lang, params))
        except (KeyError, IndexError, ValueError):
            return texts.text.get(lang)


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


def resolve_rubric_path(name_or_file: str | None) -> Path:
    name = name_or_file or DEFAULT_RUBRIC
    p = Path(name)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise RubricError("rubric file not found", str(p))
        return p
    for d in rubric_dirs():
        for ext in (".yaml", ".yml"):
            if (d / f"{name}{ext}").is_file():
                return d / f"{name}{ext}"
    known = sorted({f.stem for d in rubric_dirs() for f in d.glob("*.y*ml")})
    raise RubricError(f"no rubric named {name!r} (known: {', '.join(known) or 'none'})")


def _cache_marker(raw: bytes) -> Path:
    """A rubric already validated (same bytes, same schema) is not validated again: importing
    jsonschema costs more than grading a submission. The marker is only a speed-up; without a
    writable cache folder every run validates."""
    import zlib

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "workshop-grader"
    schema = SCHEMA_PATH.read_bytes()
    digest = f"{zlib.crc32(schema):08x}{zlib.crc32(raw):08x}{len(raw):x}"
    return base / f"rubric-valid-{digest}"


def validate_rubric_data(data: Any, path: Path) -> None:
    import jsonschema  # only when a rubric is not known to be valid

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(x) for x in e.absolute_path) or "(top level)"
        raise RubricError(f"rubric key {where}: {e.message}", str(path))


def load_rubric(name_or_file: str | None = None, registry: dict[str, str] | None = None) -> Rubric:
    """registry: code -> slug of the checks the grader has; a rubric naming others is refused."""
    path = resolve_rubric_path(name_or_file)
    try:
        raw = path.read_bytes()
        # The rubric is trusted data and large: libyaml's loader when the build has it.
        data = yaml.load(raw.decode("utf-8-sig"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise RubricError(
            f"rubric is not valid YAML: {getattr(e, 'problem', e)}", str(path), mark.line + 1 if mark else None
        ) from None
    except OSError as e:
        raise RubricError(f"cannot read rubric: {e.strerror}", str(path)) from None
    except UnicodeDecodeError:
        raise RubricError("rubric is not UTF-8 text", str(path)) from None
    marker = _cache_marker(raw)
    if not marker.exists():
        validate_rubric_data(data, path)
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass
    from grader.registry import known_texts

    texts = known_texts()
    checks = []
    seen: set[str] = set()
    for i, c in enumerate(data["checks"]):
        if c["code"] in seen:
            raise RubricError(f"rubric key checks/{i}/code: {c['code']} is listed twice", str(path))
        seen.add(c["code"])
        if c["code"] not in texts or (registry is not None and c["code"] not in registry):
            raise RubricError(f"rubric key checks/{i}/code: no check has code {c['code']}", str(path))
        if registry is not None and registry[c["code"]] != c["slug"]:
            raise RubricError(
                f"rubric key checks/{i}/slug: check {c['code']} is {registry[c['code']]}, not {c['slug']}", str(path)
            )
        own = texts[c["code"]]
        if "texts" in c:
            own = _overridden(own, c["texts"], f"checks/{i}/texts", path)
        checks.append(
            CheckSpec(
                c["code"], c["slug"], c.get("ask"), float(c["points"]), c["required"], c.get("enabled", True), c, own
            )
        )
    return Rubric(id=data["id"], path=path, data=data, checks=checks)


def _overridden(texts: CheckTexts, overrides: dict[str, Any], where: str, path: Path) -> CheckTexts:
    """The check's texts with the rubric's. An override naming a message the check does not
    have, or inserting a value its message is not given, is refused with the key's path."""
    messages = {}
    for key, over in (overrides.get("messages") or {}).items():
        message = texts.messages.get(key) or COMMON_MESSAGES.get(key)
        if message is None:
            known = ", ".join(sorted(texts.messages)) or "none"
            raise RubricError(
                f"rubric key {where}/messages/{key}: {texts.code} has no message {key!r} "
                f"(its messages: {known}; shared: {', '.join(COMMON_MESSAGES)})",
                str(path),
            )
        changed = message.overridden(over, texts.fix)
        if problems := changed.problems(overridden=True):
            given = ", ".join("{" + n + "}" for n in sorted(changed.given)) or "none"
            raise RubricError(
                f"rubric key {where}/messages/{key}: " + "; ".join(problems) + f" (values given: {given})", str(path)
            )
        messages[key] = changed.redeclared()
    return texts.with_overrides(overrides, messages)


def policy_text(rubric: Rubric, lang: str = "en") -> str:
    """The rubric as a policy file to start from (`grader rubric init`): its parameters, and one
    line per check with the check's title as a comment. Loads as the rubric it was written from."""

    def flow(value: Any) -> str:  # JSON is YAML: one line; a plain word needs no quotes
        if (
            isinstance(value, str)
            and re.fullmatch(r"[A-Za-z][\w./-]*", value)
            and value.lower() not in ("null", "true", "false", "yes", "no", "on", "off", "y", "n")
        ):
            return value
        if isinstance(value, list):
            return "[" + ", ".join(flow(v) for v in value) + "]"
        return json.dumps(value, ensure_ascii=False)

    out = [
        f"# Rubric {rubric.id}, written by `grader rubric init` from {rubric.path.name}.",
        "# Grade with it: grader check --rubric THIS_FILE. Per check: `points`, `required: false`",
        "# (advisory: reported, never fails the grade), `enabled: false` (not run). `slug` must",
        "# be the check's own; `grader explain CODE` shows what a check asks and why.",
        "# Texts live beside each check. To change one, give the check a `texts:` mapping with any",
        "# of title, why, fix ({en: ..., ko: ...}) and messages: {KEY: {en: ..., ko: ..., fix: ...}}.",
        "# A message inserts only the values its check gives, the same in both languages",
        "# (`{service}`); in Korean a particle after a value is a field: `{port}{을}`.",
        f"id: {rubric.id}",
        f"title: {{en: {flow(rubric.data['title']['en'])}, ko: {flow(rubric.data['title']['ko'])}}}",
    ]
    for section in ("params", "runtime"):
        if rubric.data.get(section):
            out.append(f"{section}:")
            out += [f"  {key}: {flow(value)}" for key, value in rubric.data[section].items()]
    out.append("checks:")
    for spec in rubric.checks:
        entry = {
            "code": spec.code,
            "slug": spec.slug,
            "ask": spec.ask,
            "points": int(spec.points) if spec.points == int(spec.points) else spec.points,
            "required": spec.required,
        }
        if not spec.enabled:
            entry["enabled"] = False
        if spec.data.get("texts"):
            entry["texts"] = spec.data["texts"]
        fields = ", ".join(f"{k}: {flow(v)}" for k, v in entry.items())
        out.append(f"  - {{{fields}}}  # {spec.text('title', lang)}")
    return "\n".join(out) + "\n"
