"""Batch grading over a generated class of 60: copies of workshop/ with mistakes, broken files,
local bare repositories, a git URL that does not exist and a clone that never finishes. 60
rows with the right verdicts; --resume regrades nothing; the HTML report renders in a real
headless browser; `grader aggregate` merges reports made elsewhere."""

from __future__ import annotations

import csv
import json
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from conftest import REPO, WORKSHOP, full_score, run

from grader.checks import CHECK_MODULES

# (name, what to change, expected verdict, the checks expected to fail)
MISTAKES = [
    ("ok", None, "pass", set()),
    (
        "container-name",
        ("docker-compose.yml", "  backend:\n", "  backend:\n    container_name: be\n"),
        "fail",
        {"C101"},
    ),
    (
        "backend-port",
        ("docker-compose.yml", '    expose:\n      - "8080"\n', '    ports:\n      - "8080:8080"\n'),
        "fail",
        {"C102"},
    ),
    (
        "literal-proxy",
        ("frontend/nginx.conf", "proxy_pass $backend_upstream;", "proxy_pass http://backend:8080;"),
        "fail",
        {"N102"},
    ),
    (
        "healthy",
        (
            "docker-compose.yml",
            "    depends_on:\n      - backend\n",
            "    depends_on:\n      backend:\n        condition: service_healthy\n",
        ),
        "fail",
        {"C107"},
    ),
    ("broken-yaml", ("docker-compose.yml", "services:\n", "services: [\n"), "error", None),
]


def gradebook(out: Path) -> list[dict[str, str]]:
    """The rows of the batch's gradebook.csv."""
    with open(out / "gradebook.csv") as f:
        return list(csv.DictReader(f))


def write_submission(dest: Path, mistake) -> None:
    shutil.copytree(WORKSHOP, dest)
    if mistake is None:
        return
    rel, old, new = mistake
    p = dest / rel
    text = p.read_text()
    assert old in text, (rel, old)
    p.write_text(text.replace(old, new, 1))


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True, capture_output=True
    )


def bare_repo(src: Path, dest: Path) -> Path:
    git("init", "-q", "-b", "main", cwd=src)
    git("add", "-A", cwd=src)
    git("commit", "-q", "-m", "step 06", cwd=src)
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(dest)], check=True, capture_output=True)
    return dest


