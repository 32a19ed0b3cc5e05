"""Running the grader as a learner does: an ordinary user in the `docker` group, as Docker's
install guide sets one up (`groupadd docker`, `usermod -aG docker $USER`), neither root nor
with sudo, and with the grader installed in a virtual environment of its own.

The session fixture `docker_user` (registered for every test module in tests/conftest.py)
makes the system user `grader-learner` and installs the grader for it without the network:
root builds wheels of this checkout and all its dependencies (`pip wheel`, with root's
Python), and the user makes a virtual environment with Debian's /usr/bin/python3 in its home
and installs from those wheels only (`pip install --no-index`). Everything lives in one
temporary folder, /tmp/grader-learner-XXXXXXXX, which goes at the end of the session with the
user, its processes and the `docker` group if the session made it.

    def test_something(docker_user: LearnerUser) -> None:
        ws = docker_user.copy(WORKSHOP)          # the user's own copy
        p = docker_user.run(["grader", "check", str(ws)], cwd=ws)

One user name for the whole machine: one test session at a time uses it (a second session,
or pytest-xdist's workers, would make the user again under the first one)."""

from __future__ import annotations

import contextlib
import dataclasses
import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
USER = "grader-learner"
DOCKER_GROUP = "docker"
SYSTEM_PYTHON = Path("/usr/bin/python3")  # Debian's: the user cannot run root's, under /root
PREFIX = f"{USER}-"  # the session's folder: /tmp/grader-learner-XXXXXXXX
# The checkout's own build output and caches (.gitignore) stay out of the wheel's source: a
# module left in build/lib by an earlier build would otherwise go into the wheel.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", ".cache"
)


class SetUpError(RuntimeError):
    """A command of the set-up (or clean-up) failed: its command line, exit code and output."""


