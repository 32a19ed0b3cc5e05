#!/usr/bin/env bash
# Prepares a machine with a Docker engine but no container registry for runtime grading:
#   1. Compose v2 (`docker compose`), installed as a CLI plugin from Debian's package when missing;
#   2. local stand-ins for the official images that workshop/ and the test fixtures name
#      (nginx:1.30, python:3.13-slim, and debian:bookworm-slim, which the legitimate
#      submissions' build stages start from), built from Debian's packages with debootstrap and
#      `docker import`, only where no image of that name exists yet.
# A second run finds everything in place and takes seconds. The stand-ins carry the label
# org.workshop-grader.stand-in; they are a cache and are never removed by the grader or the tests.
# On a machine that can pull from Docker Hub, the official images are pulled instead.
set -euo pipefail

LABEL=org.workshop-grader.stand-in
# A digest of how a stand-in is made: an image made by another recipe is made again.
RECIPE_LABEL=org.workshop-grader.stand-in.recipe
REPO=$(cd "$(dirname "$0")/.." && pwd)
STANDIN=$REPO/scripts/standin
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)

say() { printf '[setup-runtime] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

docker info >/dev/null 2>&1 || die "the Docker engine does not answer (is the daemon running, may this user use it?)"

# The Debian mirror this machine already uses (deb822 .sources or one-line .list); never a fixed host.
debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk '/^URIs:/ {print $2}' | grep -v -- '-security' | head -n1 || true)
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
              | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
              | grep -v -- '-security' | head -n1 || true)
    fi
    [ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list*"
    printf '%s\n' "${uri%/}"
}

compose_v2_present() {
    local v
    v=$(docker compose version --short 2>/dev/null || true)
    case "$v" in v2.*|2.*) return 0 ;; esac
    v=$(docker-compose version --short 2>/dev/null || true)
    case "$v" in v2.*|2.*) return 0 ;; esac
    return 1
}

# Downloads one package from a Debian suite with a private apt state, so the machine's own
# sources and lists stay as they are. Prints the .deb's path.
fetch_deb() {
    local suite=$1 pkg=$2 work=$3
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $suite main" >"$work/sources.list"
    local opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
                -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
                -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
    apt-get "${opts[@]}" -qq update >&2
    (cd "$work" && apt-get "${opts[@]}" -qq download "$pkg/$suite" >&2)
    ls "$work"/"${pkg}"_*.deb
}

install_compose() {
    if compose_v2_present; then
        say "Compose v2 present: $(docker compose version --short 2>/dev/null || docker-compose version --short)"
        return
    fi
    # Debian 13's docker-compose is Compose v2 as a static CLI plugin (depends on libc6 only).
    say "installing Compose v2 from Debian trixie's docker-compose package"
    local work deb
    work=$(mktemp -d)
    deb=$(fetch_deb trixie docker-compose "$work")
    dpkg-deb -x "$deb" "$work/root"
    as_root install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-compose" \
        "$PLUGIN_DIR/docker-compose"
    rm -rf "$work"
    compose_v2_present || die "Compose v2 was installed to $PLUGIN_DIR but \`docker compose\` does not answer"
    say "Compose v2 installed: $(docker compose version --short)"
}

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

# recipe BUILDER: the digest of the builder function and the files it puts in the image.
recipe() {
    { declare -f "$1" rootfs import_image
      if [ "$1" = build_nginx ]; then
          echo "$NGINX_PACKAGES"
          find "$STANDIN/nginx" "$REPO/grader/nginx/image" -type f | sort | xargs cat
      fi; } | sha256sum | cut -c1-16
}

