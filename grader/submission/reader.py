"""The only way the grader reads a learner's file.

Every path is resolved (symlinks included) and must stay inside the submission root; a file
over the size cap is refused before it is read; UTF-8 with or without BOM and UTF-16 with BOM
are accepted; CRLF and CR line ends become LF so line numbers match what editors show.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InputError, OutsideRootError

MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """A file of the submission as read: inside the root, within the size cap, decoded to LF text."""

    rel: str  # path shown to the learner: relative to the root, with '/'
    path: Path  # the resolved path that was read
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def decode(data: bytes, rel: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16"))
        except UnicodeDecodeError as e:
            raise InputError(f"not valid UTF-16 text ({e.reason} at byte {e.start})", rel) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte {e.start}: {e.reason}); save the file as UTF-8", rel, line) from None
    if "\x00" in text:
        raise InputError("contains NUL bytes: this is not a text file", rel)
    return _newlines(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class SubmissionRoot:
    """A folder of untrusted files. Nothing outside it is ever opened."""

    def __init__(self, root: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES):
        self.root = Path(root).resolve()
        self.max_bytes = max_bytes

    def contains(self, path: str | os.PathLike[str]) -> bool:
        real = os.path.realpath(path)
        return real == str(self.root) or real.startswith(str(self.root) + os.sep)

    def rel(self, path: str | os.PathLike[str]) -> str:
        """The learner-facing name of a path (not resolved: a symlink keeps its own name)."""
        p = Path(os.path.abspath(path))
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def join(self, base_rel: str, relpath: str) -> str:
        """Join a path written in a file (relative to base_rel, a folder in the root) and
        refuse it when it climbs out of the root. Returns a root-relative posix path."""
        if posixpath.isabs(relpath) or os.path.isabs(relpath):
            raise OutsideRootError(f"absolute path {relpath!r} points outside the submission; it is not read")
        joined = posixpath.normpath(posixpath.join(base_rel or ".", relpath.replace("\\", "/")))
        if joined == ".." or joined.startswith("../"):
            raise OutsideRootError(f"path {relpath!r} points outside the submission; it is not read")
        return joined

    def resolve(self, rel: str) -> Path:
        """The real path of a root-relative path, refused when a symlink leads out of the root."""
        path = self.root / rel
        real = Path(os.path.realpath(path))
        if not self.contains(real):
            # One message whatever is there: a refusal must not tell a learner whether a path
            # exists on the grading machine, or what it is.
            raise OutsideRootError(f"{rel} is a link to a place outside the submission; it is not read", rel)
        return real

    def exists(self, rel: str) -> bool:
        try:
            return self.resolve(rel).is_file()
        except OutsideRootError:
            return False

    def is_dir(self, rel: str) -> bool:
        try:
            return self.resolve(rel).is_dir()
        except OutsideRootError:
            return False

    def read(self, rel: str) -> SourceFile:
        real = self.resolve(rel)
        if not real.exists():
            raise InputError("file not found", rel)
        if not real.is_file():
            raise InputError("is not a regular file", rel)
        size = real.stat().st_size
        if size > self.max_bytes:
            raise InputError(f"is {size} bytes, over the {self.max_bytes}-byte limit for one file", rel)
        try:
            with open(real, "rb") as f:
                data = f.read(self.max_bytes + 1)
        except OSError as e:
            raise InputError(f"cannot be read: {e.strerror}", rel) from None
        if len(data) > self.max_bytes:  # grew while we looked
            raise InputError(f"is over the {self.max_bytes}-byte limit for one file", rel)
        return SourceFile(rel=rel, path=real, text=decode(data, rel))

    def glob(self, rel_dir: str, pattern: str) -> list[str]:
        """Root-relative files in rel_dir matching a glob pattern, sorted as nginx sorts them;
        entries that resolve outside the root are left out."""
        base = self.resolve(rel_dir) if rel_dir not in ("", ".") else self.root
        out = []
        for p in sorted(base.glob(pattern)):
            rel = self.rel(p)
            if self.contains(p) and p.is_file():
                out.append(rel)
        return out