@pytest.fixture(scope="module")
def silent_server():
    """A TCP server that accepts and never answers: a clone from it hangs until the timeout."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    srv.close()


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory, silent_server: int):
    """60 learners in a CSV roster: 50 folders and 8 bare repositories cycling through the
    mistakes, one URL that does not exist, one clone that hangs. Returns (roster, expected)."""
    root = tmp_path_factory.mktemp("class")
    expected: dict[str, tuple[str, set[str] | None]] = {}
    rows = [("student", "repo", "ref")]
    for i in range(58):
        name, mistake, verdict, fails = MISTAKES[i % len(MISTAKES)]
        sid = f"s{i:02d}-{name}"
        src = root / "work" / sid
        write_submission(src, mistake)
        if i % 7 == 0:  # some learners hand in a repository
            repo = bare_repo(src, root / "repos" / f"{sid}.git")
            rows.append((sid, str(repo), "main"))
        else:
            rows.append((sid, str(src.relative_to(root)), ""))
        expected[sid] = (verdict, fails)
    rows.append(("s58-missing", "file:///nonexistent/learner.git", ""))
    expected["s58-missing"] = ("not-graded", None)
    rows.append(("s59-hangs", f"http://127.0.0.1:{silent_server}/learner.git", ""))
    expected["s59-hangs"] = ("not-graded", None)
    roster = root / "roster.csv"
    with open(roster, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return roster, expected


def test_a_class_of_60_gets_60_rows_with_the_right_verdicts(klass, tmp_path: Path) -> None:
    roster, expected = klass
    out = tmp_path / "grades"
    r = run("batch", str(roster), "--out", str(out), "--clone-timeout", "3", "--progress", "plain", "--lang", "en")
    assert r.exit_code == 0, r.output
    book = gradebook(out)
    assert len(book) == 60
    by_id = {row["id"]: row for row in book}
    assert set(by_id) == set(expected)
    for sid, (verdict, fails) in expected.items():
        row = by_id[sid]
        assert row["verdict"] == verdict, (sid, row)
        if fails is not None:
            failed = {code for code in ("C101", "C102", "C107", "N102") if row[code] == "0"}
            assert failed == fails, (sid, row)
            assert row["commit"]
    assert "did not finish within 3 s" in by_id["s59-hangs"]["error"]
    assert "clone of file:///nonexistent/learner.git failed" in by_id["s58-missing"]["error"]
    assert by_id["s05-broken-yaml"]["error"].startswith("YAML syntax error")
    # Feedback to hand back, and the same rows as JSON.
    assert "C101" in (out / "feedback" / "s01-container-name.md").read_text()
    assert len(json.loads((out / "gradebook.json").read_text())) == 60
    assert "60 learners: 10 pass, 39 fail, 9 input errors, 2 not graded" in r.output

    # --resume: nothing changed, nothing is regraded (only the two unfetchable are tried again).
    again = run("batch", str(roster), "--out", str(out), "--clone-timeout", "3", "--progress", "plain", "--resume")
    assert "(58 unchanged, not regraded)" in again.output
    again_book = gradebook(out)
    assert len(again_book) == len(book) == 60  # an empty gradebook is no match
    rows = [(a["id"], a["verdict"], a["score"]) for a in again_book]
    assert rows == [(b["id"], b["verdict"], b["score"]) for b in book]


def test_resume_regrades_a_learner_who_changed(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write_submission(subs / "ann", None)
    write_submission(subs / "bob", None)
    out = tmp_path / "out"
    assert run("batch", str(subs), "--out", str(out), "--progress", "none").exit_code == 0
    compose = subs / "bob" / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("  backend:\n", "  backend:\n    container_name: be\n", 1))
    r = run("batch", str(subs), "--out", str(out), "--progress", "none", "--resume")
    assert "(1 unchanged, not regraded)" in r.output
    book = {row["id"]: row for row in gradebook(out)}
    assert book["ann"]["verdict"] == "pass" and book["bob"]["verdict"] == "fail"


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with a profile of its own: two calls in a row on the default profile
    can meet the first one's lock while it exits, and the second then prints nothing."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is missing: scripts/setup.sh installs it")
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=tmp))
    # --virtual-time-budget: the DOM is dumped (the screenshot taken) once the page has run its
    # tasks (the load event and the measuring script), not at a moment a busy machine may move.
    flags = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
    ]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120)


def test_html_report_renders_in_a_headless_browser(klass, tmp_path: Path) -> None:
    from PIL import Image

    roster, _ = klass
    out = tmp_path / "grades"
    run("batch", str(roster), "--out", str(out), "--clone-timeout", "3", "--progress", "none", "--lang", "en")
    page = (out / "report.html").as_uri()
    p = chromium(tmp_path, "--window-size=1200,900", "--dump-dom", page)
    dom = p.stdout
    assert dom, p.stderr[-2000:]
    assert 'id="summary" class="cards" data-learners="60" data-passed="10"' in dom
    assert dom.count('class="bar"') == len(CHECK_MODULES)  # a bar per static check
    shot = tmp_path / "report.png"
    chromium(tmp_path, "--window-size=1200,900", f"--screenshot={shot}", page)
    img = Image.open(shot).convert("RGB")
    assert img.size == (1200, 900)
    colours = {c for _, c in img.getcolors(maxcolors=1 << 22)}
    # The summary cards (white on the grey page) and the chart's bars were drawn.
    assert (255, 255, 255) in colours and (246, 248, 250) in colours
    assert {(26, 127, 55), (207, 34, 46)} & colours, "no pass-rate bar was drawn"
    card = img.crop((60, 110, 200, 170))
    assert len(card.getcolors(maxcolors=1 << 16)) > 20, "the first summary card has no text"


def test_aggregate_merges_reports_made_elsewhere(tmp_path: Path) -> None:
    arts = tmp_path / "artifacts"
    for sid, mistake in (("alice", None), ("bob", MISTAKES[1][1])):
        write_submission(tmp_path / sid, mistake)
        (arts / sid).mkdir(parents=True)
        r = run("check", str(tmp_path / sid), "--format", "json", "--output", str(arts / sid / "grader-report.json"))
        assert r.exit_code in (0, 1)
    out = tmp_path / "merged"
    r = run("aggregate", str(arts), "--out", str(out))
    assert r.exit_code == 0, r.output
    book = {row["id"]: row for row in gradebook(out)}
    assert book["alice"]["verdict"] == "pass" and book["bob"]["verdict"] == "fail" and book["bob"]["C101"] == "0"
    assert "bob" in (out / "report.html").read_text()
    bad = tmp_path / "not-a-report.json"
    bad.write_text("{}")
    r = run("aggregate", str(bad), "--out", str(out))
    assert r.exit_code == 2 and "not a grader report" in r.stderr


@pytest.mark.runtime
def test_batch_with_runtime_runs_two_stacks_at_once(tmp_path: Path) -> None:
    """Two learners' stacks side by side: own projects, own ports, own time limit; nothing left."""
    from grader.runtime.engine import connect, labelled

    subs = tmp_path / "subs"
    write_submission(subs / "ok", None)
    write_submission(subs / "named", MISTAKES[1][1])
    out = tmp_path / "out"
    r = run(
        "batch",
        str(subs),
        "--out",
        str(out),
        "--runtime",
        "--stacks",
        "2",
        "--time-limit",
        "300",
        "--progress",
        "plain",
        "--lang",
        "en",
    )
    assert r.exit_code == 0, r.output
    book = {row["id"]: row for row in gradebook(out)}
    assert (
        book["ok"]["verdict"] == "pass"
        and book["ok"]["R107"] == "10"
        and book["ok"]["score"] == str(full_score(runtime=True))
    )
    assert book["named"]["verdict"] == "fail" and book["named"]["R102"] == "0" and book["named"]["C101"] == "0"
    report = json.loads((out / "reports" / "named.json").read_text())
    up = {x["check"]: x for x in report["results"]}["runtime.up-scaled"]
    assert up["line"] == 25 and "container_name" in up["message"]
    assert labelled(connect(), scope="left") == {}


