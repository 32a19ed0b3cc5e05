"""Where the submissions are: a folder with one subfolder per learner, or a CSV roster
`student,repo[,ref]` whose repo is a local folder, a local repository, or a git URL. Repositories
are cloned shallowly, with a time limit and no prompts, into the batch's work folder."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InputError

SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Submission:
    id: str
    source: str  # a folder, or a repository path or URL to clone
    ref: str | None = None
    path: Path | None = None  # where it is graded, once fetched
    commit: str | None = None
    error: str | None = None


def safe_id(text: str) -> str:
    """A learner id usable as a file name (feedback/<id>.md), never a path."""
    cleaned = SAFE_ID.sub("_", text.strip()).strip("._") or "learner"
    return cleaned[:80]


def read_roster(target: Path) -> list[Submission]:
    if target.is_dir():
        subs = [
            Submission(safe_id(p.name), str(p))
            for p in sorted(target.iterdir())
            if p.is_dir() and not p.name.startswith(".")
        ]
        if not subs:
            raise InputError("no submission folders in it", str(target))
        return subs
    if not target.is_file():
        raise InputError("roster not found (give a folder of submissions or a CSV file)", str(target))
    try:
        text = target.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"roster cannot be read: {e}", str(target)) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise InputError("roster is empty", str(target))
    header = [h.strip().lower() for h in rows[0]]
    if header[:2] != ["student", "repo"]:
        raise InputError("roster must start with the header `student,repo[,ref]`", str(target), 1)
    subs, seen = [], set()
    for n, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise InputError("a row needs a student and a repo", str(target), n)
        sid = safe_id(row[0])
        if sid in seen:
            raise InputError(f"student {row[0]!r} is listed twice", str(target), n)
        seen.add(sid)
        repo = row[1].strip()
        if not _is_url(repo) and not os.path.isabs(repo):
            repo = str((target.parent / repo).resolve())
        subs.append(Submission(sid, repo, (row[2].strip() or None) if len(row) > 2 else None))
    return subs


def _is_url(text: str) -> bool:
    return "://" in text or text.startswith("git@")


def _git(*args: str, cwd: Path | None = None, timeout: float = 60) -> str:
    """git with no prompts, in its own process group: on a timeout the whole group (git and its
    remote helpers) is killed, so nothing keeps the pipes open."""
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",
        "GCM_INTERACTIVE": "never",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=20",
    }
    proc = subprocess.Popen(
        ["git", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    if proc.returncode != 0:
        text = (err or out).strip()
        raise RuntimeError(text.splitlines()[-1] if text else f"git {args[0]} failed")
    return out.strip()


def content_hash(folder: Path) -> str:
    """A stand-in for a commit for plain folders: what --resume compares."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink() and ".git" not in p.parts:
            h.update(p.relative_to(folder).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return "sha256:" + h.hexdigest()[:16]


def fetch(sub: Submission, work: Path, clone_timeout: float) -> None:
    """Make the submission available to grade: a working folder as it is, a repository cloned.
    Sets path and commit, or error."""
    src = Path(sub.source)
    if not _is_url(sub.source) and src.is_dir() and not (src / "HEAD").is_file():
        sub.path = src
        try:
            sub.commit = (
                _git("rev-parse", "HEAD", cwd=src, timeout=20) if (src / ".git").exists() else content_hash(src)
            )
        except (RuntimeError, subprocess.TimeoutExpired):
            sub.commit = content_hash(src)
        return
    url = sub.source if _is_url(sub.source) else Path(sub.source).resolve().as_uri()  # file:// clones shallowly
    dest = work / "clones" / sub.id
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    args = ["clone", "--quiet", "--depth", "1", "--no-tags", "-c", "core.symlinks=false"]
    if sub.ref:
        args += ["--branch", sub.ref]
    try:
        _git(*args, "--", url, str(dest), timeout=clone_timeout)
        sub.commit = _git("rev-parse", "HEAD", cwd=dest, timeout=20)
        sub.path = dest
    except subprocess.TimeoutExpired:
        sub.error = f"clone of {sub.source} did not finish within {clone_timeout:g} s"
    except RuntimeError as e:
        sub.error = f"clone of {sub.source} failed: {e}"
