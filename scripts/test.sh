#!/usr/bin/env bash
# The project's test command (the README gives this; CI runs exactly this): set up, then run
# every test, the runtime ones (real containers) included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Lint, format and types first (settings in pyproject.toml): a run with a finding fails here.
python3 -m ruff check grader tests scripts benchmarks
python3 -m ruff format --check grader tests scripts benchmarks
python3 -m mypy grader
exec python3 -m pytest -q "$@"
