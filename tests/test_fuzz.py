"""Fuzzed and generated bad input for the readers, every check, the safety gate and every
output format: each input ends in a report or an input error (exit 2) within a time bound;
never an unexpected exception. The budget is fixed (GRADER_FUZZ_EXAMPLES, default 150 per
test); the seed is printed on failure (see conftest). Inputs that once crashed the grader
are kept in tests/fuzz_crashers/ and graded on every run."""

from __future__ import annotations

import copy
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import REPO, WORKSHOP
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("GRADER_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
CRASHERS = REPO / "tests" / "fuzz_crashers"
TIME_BOUND = 5.0  # seconds for one submission, statically

SERVICE_KEYS = [
    "image",
    "build",
    "container_name",
    "ports",
    "expose",
    "networks",
    "environment",
    "env_file",
    "depends_on",
    "deploy",
    "scale",
    "volumes",
    "healthcheck",
    "command",
    "entrypoint",
    "privileged",
    "cap_add",
    "security_opt",
    "devices",
    "network_mode",
    "pid",
    "extends",
    "labels",
    "restart",
]
TOP_KEYS = ["services", "networks", "volumes", "version", "include", "configs", "secrets", "name"]
NGINX_DIRECTIVES = [
    "server",
    "location",
    "upstream",
    "listen",
    "server_name",
    "proxy_pass",
    "resolver",
    "set",
    "map",
    "include",
    "proxy_set_header",
    "proxy_next_upstream",
    "proxy_connect_timeout",
    "proxy_http_version",
    "root",
    "try_files",
    "if",
    "return",
    "rewrite",
    "http",
    "events",
    "zone",
]

_RUBRIC = None


def rubric():
    global _RUBRIC
    if _RUBRIC is None:
        from grader.registry import known_checks
        from grader.rubric import load_rubric

        _RUBRIC = load_rubric(None, known_checks())
    return _RUBRIC


# what Classroom 50's runner sets, for the classroom50 format
CLASSROOM50_ENV = {
    "CLASSROOM": "c",
    "ASSIGNMENT": "a",
    "OWNER": "o",
    "SUBMISSION_TAG": "submit/1",
    "COMMIT_URL": "u",
    "RELEASE_URL": "u",
    "REVIEW_URL": "u",
}


def grade_folder(path: Path) -> str:
    """'report' or 'input-error'; anything else raises, which is the bug the fuzzing looks for.
    The report is also rendered in every format and the compose file put through the gate."""
    from grader.errors import InputError
    from grader.grade import grade
    from grader.report import FORMATS, FormatContext, render
    from grader.runtime.safety import Gate

    start = time.monotonic()
    try:
        report, ws = grade(path, rubric())
    except InputError:
        return "input-error"
    ctx = FormatContext.for_submission(rubric(), "en", str(path), env=CLASSROOM50_ENV)
    for fmt in FORMATS:
        render(fmt, report.to_dict(), ctx)
    for note in report.notes:  # an input error always says what is wrong, not just where
        text = note.message.strip()
        assert text and not text.endswith(":"), f"empty error message: {note}"
    if ws.compose is not None:
        Gate(ws.root, ws.compose_rel or "", ws.compose.root).check()
    # a report, not only no exception: every static check of the rubric once, a score within its maximum
    static = [spec.slug for spec in rubric().checks if spec.enabled and not spec.slug.startswith("runtime.")]
    assert sorted(r.check for r in report.results) == sorted(static), [r.check for r in report.results]
    assert 0 <= report.score <= report.max_score and report.exit_code in (0, 1, 2)
    assert time.monotonic() - start < TIME_BOUND, f"grading took {time.monotonic() - start:.1f} s"
    return "input-error" if report.exit_code == 2 else "report"


def submission(tmp: Path, compose: bytes | None = None, nginx: bytes | None = None) -> Path:
    dest = tmp / f"sub{time.monotonic_ns()}"
    shutil.copytree(WORKSHOP, dest, ignore=shutil.ignore_patterns("__pycache__"))
    if compose is not None:
        (dest / "docker-compose.yml").write_bytes(compose)
    if nginx is not None:
        (dest / "frontend" / "nginx.conf").write_bytes(nginx)
    return dest


# -- strategies -------------------------------------------------------------------------------
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(
        ["80:80", "8080", "backend", "/data", "../..", "${X}", "/var/run/docker.sock:/s", "127.0.0.1::80", "host"]
    ),
)
values = st.recursive(
    scalars,
    lambda ch: (
        st.lists(ch, max_size=4)
        | st.dictionaries(
            st.one_of(
                st.sampled_from(SERVICE_KEYS + ["target", "published", "context", "condition", "path", "source"]),
                st.text(max_size=8),
            ),
            ch,
            max_size=4,
        )
    ),
    max_leaves=25,
)
service = st.dictionaries(st.sampled_from(SERVICE_KEYS), values, max_size=8) | values
compose_docs = st.fixed_dictionaries(
    {
        "services": st.dictionaries(
            st.sampled_from(["backend", "frontend", "db", "x"]) | st.text(max_size=6), service, max_size=4
        )
        | values
    },
    optional={k: values for k in TOP_KEYS if k != "services"},
)


