"""Broken, hostile or odd input: exit 2 with one clear line, never a traceback, and nothing
outside the submission is ever read."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import by_slug, run

SECRET = "TOPSECRET-do-not-leak-4242"
NGINX = "frontend/nginx.conf"


def check(ws: Path, *extra: str):
    r = run("check", str(ws), "--lang", "en", "--no-color", *extra)
    assert "Traceback" not in r.output
    return r


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    p = tmp_path / "secret.conf"  # beside the submission, not inside it
    p.write_text(f"# {SECRET}\nserver {{ listen 1; location / {{ proxy_pass http://{SECRET}; }} }}\n")
    return p


def assert_never_read(r, *needles: str) -> None:
    for n in needles:
        assert n not in r.output, f"{n!r} leaked into the report"


def test_broken_yaml_is_exit_2_with_file_and_line(ws: Path) -> None:
    p = ws / "docker-compose.yml"
    p.write_text(p.read_text() + "  oops: [unclosed\n")
    r = check(ws)
    assert r.exit_code == 2
    assert "docker-compose.yml:" in r.stderr and "YAML syntax error" in r.stderr
    # The nginx checks are still graded.
    assert "✓ N102" in r.stdout


def test_nginx_syntax_error_still_grades_compose(ws: Path) -> None:
    p = ws / NGINX
    p.write_text(p.read_text().replace("location / {", "location / {{", 1))
    r = run("check", str(ws), "--format", "json", "--lang", "en")
    assert r.exit_code == 2
    report = json.loads(r.stdout)
    results = by_slug(report)
    assert results["compose.backend-no-container-name"]["status"] == "pass"
    # One finding says the config cannot be read; the checks that need it are blocked by it.
    assert results["nginx.api-location"]["status"] == "error"
    assert results["nginx.api-location"]["file"] == NGINX and results["nginx.api-location"]["line"]
    assert results["nginx.proxy-headers"]["status"] == "blocked"
    assert results["nginx.proxy-headers"]["blocked_by"] == "N100" and results["nginx.proxy-headers"]["hint"] is None
    assert [r["code"] for r in report["results"] if r["status"] == "error"] == ["N100"]
    assert f"{NGINX}:" in r.stderr


def test_missing_folder_is_one_line() -> None:
    r = run("check", "/nonexistent/submission")
    assert r.exit_code == 2
    assert r.stderr.strip().count("\n") == 0 and "not found" in r.stderr


def test_no_compose_file(ws: Path) -> None:
    (ws / "docker-compose.yml").unlink()
    r = check(ws)
    assert r.exit_code == 2
    assert "no compose file found" in r.stderr


def include_before_server(ws: Path, target: str) -> None:
    p = ws / NGINX
    p.write_text(p.read_text().replace("server {", f"include {target};\nserver {{", 1))


def refused(ws: Path, *never: str):
    """Grade ws: exit 2, one line per problem, and none of `never` anywhere in the output."""
    r = check(ws)
    assert r.exit_code == 2
    assert_never_read(r, *never)
    return r


@pytest.mark.parametrize("arg", ["/etc/passwd", "../../../../../../etc/passwd"])
def test_include_outside_is_refused_and_never_read(ws: Path, arg: str) -> None:
    include_before_server(ws, arg)
    r = refused(ws, "root:x:0:0", "/bin/bash")
    assert "points outside the submission" in r.stderr


def test_include_of_planted_secret_via_relative_path(ws: Path, secret: Path) -> None:
    include_before_server(ws, "../../secret.conf")
    refused(ws, SECRET)


def test_include_glob_outside_is_refused(ws: Path, secret: Path) -> None:
    include_before_server(ws, "../../*.conf")
    refused(ws, SECRET)


def test_symlinked_nginx_conf_is_refused(ws: Path, secret: Path) -> None:
    (ws / NGINX).unlink()
    os.symlink(secret, ws / NGINX)
    r = refused(ws, SECRET)
    assert "outside the submission" in r.output


def test_symlink_to_etc_passwd_is_refused(ws: Path) -> None:
    (ws / NGINX).unlink()
    os.symlink("/etc/passwd", ws / NGINX)
    refused(ws, "root:x:0:0")


def test_symlinked_include_inside_pointing_out(ws: Path, secret: Path) -> None:
    os.symlink(secret, ws / "frontend" / "extra.conf")
    include_before_server(ws, "extra.conf")
    refused(ws, SECRET)


def test_env_file_outside_is_not_read(ws: Path, secret: Path) -> None:
    p = ws / "docker-compose.yml"
    p.write_text(p.read_text().replace("    environment:\n", "    env_file: ../secret.conf\n    environment:\n", 1))
    r = refused(ws, SECRET)
    assert "env_file" in r.stderr and "outside the submission" in r.stderr


def test_symlinked_env_file_is_not_read(ws: Path, secret: Path) -> None:
    os.symlink(secret, ws / "backend" / "db.env")
    p = ws / "docker-compose.yml"
    p.write_text(p.read_text().replace("    environment:\n", "    env_file: ./backend/db.env\n    environment:\n", 1))
    refused(ws, SECRET)


def test_image_provided_include_is_noted_not_an_error(ws: Path) -> None:
    p = ws / NGINX
    p.write_text(p.read_text().replace("server {", "include /etc/nginx/mime.types;\nserver {", 1))
    r = check(ws)
    assert r.exit_code == 0
    assert "provided by the nginx image; not followed" in r.stdout


def test_include_inside_the_submission_is_followed(ws: Path) -> None:
    p = ws / NGINX
    text = p.read_text()
    headers = "".join(line + "\n" for line in text.splitlines() if "proxy_set_header X-" in line)
    for line in headers.splitlines():
        text = text.replace(line + "\n", "")
    text = text.replace(
        "        proxy_set_header Host $host;\n",
        "        proxy_set_header Host $host;\n        include proxy_headers.conf;\n",
    )
    p.write_text(text)
    (ws / "frontend" / "proxy_headers.conf").write_text(headers)
    r = run("check", str(ws), "--format", "json")
    assert r.exit_code == 0, r.output
    assert by_slug(json.loads(r.stdout))["nginx.proxy-headers"]["status"] == "pass"


def test_include_loop_is_an_error_not_a_hang(ws: Path) -> None:
    (ws / "frontend" / "a.conf").write_text("include b.conf;\n")
    (ws / "frontend" / "b.conf").write_text("include a.conf;\n")
    p = ws / NGINX
    p.write_text(p.read_text().replace("server {", "include a.conf;\nserver {", 1))
    r = check(ws)
    assert r.exit_code == 2 and "loop" in r.stderr


def test_oversized_file(ws: Path) -> None:
    p = ws / "docker-compose.yml"
    p.write_text(p.read_text() + ("# " + "x" * 1000 + "\n") * 1100)
    r = check(ws)
    assert r.exit_code == 2 and "limit" in r.stderr


def test_alias_bomb_is_refused_fast(ws: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    (ws / "docker-compose.yml").write_text("\n".join(lines) + "\nservices: {}\n")
    start = time.monotonic()
    r = check(ws)
    assert time.monotonic() - start < 5
    assert r.exit_code == 2 and "alias" in r.stderr


def test_deep_nesting_is_refused(ws: Path) -> None:
    (ws / "docker-compose.yml").write_text("services: " + "[" * 5000 + "]" * 5000 + "\n")
    r = check(ws)
    assert r.exit_code == 2 and "nesting" in r.stderr


def test_not_utf8(ws: Path) -> None:
    (ws / "docker-compose.yml").write_bytes(b"services:\n  backend:\n    image: caf\xe9\n")
    r = check(ws)
    assert r.exit_code == 2 and "UTF-8" in r.stderr and "docker-compose.yml:3" in r.stderr


def test_utf16_with_bom_is_read(ws: Path) -> None:
    p = ws / "docker-compose.yml"
    p.write_bytes(p.read_text().encode("utf-16"))
    assert check(ws).exit_code == 0


def test_duplicate_key(ws: Path) -> None:
    p = ws / "docker-compose.yml"
    p.write_text(
        p.read_text().replace("    restart: unless-stopped\n", "    restart: unless-stopped\n    restart: always\n", 1)
    )
    r = check(ws)
    assert r.exit_code == 2 and "defined twice" in r.stderr


@pytest.mark.parametrize(
    "compose",
    [
        "services: [backend, frontend]\n",
        "services:\n  backend:\n    ports: 8080\n",
        "services:\n  backend:\n    environment: 3\n",
        "- just\n- a list\n",
        "",
    ],
)
def test_wrong_types_are_input_errors(ws: Path, compose: str) -> None:
    (ws / "docker-compose.yml").write_text(compose)
    r = check(ws)
    assert r.exit_code == 2, r.output


def test_unknown_service_role(ws: Path) -> None:
    r = check(ws, "--service", "backend=nope")
    assert r.exit_code == 2 and "no service 'nope'" in r.stderr


def test_bad_option_is_exit_2(ws: Path) -> None:
    assert check(ws, "--format", "xml").exit_code == 2
    assert check(ws, "--service", "db").exit_code == 2


def rubric_variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    from conftest import REPO

    text = (REPO / "rubrics" / "step-06-horizontal-scaling.yaml").read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / f"{name}.yaml"
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_broken_rubric_names_the_key(ws: Path, tmp_path: Path) -> None:
    bad = rubric_variant(tmp_path, "bad", "    points: 10\n", "    points: ten\n")
    r = check(ws, "--rubric", str(bad))
    assert r.exit_code == 2 and "checks/1/points" in r.stderr


def test_rubric_with_unknown_code(ws: Path, tmp_path: Path) -> None:
    bad = rubric_variant(tmp_path, "bad", "code: C101", "code: C199")
    r = check(ws, "--rubric", str(bad))
    assert r.exit_code == 2 and "C199" in r.stderr


def test_instructor_can_make_a_check_advisory_or_off(ws: Path, tmp_path: Path) -> None:
    ws_nginx = ws / NGINX
    ws_nginx.write_text(ws_nginx.read_text().replace("        proxy_set_header X-Forwarded-Proto $scheme;\n", ""))
    head = "    slug: nginx.proxy-headers\n    ask: N3\n    points: 10\n"
    advisory = rubric_variant(tmp_path, "advisory", head + "    required: true\n", head + "    required: false\n")
    assert check(ws, "--rubric", str(advisory)).exit_code == 0
    off = rubric_variant(
        tmp_path, "off", "    slug: nginx.proxy-headers\n", "    slug: nginx.proxy-headers\n    enabled: false\n"
    )
    r = run("check", str(ws), "--rubric", str(off), "--format", "json")
    assert r.exit_code == 0 and "nginx.proxy-headers" not in by_slug(json.loads(r.stdout))
    assert check(ws).exit_code == 1


def test_slash_comment_in_nginx(ws: Path) -> None:
    p = ws / NGINX
    p.write_text(p.read_text().replace("proxy_connect_timeout 1s;", "proxy_connect_timeout 1s; // fail fast"))
    r = check(ws)
    assert r.exit_code == 2
    assert "'//' starts no comment" in r.stderr
    assert "✓ N104" in r.stdout  # the rest is still read as meant


def test_a_link_outside_says_the_same_whether_or_not_its_target_exists(tmp_path: Path) -> None:
    """A refusal tells a learner nothing of the grading machine: a link to a file that exists
    outside the submission, to a folder, and to nothing at all are refused in the same words."""
    from grader.errors import OutsideRootError
    from grader.submission.reader import SubmissionRoot

    (tmp_path / "sub").mkdir()
    (tmp_path / "secret.txt").write_text("x")
    targets = {"file": tmp_path / "secret.txt", "folder": tmp_path, "nothing": tmp_path / "no-such-path"}
    messages = set()
    for name, target in targets.items():
        (tmp_path / "sub" / f"{name}.yml").symlink_to(target)
        with pytest.raises(OutsideRootError) as e:
            SubmissionRoot(tmp_path / "sub").resolve(f"{name}.yml")
        messages.add(e.value.message.replace(f"{name}.yml", "LINK"))
    assert messages == {"LINK is a link to a place outside the submission; it is not read"}
