"""Parse nginx configs with crossplane, one file at a time, and follow `include` ourselves.

crossplane follows includes on its own, anywhere on the host; we never let it: each file is
read through the submission's safe reader, handed to crossplane with `single=True`, and each
`include` is resolved as nginx would inside the container (relative to /etc/nginx), then
mapped back to the submission through what the Dockerfile COPYs and compose bind-mounts.
An include of a file the image provides (/etc/nginx/mime.types) is noted and not followed;
one that points anywhere else outside the submission is refused.
"""
from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass, field

import crossplane
from crossplane.analyzer import DIRECTIVES

from grader.errors import InputError, OutsideRootError
from grader.nginx.model import Directive, NginxConfig
from grader.results import Note
from grader.submission.reader import SubmissionRoot

NGINX_PREFIX = "/etc/nginx"
# Paths an nginx image (or a certificate set-up) provides; including them is normal.
IMAGE_PROVIDED = ("/etc/nginx/", "/usr/share/nginx/", "/etc/letsencrypt/", "/etc/ssl/", "/var/www/")
MAX_INCLUDE_DEPTH = 8
SLASH_COMMENT = re.compile(r"(^|[\s;{}])(//.*)$")


@dataclass
class ConfigSource:
    """Where the nginx config of the frontend comes from: submission files and the container
    paths they land at (files and folders)."""

    files: dict[str, str] = field(default_factory=dict)  # container path -> root-relative path
    dirs: dict[str, str] = field(default_factory=dict)  # container dir -> root-relative dir
    entry: list[str] = field(default_factory=list)  # container paths nginx loads first


def _container_path(arg: str) -> str:
    return posixpath.normpath(arg if arg.startswith("/") else posixpath.join(NGINX_PREFIX, arg))


