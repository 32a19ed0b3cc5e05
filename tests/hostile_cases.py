"""Hostile submissions: each the workshop with one change that tries to reach past its own
stack (the host, the grader's environment, another learner's containers, volumes, networks and
images). tests/test_hostile.py runs each beside a victim project on the same engine.

A case is refused (exit 2 before anything is built, the hazard at the line marked `#!`, or at
the Dockerfile line holding `at`) or contained (it runs, and a probe inside the run checks what
the engine shows). Placeholders filled per run: {vc} the victim's container, {vv} its volume,
{vn} its network, {vi} its image, {gw} the default bridge's gateway, {port} a listener the test
runs on this machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BACKEND_END = "    restart: unless-stopped\n\nnetworks:"  # the backend's last line, before the networks
NETWORKS = "networks:\n  appnet:\n    driver: bridge\n"
VOLUMES = "volumes:\n  backend-data:\n"


@dataclass
class Case:
    klass: str
    name: str
    backend: str = ""  # lines added to the backend service
    networks: str = ""  # lines added under networks:
    volumes: str = ""  # lines added under volumes:
    top: str = ""  # top-level sections appended
    # other files written: relative path -> text, or a function of the workshop's compose file
    files: dict[str, Any] = field(default_factory=dict)
    dockerfile: tuple[str, str] | None = None  # (old, new) in backend/Dockerfile
    edits: list[tuple[str, str, str]] = field(default_factory=list)  # (file, old, new) in the workshop
    at: tuple[str, str] | None = None  # (file, text on the blamed line) when not the compose file's `#!`
    words: str = ""  # in the refusal


def svc(klass: str, name: str, lines: str, words: str) -> Case:
    return Case(klass, name, backend=lines, words=words)


def extra(klass: str, name: str, lines: str, words: str) -> Case:
    """Lines added to a service of its own (the backend's `networks:` would clash with network_mode)."""
    return Case(klass, name, top="  extra:\n    image: python:3.13-slim\n" + lines, words=words)


def used_volume(name: str, key: str, lines: str, words: str, klass: str = "mount") -> Case:
    """A top-level volume `key` (Compose prints only those a service uses) and a service using it."""
    return Case(
        klass,
        name,
        volumes=lines,
        top=f'  extra:\n    image: python:3.13-slim\n    volumes: ["{key}:/x"]\n',
        words=words,
    )


def used_network(name: str, key: str, lines: str, words: str) -> Case:
    return Case(
        "other",
        name,
        networks=lines,
        top=f"  extra:\n    image: python:3.13-slim\n    networks: [{key}]\n",
        words=words,
    )


def mount(name: str, line: str, words: str) -> Case:
    """A mount added to the backend's volumes."""
    return Case(
        "mount",
        name,
        edits=[("docker-compose.yml", "      - backend-data:/data\n", "      - backend-data:/data\n" + line)],
        words=words,
    )


def build(name: str, lines: str, words: str, replace: bool = False) -> Case:
    """Lines added to the backend's build (or its context replaced)."""
    old = "      context: ./backend\n"
    return Case("build", name, edits=[("docker-compose.yml", old, lines if replace else old + lines)], words=words)


REFUSED: list[Case] = [
    # -- host namespaces and privileges ------------------------------------------------------------
    svc("host", "privileged", "    privileged: true  #!\n", "privileged"),
    extra("host", "network_mode host", "    network_mode: host  #!\n", "host"),
    extra("host", "network_mode bridge", "    network_mode: bridge  #!\n", "network_mode: bridge"),
    svc("host", "pid host", "    pid: host  #!\n", "pid: host"),
    svc("host", "ipc host", "    ipc: host  #!\n", "ipc: host"),
    svc("host", "uts host", "    uts: host  #!\n", "uts"),
    svc("host", "userns_mode host", "    userns_mode: host  #!\n", "userns_mode"),
    svc("host", "cgroup host", "    cgroup: host  #!\n", "cgroup"),
    svc("host", "cap_add SYS_ADMIN", "    cap_add:\n      - SYS_ADMIN  #!\n", "SYS_ADMIN"),
    svc("host", "cap_add ALL", "    cap_add:\n      - ALL  #!\n", "ALL"),
    svc("host", "seccomp unconfined", "    security_opt:\n      - seccomp:unconfined  #!\n", "security profile"),
    svc("host", "apparmor unconfined", "    security_opt:\n      - apparmor:unconfined  #!\n", "security profile"),
    Case(
        "host",
        "seccomp profile that allows everything",
        backend="    security_opt:\n      - seccomp=./open.json  #!\n",
        files={"open.json": '{"defaultAction": "SCMP_ACT_ALLOW"}\n'},
        words="security_opt",
    ),
    svc("host", "devices", "    devices:  #!\n      - /dev/kmsg:/dev/kmsg\n", "devices"),
    svc("host", "device_cgroup_rules", "    device_cgroup_rules:  #!\n      - 'c 1:3 mr'\n", "device_cgroup_rules"),
    svc("host", "cgroup_parent", "    cgroup_parent: /  #!\n", "cgroup_parent"),
    svc("host", "oom_score_adj", "    oom_score_adj: -1000  #!\n", "oom_score_adj"),
    svc("host", "oom_kill_disable", "    oom_kill_disable: true  #!\n", "oom_kill_disable"),
    svc("host", "shm_size", "    shm_size: 8g  #!\n", "shm_size"),
    svc("host", "sysctls", "    sysctls:  #!\n      net.ipv4.ip_unprivileged_port_start: 0\n", "sysctls"),
    svc("host", "ulimits", "    ulimits:  #!\n      nofile: 1048576\n", "ulimits"),
    svc("host", "runtime", "    runtime: runc  #!\n", "runtime"),
    svc(
        "host",
        "GPU device request",
        "    deploy:\n      resources:\n        reservations:\n          devices:  #!\n"
        "            - capabilities: [gpu]\n",
        "devices",
    ),
    svc("host", "dns outside", "    dns: 192.0.2.53  #!\n", "dns"),
    svc("host", "storage_opt", "    storage_opt:  #!\n      size: 1G\n", "storage_opt"),
    svc("host", "unknown key", '    cpuset: "0"  #!\n', "cpuset"),
    svc("host", "replicas over the cap", "    deploy:\n      replicas: 50  #!\n", "replicas"),
    svc("host", "a thousand published ports", '    ports:\n      - "20000-21000:8080"  #!\n', "ports"),
    # -- mounts of the host -----------------------------------------------------------------------
    mount("root folder", "      - /:/host  #!\n", "outside the submission"),
    mount("docker socket", "      - /var/run/docker.sock:/var/run/docker.sock  #!\n", "socket"),
    mount("parent folder", "      - ../:/up  #!\n", "outside the submission"),
    mount("home folder by variable", "      - ${HOME}/.ssh:/ssh  #!\n", "backend"),
    mount(
        "long-syntax bind of /etc",
        "      - type: bind  #!\n        source: /etc\n        target: /hostetc\n",
        "outside the submission",
    ),
    mount("shared propagation", "      - ./backend:/src:rshared  #!\n", "propagation"),
    used_volume(
        "volume bound to /etc by driver_opts",
        "hostetc",
        "  hostetc:\n    driver_opts:\n      type: none\n      o: bind\n      device: /etc  #!\n",
        "outside the submission",
    ),
    used_volume(
        "volume bound to a relative folder",
        "local",
        "  local:\n    driver_opts:  #!\n      type: none\n      o: bind\n      device: ./backend\n",
        "driver_opts",
    ),
    used_volume(
        "overlay lowerdir",
        "over",
        "  over:\n    driver_opts:  #!\n      type: overlay\n"
        "      o: lowerdir=/etc,upperdir=/tmp/u,workdir=/tmp/w\n      device: overlay\n",
        "driver_opts",
    ),
    used_volume(
        "nfs volume",
        "remote",
        "  remote:\n    driver_opts:  #!\n      type: nfs\n      o: addr=192.0.2.1\n      device: :/export\n",
        "driver_opts",
    ),
    used_volume("volume plugin driver", "plug", "  plug:\n    driver: rexray/ebs  #!\n", "driver"),
    # -- another learner's objects ----------------------------------------------------------------
    extra("other", "network_mode container", "    network_mode: container:{vc}  #!\n", "network_mode"),
    svc("other", "pid container", "    pid: container:{vc}  #!\n", "pid"),
    svc("other", "ipc container", "    ipc: container:{vc}  #!\n", "ipc"),
    svc("other", "volumes_from container", "    volumes_from:  #!\n      - container:{vc}\n", "volumes_from"),
    svc("other", "external_links", "    external_links:  #!\n      - {vc}:db\n", "external_links"),
    used_volume(
        "external volume", "theirs", "  theirs:\n    external: true  #!\n    name: {vv}\n", "external", "other"
    ),
    used_network("external network", "theirs", "  theirs:\n    external: true  #!\n    name: {vn}\n", "external"),
    used_network(
        "external network named host", "hostnet", "  hostnet:\n    external: true  #!\n    name: host\n", "external"
    ),
    used_network("network driver host", "hostdrv", "  hostdrv:\n    driver: host  #!\n", "driver"),
    used_network(
        "network driver_opts",
        "opts",
        "  opts:\n    driver_opts:  #!\n      com.docker.network.bridge.name: docker0\n",
        "driver_opts",
    ),
    used_network("IPv6 network", "six", "  six:\n    enable_ipv6: true  #!\n", "enable_ipv6"),
    Case(
        "other",
        "service image built by another run",
        top="  extra:\n    image: {vi}  #!\n",
        words="built on this engine",
    ),
    # -- builds -----------------------------------------------------------------------------------
    build("build on the host network", "      network: host  #!\n", "host's network"),
    build("build tags another image", "      tags:  #!\n        - {vi}\n", "build.tags"),
    build("build cache_from another image", "      cache_from:  #!\n        - {vi}\n", "build.cache_from"),
    build(
        "build context of another image",
        "      additional_contexts:\n        base: docker-image://{vi}  #!\n",
        "build context",
    ),
    build("privileged build", "      privileged: true  #!\n", "privileged"),
    build("remote build context", "      context: https://192.0.2.1/repo.git  #!\n", "remote", replace=True),
    Case(
        "build",
        "FROM another run's image",
        dockerfile=("FROM python:3.13-slim", "FROM {vi}"),
        at=("backend/Dockerfile", "FROM {vi}"),
        words="built on this engine",
    ),
    Case(
        "build",
        "COPY --from another run's image",
        dockerfile=("COPY app.py .", "COPY --from={vi} /secret /s\nCOPY app.py ."),
        at=("backend/Dockerfile", "COPY --from"),
        words="built on this engine",
    ),
    Case(
        "build",
        "RUN --mount from another run's image",
        dockerfile=("COPY app.py .", "RUN --mount=type=bind,from={vi},target=/v cat /v/secret\nCOPY app.py ."),
        at=("backend/Dockerfile", "RUN --mount"),
        words="built on this engine",
    ),
    Case(
        "build",
        "FROM by a build argument",
        dockerfile=("FROM python:3.13-slim", "ARG BASE={vi}\nFROM ${BASE}"),
        at=("backend/Dockerfile", "FROM ${BASE}"),
        words="built on this engine",
    ),
    Case(
        "build",
        "FROM an argument with no value",
        dockerfile=("FROM python:3.13-slim", "ARG BASE\nFROM ${BASE}"),
        at=("backend/Dockerfile", "FROM ${BASE}"),
        words="cannot tell",
    ),
    Case(
        "build",
        "syntax frontend of another run",
        dockerfile=("FROM python:3.13-slim", "# syntax={vi}\nFROM python:3.13-slim"),
        at=("backend/Dockerfile", "# syntax"),
        words="built on this engine",
    ),
    # -- a run's budget, before anything is built ---------------------------------------------------------
    Case(
        "budget",
        "scale: 100",
        top="  extra:\n    image: python:3.13-slim\n    scale: 100  #!\n",
        words="budget",
    ),
    Case(
        "budget",
        "sixty services",
        top="".join(f"  extra{i:02d}:{'  #!' if i == 7 else ''}\n    image: python:3.13-slim\n" for i in range(60)),
        words="budget",
    ),
    Case(
        "budget",
        "replicas within the cap, containers over the budget",
        top="  extra:\n    image: python:3.13-slim\n    deploy:\n      replicas: 9  #!\n",
        words="budget",
    ),
    Case(
        "budget",
        "twelve containers whose memory caps add up over the budget",
        top="  extra:\n    image: python:3.13-slim\n    deploy:\n      replicas: 6\n",
        at=("docker-compose.yml", "services:"),
        words="memory",
    ),
    Case(
        "budget",
        "six images built",
        top="".join(f"  extra{i}:\n    build: ./backend{'  #!' if i == 4 else ''}\n" for i in range(1, 5)),
        words="budget",
    ),
    # -- a Dockerfile read as BuildKit reads it ---------------------------------------------------------
    Case(
        "dockerfile",
        "an escape directive folds a COPY --from into the line above for a reader that ignores it",
        dockerfile=(
            "FROM python:3.13-slim",
            "# escape=`\nFROM python:3.13-slim\nRUN echo start \\\nCOPY --from={vi} /secret /s",
        ),
        at=("backend/Dockerfile", "COPY --from"),
        words="built on this engine",
    ),
    Case(
        "dockerfile",
        "an upper-case FROM= in RUN --mount",
        dockerfile=("COPY app.py .", "RUN --mount=type=bind,FROM={vi},target=/v cat /v/secret\nCOPY app.py ."),
        at=("backend/Dockerfile", "RUN --mount"),
        words="built on this engine",
    ),
    Case(
        "dockerfile",
        "a second --mount names another run's image",
        dockerfile=(
            "COPY app.py .",
            "RUN --mount=type=cache,target=/c --mount=target=/v,from={vi} cat /v/secret\nCOPY app.py .",
        ),
        at=("backend/Dockerfile", "RUN --mount"),
        words="built on this engine",
    ),
    Case(
        "dockerfile",
        "a COPY --FROM in upper case",
        dockerfile=("COPY app.py .", "COPY --FROM={vi} /secret /s\nCOPY app.py ."),
        at=("backend/Dockerfile", "COPY --FROM"),
        words="built on this engine",
    ),
    Case(
        "dockerfile",
        "a heredoc body that an older frontend reads as an instruction",
        dockerfile=("COPY app.py .", "RUN <<EOF\nCOPY --from={vi} /secret /s\nEOF\nCOPY app.py ."),
        at=("backend/Dockerfile", "COPY --from"),
        words="built on this engine",
    ),
    Case(
        "dockerfile",
        "an ONBUILD trigger",
        dockerfile=("COPY app.py .", "ONBUILD COPY --from={vi} /secret /s\nCOPY app.py ."),
        at=("backend/Dockerfile", "ONBUILD"),
        words="ONBUILD",
    ),
    # -- what the engine fetches itself, from the host ----------------------------------------------------
    Case(
        "fetch",
        "ADD a URL on the host's loopback",
        dockerfile=("COPY app.py .", "ADD http://127.0.0.1:{port}/x /x\nCOPY app.py ."),
        at=("backend/Dockerfile", "ADD http"),
        words="engine fetches it itself",
    ),
    Case(
        "fetch",
        "ADD a URL by a name of the host",
        dockerfile=("COPY app.py .", "ADD http://localhost:{port}/x /x\nCOPY app.py ."),
        at=("backend/Dockerfile", "ADD http"),
        words="engine fetches it itself",
    ),
    Case(
        "fetch",
        "ADD a URL at the cloud's metadata address",
        dockerfile=("COPY app.py .", "ADD http://169.254.169.254/latest/meta-data/ /x\nCOPY app.py ."),
        at=("backend/Dockerfile", "ADD http"),
        words="engine fetches it itself",
    ),
    Case(
        "fetch",
        "an image from a registry on the host's loopback",
        top="  extra:\n    image: 127.0.0.1:{port}/x:1  #!\n    pull_policy: always\n",
        words="engine fetches it itself",
    ),
    Case(
        "fetch",
        "a FROM from a registry named localhost",
        dockerfile=("FROM python:3.13-slim", "FROM localhost:{port}/python:3.13-slim"),
        at=("backend/Dockerfile", "FROM localhost"),
        words="engine fetches it itself",
    ),
    # -- what Compose reads that the grader would not see -------------------------------------------
    Case(
        "environment",
        "network_mode from HOME",
        top="  extra:\n    image: python:3.13-slim\n    network_mode: ${NM}  #!\n",
        files={".env": "NM=${HOME:+host}\n"},
        words="network_mode: host",
    ),
    Case(
        "environment",
        "privileged from HOME",
        backend="    privileged: ${P}  #!\n",
        files={".env": "P=${HOME:+true}\n"},
        words="privileged",
    ),
    Case(
        "environment",
        "secret from the grader's environment",
        top="  extra:\n    image: python:3.13-slim\n"
        "    secrets: [token]\nsecrets:\n  token:\n    environment: DOCKER_HOST  #!\n",
        words="environment",
    ),
    Case(
        "environment",
        "config from the grader's environment",
        top="  extra:\n    image: python:3.13-slim\n"
        "    configs: [path]\nconfigs:\n  path:\n    environment: PATH  #!\n",
        words="environment",
    ),
    Case(
        "environment",
        "service behind a profile the .env turns on",
        top="  hidden:\n    image: python:3.13-slim\n    profiles: [x]\n    privileged: true  #!\n",
        files={".env": "COMPOSE_PROFILES=x\n"},
        words="privileged",
    ),
    Case(
        "environment",
        "COMPOSE_FILE into a folder whose .env differs",
        files={
            ".env": "COMPOSE_FILE=deploy/compose.yml\n",
            "deploy/compose.yml": lambda workshop: workshop.replace("context: ./", "context: ../").replace(
                BACKEND_END, "    restart: unless-stopped\n    privileged: ${P:-false}  #!\n\nnetworks:"
            ),
            "deploy/.env": "P=true\n",
        },
        at=("deploy/compose.yml", "privileged"),
        words="privileged",
    ),
    Case(
        "environment",
        "include nested past the reader's depth",
        files={
            **{f"inc/{i}.yml": f"include: [{i + 1}.yml]\n" for i in range(20)},
            "inc/20.yml": "services:\n  deep:\n    image: python:3.13-slim\n    privileged: true\n",
        },
        top="",
        words="could not read",
    ),
    Case(
        "environment",
        "include over the reader's size cap",
        files={
            "big.yml": "services:\n  big:\n    image: python:3.13-slim\n    privileged: true\n"
            + "# padding\n" * 120_000
        },
        words="could not read",
    ),
    # -- a link made at run time: a bind under a folder a container may write -----------------------
    # Docker resolves a bind's host path each time it starts a container (a replica added or
    # restarted). A container that writes ./shared could put a link at ./shared/esc first, and a
    # later mount of ./shared/esc would follow it to the host.
    Case(
        "link",
        "a folder inside another service's writable bind",
        top='  writer:\n    image: python:3.13-slim\n    volumes: ["./shared:/shared"]\n'
        "  reader:\n    image: python:3.13-slim\n    volumes:\n      - ./shared/esc:/esc  #!\n",
        files={"shared/esc/keep.txt": "x\n"},
        words="writable",
    ),
    Case(
        "link",
        "a file inside another service's writable bind",
        top='  writer:\n    image: python:3.13-slim\n    volumes: ["./shared:/shared:rw"]\n'
        "  reader:\n    image: python:3.13-slim\n    volumes:\n      - ./shared/app.conf:/etc/app.conf:ro  #!\n",
        files={"shared/app.conf": "x\n"},
        words="writable",
    ),
    Case(
        "link",
        "a folder inside the same service's writable bind (a replica added later)",
        edits=[
            (
                "docker-compose.yml",
                "      - backend-data:/data\n",
                "      - backend-data:/data\n      - ./shared:/srv/shared\n      - ./shared/cfg:/cfg:ro  #!\n",
            )
        ],
        files={"shared/cfg/keep.txt": "x\n"},
        words="writable",
    ),
    Case(
        "link",
        "a config file inside a writable bind of the submission's root",
        top='  writer:\n    image: python:3.13-slim\n    volumes: [".:/work"]\n'
        "  reader:\n    image: python:3.13-slim\n    configs:\n      - app  #!\n",
        files={"app.conf": "x\n"},
        edits=[
            (
                "docker-compose.yml",
                "volumes:\n  backend-data:\n",
                "volumes:\n  backend-data:\n\nconfigs:\n  app:\n    file: ./app.conf\n",
            )
        ],
        words="writable",
    ),
]
# The two include cases need the include written at the top of the compose file.
INCLUDES = {
    "include nested past the reader's depth": "include: [inc/0.yml]\n",
    "include over the reader's size cap": "include: [big.yml]\n",
}

# A container that connects to the host by the name extra_hosts gives it.
CANARY_NAMED = (
    "import socket\n"
    "try:\n socket.create_connection(('host.docker.internal',{port}),timeout=3); print('CANARY-CONNECTED',flush=True)\n"
    "except OSError as e: print('CANARY-BLOCKED',e,flush=True)\n"
    "import time; time.sleep(3600)\n"
)
CANARY = (
    "import socket,sys\n"
    "gw=[l.split() for l in open('/proc/net/route') if l.split()[1]=='00000000'][0][2]\n"
    "addr='.'.join(str(int(gw[i:i+2],16)) for i in (6,4,2,0))\n"
    "try:\n socket.create_connection((addr,{port}),timeout=3); print('CANARY-CONNECTED',addr,flush=True)\n"
    "except OSError as e: print('CANARY-BLOCKED',addr,e,flush=True)\n"
    "import time; time.sleep(3600)\n"
)


@dataclass
class Contained:
    name: str
    klass: str
    backend: str = ""
    top: str = ""
    frontend: str = ""
    dockerfile: tuple[str, str] | None = None
    edits: list[tuple[str, str, str]] = field(default_factory=list)
    files: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # the grader's own environment for the run
    expect_up: bool = True  # false: the stack does not start (R102 fails), and nothing else is touched
    build_refused: bool = False  # a build step tried a closed address: R101 says so (its rules' counters)


CONTAINED: list[Contained] = [
    Contained(
        "the grader's variables reach no container",
        "environment",
        edits=[
            (
                "docker-compose.yml",
                "      - PORT=8080\n",
                "      - PORT=8080\n      - GRADER_CANARY\n      - DOCKER_HOST\n"
                "      - FROM_PATH=${PATH:-unset}\n      - FROM_HOME=${HOME}\n",
            )
        ],
        env={"GRADER_CANARY": "leaked-3f9c", "DOCKER_HOST": "unix:///var/run/docker.sock"},
    ),
    Contained("replicas without limits get the caps", "limits", backend="    deploy:\n      replicas: 3\n"),
    Contained(
        "the learner's own limits under the caps",
        "limits",
        backend="    deploy:\n      resources:\n        limits:\n          memory: 256M\n"
        "          cpus: '0.25'\n          pids: 100\n",
    ),
    Contained(
        "limits over the caps are cut to the caps",
        "limits",
        backend="    mem_limit: 4g\n    cpus: 2\n    pids_limit: 100000\n",
    ),
    Contained(
        "ports on every interface are bound to loopback",
        "host",
        backend='    ports:\n      - "0.0.0.0:18990-18994:8080"\n',
    ),
    Contained(
        "a container cannot reach the host",
        "host",
        top="  canary:\n    image: python:3.13-slim\n    networks: [appnet]\n"
        '    command: ["python3", "-c", {canary}]\n',
    ),
    Contained(
        "a build step cannot reach the host",
        "build",
        dockerfile=(
            "COPY app.py .",
            "RUN python3 -c \"import socket; socket.create_connection(('{gw}', {port}), "
            'timeout=3)" || echo blocked\nCOPY app.py .',
        ),
        build_refused=True,
    ),
    Contained(
        "a name pointed at the host (host-gateway) is contained",
        "host",
        top="  canary:\n    image: python:3.13-slim\n    networks: [appnet]\n"
        "    extra_hosts:\n      - host.docker.internal:host-gateway\n"
        '    command: ["python3", "-c", {canary_named}]\n',
    ),
    Contained(
        "a build step reaches neither the host's own address nor the engine's API port",
        "build",
        dockerfile=(
            "COPY app.py .",
            "RUN for a in '{hostip} {port}' '{gw} 2375' '{gw} 2376' '{hostip} 2375'; do "
            "python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)' "
            "$a && echo CANARY-CONNECTED $a || echo CANARY-BLOCKED $a; done\nCOPY app.py .",
        ),
        build_refused=True,
    ),
    Contained("the image name of another run is not taken over", "other", backend="    image: {vi}\n"),
    Contained(
        "a fixed volume name is the run's own",
        "other",
        top="  extra:\n    image: python:3.13-slim\n    command: [sleep, '3600']\n    volumes: [\"theirs:/x\"]\n",
        edits=[
            (
                "docker-compose.yml",
                "volumes:\n  backend-data:\n",
                "volumes:\n  backend-data:\n  theirs:\n    name: {vv}\n",
            )
        ],
    ),
    Contained(
        "a fixed network name is the run's own",
        "other",
        top="  extra:\n    image: python:3.13-slim\n    command: [sleep, '3600']\n    networks: [theirs]\n",
        edits=[("docker-compose.yml", "    driver: bridge\n", "    driver: bridge\n  theirs:\n    name: {vn}\n")],
    ),
    Contained("the container name of another run is the run's own", "other", frontend="    container_name: {vc}\n"),
]