@st.composite
def nginx_text(draw) -> str:
    def block(depth: int) -> list[str]:
        out = []
        for _ in range(draw(st.integers(0, 5))):
            name = draw(st.sampled_from(NGINX_DIRECTIVES) | st.text(min_size=1, max_size=8))
            args = draw(
                st.lists(
                    st.sampled_from(
                        [
                            "80",
                            "/api/",
                            "http://backend:8080",
                            "$backend",
                            "127.0.0.11",
                            "valid=10s",
                            "~",
                            "^~",
                            "=",
                            "/etc/passwd",
                            "../x",
                            "*.conf",
                            "'q u'",
                            '"x;"',
                            "$host",
                        ]
                    )
                    | st.text(max_size=10),
                    max_size=3,
                )
            )
            if depth < 4 and draw(st.booleans()):
                out.append(f"{name} {' '.join(args)} {{")
                out += block(depth + 1)
                out.append("}")
            else:
                out.append(f"{name} {' '.join(args)};")
        return out

    lines = block(0)
    if draw(st.booleans()):  # unbalanced braces, stray characters
        pos = draw(st.integers(0, len(lines)))
        lines.insert(pos, draw(st.sampled_from(["{", "}", ";", "#", "//", '"', "\\", "\x00"])))
    return "\n".join(lines)


# -- tests ------------------------------------------------------------------------------------
@FUZZ
@given(doc=compose_docs)
def test_random_compose_structures(tmp_path_factory, doc) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    assert grade_folder(submission(tmp_path_factory.mktemp("c"), compose=text.encode())) in ("report", "input-error")


@FUZZ
@given(config=nginx_text())
def test_random_nginx_configs(tmp_path_factory, config) -> None:
    assert grade_folder(submission(tmp_path_factory.mktemp("n"), nginx=config.encode())) in ("report", "input-error")


@FUZZ
@given(
    data=st.binary(max_size=3000),
    where=st.sampled_from(["compose", "nginx"]),
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00"]),
)
def test_random_bytes_and_encodings(tmp_path_factory, data, where, prefix) -> None:
    body = prefix + data
    sub = submission(tmp_path_factory.mktemp("b"), **{where: body})
    assert grade_folder(sub) in ("report", "input-error")


@FUZZ
@given(
    ops=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 6), st.binary(max_size=6)), min_size=1, max_size=6),
    where=st.sampled_from(["compose", "nginx"]),
)
def test_small_edits_of_the_workshop_files(tmp_path_factory, ops, where) -> None:
    """Byte-level cuts and insertions in real files: near-valid input is where parsers break."""
    src = (WORKSHOP / ("docker-compose.yml" if where == "compose" else "frontend/nginx.conf")).read_bytes()
    for pos, cut, insert in ops:
        pos %= len(src) + 1
        src = src[:pos] + insert + src[pos + cut :]
    assert grade_folder(submission(tmp_path_factory.mktemp("e"), **{where: src})) in ("report", "input-error")


