"""Parse nginx configs as nginx reads them, one file at a time, and follow `include` ourselves.

Each file is read through the submission's safe reader and tokenized as nginx does (lexer.py);
each
`include` is resolved as nginx would inside the container (relative to /etc/nginx), then
mapped back to the submission through what the Dockerfile COPYs and compose bind-mounts.
An include of a file the image provides (/etc/nginx/mime.types) is noted and not followed;
one that points anywhere else outside the submission is refused.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import posixpath
import re
from dataclasses import dataclass, field

from crossplane.analyzer import enter_block_ctx

from grader.errors import InputError, OutsideRootError
from grader.nginx.lexer import parse_text
from grader.nginx.model import Directive, NginxConfig
from grader.nginx.verify import Checker, refuse
from grader.results import Note
from grader.submission.reader import SubmissionRoot

NGINX_PREFIX = "/etc/nginx"
MAIN = f"{NGINX_PREFIX}/nginx.conf"
DEFAULT_CONF = f"{NGINX_PREFIX}/conf.d/default.conf"
TEMPLATES = f"{NGINX_PREFIX}/templates"
# The files the official image has in /etc/nginx (its nginx.conf and conf.d/default.conf are
# read from grader/nginx/image/; these hold only what their names say). Debian's proxy_params,
# snippets/, sites-*/ and fastcgi.conf are not among them: an include of one stops nginx.
IMAGE_ETC = {f"{NGINX_PREFIX}/{name}" for name in ("mime.types", "fastcgi_params", "scgi_params", "uwsgi_params")}
# Paths a certificate set-up or the stack mounts beside the config; taken to be there.
MOUNTED = ("/etc/letsencrypt/", "/etc/ssl/", "/usr/share/nginx/", "/var/www/")
MAX_INCLUDE_DEPTH = 8
# `//` where a directive's name would be: at the start of a line or after `;`, `{` or `}`. A `//`
# inside a value (`alias //var/www//;`) is part of the word, as nginx reads it.
SLASH_COMMENT = re.compile(r"(^\s*|[;{}]\s*)(//.*)$")


@dataclass
class ConfigSource:
    """Where the frontend's nginx config comes from: submission files and the container
    paths they land at (files and folders), and what is left of the image's own files.

    nginx always starts at /etc/nginx/nginx.conf: the submission's when it provides one, else
    the image's, which includes conf.d/*.conf inside `http`. Files under /etc/nginx/templates
    ending .template are rendered into conf.d by the image's entrypoint, with only the
    variables set in the service's environment (`env`) substituted."""

    files: dict[str, str] = field(default_factory=dict)  # container path -> root-relative path
    dirs: dict[str, str] = field(default_factory=dict)  # container dir -> root-relative dir
    entry: list[str] = field(default_factory=list)  # kept for callers; nginx starts at nginx.conf
    image: set[str] = field(default_factory=lambda: {MAIN})  # the image's files still present
    env: dict[str, str] = field(default_factory=dict)  # the service's environment, for templates
    # Where a finding about one of the image's own files points: the Dockerfile line (or
    # compose line) that keeps it, and the file shown for it.
    blame: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    # Compose `configs:` given inline (`content:`): container path -> (text, the compose file,
    # the line its first line is on).
    inline: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    # The file nginx starts from: nginx.conf, or what `nginx -c FILE` in the image's command names.
    main: str = MAIN
    # How a submission file came to be where it is (container path -> file, line and the words
    # for it): a finding about the main config blames the line that made it the main config.
    placed: dict[str, tuple[str, int | None, str]] = field(default_factory=dict)


def _container_path(arg: str) -> str:
    return posixpath.normpath(arg if arg.startswith("/") else posixpath.join(NGINX_PREFIX, arg))


IMAGE = "nginx:1.30"
# The image's own files, as the image ships them (docker run --rm nginx:1.30 cat ...).
IMAGE_FILES = {MAIN: "nginx.conf", DEFAULT_CONF: "default.conf"}
# What the image's environment holds besides the service's own: the entrypoint substitutes these too.
IMAGE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "HOSTNAME": "0123456789ab",
    "NGINX_VERSION": "1.30.6",
}
ENVSUBST_NAME = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_image_cache: dict[str, list[dict]] = {}