# A stand-in made by an older recipe (the official image pulled from a registry has no recipe
# label and is kept as it is).
stale_standin() {
    local have
    have=$(docker image inspect -f "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true)
    [ -n "$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true)" ] \
        && [ "$have" != "$(recipe "$2")" ]
}

ensure_debootstrap() {
    command -v debootstrap >/dev/null 2>&1 && return
    say "installing debootstrap"
    as_root apt-get install -y -qq debootstrap >/dev/null 2>&1 \
        || { as_root apt-get update -qq && as_root apt-get install -y -qq debootstrap >/dev/null; }
}

# rootfs SUITE PACKAGES DIR: a minimal Debian tree with PACKAGES, trimmed of docs and caches.
rootfs() {
    local suite=$1 packages=$2 dir=$3
    ensure_debootstrap
    say "debootstrap $suite + $packages (from $MIRROR)"
    as_root debootstrap --variant=minbase --include="$packages" \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$suite" "$dir" "$MIRROR" >"$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2; die "debootstrap $suite failed"; }
    as_root rm -rf "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
        "$dir"/var/cache/apt/* "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log "$dir"/tmp/*
}

# import DIR TAG CHANGES...: one layer from the tree, with the official image's CMD, ENV, ...
# `docker import` takes no STOPSIGNAL, so one is set by a build FROM the imported layer (local:
# nothing is pulled).
import_image() {
    local dir=$1 tag=$2; shift 2
    local changes=() c after=""
    for c in "$@"; do
        case "$c" in STOPSIGNAL*) after+="$c"$'\n' ;; *) changes+=(--change "$c") ;; esac
    done
    local target=$tag
    [ -z "$after" ] || target="$tag-import-$$"
    as_root tar -C "$dir" --numeric-owner --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -c . \
        | docker import "${changes[@]}" - "$target" >/dev/null
    if [ -n "$after" ]; then
        printf 'FROM %s\n%s' "$target" "$after" | DOCKER_BUILDKIT=0 docker build -q -t "$tag" - >/dev/null
        docker image rm "$target" >/dev/null
    fi
}

# Version check: a stand-in must carry the version its tag promises.
expect_version() {
    local what=$1 found=$2 want=$3
    case "$found" in "$want"|"$want".*) ;; *) die "$what is $found, but the tag says $want";; esac
}

# The official image's nginx (see ../shared/reference/nginx-official-image.md and README's
# "Machines without a container registry"): Debian's nginx of the tag's version with the module
# packages of the official image's dynamic modules, arranged as the official build has them.
NGINX_PACKAGES=nginx,libnginx-mod-stream,libnginx-mod-mail,libnginx-mod-http-xslt-filter,libnginx-mod-http-geoip,libnginx-mod-stream-geoip,libnginx-mod-http-image-filter,libnginx-mod-http-js,libnginx-mod-stream-js,gettext-base,curl,ca-certificates

build_nginx() {
    local tag=$1 want=${1#nginx:} dir
    dir=$(mktemp -d /var/tmp/standin-nginx.XXXXXX)
    # nginx >= 1.27.3 (upstream `resolve`) is only in Debian's development releases; the
    # unstable one moves on first, so testing is tried when it no longer has the tag's version.
    local r=$dir/root version="" suite
    for suite in sid forky; do
        as_root rm -rf "$r"
        rootfs "$suite" "$NGINX_PACKAGES" "$r"
        version=$(as_root chroot "$r" nginx -v 2>&1 | sed -n 's#.*nginx/\([0-9.]*\).*#\1#p')
        case "$version" in "$want"|"$want".*) break ;; esac
        say "Debian $suite has nginx $version, not $want"
    done
    expect_version nginx "$version" "$want"
    local njs
    njs=$(as_root chroot "$r" dpkg-query -W -f '${Version}' libnginx-mod-http-js | cut -d- -f1)
    # stream and mail are compiled into the official build: here the wrapper at /usr/sbin/nginx
    # loads Debian's modules for them before the main file, from a folder load_module does not
    # look in, so `load_module modules/ngx_stream_module.so;` fails as it does there.
    as_root mkdir -p "$r/usr/lib/nginx/sbin" "$r/usr/lib/nginx/builtin"
    as_root mv "$r/usr/sbin/nginx" "$r/usr/lib/nginx/sbin/nginx"
    as_root mv "$r/usr/lib/nginx/modules/ngx_stream_module.so" "$r/usr/lib/nginx/modules/ngx_mail_module.so" \
        "$r/usr/lib/nginx/builtin/"
    as_root install -m 0755 "$STANDIN/nginx/nginx" "$r/usr/sbin/nginx"
    # /etc/nginx as the official image ships it: its nginx.conf and conf.d/default.conf (the
    # grader's copies, which the grader reads too), the params and mime.types files (upstream's,
    # as Debian packages them), and modules -> /usr/lib/nginx/modules; none of Debian's own.
    as_root mkdir -p "$dir/keep"
    for f in mime.types fastcgi_params scgi_params uwsgi_params; do
        as_root cp "$r/etc/nginx/$f" "$dir/keep/$f"
    done
    as_root rm -rf "$r/etc/nginx"
    as_root mkdir -p "$r/etc/nginx/conf.d"
    as_root cp "$dir"/keep/* "$r/etc/nginx/"
    as_root install -m 0644 "$REPO/grader/nginx/image/nginx.conf" "$r/etc/nginx/nginx.conf"
    # The package's default.conf has no IPv6 listen: the entrypoint adds it (10-listen-on-ipv6).
    grep -v 'listen  \[::\]:80;' "$REPO/grader/nginx/image/default.conf" | as_root tee "$r/etc/nginx/conf.d/default.conf" >/dev/null
    ( cd "$r" && sha256sum etc/nginx/conf.d/default.conf | sed 's#  etc/#  /etc/#' ) | as_root tee "$r/usr/lib/nginx/default.conf.sha256" >/dev/null
    as_root ln -s /usr/lib/nginx/modules "$r/etc/nginx/modules"
    as_root rm -rf "$r/usr/share/nginx/modules" "$r/usr/share/nginx/modules-available"  # Debian's prefix's
    # Debian's nginx-common makes /var/www/html; the official image has no /var/www, so a
    # `root /var/www/html;` there answers 404, not 403.
    as_root rm -rf "$r/var/www"
    # the entrypoint and its scripts, of this project's writing
    as_root install -m 0755 "$STANDIN/nginx/docker-entrypoint.sh" "$r/docker-entrypoint.sh"
    as_root mkdir -p "$r/docker-entrypoint.d"
    as_root install -m 0755 "$STANDIN"/nginx/docker-entrypoint.d/* "$r/docker-entrypoint.d/"
    # user and group nginx (101), the official build's temp paths, logs to the container's output
    as_root chroot "$r" groupadd --system --gid 101 nginx
    as_root chroot "$r" useradd --system --gid nginx --no-create-home --home /nonexistent \
        --comment "nginx user" --shell /bin/false --uid 101 nginx
    as_root mkdir -p "$r/var/cache/nginx" "$r/var/log/nginx" "$r/usr/share/nginx/html"
    printf '<!DOCTYPE html>\n<title>Welcome to nginx!</title>\n<h1>Welcome to nginx!</h1>\n' \
        | as_root tee "$r/usr/share/nginx/html/index.html" >/dev/null
    printf '<!DOCTYPE html>\n<title>Error</title>\n<h1>An error occurred.</h1>\n' \
        | as_root tee "$r/usr/share/nginx/html/50x.html" >/dev/null
    as_root rm -f "$r/var/log/nginx/"*
    as_root chroot "$r" nginx -t -q || die "the stand-in's own configuration does not load"
    as_root rm -f "$r/var/log/nginx/"*
    as_root ln -sf /dev/stdout "$r/var/log/nginx/access.log"
    as_root ln -sf /dev/stderr "$r/var/log/nginx/error.log"
    import_image "$r" "$tag" \
        "LABEL $LABEL=\"debian $suite nginx $version\"" \
        "LABEL $RECIPE_LABEL=$(recipe build_nginx)" \
        "ENV NGINX_VERSION=$version" "ENV NJS_VERSION=$njs" \
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        'ENTRYPOINT ["/docker-entrypoint.sh"]' 'EXPOSE 80' 'STOPSIGNAL SIGQUIT' \
        'CMD ["nginx", "-g", "daemon off;"]'
    as_root rm -rf "$dir"
    say "built $tag (nginx $version from Debian $suite, njs $njs)"
}

build_python() {
    local tag=$1 want dir
    want=${1#python:}; want=${want%%-*}
    dir=$(mktemp -d /var/tmp/standin-python.XXXXXX)
    rootfs trixie python3,ca-certificates "$dir/root"
    local r=$dir/root version
    version=$(as_root chroot "$r" python3 -c 'import platform; print(platform.python_version())')
    expect_version python "$version" "$want"
    # The official image has `python` on PATH under /usr/local/bin.
    as_root ln -sf /usr/bin/python3 "$r/usr/local/bin/python"
    as_root ln -sf /usr/bin/python3 "$r/usr/local/bin/python3"
    import_image "$r" "$tag" \
        "LABEL $LABEL=\"debian trixie python3 $version\"" \
        "LABEL $RECIPE_LABEL=$(recipe build_python)" \
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        'ENV LANG=C.UTF-8' "ENV PYTHON_VERSION=$version" \
        'CMD ["python3"]'
    as_root rm -rf "$dir"
    say "built $tag (Python $version from Debian trixie)"
}

build_debian() {
    local tag=$1 suite=${1#debian:} dir
    suite=${suite%%-*}
    dir=$(mktemp -d /var/tmp/standin-debian.XXXXXX)
    rootfs "$suite" ca-certificates "$dir/root"
    local r=$dir/root version
    version=$(cat "$r/etc/debian_version")
    import_image "$r" "$tag" \
        "LABEL $LABEL=\"debian $suite $version\"" \
        "LABEL $RECIPE_LABEL=$(recipe build_debian)" \
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        'CMD ["bash"]'
    as_root rm -rf "$dir"
    say "built $tag (Debian $suite $version)"
}

# The images workshop/, the test fixtures and the legitimate submissions name.
STANDINS=("nginx:1.30 build_nginx" "python:3.13-slim build_python" "debian:bookworm-slim build_debian")

MIRROR=$(debian_mirror)
install_compose
pids=()
for entry in "${STANDINS[@]}"; do
    read -r tag builder <<<"$entry"
    if image_present "$tag" && ! stale_standin "$tag" "$builder"; then
        say "$tag present"
        continue
    fi
    if image_present "$tag"; then
        say "$tag was made by an older recipe: making it again"
        old=$(docker image inspect -f '{{.Id}}' "$tag")
        "$builder" "$tag" || die "$tag could not be made again"
        docker image rm "$old" >/dev/null 2>&1 || true   # untagged now; kept while a container uses it
        continue
    fi
    # Where a registry answers (a learner's laptop, a GitHub runner) the official image it is.
    if timeout 300 docker pull -q "$tag" >/dev/null 2>&1; then
        say "$tag pulled"
        continue
    fi
    [ "$ARCH" = amd64 ] || [ "$ARCH" = arm64 ] || die "no stand-in recipe for architecture $ARCH"
    ensure_debootstrap
    "$builder" "$tag" & pids+=($!)      # both downloads at once: they wait on the network
done
for pid in "${pids[@]}"; do wait "$pid" || die "a stand-in image could not be built"; done
say "ready: $(docker compose version 2>/dev/null | head -n1); images: $(for e in "${STANDINS[@]}"; do printf '%s ' "${e%% *}"; done)"
