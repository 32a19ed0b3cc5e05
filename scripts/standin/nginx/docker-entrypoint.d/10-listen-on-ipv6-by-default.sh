#!/bin/sh
# When conf.d/default.conf is still the image's own file (the checksum taken when the image was
# built) and may be written, and the container has IPv6, add `listen [::]:80;` beside
# `listen 80;`. A learner's own default.conf is never touched.
set -e
ME=$(basename "$0")
FILE=/etc/nginx/conf.d/default.conf
SUM=/usr/lib/nginx/default.conf.sha256
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }

[ -f /proc/net/if_inet6 ] || { say "$ME: info: ipv6 not available"; exit 0; }
[ -f "$FILE" ] || { say "$ME: info: $FILE is not a file or does not exist"; exit 0; }
touch "$FILE" 2>/dev/null || { say "$ME: info: can not modify $FILE (read-only file system?)"; exit 0; }
if ! sha256sum -c --status "$SUM" 2>/dev/null; then
    say "$ME: info: $FILE differs from the packaged version"
    exit 0
fi
sed -i -E 's,listen       80;,listen       80;\n    listen  [::]:80;,' "$FILE"
say "$ME: info: Enabled listen on IPv6 in $FILE"