def image_text(cpath: str) -> str:
    with open(os.path.join(os.path.dirname(__file__), "image", IMAGE_FILES[cpath]), encoding="utf-8") as f:
        return f.read()


def envsubst(text: str, env: dict[str, str]) -> str:
    """The image's 20-envsubst-on-templates.sh: `envsubst "$defined_envs"`, so only $NAME and
    ${NAME} of variables set in the container's environment are replaced (filtered by
    NGINX_ENVSUBST_FILTER when set); every other $word stays for nginx to read as its variable."""
    names = {**IMAGE_ENV, **env}
    flt = env.get("NGINX_ENVSUBST_FILTER")
    if flt:
        with contextlib.suppress(re.error):
            names = {k: v for k, v in names.items() if re.search(flt, k)}

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return names[name] if name in names else m.group(0)

    return ENVSUBST_NAME.sub(repl, text)


def _shift(stmts: list[dict], by: int) -> None:
    for st in stmts:
        st["line"] += by
        if "end" in st:
            st["end"] += by
        _shift(st.get("block") or [], by)


def _glob_match(cpath: str, pattern: str) -> bool:
    # glob(3) as nginx uses it: `*` does not cross a `/`.
    return cpath.count("/") == pattern.count("/") and fnmatch.fnmatchcase(cpath, pattern)


