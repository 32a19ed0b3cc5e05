"""Wrapping by display width: a Hangul syllable takes two terminal columns, and a code span
(`...`) is never broken across lines."""

from __future__ import annotations

import re
import shutil
import unicodedata

# a word: runs of non-space text, where a code span counts as one piece even with spaces in it
_WORD = re.compile(r"(?:`[^`]*`|[^\s`])+|`")


def cell_len(text: str) -> int:
    """Columns `text` takes on a terminal: wide and full-width characters (Hangul, CJK) two,
    combining marks none, the others one. (rich.cells.cell_len agrees; importing rich costs
    more than a static run.)"""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def terminal_width(default: int = 88, most: int = 100) -> int:
    """The terminal's width (COLUMNS when set), at most `most` columns for readable lines."""
    return max(20, min(shutil.get_terminal_size((default, 24)).columns, most))


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Greedy wrapping of `text` into lines of at most `width` display columns. A word wider
    than the line (a long code span or URL) stands alone on its line rather than be cut."""
    lines: list[str] = []
    line, used = indent, cell_len(indent)
    for word in _WORD.findall(" ".join(text.split())):
        w = cell_len(word)
        if line.strip() and used + 1 + w > width:
            lines.append(line)
            line, used = indent + word, cell_len(indent) + w
        elif line.strip():
            line, used = f"{line} {word}", used + 1 + w
        else:
            line, used = line + word, used + w
    if line.strip():
        lines.append(line)
    return lines


def fill(text: str, width: int, indent: str = "") -> str:
    return "\n".join(wrap(text, width, indent))
