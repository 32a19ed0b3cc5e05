#!/usr/bin/env bash
# The project's test command (the README gives this; CI runs exactly this): set up, then run
# every test, the runtime ones (real containers) included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec python3 -m pytest -q "$@"
