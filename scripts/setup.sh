#!/usr/bin/env bash
# Sets up a fresh machine: the grader and its test tools (Python 3.11+ with pip), then what
# runtime grading needs (Compose v2, and stand-ins for the official base images where no
# registry can be reached; see scripts/setup-runtime.sh). A second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check ".[test]"
bash scripts/setup-runtime.sh
