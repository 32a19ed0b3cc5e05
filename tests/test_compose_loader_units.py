"""The pieces of the Compose loader one by one: interpolation, dotenv files, merging, YAML 1.2
typing for the schema, and the file every line belongs to. tests/test_compose_oracle.py holds
the whole against `docker compose config`."""

from __future__ import annotations

import pickle

import pytest

from grader.compose.loader import Env, EnvValue, interpolate_text, merge_maps, parse_dotenv
from grader.compose.schema import validate, yaml12
from grader.errors import InputError
from grader.submission.yamlfile import Line, load_yaml, load_yaml_documents


def env(**values: str) -> Env:
    return Env({k: EnvValue(k, v, ".env", 1) for k, v in values.items()})


@pytest.mark.parametrize(
    "text,expected",
    [
        ("${A}", "a"),
        ("$A-x", "a-x"),
        ("${UNSET}", ""),
        ("$UNSET", ""),
        ("${UNSET:-d}", "d"),
        ("${EMPTY:-d}", "d"),
        ("${UNSET-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${A:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET+alt}", ""),
        ("${UNSET:-${A}}", "a"),
        ("${UNSET:-${ALSO:-deep}}", "deep"),
        ("$$A", "$A"),
        ("a$", "a$"),
        ("$1", "$1"),
        ("${FRONTEND_PORT:-80}:${NGINX_PORT:-80}", "80:80"),
        ("${NAME:-}", ""),
        ("${BACKEND_PORT:-}:8080", ":8080"),
    ],
)
def test_interpolation_forms(text: str, expected: str) -> None:
    assert interpolate_text(text, env(A="a", EMPTY=""), "c.yml", 3, "x") == expected


@pytest.mark.parametrize("text", ["${UNSET:?set it}", "${EMPTY:?set it}", "${UNSET?set it}"])
def test_a_required_variable_is_an_error_with_the_line(text: str) -> None:
    with pytest.raises(InputError) as e:
        interpolate_text(text, env(EMPTY=""), "c.yml", 7, "services.a.image")
    assert e.value.line == 7 and "set it" in e.value.message


@pytest.mark.parametrize("text", ["${}", "${1X}", "${A", "${A!b}"])
def test_a_bad_reference_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="invalid interpolation format"):
        interpolate_text(text, env(A="a"), "c.yml", 1, "x")


def test_interpolation_never_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FROM_SHELL", "leaked")
    assert interpolate_text("${FROM_SHELL:-kept}", Env(), "c.yml", 1, "x") == "kept"


def test_dotenv_as_compose_reads_it() -> None:
    # The same file is an env_file case of tests/compose_cases.py, held to Compose by the oracle.
    text = (
        "# comment\nexport A=1\nB = two words # note\nC='$A literal'\nD=\"x $A\\ny\"\nE\nF=\nG=${A}${MISSING:-m}\n"
        'H="multi\nline"\n'
    )
    values = {v.name: (v.value, v.line) for v in parse_dotenv(text, ".env")}
    assert values == {
        "A": ("1", 2),
        "B": ("two words", 3),
        "C": ("$A literal", 4),
        "D": ("x 1\ny", 5),
        "F": ("", 7),
        "G": ("1m", 8),
        "H": ("multi\nline", 9),
    }
    assert "E" not in values  # a bare name sets nothing: it would come from the shell


def test_dotenv_refuses_an_unclosed_quote() -> None:
    with pytest.raises(InputError, match="never closed"):
        parse_dotenv("A='open\n", ".env")


def _root(text: str, rel: str):
    return load_yaml(text, rel).root


def test_merge_rules_and_the_file_of_each_line() -> None:
    base = _root(
        "services:\n  b:\n    image: x\n    container_name: c\n    ports: ['80:80']\n"
        "    environment: [A=1, B=2]\n    command: [a, b]\n",
        "base.yml",
    )
    over = _root(
        "services:\n  b:\n    image: null\n    container_name: !reset null\n    ports: ['81:81']\n"
        "    environment: {B: '3', C: '4'}\n    command: [c]\n",
        "over.yml",
    )
    b = merge_maps(base, over).get("services").get("b")
    assert b.get("image").value == "x"  # a null leaves the earlier value
    assert "container_name" not in b.items  # !reset removes it
    assert [p.value for p in b.get("ports").items] == ["80:80", "81:81"]  # lists are appended
    assert {k: v.value for k, v in b.get("environment").items.items()} == {"A": "1", "B": "3", "C": "4"}
    assert [c.value for c in b.get("command").items] == ["c"]  # command is replaced
    assert b.get("ports").items[1].line.file == "over.yml" and b.get("ports").items[0].line.file == "base.yml"