DOCKERFILE_WORDS = [
    "FROM",
    "COPY",
    "ADD",
    "EXPOSE",
    "RUN",
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "ARG",
    "WORKDIR",
    "AS",
    "--from=0",
    "--chown=1:1",
    "nginx.conf",
    "/etc/nginx/conf.d/",
    "../x",
    "/etc/passwd",
    "*",
    "\\",
    "[",
    "]",
    '"',
    "8080/tcp",
    "$PORT",
    "${X:-1}",
    "\n",
    " ",
    "\t",
    "#",
]


@FUZZ
@given(
    words=st.lists(st.sampled_from(DOCKERFILE_WORDS) | st.text(max_size=6), max_size=40),
    env=st.lists(
        st.sampled_from(["A=1", "export B=2", "C", "=", "D='x", 'E="y', "#c", "F=${G}", "\x00", " "])
        | st.text(max_size=10),
        max_size=10,
    ),
)
def test_random_dockerfiles_and_env_files(tmp_path_factory, words, env) -> None:
    sub = submission(tmp_path_factory.mktemp("d"))
    (sub / "frontend" / "Dockerfile").write_text(" ".join(words))
    (sub / ".env").write_text("\n".join(env))
    compose = sub / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("    environment:\n", "    env_file: .env\n    environment:\n", 1))
    assert grade_folder(sub) in ("report", "input-error")


def _paths(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield path + (k,)
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield path + (i,)
            yield from _paths(v, path + (i,))


WRONG = [None, 0, -1, 1.5, True, "x", "", [], {}, [None], {"a": [None]}, [[1]], "::", "../../etc/passwd"]


def test_a_wrong_type_at_every_key_of_the_workshop_compose(tmp_path: Path) -> None:
    base = yaml.safe_load((WORKSHOP / "docker-compose.yml").read_text())
    tried = 0
    outcomes = set()
    for path in list(_paths(base)):
        for wrong in WRONG:
            doc = copy.deepcopy(base)
            node = doc
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = wrong
            sub = submission(tmp_path, compose=yaml.safe_dump(doc).encode())
            outcomes.add(grade_folder(sub))
            shutil.rmtree(sub)
            tried += 1
    print(f"wrong-type inputs graded: {tried}")
    assert tried > 300 and outcomes == {"report", "input-error"}


@pytest.mark.parametrize("case", sorted(p.name for p in CRASHERS.iterdir() if p.is_dir()) if CRASHERS.is_dir() else [])
def test_kept_crashers_are_graded(case: str) -> None:
    assert grade_folder(CRASHERS / case) in ("report", "input-error")


NASTY = {
    "long-line": lambda: b"services:\n  backend:\n    image: " + b"a" * 900_000 + b"\n",
    "deep-nesting": lambda: b"services: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "alias-bomb": lambda: (
        b"a: &a [x,x,x,x,x,x,x,x,x]\n"
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode()
            for i in range(9)
        )
    ),
    "huge": lambda: b"# " + b"x" * (3 * 1024 * 1024) + b"\n",
    "many-services": lambda: b"services:\n" + b"".join(f"  s{i}: {{image: x}}\n".encode() for i in range(20_000)),
}


@pytest.mark.parametrize("name", sorted(NASTY))
def test_nasty_files_end_within_time_and_memory_bounds(tmp_path: Path, name: str) -> None:
    """The whole CLI in a process limited to 1 GiB of address space and 20 s."""
    sub = submission(tmp_path, compose=NASTY[name]())

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    start = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(sub)],
        capture_output=True,
        text=True,
        timeout=20,
        preexec_fn=limit,
    )
    assert p.returncode in (0, 1, 2), p.stderr
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr
    assert time.monotonic() - start < 20
