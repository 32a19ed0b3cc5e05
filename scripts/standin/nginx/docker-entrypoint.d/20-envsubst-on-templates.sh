#!/bin/sh
# Render every template into the config: each *${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
# under ${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates} (subfolders kept) into
# ${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}, replacing only the variables defined in the
# environment (and, with NGINX_ENVSUBST_FILTER set, only those whose name matches it, a regular
# expression): every other $name stays for nginx. The same for *.stream-template
# (NGINX_ENVSUBST_STREAM_TEMPLATE_SUFFIX) into /etc/nginx/stream-conf.d
# (NGINX_ENVSUBST_STREAM_OUTPUT_DIR) when that folder exists.
set -e
ME=$(basename "$0")
say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$@"; }

defined_envs() {
    printf '${%s} ' $(awk -v filter="${NGINX_ENVSUBST_FILTER:-}" \
        'END { for (name in ENVIRON) if (name ~ filter) print name }' </dev/null)
}

render() {
    dir=$1 suffix=$2 out=$3
    [ -d "$dir" ] || return 0
    if [ ! -w "$out" ]; then
        say "$ME: ERROR: $dir exists, but $out is not writable"
        return 0
    fi
    envs=$(defined_envs)
    find "$dir" -follow -type f -name "*$suffix" -print | while read -r template; do
        rel=${template#"$dir/"}
        target="$out/${rel%"$suffix"}"
        mkdir -p "$(dirname "$target")"
        say "$ME: Running envsubst on $template to $target"
        envsubst "$envs" <"$template" >"$target"
    done
}

templates=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
render "$templates" "${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}" "${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
stream_out=${NGINX_ENVSUBST_STREAM_OUTPUT_DIR:-/etc/nginx/stream-conf.d}
if [ -d "$stream_out" ]; then
    render "$templates" "${NGINX_ENVSUBST_STREAM_TEMPLATE_SUFFIX:-.stream-template}" "$stream_out"
fi
