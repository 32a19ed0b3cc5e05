"""A rubric is a policy: points, required or advisory, enabled, parameters. It may override a
check's texts, checked when it is loaded; `grader rubric init` writes one to start from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import REPO, WORKSHOP, by_slug, grade_json, run

BUNDLED = REPO / "rubrics" / "step-06-horizontal-scaling.yaml"


def with_texts(tmp_path: Path, code: str, texts: dict) -> Path:
    """The bundled rubric with `texts:` on check `code`."""
    data = yaml.safe_load(BUNDLED.read_text("utf-8"))
    for entry in data["checks"]:
        if entry["code"] == code:
            entry["texts"] = texts
    out = tmp_path / "override.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return out


def test_bundled_rubric_is_policy_only() -> None:
    data = yaml.safe_load(BUNDLED.read_text("utf-8"))
    assert set(data) <= {"id", "title", "params", "runtime", "checks"}
    for entry in data["checks"]:
        assert set(entry) <= {"code", "slug", "ask", "points", "required", "enabled"}, entry["code"]


def test_an_override_changes_the_message_a_learner_reads(ws: Path, tmp_path: Path) -> None:
    compose = ws / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("  backend:\n", "  backend:\n    container_name: solo\n", 1))
    rubric = with_texts(
        tmp_path,
        "C101",
        {
            "title": {"en": "No fixed container name"},
            "messages": {
                "fail": {
                    "en": "{service} is pinned to {value}: remove container_name.",
                    "ko": "{service} 서비스가 {value}{로} 고정되어 있습니다.",
                    "fix": {"en": "Remove the line."},
                }
            },
        },
    )
    code, report = grade_json(ws, "--rubric", str(rubric))
    c101 = by_slug(report)["compose.backend-no-container-name"]
    assert code == 1 and c101["message"] == "backend is pinned to solo: remove container_name."
    assert c101["hint"] == "Remove the line." and c101["title"] == "No fixed container name"
    ko = run("check", str(ws), "--rubric", str(rubric), "--lang", "ko")
    assert "backend 서비스가 solo로 고정되어 있습니다." in ko.output
    # the override is only that check's: the bundled text still explains the others
    assert "No fixed container name" in run("explain", "C101", "--rubric", str(rubric), "--lang", "en").output


def test_an_override_may_insert_a_value_the_bundled_text_leaves_out(tmp_path: Path) -> None:
    # N101's pass is given the backend's name too
    rubric = with_texts(
        tmp_path, "N101", {"messages": {"pass": {"en": "{host} is {backend}.", "ko": "{host}{은} {backend}입니다."}}}
    )
    code, report = grade_json(WORKSHOP, "--rubric", str(rubric))
    assert code == 0 and by_slug(report)["nginx.api-proxies-to-backend"]["message"] == "backend is backend."


@pytest.mark.parametrize(
    ("code", "texts", "path", "said"),
    [
        ("C101", {"messages": {"gone": {"en": "x"}}}, "checks/1/texts/messages/gone", "C101 has no message 'gone'"),
        (
            "C101",
            {"messages": {"fail": {"en": "{service} has {port}"}}},
            "checks/1/texts/messages/fail",
            "en uses {port}, which the check does not give",
        ),
        (
            "C101",
            {"messages": {"fail": {"en": "{service} is pinned."}}},
            "checks/1/texts/messages/fail",
            "en inserts {service} but ko inserts {service}, {value}",
        ),
        (
            "C101",
            {"messages": {"fail": {"fix": {"ko": "{where}{을} 지우세요."}}}},
            "checks/1/texts/messages/fail",
            "ko.fix uses {where}",
        ),
        ("C101", {"messages": {"fail": {"de": "x"}}}, "checks/1/texts/messages/fail", "'de' was unexpected"),
        ("C101", {"summary": {"en": "x"}}, "checks/1/texts", "'summary' was unexpected"),
    ],
)
def test_a_bad_override_is_exit_2_naming_the_key(tmp_path: Path, code: str, texts: dict, path: str, said: str) -> None:
    rubric = with_texts(tmp_path, code, texts)
    r = run("check", str(WORKSHOP), "--rubric", str(rubric))
    assert r.exit_code == 2, r.output
    assert path in r.stderr and said in r.stderr, r.stderr


def test_a_shared_message_may_be_overridden_for_one_check(tmp_path: Path) -> None:
    from grader.registry import known_checks
    from grader.rubric import load_rubric

    rubric = load_rubric(
        str(with_texts(tmp_path, "C101", {"messages": {"blocked_backend": {"en": "Skipped until {code} passes."}}})),
        known_checks(),
    )
    c101, c102 = rubric.find("C101"), rubric.find("C102")
    assert rubric.message(c101, "blocked_backend", "en", {"code": "C100"}) == "Skipped until C100 passes."
    assert rubric.message(c102, "blocked_backend", "en", {"code": "C100"}).startswith("Not checked")


def test_rubric_init_writes_a_policy_that_grades_as_the_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    r = run("rubric", "init", str(path))
    assert r.exit_code == 0 and path.is_file()
    assert len(path.read_text("utf-8").splitlines()) < 60  # a line per check, not a thousand
    _, bundled = grade_json(WORKSHOP)
    code, mine = grade_json(WORKSHOP, "--rubric", str(path))
    assert code == 0 and (mine["score"], mine["max_score"]) == (bundled["score"], bundled["max_score"])
    assert run("list", "--rubric", str(path), "--lang", "ko").output == run("list", "--lang", "ko").output
    # one check's points changed: the maximum follows
    text = path.read_text("utf-8")
    line = next(x for x in text.splitlines() if "code: C101," in x)
    assert "points: 10," in line
    path.write_text(text.replace(line, line.replace("points: 10,", "points: 25,")), "utf-8")
    _, changed = grade_json(WORKSHOP, "--rubric", str(path))
    assert changed["max_score"] == bundled["max_score"] + 15 and changed["score"] == changed["max_score"]


def test_rubric_init_keeps_an_existing_file_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "rubric.yaml"
    path.write_text("mine\n")
    r = run("rubric", "init", str(path))
    assert r.exit_code == 2 and "--force" in r.stderr and path.read_text() == "mine\n"
    assert run("rubric", "init", str(path), "--force").exit_code == 0
    assert path.read_text("utf-8").startswith("# Rubric")


def test_rubric_init_to_standard_output() -> None:
    r = run("rubric", "init", "-")
    assert r.exit_code == 0 and "  - {code: C101, slug: compose.backend-no-container-name" in r.stdout
    assert yaml.safe_load(r.stdout)["checks"][1]["points"] == 10
