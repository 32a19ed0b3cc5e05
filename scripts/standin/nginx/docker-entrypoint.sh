#!/bin/sh
# The nginx stand-in's entrypoint, written for this project to behave as the official image's
# does: when the command is nginx (or nginx-debug), run the executable *.sh files of
# /docker-entrypoint.d/ in name order and source its *.envsh files, then exec the command.
# NGINX_ENTRYPOINT_QUIET_LOGS set (to anything) silences this script's own lines.
set -e

say() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    if find /docker-entrypoint.d/ -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | read -r _; then
        say "$0: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
        say "$0: Looking for shell scripts in /docker-entrypoint.d/"
        find /docker-entrypoint.d/ -follow -type f -print | sort -V | while read -r f; do
            case "$f" in
                *.envsh)
                    if [ -x "$f" ]; then
                        say "$0: Sourcing $f"
                        . "$f"
                    else
                        say "$0: Ignoring $f, not executable"
                    fi
                    ;;
                *.sh)
                    if [ -x "$f" ]; then
                        say "$0: Launching $f"
                        "$f"
                    else
                        say "$0: Ignoring $f, not executable"
                    fi
                    ;;
                *) say "$0: Ignoring $f" ;;
            esac
        done
        say "$0: Configuration complete; ready for start up"
    else
        say "$0: No files found in /docker-entrypoint.d/, skipping configuration"
    fi
fi

exec "$@"