def test_aggregate_reads_what_gh_teacher_download_writes(tmp_path: Path) -> None:
    """A folder per learner with Classroom 50's result.json (as the classroom50 format writes
    it): a gradebook with a column per check, feedback with the fix, the HTML report."""
    from test_formats import CLASSROOM50_ENV

    download = tmp_path / "download"
    for sid, mistake in (("alice", None), ("bob", MISTAKES[1][1])):
        write_submission(tmp_path / sid, mistake)
        (download / sid).mkdir(parents=True)
        r = run(
            "check",
            str(tmp_path / sid),
            "--format",
            "classroom50",
            "--lang",
            "en",
            "--output",
            str(download / sid / "result.json"),
            env={**CLASSROOM50_ENV, "OWNER": sid},
        )
        assert r.exit_code == 0, r.stderr
        (download / sid / "package.json").write_text('{"name": "not a report"}')  # passed over
    broken = tmp_path / "carol"
    write_submission(broken, None)
    (broken / "docker-compose.yml").write_text("services: [\n")
    (download / "carol").mkdir()
    run(
        "check",
        str(broken),
        "--format",
        "classroom50",
        "--output",
        str(download / "carol" / "result.json"),
        env=CLASSROOM50_ENV,
    )
    out = tmp_path / "grades"
    r = run("aggregate", str(download), "--out", str(out), "--lang", "en")
    assert r.exit_code == 0, r.output
    book = {row["id"]: row for row in gradebook(out)}
    assert set(book) == {"alice", "bob", "carol"}
    assert book["alice"]["verdict"] == "pass" and book["alice"]["score"] == "120" and book["alice"]["C101"] == "10"
    assert book["bob"]["verdict"] == "fail" and book["bob"]["C101"] == "0" and book["bob"]["N101"] == "10"
    assert book["carol"]["verdict"] == "error" and book["carol"]["C101"] == "0"
    assert book["alice"]["commit"] == CLASSROOM50_ENV["COMMIT_URL"]
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "container_name" in feedback and "Delete the `container_name:` line" in feedback
    assert "bob" in (out / "report.html").read_text()

    (download / "dave").mkdir()
    (download / "dave" / "result.json").write_text('{"schema": "something/else"}')
    r = run("aggregate", str(download), "--out", str(out))
    assert r.exit_code == 2 and "not a grader report" in r.stderr and "dave" in r.stderr


