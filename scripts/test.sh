#!/usr/bin/env bash
# The project's test command (the README gives this; CI runs exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m pytest -q "$@"