class _Parser:
    def __init__(self, root: SubmissionRoot, source: ConfigSource):
        self.root = root
        self.source = source
        self.notes: list[Note] = []
        self.files: list[str] = []
        self.comments: list[tuple[str, int, str]] = []
        self.rendered: dict[str, str] = {}  # conf.d path -> template (root-relative)
        self.check = Checker()
        self.js_paths: list[str] = []
        self._find_templates()

    # -- the container's /etc/nginx ----------------------------------------------------------
    def _find_templates(self) -> None:
        suffix = ".template"
        for cpath, rel in self.source.files.items():
            if cpath.startswith(TEMPLATES + "/") and cpath.endswith(suffix):
                self.rendered[f"{NGINX_PREFIX}/conf.d/{cpath[len(TEMPLATES) + 1 : -len(suffix)]}"] = rel
        for cdir, rdir in self.source.dirs.items():
            cdir = cdir.rstrip("/")
            if cdir != TEMPLATES and not TEMPLATES.startswith(cdir + "/"):
                continue
            sub = TEMPLATES[len(cdir) + 1 :]
            try:
                tdir = self.root.join(rdir, sub) if sub else rdir
            except OutsideRootError:
                continue
            if not self.root.is_dir(tdir):
                continue
            for rel in self.root.glob(tdir, "**/*" + suffix):
                inner = rel[len(tdir.rstrip("/")) + 1 :] if tdir not in ("", ".") else rel
                self.rendered.setdefault(f"{NGINX_PREFIX}/conf.d/{inner[: -len(suffix)]}", rel)

    def lookup(self, target: str) -> list[tuple[str, str, str]]:
        """(container path, kind, ref) of every file at `target` (a path or a glob), sorted by
        path as nginx's glob sorts them; kind is "file", "template" or "image"."""
        found: dict[str, tuple[str, str]] = {}
        for cpath, rel in self.rendered.items():
            if _glob_match(cpath, target):
                found[cpath] = ("template", rel)
        for cpath, rel in self.source.files.items():
            if cpath not in found and _glob_match(cpath, target):
                found[cpath] = ("file", rel)
        for cpath in self.source.inline:
            if _glob_match(cpath, target):
                found[cpath] = ("inline", cpath)  # a config mounted over a file wins
        for cdir, rdir in self.source.dirs.items():
            cdir = cdir.rstrip("/")
            if not target.startswith(cdir + "/"):
                continue
            sub = target[len(cdir) + 1 :]
            if any(c in sub for c in "*?["):
                rels = self.root.glob(rdir, sub)
            else:
                try:
                    joined = self.root.join(rdir, sub)
                except OutsideRootError:
                    continue
                rels = [joined] if self.root.exists(joined) else []
            for rel in rels:
                inner = rel[len(rdir.rstrip("/")) + 1 :] if rdir not in ("", ".") else rel
                found.setdefault(f"{cdir}/{inner}", ("file", rel))
        for cpath in self.source.image:
            if cpath not in found and _glob_match(cpath, target):
                found[cpath] = ("image", cpath)
        return [(c, *found[c]) for c in sorted(found)]

    # -- one file ----------------------------------------------------------------------------
    def parse_file(
        self, cpath: str, kind: str, ref: str, stack: tuple[str, ...], ctx: tuple[str, ...]
    ) -> list[Directive]:
        if kind == "image":
            parsed = _image_cache.get(ref)
            if parsed is None:
                parsed = _image_cache[ref] = self._read(image_text(ref), ref)
            file, line = self.source.blame.get(ref, (ref, None))
            return self._convert(parsed, file, stack + (ref,), ctx, image=(ref, line))
        if kind == "inline":
            text, file, first = self.source.inline[ref]
            if ref in stack:
                raise InputError(f"includes itself in a loop ({' -> '.join(stack + (ref,))})", file)
            if file not in self.files:
                self.files.append(file)
            parsed = self._read(text, file)
            _shift(parsed, first - 1)  # its lines are the compose file's
            return self._convert(parsed, file, stack + (ref,), ctx)
        rel = ref
        if rel in stack:
            raise InputError(f"includes itself in a loop ({' -> '.join(stack + (rel,))})", rel)
        if len(stack) > MAX_INCLUDE_DEPTH:
            raise InputError(f"includes nest deeper than {MAX_INCLUDE_DEPTH} files", rel)
        sf = self.root.read(rel)
        self.files.append(rel)
        text = envsubst(sf.text, self.source.env) if kind == "template" else sf.text
        parsed = self._read(self._strip_slash_comments(text, rel), rel)
        return self._convert(parsed, rel, stack + (rel,), ctx)

    @staticmethod
    def _read(text: str, rel: str) -> list[dict]:
        # Read as nginx reads it; context and arguments are checked by Checker, which knows
        # where the file is included.
        return parse_text(text, rel)

    def _strip_slash_comments(self, text: str, rel: str) -> str:
        """`// note` is not nginx syntax (nginx refuses to start: unknown directive "//"), yet
        it is a common slip from other languages. Say so at its line, then read the rest as
        the learner meant it, so the other checks still see the config they wrote."""
        if "//" not in text:
            return text
        lines = text.split("\n")
        for n, line in enumerate(lines):
            m = SLASH_COMMENT.search(line)
            if m and line[: m.start(2)].count('"') % 2 == 0 and line[: m.start(2)].count("'") % 2 == 0:
                self.notes.append(
                    Note(
                        "error",
                        "'//' starts no comment in nginx (use '#'): nginx refuses to start with this line",
                        rel,
                        n + 1,
                    )
                )
                lines[n] = line[: m.start(2)]
        return "\n".join(lines)

    def _convert(
        self,
        stmts: list[dict],
        rel: str,
        stack: tuple[str, ...],
        ctx: tuple[str, ...],
        image: tuple[str, int | None] | None = None,
    ) -> list[Directive]:
        out: list[Directive] = []
        for st in stmts:
            name = st["directive"]
            line = st["line"] if image is None else image[1]
            if name == "#":
                if image is None:
                    self.comments.append((rel, st["line"], st.get("comment", "").strip()))
                continue
            # The image's own files are checked where they are included too: its default.conf
            # holds a `server`, which a main file that includes conf.d outside http cannot take.
            self.check.directive(st, ctx, rel if image is None else image[0], st["line"] if image else line)
            if name == "js_import" and st["args"] and image is None:
                self._js_module(st["args"][-1], rel, line)
            if name == "js_path" and st["args"]:
                self.js_paths.append(_container_path(st["args"][0]))
            if name == "include" and st["args"]:
                out.extend(self._include(st["args"][0], rel, line, stack, ctx, from_image=image is not None))
                continue
            block = None
            if "block" in st:
                block = self._convert(st["block"], rel, stack, enter_block_ctx(st, ctx), image)
            out.append(
                Directive(name, list(st["args"]), rel, line, block, origin=image[0] if image is not None else None)
            )
        return out

    def _js_module(self, path: str, rel: str, line: int | None) -> None:
        """njs compiles the module while nginx reads the config: a file that is not there stops
        nginx. It is looked for under js_path's folders, then nginx's prefix."""
        bases = [*self.js_paths, NGINX_PREFIX] if not path.startswith("/") else [""]
        for base in bases:
            target = posixpath.normpath(posixpath.join(base, path)) if base else path
            if self.lookup(target):
                return
        raise refuse(f'ReferenceError: Cannot load module "{path}" (ENOENT:No such file or directory)', rel, line)

    def _include(
        self,
        arg: str,
        rel: str,
        line: int | None,
        stack: tuple[str, ...],
        ctx: tuple[str, ...],
        from_image: bool = False,
    ) -> list[Directive]:
        target = _container_path(arg)
        matches = [(c, k, r) for c, k, r in self.lookup(target)]
        if not matches and not arg.startswith("/") and not from_image:
            # Not mapped into the image: nginx would look under /etc/nginx; learners often mean
            # "next to this file", so look there too, inside the submission only.
            try:
                base = posixpath.dirname(rel)
                joined = self.root.join(base, arg)
            except OutsideRootError as e:
                raise OutsideRootError(
                    f"include {arg!r} points outside the submission; it is not read", rel, line
                ) from e
            if any(c in joined for c in "*?["):
                found = (
                    self.root.glob(posixpath.dirname(joined), posixpath.basename(joined))
                    if self.root.is_dir(posixpath.dirname(joined) or ".")
                    else []
                )
            elif self.root.exists(joined):
                found = [joined]
            else:
                self.root.resolve(joined)  # refuses a link out of the root
                found = []
            matches = [(f, "file", f) for f in found]
        if not matches:
            if from_image:
                return []  # the image's own includes (mime.types, modules-enabled/*.conf)
            if target in IMAGE_ETC or target.startswith(MOUNTED):
                if target == f"{NGINX_PREFIX}/mime.types":  # the image's file is one `types` block
                    self.check.directive({"directive": "types", "line": line, "args": [], "block": []}, ctx, rel, line)
                self.notes.append(
                    Note("info", f"include {arg} is provided by the nginx image; not followed", rel, line)
                )
                return []
            if any(c in target for c in "*?["):  # nginx's glob may match nothing
                self.notes.append(
                    Note(
                        "info",
                        f"include {arg} matches no file the image has there: nginx goes on without it",
                        rel,
                        line,
                    )
                )
                return []
            if target.startswith(f"{NGINX_PREFIX}/"):
                raise refuse(f'open() "{target}" failed (2: No such file or directory)', rel, line)
            if arg.startswith("/"):
                raise OutsideRootError(f"include {arg!r} points outside the submission; it is not read", rel, line)
            raise refuse(f'open() "{target}" failed (2: No such file or directory)', rel, line)
        out: list[Directive] = []
        for cpath, kind, ref in matches:
            out.extend(self.parse_file(cpath, kind, ref, stack, ctx))
        return out


def parse_nginx(root: SubmissionRoot, source: ConfigSource) -> NginxConfig:
    """Parse the frontend's nginx config as nginx loads it in the image: from
    /etc/nginx/nginx.conf (the submission's, or the image's, which includes conf.d/*.conf inside
    `http`), each file checked in the context it is included in. Raises InputError, at the
    file and line, with nginx's words, for what makes nginx refuse to start."""
    p = _Parser(root, source)
    main = p.lookup(source.main)
    if not main:
        if source.main in source.placed:
            by = source.placed[source.main]
            raise InputError(
                f"{by[2]} starts nginx with {source.main}, which is not in the image: nginx refuses to start",
                by[0],
                by[1],
            )
        raise InputError(f"no {MAIN}: the image's was removed and none is provided")
    cpath, kind, ref = main[0]
    top = p.parse_file(cpath, kind, ref, (), ())
    config = NginxConfig(top, files=p.files, notes=p.notes, comments=p.comments)
    p.check.whole(config)
    return config