MEASURE = """<script>
window.addEventListener('load', () => {
  const frame = document.getElementById('phone'), doc = frame.contentDocument, win = frame.contentWindow;
  doc.querySelectorAll('details').forEach(d => d.open = true);
  const vw = doc.documentElement.clientWidth, over = [];
  doc.querySelectorAll('body *').forEach(e => {
    const r = e.getBoundingClientRect();
    if (r.width && (r.right > vw + 0.5 || r.left < -0.5))
      over.push(e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ':' + Math.round(r.right));
  });
  document.body.setAttribute('data-viewport', vw);
  document.body.setAttribute('data-scroll-width', doc.documentElement.scrollWidth);
  document.body.setAttribute('data-overflow', over.slice(0, 20).join(' '));
  document.body.setAttribute('data-page', doc.documentElement.outerHTML.replace(/"/g, "'"));
});
</script>"""


def layout_at(html: Path, width: int, tmp_path: Path) -> dict[str, str]:
    """The page as headless Chromium lays it out `width` px wide, every learner's section open:
    the viewport, the page's scroll width and the elements that stick out. Chromium's window is
    at least 500 px wide, so the report is shown in a frame of `width` px (its own viewport, so
    its media queries apply) inside a page that measures it; the report itself has no script."""
    from html import escape

    from PIL import Image

    text = html.read_text()
    assert "<script" not in text  # the report opens offline, without scripts
    probe = tmp_path / f"probe-{html.stem}.html"
    probe.write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="phone" '
        f'style="border:0;display:block;width:{width}px;height:844px" srcdoc="{escape(text)}"></iframe>'
        f"{MEASURE}</body></html>"
    )
    p = chromium(tmp_path, "--window-size=800,900", "--dump-dom", probe.as_uri())
    dom = p.stdout
    m = re.search(
        r'<body [^>]*data-viewport="(\d+)" data-scroll-width="(\d+)" data-overflow="([^"]*)" '
        r'data-page="([^"]*)"',
        dom,
    )
    assert m, (dom[:500], p.stderr[-2000:])
    shot = tmp_path / f"{html.stem}-{width}.png"
    chromium(tmp_path, "--window-size=800,900", f"--screenshot={shot}", probe.as_uri())
    Image.open(shot).crop((0, 0, width, 844)).save(shot)  # what the phone shows
    return {
        "viewport": m.group(1),
        "scroll_width": m.group(2),
        "overflow": m.group(3),
        "dom": m.group(4).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("'", '"'),
        "shot": str(shot),
    }


def test_html_report_fits_a_390_px_phone(tmp_path: Path) -> None:
    from PIL import Image

    subs = tmp_path / "subs"
    write_submission(subs / "a-learner-with-a-rather-long-identifier-from-the-roster", None)
    for sid, mistake, _, _ in MISTAKES[1:4]:
        write_submission(subs / sid, mistake)
    broken = subs / "broken-yaml"
    write_submission(broken, None)
    (broken / "docker-compose.yml").write_text("services:\n  backend: [\n")
    out = tmp_path / "grades"
    r = run("batch", str(subs), "--out", str(out), "--progress", "none", "--lang", "en")
    assert r.exit_code == 0, r.output
    got = layout_at(out / "report.html", 390, tmp_path)
    assert got["viewport"] == "390" and int(got["scroll_width"]) <= 390, got["scroll_width"]
    assert got["overflow"] == "", got["overflow"]
    assert Image.open(got["shot"]).size == (390, 844)
    dom = got["dom"]
    # The ungradable learner is counted apart, not as a 0 in the mean or a mistake in the rates.
    assert 'data-learners="5" data-passed="1" data-graded="4" data-not-graded="1"' in dom
    assert dom.count('class="bar"') == len(CHECK_MODULES)
    assert "could not be graded or fetched (1) are counted apart" in dom
    assert "YAML syntax error" in dom


