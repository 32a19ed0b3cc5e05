"""nginx's own reading of a config file (ngx_conf_read_token and ngx_conf_parse), so that what is a
word, a directive and a block, and which syntax errors there are, is what nginx finds: a `}` inside
a word (`$NAME}`) is part of it, a `}` after a directive without its `;` is "unexpected "}"", a
`}` at the top of a file is one too. The statements have crossplane's shape (directive, line, args,
block; `#` comments), which the rest of the parser reads.
"""

from __future__ import annotations

from grader.errors import InputError

SPACE = " \t\r\n"
ESCAPES = {"t": "\t", "r": "\r", "n": "\n"}


class NginxSyntaxError(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


def _unescape(word: str) -> str:
    out = []
    i = 0
    while i < len(word):
        c = word[i]
        if c == "\\" and i + 1 < len(word):
            n = word[i + 1]
            if n in "\"'\\":
                out.append(n)
                i += 2
                continue
            if n in ESCAPES:
                out.append(ESCAPES[n])
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def tokens(text: str):
    """Yield (kind, value, line): kind is "word" (value: (text, line)), ";", "{", "}",
    "#" (a comment), or "eof"."""
    line = 1
    i, n = 0, len(text)
    args_pending = False
    while True:
        # between words
        while i < n and text[i] in SPACE:
            if text[i] == "\n":
                line += 1
            i += 1
        if i >= n:
            yield ("eof", None, line)
            return
        ch = text[i]
        if ch == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            yield ("#", text[i + 1 : j], line)
            i = j
            continue
        if ch in ";{":
            if not args_pending:
                raise NginxSyntaxError(f'unexpected "{ch}"', line)
            args_pending = False
            yield (ch, None, line)
            i += 1
            continue
        if ch == "}":
            if args_pending:
                raise NginxSyntaxError('unexpected "}"', line)
            yield ("}", None, line)
            i += 1
            continue
        start_line = line
        if ch in "\"'":
            quote = ch
            j = i + 1
            buf_start = j
            while True:
                if j >= n:
                    raise NginxSyntaxError('unexpected end of file, expecting ";" or "}"', line)
                c = text[j]
                if c == "\n":
                    line += 1
                if c == "\\" and j + 1 < n:
                    if text[j + 1] == "\n":
                        line += 1
                    j += 2
                    continue
                if c == quote:
                    break
                j += 1
            word = _unescape(text[buf_start:j])
            i = j + 1
            # after a quoted word nginx needs a space, `;`, `{`, or the `)` that closes an `if`
            if i < n and text[i] not in SPACE + ";{)":
                raise NginxSyntaxError(f'unexpected "{text[i]}"', line)
            args_pending = True
            yield ("word", (word, start_line), start_line)
            continue
        # an unquoted word: ends at a space, `;` or `{` (not `{` right after `$`); `}` is part of it
        j = i
        variable = False
        while j < n:
            c = text[j]
            if c == "{" and variable:
                j += 1
                continue
            variable = False
            if c == "\\" and j + 1 < n:
                if text[j + 1] == "\n":
                    line += 1
                j += 2
                continue
            if c == "$":
                variable = True
                j += 1
                continue
            if c in SPACE or c in ";{":
                break
            j += 1
        word = _unescape(text[i:j])
        i = j
        args_pending = True
        yield ("word", (word, start_line), start_line)


def parse_text(text: str, rel: str) -> list[dict]:
    """Statements as crossplane's parse gives them (directive, line, args, block), with comments."""
    root: list[dict] = []
    stack: list[list[dict]] = [root]
    current: list[tuple[str, int]] = []
    try:
        for kind, value, line in tokens(text):
            if kind == "#":
                if not current:
                    stack[-1].append({"directive": "#", "line": line, "args": [], "comment": value})
                continue
            if kind == "word":
                current.append(value)
                continue
            if kind in (";", "{"):
                name, dline = current[0]
                args = [w for w, _ in current[1:]]
                if name == "if":
                    args = _if_args(args)
                stmt: dict = {"directive": name, "line": dline, "args": args, "end": line}
                stack[-1].append(stmt)
                current = []
                if kind == "{":
                    stmt["block"] = []
                    stack.append(stmt["block"])
                continue
            if kind == "}":
                if len(stack) == 1:
                    raise NginxSyntaxError('unexpected "}"', line)
                stack.pop()
                continue
            if kind == "eof":
                if current:
                    raise NginxSyntaxError('unexpected end of file, expecting ";" or "}"', line)
                if len(stack) > 1:
                    raise NginxSyntaxError('unexpected end of file, expecting "}"', line)
    except NginxSyntaxError as e:
        raise InputError(f"nginx syntax error: {e.message}", rel, e.line) from None
    return root


def _if_args(args: list[str]) -> list[str]:
    # crossplane's shape: the parentheses around an `if` condition are not arguments
    if args and args[0].startswith("("):
        args = [args[0][1:]] + args[1:]
    if args and args[-1].endswith(")"):
        args = args[:-1] + [args[-1][:-1]]
    return [a for a in args if a != ""] if args else args
