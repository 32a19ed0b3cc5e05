"""What is left of the nginx image's own files: a Dockerfile's `RUN rm` takes them out, and a
config whose way into the image is not known is placed where nginx would read it."""

from __future__ import annotations

import fnmatch
import posixpath
import re

from grader.errors import InputError
from grader.nginx.parse import MAIN, NGINX_PREFIX, ConfigSource
from grader.submission.reader import SubmissionRoot


def placed_alone(root: SubmissionRoot, rel: str) -> ConfigSource:
    """A config whose way into the image is not known: a main file (one with `http` or `events`
    at its top) is /etc/nginx/nginx.conf, anything else a conf.d file inside the image's `http`."""
    try:
        main = bool(MAIN_FILE_RE.search(root.read(rel).text))
    except InputError:
        main = False  # parse_nginx reports the file itself
    cpath = MAIN if main else f"{NGINX_PREFIX}/conf.d/{posixpath.basename(rel)}"
    return ConfigSource(files={cpath: rel}, entry=[MAIN])


MAIN_FILE_RE = re.compile(r"(?m)^\s*(?:http|events)\s*\{")
RUN_SPLIT = re.compile(r"&&|\|\||[;|\n]")


def run_removes(src: ConfigSource, raw: str) -> None:
    """`RUN rm [-f] /etc/nginx/conf.d/default.conf` (or a glob, or `rm -r` of the folder), `mv` of
    a file away and `> file` take the image's files out of the model."""
    for command in RUN_SPLIT.split(raw):
        words = [w.strip("'\"") for w in command.split()]
        if words and words[0].upper() == "RUN":
            words = words[1:]
        paths: list[str] = []
        if words and words[0] in ("rm", "mv"):
            paths = [w for w in words[1:] if not w.startswith("-")]
            if words[0] == "mv":
                paths = paths[:-1]
        paths += [w.lstrip(">") for i, w in enumerate(words) if w.startswith(">") and w.lstrip(">")] + [
            words[i + 1] for i, w in enumerate(words[:-1]) if w in (">", ">>")
        ]
        for p in paths:
            if not p.startswith(NGINX_PREFIX):
                continue
            p = posixpath.normpath(p)
            gone = {
                c for c in src.image | set(src.files) if fnmatch.fnmatchcase(c, p) or c.startswith(p.rstrip("/") + "/")
            }
            src.image -= gone
            for c in gone:
                src.files.pop(c, None)
