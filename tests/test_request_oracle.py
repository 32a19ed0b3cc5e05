"""The real nginx is the oracle for the request model (grader.nginx.request).

Each config (the workshop's, a few hundred generated from it, and the shared corpus's that
proxy) runs in the nginx:1.30 image beside an echoing backend reachable as `backend`; each
request is sent to nginx's own address, as the published port delivers it. What came back (no
answer, nginx's own status, or the backend's echo of the path, headers and HTTP version it got,
and which server marked the answer) is compared with what the model predicts. For a proxied
request the backend's address is then changed and the request sent again after 2 s: a name
nginx resolves per request (resolver valid=1s) reaches the new address, one it resolved at start
does not. All configs run in one nginx container, one after another.

A request the model cannot follow (it says `unknown`, with the reason) is counted apart; every
other one must agree. Cases they once disagreed on are kept in tests/test_request_model.py.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from conftest import SHARED, WORKSHOP, shared_path
from request_cases import (
    FLIP_WAIT,
    Case,
    compare,
    config_of,
    corpus_cases,
    generated,
    predict,
    requests_for,
    run_files,
    workshop_cases,
)
from request_harness import Request as RunRequest
from request_harness import RunCase, run_in_nginx

from grader.errors import InputError
from grader.nginx.request import listens, start_failure

pytestmark = pytest.mark.oracle


def all_cases(tmp: Path) -> tuple[list[Case], list]:
    shared_path("corpus")
    cases = workshop_cases(WORKSHOP) + generated(random.Random(20261201), 320)
    cases += corpus_cases([SHARED / "corpus" / "dev", SHARED / "corpus" / "wild" / "nginx"])
    kept, configs = [], []
    for i, c in enumerate(cases):
        try:
            cfg = config_of(c, tmp / "ours" / str(i))
            run_files(c)
        except InputError:
            continue  # a config nginx -t refuses is tests/test_nginx_oracle.py's business
        if not c.requests:
            c.requests = requests_for(cfg)
        if c.requests:
            kept.append(c)
            configs.append(cfg)
    return kept, configs


def hosts_and_ports(cases: list[Case]) -> tuple[set[str], set[int]]:
    hosts, ports = set(), {8080, 9000, 80}
    for c in cases:
        for m in re.finditer(r"(?:proxy_pass|server)\s+(?:https?://)?([A-Za-z_][\w.-]*)(?::(\d+))?", c.text):
            host = m.group(1)
            if host not in ("unix", "localhost") and not host.startswith("$") and "." not in host[-1:]:
                hosts.add(host)
            if m.group(2):
                ports.add(int(m.group(2)))
    # Upstream names are not hosts; aliases that are harmless either way.
    return {h for h in hosts if re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", h, re.I)}, {p for p in ports if p < 65536}


def test_the_request_model_agrees_with_nginx(tmp_path: Path) -> None:
    cases, configs = all_cases(tmp_path)
    run = []
    for c in cases:
        reqs = []
        for j, r in enumerate(c.requests):
            reqs.append(
                RunRequest(r.target, r.host, r.port, r.method, list(r.headers), FLIP_WAIT if j in c.flips else 0.0)
            )
        run.append(RunCase(c.name, run_files(c), reqs))
    hosts, ports = hosts_and_ports(cases)
    got = run_in_nginx(run, tmp_path / "run", hosts, ports)
    agree = differ = unknown = not_started = 0
    report: list[str] = []
    corpus_not_started = 0
    for c, cfg, result in zip(cases, configs, got, strict=True):  # an answer for every config
        failure = start_failure(cfg)
        if result["started"] != "ok":
            not_started += 1
            if failure is None and c.name.startswith("corpus:"):
                corpus_not_started += 1  # a wild config that needs files of its own: counted, bounded
            elif failure is None:
                report.append(f"{c.name}: nginx did not start, the model says it does: {result['error'][-300:]}")
                differ += 1
            continue
        if failure is not None:
            report.append(f"{c.name}: the model says nginx does not start ({failure}); it did")
            differ += 1
            continue
        # every request the model predicts was answered by nginx, and no more
        for j, (o, r) in enumerate(zip(predict(c, cfg), result["results"], strict=True)):
            if o.kind == "unknown":
                unknown += 1
                continue
            own = {ls.port for s in cfg.servers() for ls in listens(cfg, s)}
            diffs = compare(o, r, r.get("after_flip") if j in c.flips else None, own)
            if diffs:
                differ += 1
                req = c.requests[j]
                report.append(
                    f"{c.name} {req.method} {req.target} Host: {req.host} port {req.port}: " + "; ".join(diffs)
                )
            else:
                agree += 1
    total = agree + differ + unknown
    print(
        f"\nrequest oracle: {len(cases)} configs ({not_started} did not start in nginx), {total} requests: "
        f"{agree} agree, {differ} differ, {unknown} the model does not follow"
    )
    print(f"request oracle: {corpus_not_started} wild configs nginx would not start that the model starts")
    assert not report, "\n".join(report[:60])
    # floors and bounds: real comparisons, and what the model does not follow kept small
    assert total >= 500 and agree >= 0.9 * total, (agree, total)
    assert unknown <= 0.05 * total, f"{unknown} of {total} requests the model does not follow"
    assert corpus_not_started <= 0.1 * len(cases), corpus_not_started
