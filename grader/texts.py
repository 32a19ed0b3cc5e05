"""What a learner reads about one check, in English and Korean, kept beside the check's code.

A check module declares `TEXTS = CheckTexts(CODE, title=..., why=..., fix=..., messages=...)`.
Each message names the placeholders its templates use (`params`); building the texts, that is
importing the module, fails with the check's code and the message's key when a template uses
a placeholder it does not declare, declares one no template uses, or when English and Korean
insert different values. A rubric may override any of these texts (grader.rubric checks the
override the same way), so no learner ever reads a message with a hole in it.

In a template `{name}` inserts a value; in Korean a particle after an inserted value is a field
of its own, `{port}{을}` (grader.i18n.ko), not a placeholder. A field with spaces in it, such as
nginx's `{ proxy_pass ...; }`, is text, as it has always been."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from grader.i18n.ko import PARTICLES

LANGS = ("en", "ko")


class TextsError(ValueError):
    """A check's texts do not fit what the check inserts into them (a programming error)."""


def placeholders(template: str) -> frozenset[str]:
    """The names `{name}` in `template` inserts: not particle fields, not literal nginx braces."""
    names = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise TextsError(f"{e} in {template!r}") from None
    for _, name, _, _ in parsed:
        if name is None or name in PARTICLES:
            continue
        head = re.split(r"[.\[]", name, maxsplit=1)[0]
        if head.isidentifier():
            names.add(head)
    return frozenset(names)


@dataclass(frozen=True)
class Text:
    """One text in both languages."""

    en: str
    ko: str

    def get(self, lang: str) -> str:
        return (self.ko if lang == "ko" else self.en).strip()

    def used(self) -> dict[str, frozenset[str]]:
        return {lang: placeholders(getattr(self, lang)) for lang in LANGS}


@dataclass(frozen=True)
class Message:
    """What a finding says, with its own fix when the check's fix would be wrong for that cause.
    `params`: the values the templates insert, each passed by the check. `extra`: values the
    check passes as well that these templates leave out (a rubric's text may insert them)."""

    en: str
    ko: str
    fix: Text | None = None
    params: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    @property
    def given(self) -> frozenset[str]:
        """Every value the check passes with this message."""
        return frozenset(self.params) | frozenset(self.extra)

    @property
    def text(self) -> Text:
        return Text(self.en, self.ko)

    def overridden(self, over: Mapping[str, Any], check_fix: Text) -> Message:
        """This message with a rubric's `en`, `ko` and `fix` (each language optional; a fix for
        a message without one starts from the check's). Check it with problems(overridden=True)."""
        changes = dict(over)
        if "fix" in over:
            changes["fix"] = replace(self.fix or check_fix, **over["fix"])
        return replace(self, **changes)

    def redeclared(self) -> Message:
        """The same texts, `params` being what they now insert and `extra` the rest given."""
        used = self.text.used()["en"] | (self.fix.used()["en"] if self.fix else frozenset())
        return replace(self, params=tuple(sorted(used)), extra=tuple(sorted(self.given - used)))

    def problems(self, overridden: bool = False) -> list[str]:
        """What does not fit, each said in a few words; [] when the message is sound. A rubric's
        text (`overridden`) may insert any value the check gives, or leave one out."""
        out = []
        declared = set(self.params) | (set(self.extra) if overridden else set())
        if len(set(self.params) | set(self.extra)) != len(self.params) + len(self.extra):
            out.append(f"params {self.params} and extra {self.extra} name one twice")
        used: set[str] = set()
        for part, text in (("", self.text), (".fix", self.fix)):
            if text is None:
                continue
            try:
                by_lang = text.used()
            except TextsError as e:
                out.append(f"{part.lstrip('.') or 'template'}: {e}")
                continue
            if by_lang["en"] != by_lang["ko"]:
                out.append(f"en{part} inserts {_names(by_lang['en'])} but ko{part} inserts {_names(by_lang['ko'])}")
            for lang, names in by_lang.items():
                if unknown := names - declared:
                    out.append(
                        f"{lang}{part} uses {_names(unknown)}, which the check does not give"
                        if overridden
                        else f"{lang}{part} uses {_names(unknown)}, not declared in params"
                    )
                used |= names
        if not overridden and (unused := declared - used):
            out.append(f"params declares {_names(unused)}, which no template inserts")
        return out


def _names(names: set[str] | frozenset[str]) -> str:
    return ", ".join("{" + n + "}" for n in sorted(names)) or "nothing"


def check_messages(owner: str, messages: Mapping[str, Message]) -> None:
    """Raise TextsError naming `owner` (a check's code) and the key of the first unsound message."""
    for key, message in messages.items():
        if problems := message.problems():
            raise TextsError(f"{owner} message {key!r}: " + "; ".join(problems))


@dataclass(frozen=True)
class CheckTexts:
    """Every text of one check. title, why and fix are shown as written (no value is inserted,
    so `{appnet: {driver: bridge}}` in them is text)."""

    code: str
    title: Text
    why: Text
    fix: Text
    messages: Mapping[str, Message] = field(default_factory=dict)
    example_fail: str | None = None
    example_pass: str | None = None
    # What of nginx's or Compose's behaviour the check follows to reach its verdict (explain's page).
    follows: Text | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", MappingProxyType(dict(self.messages)))
        check_messages(self.code, self.messages)

    def with_overrides(self, overrides: Mapping[str, Any], messages: Mapping[str, Message]) -> CheckTexts:
        """These texts with a rubric's title, why and fix, and its `messages` (built with
        Message.overridden and found sound)."""
        changes: dict[str, Any] = {
            name: replace(getattr(self, name), **overrides[name])
            for name in ("title", "why", "fix")
            if name in overrides
        }
        return replace(self, **changes, messages={**self.messages, **messages})
