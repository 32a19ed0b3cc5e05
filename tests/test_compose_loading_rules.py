"""Compose's loading rules, each held to `docker compose config` (2.26.1) and to the value it
printed when the rule was written down: the grader's model must agree with Compose on each
project, and Compose must still say what it said (so neither side can drift with the other).

YAML as go-yaml reads it and Compose prints it, the project name, the dependencies Compose
derives, `!reset` in the first file, `extends` from a file with other services, an include's
project_directory, and what Compose refuses after loading, in its words."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from compose_cases import write_files
from test_compose_oracle import REFUSED, compose_version, ours, theirs

pytestmark = pytest.mark.oracle


@pytest.fixture(autouse=True)
def _compose_present() -> None:
    if compose_version() is None:
        pytest.fail("`docker compose` is not installed; it is the reference for the compose model")


def both(folder: Path, files: dict[str, str]) -> object:
    write_files(folder, files)
    home = tempfile.mkdtemp(dir=folder.parent)
    mine, reference = ours(folder), theirs(folder, home)
    assert mine == reference, f"grader: {mine}\ncompose: {reference}"
    return reference


def grader_errors(folder: Path) -> list[str]:
    """The error lines the grader prints for the project (its input errors, in English)."""
    from grader.errors import InputError
    from grader.submission.reader import SubmissionRoot
    from grader.workspace import Workspace, _load_env_files, load_compose_files

    ws = Workspace(root=SubmissionRoot(folder))
    try:
        ws.compose = load_compose_files(ws, None)
        _load_env_files(ws)
    except InputError as e:
        return [e.message]
    return [n.message for n in ws.notes if n.level == "error"]


SCALARS = {  # as written -> as Compose prints the environment value
    "no": "no",
    "yes": "yes",
    "on": "on",
    "off": "off",
    "false": "false",
    "True": "true",
    "1.50": "1.5",
    "0x1F": "31",
    "010": "8",
    "09": "9",
    "0o17": "15",
    "0b101": "5",
    "1_000": "1000",
    "1e6": "1e+06",
    "1.0": "1",
    "100000.0": "100000",
    "1234567.0": "1.234567e+06",
    "1e-7": "1e-07",
    "0.000001": "1e-06",
    "+12": "12",
    "-0": "0",
    ".5": "0.5",
    "1.": "1",
    "-0x1F": "-31",
    "12:30": "12:30",
    "2001-12-14": "2001-12-14 00:00:00 +0000 UTC",
    "123456789012345678901234": "1.2345678901234569e+23",
    "18446744073709551615": "18446744073709551615",
    "_1": "_1",
    '"0x1F"': "0x1F",
    "'no'": "no",
}


def test_scalars_are_typed_as_go_yaml_types_them_and_printed_as_compose_prints_them(tmp_path: Path) -> None:
    lines = "".join(f"      V{i}: {written}\n" for i, written in enumerate(SCALARS))
    ref = both(tmp_path / "p", {"docker-compose.yml": f"services:\n  app:\n    image: x\n    environment:\n{lines}"})
    assert ref["app"]["environment"] == {f"V{i}": shown for i, shown in enumerate(SCALARS.values())}


def test_the_project_name_fills_compose_project_name(tmp_path: Path) -> None:
    compose = "services:\n  app:\n    image: x\n    container_name: ${COMPOSE_PROJECT_NAME}-web\n"
    ref = both(tmp_path / "My_Shop.v2", {"docker-compose.yml": compose})
    assert ref["app"]["container_name"] == "my_shopv2-web"  # the folder's name, normalised
    ref = both(tmp_path / "named", {"docker-compose.yml": "name: ${N:-Social.App}\n" + compose})
    assert ref["app"]["container_name"] == "socialapp-web"  # `name:`, interpolated and normalised
    ref = both(
        tmp_path / "dotenv",
        {"docker-compose.yml": "name: ignored\n" + compose, ".env": "COMPOSE_PROJECT_NAME=from-env\n"},
    )
    assert ref["app"]["container_name"] == "from-env-web"  # .env's variable wins over `name:`
    assert both(tmp_path / "bad", {"docker-compose.yml": compose, ".env": "COMPOSE_PROJECT_NAME=Bad\n"}) == REFUSED
    assert grader_errors(tmp_path / "bad")[0].startswith('invalid project name "Bad": must consist only of lowercase')


def test_links_volumes_from_and_service_namespaces_add_dependencies(tmp_path: Path) -> None:
    ref = both(
        tmp_path / "p",
        {
            "docker-compose.yml": """\