def test_override_tag_replaces_a_list_whole() -> None:
    base = _root("services:\n  b:\n    ports: ['80:80']\n", "a.yml")
    over = _root("services:\n  b:\n    ports: !override ['81:81']\n", "b.yml")
    ports = merge_maps(base, over).get("services").get("b").get("ports")
    assert [p.value for p in ports.items] == ["81:81"] and ports.tag is None


def test_several_documents_are_read_and_load_yaml_still_refuses_them() -> None:
    docs = load_yaml_documents("a: 1\n---\nb: 2\n", "c.yml")
    assert [d.root.plain() for d in docs] == [{"a": 1}, {"b": 2}]
    with pytest.raises(InputError, match="several YAML documents"):
        load_yaml("a: 1\n---\nb: 2\n", "c.yml")


def test_a_line_knows_its_file_and_survives_pickling() -> None:
    line = Line(12, "docker-compose.override.yml")
    copy = pickle.loads(pickle.dumps(line))
    assert copy == 12 and copy.file == "docker-compose.override.yml" and int(copy) + 1 == 13


@pytest.mark.parametrize(
    "raw,value",
    [
        ("yes", "yes"),
        ("on", "on"),
        ("no", "no"),
        ("true", True),
        ("~", None),
        ("0x10", 16),
        ("1.5", 1.5),
        ("12:30", "12:30"),
    ],
)
def test_scalars_are_typed_as_yaml_1_2(raw: str, value: object) -> None:
    node = load_yaml(f"k: {raw}\n", "c.yml").root.get("k")
    assert yaml12(node) == value


def test_the_schema_accepts_what_compose_accepts_and_names_the_line_of_a_fault() -> None:
    validate(
        _root(
            "services:\n  b:\n    image: x\n    restart: no\n    ports: ['80:80', 8080]\nx-anything: {a: 1}\n", "c.yml"
        ),
        "c.yml",
    )
    with pytest.raises(InputError) as e:
        validate(_root("services:\n  b:\n    image: x\n    healthcheck:\n      tests: [x]\n", "c.yml"), "c.yml")
    assert e.value.line == 5 and "tests" in e.value.message
    with pytest.raises(InputError) as e:
        validate(_root("services:\n  b:\n    image: x\n    ports: {a: 1}\n", "c.yml"), "c.yml")
    assert e.value.line == 4 and "ports" in e.value.message


# -- hostile input: every file the loader reads ends in a model or an InputError ---------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(
    max_examples=int(__import__("os").environ.get("GRADER_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
PIECES = st.sampled_from(
    [
        "$",
        "$$",
        "${",
        "}",
        "${A",
        ":-",
        "-",
        ":?",
        "?",
        ":+",
        "+",
        "A",
        "B",
        "=",
        "'",
        '"',
        "\\",
        "\n",
        "#",
        " ",
        "export ",
        "${A:-${B",
        "\x00",
        "é",
    ]
)


@FUZZ
@given(text=st.lists(PIECES | st.text(max_size=5), max_size=30).map("".join))
def test_interpolation_and_dotenv_never_crash(text: str) -> None:
    for call in (lambda: interpolate_text(text, env(A="a", B=""), "c.yml", 1, "x"), lambda: parse_dotenv(text, ".env")):
        try:
            call()
        except InputError as e:
            assert e.message.strip()


@FUZZ
@given(
    override=st.sampled_from(
        [
            "",
            "services: {}\n",
            "services:\n  backend: !reset\n",
            "services: !reset []\n",
            "services:\n  backend:\n    ports: !override\n",
            "---\n---\n",
            "include: [x.yml]\n",
            "services:\n  backend:\n    extends: backend\n",
            "services:\n  backend:\n    extends:\n      file: docker-compose.yml\n      service: frontend\n",
            "x: ${A:?}\n",
        ]
    )
    | st.text(max_size=80),
    dotenv=st.text(max_size=60),
)
def test_any_override_and_dotenv_end_in_a_model_or_an_input_error(tmp_path_factory, override: str, dotenv: str) -> None:
    import shutil

    from conftest import WORKSHOP

    from grader.submission.reader import SubmissionRoot
    from grader.workspace import Workspace, load_compose_files

    ws_dir = tmp_path_factory.mktemp("o")
    shutil.copy(WORKSHOP / "docker-compose.yml", ws_dir / "docker-compose.yml")
    (ws_dir / "docker-compose.override.yml").write_text(override, encoding="utf-8")
    (ws_dir / ".env").write_text(dotenv, encoding="utf-8")
    ws = Workspace(root=SubmissionRoot(ws_dir))
    try:
        load_compose_files(ws, None)
    except InputError as e:
        assert e.message.strip()
