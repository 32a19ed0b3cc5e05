#!/usr/bin/env bash
# Sets up a fresh machine: the grader with its test and documentation tools (Python 3.11+ with
# pip; the docs extra builds the site that tests/test_docs.py checks), then what
# runtime grading needs (Compose v2, and stand-ins for the official base images where no
# registry can be reached; see scripts/setup-runtime.sh), Chromium for the tests that open the
# HTML report and the documentation site, and redis-server for the queue's tests (they start
# their own on a free loopback port; the system service is left stopped). A second run takes
# seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check ".[test,docs]"
bash scripts/setup-runtime.sh
# The HTML report's and the site's tests open them in a real headless browser: Chromium from
# Debian's packages.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    as_root apt-get install -y -qq chromium >/dev/null 2>&1 \
        || { as_root apt-get update -qq && as_root apt-get install -y -qq chromium >/dev/null; }
fi
# `grader batch --queue` and its tests: Redis from Debian's packages. The package starts a
# system service where systemd runs; the tests start their own server, so it is stopped.
if ! command -v redis-server >/dev/null 2>&1; then
    as_root apt-get install -y -qq redis-server >/dev/null 2>&1 \
        || { as_root apt-get update -qq && as_root apt-get install -y -qq redis-server >/dev/null; }
    { as_root systemctl disable --now redis-server || as_root service redis-server stop; } >/dev/null 2>&1 || true
fi
# The seal's helper image (grader/runtime/seal_helper.py), built once here rather than inside
# the first graded run, and a word on what runtime grading can do on this machine.
grader doctor
