#!/bin/sh
# With NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE set, set worker_processes to the CPUs the
# container may use (its cgroup's CPU quota, else the CPUs it sees).
set -e
ME=$(basename "$0")
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }
[ -n "${NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE:-}" ] || exit 0
cpus=$(nproc)
if [ -r /sys/fs/cgroup/cpu.max ]; then
    read -r quota period </sys/fs/cgroup/cpu.max
    if [ "$quota" != max ] && [ "$period" -gt 0 ]; then
        limit=$(( (quota + period - 1) / period ))
        [ "$limit" -lt "$cpus" ] && cpus=$limit
    fi
fi
[ "$cpus" -ge 1 ] || cpus=1
sed -i -E "s/^(\s*worker_processes)\s+[^;]+;/\1 $cpus;/" /etc/nginx/nginx.conf 2>/dev/null \
    || say "$ME: error: can not modify /etc/nginx/nginx.conf (read-only file system?)"
say "$ME: info: worker_processes set to $cpus"