def _run(
    argv: Sequence[str | Path], cwd: Path | None, env: Mapping[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """subprocess.run in a process group of its own: on a timeout or an interrupt (Ctrl-C) the
    whole group is killed, runuser or pip and what they started, before the exception goes on,
    so nothing of it still writes into the session's folder while that is removed."""
    cmd = [str(a) for a in argv]
    with subprocess.Popen(
        cmd,
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as p:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(p)
            try:
                out, err = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:  # a process that left the group holds the pipes open
                out, err = "", ""
            raise subprocess.TimeoutExpired(cmd, timeout, out, err) from None
        except BaseException:
            _kill_group(p)
            raise
    return subprocess.CompletedProcess(cmd, p.returncode, out, err)


def _kill_group(p: subprocess.Popen[str]) -> None:
    """SIGKILL to the group `p` leads, and a wait (up to 5 s) until its members are gone."""
    deadline = time.monotonic() + 5
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        while time.monotonic() < deadline:
            os.killpg(p.pid, 0)  # ProcessLookupError once no member is left
            time.sleep(0.05)


def _root(*cmd: str | Path, env: Mapping[str, str] | None = None, timeout: float = 900) -> str:
    """A command run as root (this process), its stdout; a failure raises SetUpError."""
    p = _run(cmd, None, env, timeout)
    if p.returncode != 0:
        raise SetUpError(f"{' '.join(p.args)} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p.stdout


def _as_user(
    name: str, argv: Sequence[str | Path], cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """`runuser -u name -- argv...`; runuser by its own path, as Popen would look a bare name up
    on the PATH of `env`, the user's."""
    return _run([shutil.which("runuser") or "/usr/sbin/runuser", "-u", name, "--", *argv], cwd, env, timeout)


def _give(path: Path, uid: int, gid: int) -> None:
    """`path` and all under it owned by uid:gid, readable and writable by its owner."""
    for p in [path, *path.rglob("*")]:
        os.chown(p, uid, gid, follow_symlinks=False)
        if p.is_symlink():
            continue
        mode = p.stat().st_mode
        p.chmod(mode | (0o700 if p.is_dir() else 0o600))


@dataclass(frozen=True)
class LearnerUser:
    """The ordinary user `name` (uid, primary gid) in the docker group, its home, its virtual
    environment with the grader, and the wheels that were installed into it."""

    name: str
    uid: int
    gid: int
    home: Path
    venv: Path
    wheels: Path
    setup_seconds: float = 0.0  # how long making the user and installing the grader took

    @property
    def grader(self) -> Path:
        """The user's `grader` command (the venv's)."""
        return self.venv / "bin" / "grader"

    @property
    def tmp(self) -> Path:
        """The user's TMPDIR, in its home: nothing it runs leaves files in /tmp."""
        return self.home / "tmp"

    def environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The clean environment a command of the user gets (runuser adds USER, LOGNAME and
        SHELL): the venv's bin first on PATH, its home, C.UTF-8 and its TMPDIR, then `env`."""
        base = {
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.tmp),
        }
        return {**base, **(env or {})}

    def run(
        self, argv: Sequence[str | Path], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 300.0
    ) -> subprocess.CompletedProcess[str]:
        """`argv` run as the user in `cwd` (`grader` being the venv's), output captured as text.
        Its exit code is returned, not checked; a timeout kills it and raises TimeoutExpired.
        As with subprocess.run, the output is read to its end: a process it leaves running in
        the background must not keep stdout or stderr (redirect them), or run waits for it."""
        return _as_user(self.name, argv, cwd, self.environment(env), timeout)

    def mkdir(self, prefix: str = "work") -> Path:
        """A fresh empty folder the user owns, in its home."""
        parent = self.home / "work"
        parent.mkdir(exist_ok=True)
        os.chown(parent, self.uid, self.gid)
        folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=parent))
        os.chown(folder, self.uid, self.gid)
        return folder

    def own(self, path: Path) -> Path:
        """Hands `path` (made by root in the user's home, e.g. a broken copy of the workshop)
        to the user: owned by it, readable and writable by it. Returns `path`."""
        _give(path, self.uid, self.gid)
        return path

    def copy(self, src: Path) -> Path:
        """A copy of the folder `src` under the same name, in a fresh folder of the user's,
        its files the user's own; symbolic links are copied as links."""
        dest = self.mkdir(src.name) / src.name
        shutil.copytree(src, dest, symlinks=True)
        return self.own(dest)


# -- making and removing the user ----------------------------------------------------------
def _exists(lookup, name: str) -> bool:
    try:
        lookup(name)
    except KeyError:
        return False
    return True


def _running(uid: int) -> list[int]:
    """The processes of `uid` that are not zombies (a zombie is gone but for its parent's wait)."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(ln.split(":", 1) for ln in status.read_text().splitlines() if ":" in ln)
        except OSError:  # ended meanwhile
            continue
        if int(fields["Uid"].split()[1]) == uid and not fields["State"].strip().startswith("Z"):
            pids.append(int(status.parent.name))
    return pids


def _kill_processes(name: str, uid: int) -> None:
    """Every process of user `name` killed (pkill -u), and gone."""
    deadline = time.monotonic() + 30
    while True:
        subprocess.run(["pkill", "-KILL", "-u", name], check=False)
        left = _running(uid)
        if not left:
            return
        if time.monotonic() > deadline:
            raise SetUpError(f"processes of {name} survive SIGKILL: {left}")
        time.sleep(0.1)


def _remove_user(name: str) -> None:
    """User `name` gone with its processes, its own group, and its home if that is in a
    session folder of ours (one left by an earlier session that was killed)."""
    if _exists(pwd.getpwnam, name):
        entry = pwd.getpwnam(name)
        _kill_processes(name, entry.pw_uid)
        p = subprocess.run(["userdel", name], capture_output=True, text=True, check=False)
        if p.returncode == 8:  # "in use": by a zombie its parent has not reaped yet
            _root("userdel", "--force", name)
        elif p.returncode != 0:
            raise SetUpError(f"userdel {name} exited {p.returncode}: {p.stderr}")
        session = Path(entry.pw_dir).parent
        if session.name.startswith(PREFIX) and session.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(session, ignore_errors=True)
    if _exists(grp.getgrnam, name):  # userdel removes the user's own group; one left by hand, too
        _root("groupdel", name)


def _check_tools() -> None:
    tools = ("runuser", "useradd", "userdel", "groupadd", "groupdel", "pkill")
    missing = [t for t in tools if not shutil.which(t)] + [str(SYSTEM_PYTHON)] * (not SYSTEM_PYTHON.exists())
    if missing:
        raise SetUpError(f"missing for the learner user: {', '.join(missing)}")
    system = _root(SYSTEM_PYTHON, "-c", "import sys; print(*sys.version_info[:2])").split()
    if [int(v) for v in system] != list(sys.version_info[:2]):
        raise SetUpError(
            f"the wheels are built with Python {sys.version_info[0]}.{sys.version_info[1]} ({sys.executable}), "
            f"the learner's venv is made with {SYSTEM_PYTHON}, Python {'.'.join(system)}: "
            "run pytest with a Python of the same version"
        )


def _build_wheels(session: Path) -> Path:
    """Wheels of this checkout and all its dependencies, built as root with root's Python
    (pip's cache and index settings), in session/wheels, readable by everyone."""
    wheels, src, tmp = session / "wheels", session / "src", session / "pip-tmp"
    tmp.mkdir()
    shutil.copytree(REPO, src, ignore=NOT_SOURCE, symlinks=True)
    env = {**os.environ, "TMPDIR": str(tmp)}  # pip's build folders stay in the session's folder
    # with the contract extra, as root's grader has it: R111 runs schemathesis, else it is skipped
    _root(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--disable-pip-version-check",
        f"{src}[contract]",
        "-w",
        wheels,
        env=env,
    )
    shutil.rmtree(src)
    shutil.rmtree(tmp)
    wheels.chmod(0o755)
    for w in wheels.iterdir():
        w.chmod(0o644)
    return wheels


def _make_user(session: Path, wheels: Path, started: float) -> LearnerUser:
    """The user, as Docker's install guide has one (its own group, and the docker group
    besides), with the grader installed from `wheels` by the user itself, without the network."""
    home = session / "home"
    _root(
        "useradd",
        "--system",
        "--user-group",
        "--create-home",
        "--home-dir",
        home,
        "--shell",
        "/bin/bash",
        "--comment",
        "workshop-grader test learner",
        "--groups",
        DOCKER_GROUP,
        USER,
    )
    entry = pwd.getpwnam(USER)
    user = LearnerUser(USER, entry.pw_uid, entry.pw_gid, home, home / "venv", wheels)
    user.tmp.mkdir()
    os.chown(user.tmp, user.uid, user.gid)
    for argv in (
        [SYSTEM_PYTHON, "-m", "venv", user.venv],
        [user.venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-cache-dir", "--no-index", "--find-links", wheels, "workshop-grader[contract]"],
    ):  # fmt: skip
        p = user.run(argv, cwd=home, timeout=600)
        if p.returncode != 0:
            raise SetUpError(f"as {USER}: {' '.join(map(str, argv))} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    if not os.access(user.grader, os.X_OK):
        raise SetUpError(f"the install left no {user.grader}")
    return dataclasses.replace(user, setup_seconds=time.monotonic() - started)


@pytest.fixture(scope="session")
def docker_user() -> Iterator[LearnerUser]:
    """The ordinary user `grader-learner` in the docker group, with the grader installed for it
    (see the module's text). Needs root: skipped only in a session that is not root, which can
    make no user; as root it is never skipped, and a set-up that fails is an error. At the end
    of the session, an interrupted one too, its processes are killed and the user, its home (the
    venv and the copies) and the wheels removed, and the docker group if this session made it."""
    if os.geteuid() != 0:
        pytest.skip(
            f"the learner user {USER} is made with useradd and used with runuser, which need root; "
            f"this session runs as uid {os.geteuid()}"
        )
    started = time.monotonic()
    _check_tools()
    session = Path(tempfile.mkdtemp(prefix=PREFIX))
    session.chmod(0o711)  # the user reaches its home and the wheels through it, and lists nothing
    made_group = False
    try:
        if not _exists(grp.getgrnam, DOCKER_GROUP):  # as Docker's packages do
            _root("groupadd", "--system", DOCKER_GROUP)
            made_group = True
        _remove_user(USER)  # one left by an interrupted session: made again
        wheels = _build_wheels(session)
        yield _make_user(session, wheels, started)
    finally:
        try:
            _remove_user(USER)
        finally:
            shutil.rmtree(session, ignore_errors=True)
            if session.exists():  # a file written meanwhile: once more, and say what is in the way
                time.sleep(1)
                shutil.rmtree(session)
            if made_group and _exists(grp.getgrnam, DOCKER_GROUP):
                _root("groupdel", DOCKER_GROUP)


# -- the Action's grade step as the user ------------------------------------------------------
@dataclass(frozen=True)
class StepRun:
    """One run of a step: its exit code, its output, what it wrote to GITHUB_OUTPUT this time
    (name to value) and the step summary as it stands."""

    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def run_grade_step(user: LearnerUser, repo: Path, runner_temp: Path | None = None, **given: str) -> StepRun:
    """The `grade` step of action.yml run as `user` in `repo` (a folder the user owns, e.g.
    user.copy(...)), as tests/test_action.py's run_action runs a step: its script under
    `bash -e -c` with `${{ ... }}` expressions replaced, the step's env, and the GITHUB_* files
    and variables the runner sets, GRADER being the user's venv grader. `given` are the
    Action's inputs (fail_on_error or fail-on-error), the defaults for the rest. `runner_temp`
    is the job's temporary folder (a user's folder, GITHUB_OUTPUT and the summary in it): pass
    the same one for a second use in the same job; by default a fresh one."""
    # here, not at the top: test_action imports conftest
    from test_action import ACTION, action_inputs, expand, runner_env

    step = next(st for st in ACTION["runs"]["steps"] if st.get("id") == "grade")
    inputs = action_inputs(**given)
    steps = {"install": {"grader": str(user.grader)}}
    tmp = runner_temp or user.mkdir("runner-temp")
    output_file, summary = tmp / "github_output", tmp / "step_summary"
    for f in (output_file, summary):
        f.touch()
        os.chown(f, user.uid, user.gid)
    env = runner_env(repo, tmp, output_file, summary)
    env.update({k: expand(str(v), inputs, steps) for k, v in (step.get("env") or {}).items()})
    before = output_file.read_text()
    p = user.run(["bash", "-e", "-c", expand(step["run"], inputs, steps)], cwd=repo, env=env, timeout=900)
    new = output_file.read_text()[len(before) :]
    outputs = dict(ln.split("=", 1) for ln in new.splitlines() if "=" in ln)
    return StepRun(p.returncode, p.stdout, p.stderr, outputs, summary.read_text())