services:
  a:
    image: x
    links: ["b:alias"]
    volumes_from: ["c:ro", "container:elsewhere"]
    uts: service:d
    depends_on:
      b:
        condition: service_healthy
  e:
    image: x
    network_mode: service:d
  b: {image: y}
  c: {image: y}
  d: {image: y}
"""
        },
    )
    # depends_on as written wins over the derived one; the others are service_started
    assert ref["a"]["depends_on"] == {"b": "service_healthy", "c": "service_started", "d": "service_started"}
    assert ref["e"]["depends_on"] == {"d": "service_started"}
    assert (
        both(tmp_path / "missing", {"docker-compose.yml": "services:\n  a:\n    image: x\n    links: [c]\n"}) == REFUSED
    )
    assert grader_errors(tmp_path / "missing") == [
        'service "a" depends on undefined service "c" (Compose adds the dependency for links)'
    ]


def test_c107_says_that_links_make_the_frontend_depend_on_the_backend(tmp_path: Path) -> None:
    import json
    import shutil

    from conftest import WORKSHOP, run

    sub = tmp_path / "links"
    shutil.copytree(WORKSHOP, sub)
    compose = (sub / "docker-compose.yml").read_text()
    assert "    depends_on:\n      - backend\n" in compose
    (sub / "docker-compose.yml").write_text(
        compose.replace("    depends_on:\n      - backend\n", "    links:\n      - backend\n")
    )
    assert ours(sub) == theirs(sub, tempfile.mkdtemp(dir=tmp_path))
    report = json.loads(run("check", str(sub), "--format", "json", "--lang", "en").stdout)
    c107 = next(r for r in report["results"] if r["code"] == "C107")
    assert c107["status"] == "pass"
    assert c107["message"].startswith("Service frontend depends on backend through `links`: Compose adds")


def test_reset_in_the_first_file_removes_the_key(tmp_path: Path) -> None:
    ref = both(
        tmp_path / "p",
        {
            "docker-compose.yml": """\
services:
  app:
    image: x
    build: !reset
    ports: !reset ["80:80"]
    environment:
      A: !reset x
      B: y