def test_html_report_for_no_learners_and_for_none_graded(tmp_path: Path) -> None:
    from grader.batch.run import Row
    from grader.registry import known_checks
    from grader.report import html
    from grader.rubric import load_rubric

    rubric = load_rubric(None, known_checks())
    empty = tmp_path / "empty.html"
    empty.write_text(html.render([], rubric, "en"))
    got = layout_at(empty, 390, tmp_path)
    assert got["overflow"] == "" and int(got["scroll_width"]) <= 390
    assert 'data-learners="0" data-passed="0" data-graded="0" data-not-graded="0"' in got["dom"]
    assert 'id="nobody"' in got["dom"] and 'class="bar"' not in got["dom"]
    assert "<b>—</b>mean score" in got["dom"] and "No check failed for anyone" not in got["dom"]

    rows = [
        Row("gone", "not-graded", 0, 0, None, "2026-11-25T00:00:00Z", None, error="clone failed"),
        Row(
            "broken",
            "error",
            30,
            110,
            None,
            "2026-11-25T00:00:00Z",
            {
                "results": [
                    {
                        "check": "compose.x",
                        "code": "C101",
                        "status": "error",
                        "points": 0,
                        "max_points": 10,
                        "title": "t",
                        "file": "docker-compose.yml",
                        "line": 3,
                        "message": "YAML syntax error",
                        "hint": None,
                    }
                ]
            },
            error="YAML syntax error",
        ),
    ]
    page = html.render(rows, rubric, "en")
    assert 'data-learners="2" data-passed="0" data-graded="0" data-not-graded="2"' in page
    assert (
        'id="nobody"' in page
        and '<td class="n">—</td>' in page
        and "clone failed" in page
        and "YAML syntax error" in page
    )


@pytest.mark.runtime
def test_a_batch_beside_submissions_over_budget_keeps_every_legitimate_verdict(tmp_path: Path) -> None:
    """Legitimate learners graded two stacks at a time beside one submission of each budget
    class: the legitimate verdicts are what they are alone (full marks), the static budget
    (scale: 100) is refused at its line, and the one that fills its disk at run time is stopped
    with the budget named in its report. The class's rubric cuts the disk budget to 700 MB."""
    import shutil

    import yaml
    from legit_projects import materialize

    from grader.runtime.engine import connect, labelled

    subs = tmp_path / "subs"
    shutil.copytree(WORKSHOP, subs / "workshop")
    materialize("nonroot-user-backend", subs / "nonroot")
    for name, lines in (
        ("over-scale", "  extra:\n    image: python:3.13-slim\n    scale: 100\n"),
        ("over-images", "".join(f"  extra{i}:\n    build: ./backend\n" for i in range(4))),
        (
            "over-disk",
            "  writer:\n    image: python:3.13-slim\n"
            "    command: [sh, -c, 'dd if=/dev/zero of=/big bs=1M count=500; sleep 3600']\n",
        ),
        (
            "over-volume",
            "  writer:\n    image: python:3.13-slim\n    volumes: [backend-data:/scratch]\n"
            "    command: [sh, -c, 'dd if=/dev/zero of=/scratch/big bs=1M count=500; sleep 3600']\n",
        ),
    ):
        shutil.copytree(WORKSHOP, subs / name)
        compose = subs / name / "docker-compose.yml"
        compose.write_text(compose.read_text().replace("\nnetworks:\n", "\n" + lines + "\nnetworks:\n", 1))
    shutil.copytree(WORKSHOP, subs / "over-build")
    dockerfile = subs / "over-build" / "backend" / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace("COPY app.py .", "RUN dd if=/dev/zero of=/big bs=1M count=500\nCOPY app.py .")
    )
    rubric = yaml.safe_load((REPO / "rubrics" / "step-06-horizontal-scaling.yaml").read_text())
    rubric["runtime"]["budget"] = {"disk": "700m", "watch_seconds": 1.0}
    rubric_file = tmp_path / "class.yaml"
    rubric_file.write_text(yaml.safe_dump(rubric, allow_unicode=True))
    out = tmp_path / "out"
    r = run(
        "batch", str(subs), "--out", str(out), "--runtime", "--stacks", "2", "--rubric", str(rubric_file),
        "--progress", "plain", "--lang", "en",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    book = {row["id"]: row for row in gradebook(out)}
    for legit in ("workshop", "nonroot"):
        assert book[legit]["verdict"] == "pass", book[legit]
        assert book[legit]["score"] == str(full_score(runtime=True)), book[legit]
    for static in ("over-scale", "over-images"):  # refused before anything is built, the budget named
        assert book[static]["verdict"] == "error" and "budget" in book[static]["error"], book[static]
    for grown in ("over-disk", "over-volume", "over-build"):  # stopped while it ran, the budget named
        assert book[grown]["verdict"] == "fail", book[grown]
        report = json.loads((out / "reports" / f"{grown}.json").read_text())
        runtime = [x for x in report["results"] if x["check"].startswith("runtime.")]
        assert runtime and all("over its budget" in x["message"] and "700m" in x["message"] for x in runtime), runtime
    assert labelled(connect(), scope="left") == {}
