"""The grade follows the project Compose loads, not the one file as written: each case here was
graded wrong when the grader read docker-compose.yml alone (a false pass, a false fail or
untrue advice), and each finding points at the file and line the effective value came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_cases import make
from conftest import by_slug, grade_json, run

C101 = "compose.backend-no-container-name"
C102 = "compose.backend-no-published-ports"
C103 = "compose.frontend-single-published"
C104 = "compose.network-appnet"
C109 = "compose.frontend-port-matches-listen"


def line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def graded(tmp_path: Path, case: str, *extra: str) -> tuple[Path, int, dict, dict]:
    folder = make(tmp_path / "ws", case)
    code, report = grade_json(folder, *extra)
    return folder, code, report, by_slug(report)


def errors(report: dict) -> list[dict]:
    return [n for n in report["notes"] if n["level"] == "error"]


# -- false passes ---------------------------------------------------------------------------
def test_an_override_adding_container_name_fails_c101_at_the_override_line(tmp_path: Path) -> None:
    _ws, code, _, r = graded(tmp_path, "override adds container_name")
    assert code == 1 and r[C101]["status"] == "fail"
    assert (r[C101]["file"], r[C101]["line"]) == ("docker-compose.override.yml", 3)


def test_an_override_adding_backend_ports_fails_c102_at_the_override_line(tmp_path: Path) -> None:
    _ws, _code, _, r = graded(tmp_path, "override adds backend ports")
    assert r[C102]["status"] == "fail"
    assert (r[C102]["file"], r[C102]["line"]) == ("docker-compose.override.yml", 4)


def test_extends_bringing_container_name_and_ports_fails_at_the_extended_file(tmp_path: Path) -> None:
    ws, _code, _, r = graded(tmp_path, "extends another file brings container_name and ports")
    assert r[C101]["status"] == "fail" and r[C102]["status"] == "fail"
    assert (r[C101]["file"], r[C101]["line"]) == ("common.yml", line_of(ws / "common.yml", "container_name"))
    assert (r[C102]["file"], r[C102]["line"]) == ("common.yml", line_of(ws / "common.yml", '"8080:8080"'))


def test_extends_in_the_same_file_brings_container_name(tmp_path: Path) -> None:
    ws, _code, _, r = graded(tmp_path, "extends in the same file")
    assert r[C101]["status"] == "fail"
    assert r[C101]["line"] == line_of(ws / "docker-compose.yml", "container_name: tmpl")


def test_a_value_set_in_env_is_graded(tmp_path: Path) -> None:
    _ws, _code, _, r = graded(tmp_path, "interpolation from .env")
    assert r[C101]["status"] == "fail" and "socialapp-backend" in r[C101]["message"]


def test_a_backend_port_from_env_is_a_fixed_host_port(tmp_path: Path) -> None:
    _ws, _code, _, r = graded(tmp_path, "backend port from .env")
    assert r[C102]["status"] == "fail" and "8080:8080" in r[C102]["message"]


def test_a_backend_only_in_a_profile_is_not_started_by_up(tmp_path: Path) -> None:
    ws, code, _, r = graded(tmp_path, "backend only in a profile")
    found = r["compose.services-found"]
    assert code == 1 and found["status"] == "fail" and "only in a profile" in found["message"]
    assert found["line"] == line_of(ws / "docker-compose.yml", "  backend:") and "profiles:" in found["hint"]
    assert r[C101]["status"] == "blocked" and r[C101]["blocked_by"] == "C100"


def test_a_service_in_a_disabled_profile_is_not_graded(tmp_path: Path) -> None:
    _ws, code, report, _r = graded(tmp_path, "debug service in a profile")
    assert code == 0, report


# -- false fails ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case",
    [
        "COMPOSE_FILE in .env",
        "include defines the backend",
        "include long form with its own env file",
        "!reset in an override",
        "interpolation defaults",
        "variable unset gives empty container_name",
        "several YAML documents",
        "several documents with a reset",
        "profile enabled in .env",
        "extends with the base in a sub-folder",
        "env_file interpolated from .env",
        "override merges lists and maps",
        "!override in an override",
        "compose.override.yaml with a docker-compose.yml",
        "configs.content",
    ],
)
def test_a_correct_project_loaded_as_compose_loads_it_passes(tmp_path: Path, case: str) -> None:
    _ws, code, report, _r = graded(tmp_path, case)
    assert code == 0, [
        (x["code"], x["status"], x["message"]) for x in report["results"] if x["status"] != "pass"
    ] + errors(report)


def test_interpolation_defaults_pass_c101_c104_c109(tmp_path: Path) -> None:
    _ws, _code, _, r = graded(tmp_path, "interpolation defaults")
    assert [r[c]["status"] for c in (C101, C103, C104, C109)] == ["pass"] * 4


def test_compose_yaml_wins_over_docker_compose_yml(tmp_path: Path) -> None:
    _ws, code, _report, r = graded(tmp_path, "compose.yaml before docker-compose.yml")
    assert code == 0 and r[C101]["file"] == "compose.yaml"


def test_docker_compose_yml_wins_over_docker_compose_yaml(tmp_path: Path) -> None:
    _ws, code, _report, r = graded(tmp_path, "docker-compose.yml before docker-compose.yaml")
    assert code == 0 and r[C101]["file"] == "docker-compose.yml"


def test_compose_file_with_two_files_skips_the_override(tmp_path: Path) -> None:
    # COMPOSE_FILE replaces the default files, override included: ports 9999 are not loaded.
    _ws, _code, _, r = graded(tmp_path, "COMPOSE_FILE with two files")
    assert r[C101]["status"] == "fail" and (r[C101]["file"], r[C101]["line"]) == ("ops.yml", 3)
    assert r[C102]["status"] == "pass"


def test_the_graders_own_environment_is_never_read(tmp_path: Path) -> None:
    folder = make(tmp_path / "ws", "variable unset gives empty container_name")
    r = run(
        "check",
        str(folder),
        "--format",
        "json",
        "--lang",
        "en",
        env={"LANG": "C.UTF-8", "BACKEND_NAME": "from-the-graders-shell", "COMPOSE_FILE": "nowhere.yml"},
    )
    assert r.exit_code == 0 and "from-the-graders-shell" not in r.stdout


# -- untrue advice and missing files --------------------------------------------------------
def test_an_ephemeral_port_through_an_empty_default_is_not_the_same_host_port(tmp_path: Path) -> None:
    _ws, _code, _, r = graded(tmp_path, "ephemeral backend port through an empty default")
    assert r[C102]["status"] == "warn" and "random host port" in r[C102]["message"]
    assert "same host port" not in r[C102]["message"] and "already allocated" not in r[C102]["message"]


def test_a_missing_include_names_the_file_and_the_rest_is_graded(tmp_path: Path) -> None:
    _ws, code, report, r = graded(tmp_path, "include of a missing file")
    assert code == 2
    (err,) = [e for e in errors(report) if "backend.yml" in e["message"]]
    assert (err["file"], err["line"]) == ("docker-compose.yml", 2)
    assert r["compose.scaling-comment"]["status"] == "pass"  # still graded
    assert r[C103]["status"] == "pass"


def test_a_missing_extends_file_names_the_file_and_line(tmp_path: Path) -> None:
    ws, code, report, r = graded(tmp_path, "extends a missing file")
    assert code == 2
    (err,) = [e for e in errors(report) if "nowhere.yml" in e["message"]]
    assert (err["file"], err["line"]) == ("docker-compose.yml", line_of(ws / "docker-compose.yml", "file: nowhere.yml"))
    assert r[C103]["status"] == "pass"


def test_a_missing_env_file_names_the_file_and_line(tmp_path: Path) -> None:
    ws, code, report, _r = graded(tmp_path, "env_file missing")
    assert code == 2
    (err,) = [e for e in errors(report) if "missing.env" in e["message"]]
    assert err["line"] == line_of(ws / "docker-compose.yml", "missing.env")


def test_a_required_variable_without_a_value_is_refused_with_its_message(tmp_path: Path) -> None:
    ws, code, report, _r = graded(tmp_path, "required variable missing")
    assert code == 2
    assert any(
        "FRONTEND_PORT" in e["message"] and e["line"] == line_of(ws / "docker-compose.yml", "FRONTEND_PORT")
        for e in errors(report)
    )


@pytest.mark.parametrize(
    "case,words",
    [
        ("undefined network", 'undefined network "appnet"'),
        ("depends on a missing service", 'undefined service "api"'),
    ],
)
def test_what_compose_refuses_is_an_input_error_with_its_line(tmp_path: Path, case: str, words: str) -> None:
    _ws, code, report, _r = graded(tmp_path, case)
    assert code == 2 and any(words in e["message"] for e in errors(report)), errors(report)


def test_a_schema_fault_names_the_line(tmp_path: Path) -> None:
    folder = make(tmp_path / "ws", "override adds container_name")
    (folder / "docker-compose.yml").write_text(
        (folder / "docker-compose.yml").read_text().replace("    restart: unless-stopped\n", "    restrat: always\n", 1)
    )
    code, report = grade_json(folder)
    assert code == 2
    assert any(
        "restrat" in e["message"] and e["line"] == line_of(folder / "docker-compose.yml", "restrat")
        for e in errors(report)
    ), errors(report)


# -- no escape: every path the loader would read is checked first ---------------------------
SECRET = "TOP-SECRET-compose-loader-7d1e"


@pytest.mark.parametrize(
    "attack",
    [
        "COMPOSE_FILE outside",
        ".env symlink",
        "include env_file outside",
        "include symlink",
        "extends symlink",
        "override symlink",
    ],
)
def test_no_compose_path_leads_outside_the_submission(tmp_path: Path, attack: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yml").write_text(f"services:\n  backend:\n    image: x\n    container_name: {SECRET}\n")
    (outside / "secret.env").write_text(f"COMPOSE_FILE={SECRET}.yml\nNAME={SECRET}\n")
    ws = make(tmp_path / "ws", "variable unset gives empty container_name")
    compose = ws / "docker-compose.yml"
    if attack == "COMPOSE_FILE outside":
        (ws / ".env").write_text("COMPOSE_FILE=../outside/secret.yml\n")
    elif attack == ".env symlink":
        (ws / ".env").symlink_to(outside / "secret.env")
    elif attack == "include env_file outside":
        compose.write_text("include:\n  - path: inc.yml\n    env_file: ../outside/secret.env\n" + compose.read_text())
        (ws / "inc.yml").write_text("services:\n  extra:\n    image: x\n    container_name: ${NAME}\n")
    elif attack == "include symlink":
        (ws / "inc.yml").symlink_to(outside / "secret.yml")
        compose.write_text("include:\n  - inc.yml\n" + compose.read_text())
    elif attack == "extends symlink":
        (ws / "base.yml").symlink_to(outside / "secret.yml")
        compose.write_text(
            compose.read_text().replace(
                "      context: ./backend\n",
                "      context: ./backend\n    extends:\n      file: base.yml\n      service: backend\n",
                1,
            )
        )
    elif attack == "override symlink":
        (ws / "docker-compose.override.yml").symlink_to(outside / "secret.yml")
    for fmt in ("json", "text", "sarif"):
        r = run("check", str(ws), "--format", fmt)
        assert r.exit_code == 2, (attack, fmt, r.stdout[-500:])
        assert SECRET not in r.stdout + r.stderr, (attack, fmt)
        assert "outside" in r.stdout + r.stderr


def test_an_override_changing_the_backend_port_fails_n105(tmp_path: Path) -> None:
    _ws, _code, _, r = graded(tmp_path, "override changes the backend's port")
    assert r["nginx.api-port-matches-backend"]["status"] == "fail"
    assert "9090" in r["nginx.api-port-matches-backend"]["message"]


def test_a_depends_on_cycle_is_refused_with_its_line(tmp_path: Path) -> None:
    _ws, code, report, _r = graded(tmp_path, "a depends_on cycle")
    assert code == 2 and any("dependency cycle" in e["message"] for e in errors(report))


def test_extends_merges_env_files_of_both(tmp_path: Path) -> None:
    from grader.workspace import load_workspace

    ws = load_workspace(make(tmp_path / "ws", "extends merges an env_file given as one value"))
    env = {e.name: (e.value, e.file) for e in ws.role("backend").all_env}
    assert env["OWN"] == ("1", "backend/own.env") and env["BASE"] == ("1", "common/base.env")


def test_a_host_port_set_in_env_is_reported_at_the_env_line(tmp_path: Path) -> None:
    _ws, _code, _, r = graded(tmp_path, "backend port from .env")
    assert (r[C102]["file"], r[C102]["line"]) == (".env", 1)


def test_configs_content_is_in_the_model_interpolated_with_its_mount(tmp_path: Path) -> None:
    from grader.workspace import load_workspace

    ws = load_workspace(make(tmp_path / "ws", "configs.content"))
    extra = ws.compose.configs["extra"]
    assert extra.content == "# port 80\nserver_tokens off;\n" and extra.file is None
    (mount,) = ws.role("frontend").configs
    assert (mount.source, mount.target) == ("extra", "/etc/nginx/conf.d/extra.conf")


def test_the_model_knows_its_files_and_the_services_profiles_leave_out(tmp_path: Path) -> None:
    from grader.workspace import load_workspace

    ws = load_workspace(make(tmp_path / "ws", "debug service in a profile"))
    assert "debug" not in ws.compose.services and "debug" in ws.compose.inactive
    ws = load_workspace(make(tmp_path / "ws2", "include defines the backend"))
    assert ws.compose.project_files == ["docker-compose.yml"]
    assert ws.compose.files == ["docker-compose.yml", "backend/compose.yml"]
    assert ws.role("backend").file == "backend/compose.yml" and ws.role("backend").build.context == "./backend"