"""
        },
    )
    assert ref["app"]["build"] is None and ref["app"]["ports"] == [] and ref["app"]["environment"] == {"B": "y"}


def test_extends_from_a_file_parses_its_other_services_but_does_not_schema_check_them(tmp_path: Path) -> None:
    main = "services:\n  app:\n    extends:\n      file: other.yml\n      service: base\n"
    other = "services:\n  base:\n    image: x\n  unused:\n    %s\n"
    # an unknown key or a wrong type in a service nobody extends: Compose does not check it
    for n, unused in enumerate(("imagee: y", "image: [1]", "environment: 5")):
        ref = both(tmp_path / f"ok{n}", {"docker-compose.yml": main, "other.yml": other % unused})
        assert list(ref) == ["app"]
    # what Compose parses there refuses the project all the same
    for n, unused in enumerate(('ports: ["abc"]', "depends_on: 5", "volumes: [{type: bind, target: /x}]")):
        assert both(tmp_path / f"bad{n}", {"docker-compose.yml": main, "other.yml": other % unused}) == REFUSED
    # and the extended service is checked in the project that extends it
    assert (
        both(
            tmp_path / "own",
            {"docker-compose.yml": main, "other.yml": "services:\n  base:\n    image: x\n    foo: bar\n"},
        )
        == REFUSED
    )


def test_an_include_with_project_directory_resolves_from_there(tmp_path: Path) -> None:
    ref = both(
        tmp_path / "p",
        {
            "docker-compose.yml": "include:\n  - path: sub/inc.yml\n    project_directory: pd\n"
            "services:\n  a:\n    image: x\n",
            "sub/inc.yml": "services:\n  b:\n    image: y\n    build: ./ctx\n    env_file: b.env\n"
            '    volumes: ["./data:/d"]\n    environment:\n      V: ${V:-unset}\n',
            "pd/b.env": "X=1\n",
            "pd/.env": "V=from-pd\n",
            "sub/.env": "V=from-sub\n",
            "sub/b.env": "Y=1\n",
        },
    )
    assert ref["b"]["environment"] == {"V": "from-pd", "X": "1"}
    assert ref["b"]["volumes"] == [("bind", "<folder>/pd/data", "/d")]
    assert ref["b"]["build"] == ["<folder>/pd/ctx", "Dockerfile"]


REFUSALS = {  # a service's lines -> the grader's message, Compose's words first
    "scale: ${UNSET}": "error while interpolating services.app.scale: failed to cast to expected type: "
    'strconv.Atoi: parsing "": invalid syntax; services.app.scale takes a whole number',
    "privileged: maybe": "error while interpolating services.app.privileged: failed to cast to expected type: "
    "invalid boolean: maybe; services.app.privileged takes true or false",
    "environment:\n      1: x": "Non-string key in services.app.environment: 1; Compose reads only string keys: "
    'write it in quotes ("1")',
    "network_mode: host\n    networks: [default]": "service app declares mutually exclusive `network_mode` and "
    "`networks`: invalid compose project",
    "volumes:\n      - type: bind\n        target: /x": 'invalid mount config for type "bind": field Source must '
    "not be empty",
    'ports: ["80:abc"]': "Invalid containerPort: abc",
    'volumes: ["${EMPTY}:/data"]': "invalid spec: :/data: empty section between colons",
    'volumes: ["./a:/b:ro:x"]': "invalid spec: ./a:/b:ro:x: too many colons",
    "container_name: web\n    deploy:\n      replicas: 3": "services.deploy.replicas: can't set container_name and app "
    "as container name must be unique: invalid compose project",
    "stop_grace_period: 10 s": "error decoding 'services[app].stop_grace_period': time: unknown unit \" s\" in "
    'duration "10 s"',
    "mem_limit: lots": "error decoding 'services[app].mem_limit': invalid size: 'lots'",
    "secrets: [token]": 'service "app" refers to undefined secret token: invalid compose project',
    'ports: ["a:80"]': "Invalid hostPort: a",
    'ports: ["80/xyz"]': "Invalid proto: xyz",
    "deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [gpu]\n"
    "              count: many": "error decoding 'services[app].deploy.resources.reservations.devices[0].count': "
    "invalid value \"many\", the only value allowed is 'all' or a number",
    "deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [gpu]\n"
    "              count: 1\n              device_ids: ['0']": "services.app.deploy.resources.reservations.devices.[]: "
    '"count" and "device_ids" attributes are exclusive',
}


@pytest.mark.parametrize("lines", list(REFUSALS), ids=[k.split(":")[0] + str(i) for i, k in enumerate(REFUSALS)])
def test_what_compose_refuses_after_loading_is_refused_in_its_words(tmp_path: Path, lines: str) -> None:
    folder = tmp_path / "p"
    assert both(folder, {"docker-compose.yml": f"services:\n  app:\n    image: x\n    {lines}\n"}) == REFUSED
    assert grader_errors(folder) == [REFUSALS[lines]]


def test_an_image_that_interpolates_to_nothing_is_no_image(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert both(folder, {"docker-compose.yml": "services:\n  app:\n    image: ${EMPTY}\n"}) == REFUSED
    assert grader_errors(folder) == ['service "app" has neither an image nor a build context specified']


def test_a_non_string_service_name_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert both(folder, {"docker-compose.yml": "services:\n  123:\n    image: x\n"}) == REFUSED
    assert grader_errors(folder) == [
        'Non-string key in services: 123; Compose reads only string keys: write it in quotes ("123")'
    ]


def test_a_bare_name_takes_its_value_from_the_env_file_and_home_is_the_home_folder(tmp_path: Path) -> None:
    ref = both(
        tmp_path / "p",
        {
            "docker-compose.yml": "services:\n  app:\n    image: x\n    environment:\n      - FROM_DOTENV\n"
            "      - NOWHERE\n      - SPACED = 1\n    volumes:\n      - $HOME/.aws:/root/.aws\n"
            "      - ~/cache:/cache\n      - /:/rootfs:ro\n",
            ".env": "FROM_DOTENV=dotenv\n",
        },
    )
    assert ref["app"]["environment"] == {"FROM_DOTENV": "dotenv", "NOWHERE": None, "SPACED ": " 1"}
    assert sorted(ref["app"]["volumes"]) == [
        ("bind", "/", "/rootfs"),
        ("bind", "~/.aws", "/root/.aws"),
        ("bind", "~/cache", "/cache"),
    ]
