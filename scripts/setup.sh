#!/usr/bin/env bash
# Installs the grader and its test tools on a fresh machine (Python 3.11+ with pip).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check ".[test]"
