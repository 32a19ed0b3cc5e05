#!/bin/sh
# Our real backend (Spring Boot on a JVM with half a core) needs about 45 s before it opens
# its port. This wrapper does the same, so the stack is tested as it really starts:
# until then nginx answers /api with 502 and the replicas show as "starting up" in the logs.
set -e
echo "$(hostname) warming up (${STARTUP_DELAY:-45} s)..."
sleep "${STARTUP_DELAY:-45}"
# exec: python replaces the shell as PID 1 and gets SIGTERM from `docker compose stop`.
exec python -u app.py
