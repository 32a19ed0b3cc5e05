"""Korean particles after an inserted value, chosen from how a Korean reader says its last sound.

Check texts (and a rubric's overrides of them) write a particle as a field of its own right
after what it follows, in either form of its pair or as the pair: `{port}{을}`, `{port}{를}`
and `{port}{을/를}` all give "8080을" and "80을"; "`location {location}`{이}" gives
"`location /api/`가". The particle is chosen from the text rendered just before it, so it also
fits a code span with a value inside.
Pairs: 은/는, 이/가, 을/를, 과/와, 으로/로 (ㄹ takes 로: "8081로", "docker-compose.yml로"),
이라는/라는, 이나/나, 이라/라, 이에요/예요, 이었/였 ("{n}{이었}습니다").

How the end of a value is read:
- Hangul: its own final consonant (batchim); ㄹ is told apart for 으로/로.
- digits: as Koreans read the last digit or the round number (0 영/공/십/백/천, 1 일, 2 이,
  3 삼, 4 사, 5 오, 6 육, 7 칠, 8 팔, 9 구): 0, 3, 6 end in a consonant, 1, 7, 8 in ㄹ.
- an abbreviation in capitals (API, DNS, HTTP, URL): its last letter's name (L 엘, R 알 end
  in ㄹ; M 엠, N 엔 in a consonant; the others in a vowel).
- an English word: as it is written in Hangul (backend 백엔드, nginx 엔진엑스, appnet 앱넷,
  volume 볼륨, upstream 업스트림, file 파일).
Trailing quotes, brackets and punctuation are skipped: "`backend`", "(api)" and "8080;" are
read by their last letter or digit.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

# particle spec -> (after a consonant, after a vowel); either form names the pair
_PAIRS = [
    ("은", "는"),
    ("이", "가"),
    ("을", "를"),
    ("과", "와"),
    ("으로", "로"),
    ("이라는", "라는"),
    ("이나", "나"),
    ("이에요", "예요"),
    ("이라", "라"),
    ("이었", "였"),
]
PARTICLES: dict[str, tuple[str, str]] = {}
for _c, _v in _PAIRS:
    PARTICLES[_c] = PARTICLES[_v] = PARTICLES[f"{_c}/{_v}"] = (_c, _v)

VOWEL, CONSONANT, RIEUL = "vowel", "consonant", "rieul"  # how a value ends

_DIGIT = {
    "0": CONSONANT,
    "1": RIEUL,
    "2": VOWEL,
    "3": CONSONANT,
    "4": VOWEL,
    "5": VOWEL,
    "6": CONSONANT,
    "7": RIEUL,
    "8": RIEUL,
    "9": VOWEL,
}
# the name of each Latin letter as Koreans say it: A 에이 ... L 엘, M 엠, N 엔, R 알
_LETTER = {c: VOWEL for c in string.ascii_uppercase}
_LETTER.update({"L": RIEUL, "R": RIEUL, "M": CONSONANT, "N": CONSONANT})
# word endings whose Hangul spelling the rules below would get wrong (healthcheck 헬스체크,
# timeout 타임아웃, setup 셋업, python 파이선)
_WORDS = {
    "name": CONSONANT,
    "check": VOWEL,
    "out": CONSONANT,
    "up": CONSONANT,
    "app": CONSONANT,
    "web": CONSONANT,
    "off": VOWEL,
    "on": CONSONANT,
    "sh": VOWEL,
    "yml": RIEUL,
    "yaml": RIEUL,
    "html": RIEUL,
    "xml": RIEUL,
    "sql": RIEUL,
    "url": RIEUL,
    "tcp": VOWEL,
    "udp": VOWEL,
    "ipv6": CONSONANT,
    "ipv4": VOWEL,
    "http": VOWEL,
    "get": CONSONANT,
    "post": VOWEL,
}
_SKIP = "`'\"()[]{}<>.,;:!?*/\\-_=+~|#%$&@ \t\n"


def _hangul_end(ch: str) -> str:
    final = (ord(ch) - 0xAC00) % 28
    if final == 0:
        return VOWEL
    return RIEUL if final == 8 else CONSONANT


def _word_end(word: str) -> str:
    """How an English word (or a lowercase abbreviation) ends when written in Hangul."""
    w = word.lower()
    for suffix in sorted(_WORDS, key=len, reverse=True):
        if w.endswith(suffix):
            return _WORDS[suffix]
    if (word.isupper() and len(word) <= 4) or not any(c in "aeiouy" for c in w):
        return _LETTER[word[-1].upper()]  # said letter by letter: API, DNS, tcp
    last, before = w[-1], w[-2] if len(w) > 1 else ""
    if last == "l" or w.endswith("le"):
        return RIEUL  # file 파일, module 모듈, nginx.conf's "html"
    if last in "mn" or w.endswith(("me", "ne", "ng")):
        return CONSONANT  # volume 볼륨, engine 엔진, string 스트링
    if w.endswith("ck") or w.endswith("ook"):
        return CONSONANT  # back 백, stack 스택, hook 훅
    if last in "bpt" and before in "aeiou" and not w.endswith(("ate", "ete", "ite", "ote", "ute")):
        # app 앱, web 웹, appnet 앱넷, set 셋 (but host 호스트, port 포트, help 헬프)
        return CONSONANT if len(w) < 3 or w[-3] not in "aeiou" else VOWEL
    return VOWEL  # backend 백엔드, server 서버, nginx 엔진엑스, compose 컴포즈, data 데이터


def _open_paren(text: str) -> int:
    """Where the parenthesis closed at the end of `text` opens (0 when it is not balanced)."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return 0