class _Parser:
    def __init__(self, root: SubmissionRoot, source: ConfigSource):
        self.root = root
        self.source = source
        self.notes: list[Note] = []
        self.files: list[str] = []
        self.comments: list[tuple[str, int, str]] = []
        self.tmp = tempfile.TemporaryDirectory(prefix="grader-nginx-")

    def close(self) -> None:
        self.tmp.cleanup()

    def parse_file(self, rel: str, stack: tuple[str, ...]) -> list[Directive]:
        if rel in stack:
            raise InputError(f"includes itself in a loop ({' -> '.join(stack + (rel,))})", rel)
        if len(stack) > MAX_INCLUDE_DEPTH:
            raise InputError(f"includes nest deeper than {MAX_INCLUDE_DEPTH} files", rel)
        sf = self.root.read(rel)
        self.files.append(rel)
        tmp = os.path.join(self.tmp.name, f"{len(self.files)}.conf")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(self._strip_slash_comments(sf.text, rel))
        payload = crossplane.parse(tmp, single=True, check_ctx=False, check_args=True, comments=True,
                                   catch_errors=True)
        for err in payload["errors"]:
            msg = err["error"].replace(tmp, rel)
            # crossplane appends " in FILE:LINE"; we say where ourselves
            msg = msg.split(f" in {rel}:")[0].strip()
            line = err.get("line")
            if not msg:
                # crossplane reports a file that ends inside a directive or block with no text
                # and no line: say what nginx would say, at the file's last line.
                msg = 'unexpected end of file, expecting ";" or "}"'
                line = line or max(1, len(sf.text.rstrip("\n").splitlines()))
            raise InputError(f"nginx syntax error: {msg}", rel, line)
        parsed = payload["config"][0]["parsed"] if payload["config"] else []
        return self._convert(parsed, rel, stack + (rel,))

    def _strip_slash_comments(self, text: str, rel: str) -> str:
        """`// note` is not nginx syntax (nginx refuses to start: unknown directive "//"), yet
        it is a common slip from other languages. Say so at its line, then read the rest as
        the learner meant it, so the other checks still see the config they wrote."""
        lines = text.split("\n")
        for n, line in enumerate(lines):
            m = SLASH_COMMENT.search(line)
            if m and line[: m.start(2)].count('"') % 2 == 0 and line[: m.start(2)].count("'") % 2 == 0:
                self.notes.append(Note("error", "'//' starts no comment in nginx (use '#'): "
                                                "nginx refuses to start with this line", rel, n + 1))
                lines[n] = line[: m.start(2)]
        return "\n".join(lines)

    def _convert(self, stmts: list[dict], rel: str, stack: tuple[str, ...]) -> list[Directive]:
        out: list[Directive] = []
        for st in stmts:
            name = st["directive"]
            if name == "#":
                self.comments.append((rel, st["line"], st.get("comment", "").strip()))
                continue
            if name not in DIRECTIVES and not _looks_like_directive(name):
                self.notes.append(Note("error", f"unknown directive {name!r}: nginx refuses to start with it",
                                       rel, st["line"]))
            if name == "include" and st["args"]:
                out.extend(self._include(st["args"][0], rel, st["line"], stack))
                continue
            block = self._convert(st["block"], rel, stack) if "block" in st else None
            out.append(Directive(name, list(st["args"]), rel, st["line"], block))
        return out

    def _include(self, arg: str, rel: str, line: int, stack: tuple[str, ...]) -> list[Directive]:
        target = _container_path(arg)
        matches = self._mapped(target)
        if not matches and not arg.startswith("/"):
            # Not mapped into the image: nginx would look under /etc/nginx; learners often mean
            # "next to this file", so look there too, inside the submission only.
            try:
                base = posixpath.dirname(rel)
                joined = self.root.join(base, arg)
            except OutsideRootError as e:
                raise OutsideRootError(f"include {arg!r} points outside the submission; it is not read",
                                       rel, line) from e
            if any(c in joined for c in "*?["):
                matches = self.root.glob(posixpath.dirname(joined), posixpath.basename(joined)) \
                    if self.root.is_dir(posixpath.dirname(joined) or ".") else []
            elif self.root.exists(joined):
                matches = [joined]
            else:
                self.root.resolve(joined)  # refuses a link out of the root
        if not matches:
            if target.startswith(IMAGE_PROVIDED):
                self.notes.append(Note("info", f"include {arg} is provided by the nginx image; not followed",
                                       rel, line))
                return []
            if arg.startswith("/"):
                raise OutsideRootError(f"include {arg!r} points outside the submission; it is not read", rel, line)
            self.notes.append(Note("info", f"include {arg} matches no file in the submission", rel, line))
            return []
        out: list[Directive] = []
        for m in matches:
            out.extend(self.parse_file(m, stack))
        return out

    def _mapped(self, target: str) -> list[str]:
        found = [rel for cpath, rel in sorted(self.source.files.items()) if fnmatch.fnmatchcase(cpath, target)]
        for cdir, rdir in self.source.dirs.items():
            if target.startswith(cdir.rstrip("/") + "/"):
                sub = target[len(cdir.rstrip("/")) + 1:]
                if any(c in sub for c in "*?["):
                    found += [f for f in self.root.glob(rdir, sub) if f not in found]
                else:
                    joined = self.root.join(rdir, sub)
                    if self.root.exists(joined) and joined not in found:
                        found.append(joined)
        return found


def _looks_like_directive(name: str) -> bool:
    # Third-party module directives are words; anything else (`//`, `}`) is a typo nginx refuses.
    return name.replace("_", "").isalnum()


def parse_nginx(root: SubmissionRoot, source: ConfigSource) -> NginxConfig:
    """Parse the frontend's nginx config. The official image's nginx.conf includes
    /etc/nginx/conf.d/*.conf inside `http`, so conf.d snippets are graded as http-level."""
    p = _Parser(root, source)
    try:
        top: list[Directive] = []
        for cpath in source.entry:
            rel = source.files[cpath]
            top.extend(p.parse_file(rel, ()))
        return NginxConfig(top, files=p.files, notes=p.notes, comments=p.comments)
    finally:
        p.close()