def ending(value: Any) -> str:
    """VOWEL, CONSONANT or RIEUL: how `value`, read aloud in Korean, ends."""
    text = str(value).rstrip()
    while text.endswith(")") and "(" in text:  # "80:80 (호스트:컨테이너)를": the word before it
        text = text[: _open_paren(text)].rstrip()
    text = text.rstrip(_SKIP)
    if not text:
        return VOWEL
    ch = text[-1]
    if "\uac00" <= ch <= "\ud7a3":
        return _hangul_end(ch)
    if ch.isdigit():
        return _DIGIT.get(ch, VOWEL)
    if ch.isascii() and ch.isalpha():
        i = len(text)
        while i > 0 and text[i - 1].isascii() and text[i - 1].isalnum():
            i -= 1
        word = text[i:]
        letters = word.rstrip(string.digits)
        if letters != word:  # ipv6, http2: the digits are read last
            return _WORDS.get(word.lower(), _DIGIT[word[-1]])
        return _word_end(letters)
    return VOWEL


def particle(value: Any, spec: str) -> str:
    """The form of particle `spec` (either form of its pair) that follows `value`."""
    after_consonant, after_vowel = PARTICLES[spec]
    end = ending(value)
    if after_consonant == "으로":
        return after_vowel if end in (VOWEL, RIEUL) else after_consonant
    return after_vowel if end == VOWEL else after_consonant


_FORMATTER = string.Formatter()


def fill(template: str, params: Mapping[str, Any]) -> str:
    """str.format with particles: in "{port}{을} 지우세요" the field `{을}` is the form of 을/를
    that fits the text before it ("8080을", "backend를"). A missing parameter is a KeyError,
    as with str.format."""
    out: list[str] = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        out.append(literal)
        if field is None:
            continue
        if field in PARTICLES and not spec and not conversion:
            out.append(particle("".join(out), field))
            continue
        value, _ = _FORMATTER.get_field(field, (), params)
        value = _FORMATTER.convert_field(value, conversion)
        out.append(_FORMATTER.format_field(value, _FORMATTER.vformat(spec or "", (), params)))
    return "".join(out)


def localized(table: Mapping[str, Mapping[str, str]], lang: str | None, key: str, /, **params: Any) -> str:
    """Text `key` of a {lang: {key: template}} table in `lang` (English when the table has not
    that language), filled with `params`: how every table of lines the grader prints is read."""
    return fill(table.get(lang or "en", table["en"])[key], params)
