"""The images a run may read: no build and no service uses an image that was built on this
engine by someone else (another learner's run, a local build of the grader's user).

Read before anything is built, from each Dockerfile that the resolved project builds: every
stage's `FROM`, every `COPY --from=` and `RUN --mount=...,from=` that names an image rather than
an earlier stage, and a `# syntax=` frontend; and the `image:` of every service that is not
built. Build arguments are filled in as the build will fill them (the resolved project's
`build.args`, then the `ARG` defaults before the first `FROM`).

An image may be used when the engine does not have it (the build pulls it from a registry),
when the engine's copy came from a registry (it has a repository digest), or when it is the
very image (same id) of a name the rubric lists as a base image (`runtime.base_images`: the
official images, or on a machine without a registry their stand-ins). Anything else is refused
at its Dockerfile line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from grader.runtime.allowlist import locate
from grader.runtime.safety import Hazard
from grader.submission.dockerfile import Dockerfile, Instruction, mount_options, parse_dockerfile
from grader.submission.reader import SubmissionRoot
from grader.submission.yamlfile import YMap

TEXT = {
    "en": {
        "local": "{use} {image}, an image built on this engine: it came from no registry and is not one of the "
        "rubric's base images ({allowed}); a graded build may not read another build's images",
        "unknown": "{use} `{text}`, whose value the grader cannot tell before the build (a build argument "
        "without a value)",
        "use_from": "the stage starts FROM",
        "use_copy": "COPY --from names",
        "use_mount": "RUN --mount names",
        "use_syntax": "the syntax directive names",
        "use_service": "service {service} runs",
        "use_trigger": "ONBUILD's trigger names",
        "onbuild": "the Dockerfile sets an ONBUILD trigger, which a later build would run unseen by the grader; "
        "a graded build takes no ONBUILD",
        "fetch_closed": "{what} {target}: the engine fetches it itself, from the grading machine, and {host} is "
        "{why}; a graded build fetches only from the internet",
        "what_add": "ADD fetches",
        "what_image": "{use}",
        "why_literal": "an address written as a number, which the grader cannot tell from one of this machine's",
        "why_closed": "an address of the grading machine, of loopback, or of a private or link-local network",
        "why_unresolved": "a name that does not resolve now",
        "why_insecure": "a registry the engine reaches over plain HTTP",
    },
    "ko": {
        "local": "{use} {image}{은} 이 엔진에서 빌드된 이미지입니다. 레지스트리에서 받은 이미지가 아니고 채점 기준의 "
        "베이스 이미지({allowed})도 아닙니다. 채점하는 빌드는 다른 빌드의 이미지를 읽을 수 없습니다.",
        "unknown": "{use} `{text}`{은} 빌드 전에는 값을 알 수 없습니다(값이 없는 빌드 인자).",
        "use_from": "`FROM`으로 시작하는 스테이지의 이미지",
        "use_copy": "`COPY --from`이 가리키는 이미지",
        "use_mount": "`RUN --mount`가 가리키는 이미지",
        "use_syntax": "`# syntax` 지시문이 가리키는 이미지",
        "use_service": "{service} 서비스가 실행하는 이미지",
        "use_trigger": "`ONBUILD` 트리거가 가리키는 이미지",
        "onbuild": "Dockerfile이 `ONBUILD` 트리거를 설정합니다. 이 트리거는 채점기가 볼 수 없는 다음 빌드에서 "
        "실행되므로, 채점하는 빌드에서는 `ONBUILD`를 쓸 수 없습니다.",
        "fetch_closed": "{what} {target}{은} 엔진이 채점하는 컴퓨터에서 직접 가져오는데, {host}{은} {why} 채점하는 "
        "빌드는 인터넷에서만 가져올 수 있습니다.",
        "what_add": "`ADD`가 가져오는",
        "what_image": "{use}",
        "why_literal": "숫자로 쓴 주소라서 이 컴퓨터의 주소인지 채점기가 구별할 수 없습니다.",
        "why_closed": "채점하는 컴퓨터나 루프백, 사설·링크 로컬 네트워크의 주소입니다.",
        "why_unresolved": "지금 이름을 찾을 수 없는 주소입니다.",
        "why_insecure": "엔진이 평문 HTTP로 접속하는 레지스트리입니다.",
    },
}

_VAR = re.compile(r"\$(?:\{(\w+)(?:(:?[-+])([^}]*))?\}|(\w+))")


def expand(text: str, args: dict[str, str | None]) -> str | None:
    """A Dockerfile word with its build arguments filled in; None when one has no value."""
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        name = m.group(1) or m.group(4)
        value = args.get(name)
        op, word = m.group(2), m.group(3) or ""
        if op in ("-", ":-"):
            return value if value else word
        if op in ("+", ":+"):
            return word if value else ""
        if value is None:
            missing = True
            return ""
        return value

    out = _VAR.sub(one, text)
    return None if missing or not out else out


def _named(inst: Instruction) -> list[tuple[str, str]]:
    """The images one instruction names: COPY/ADD --from, RUN --mount's from (any case), and the
    same in an ONBUILD trigger."""
    named: list[tuple[str, str]] = []
    if inst.keyword in ("COPY", "ADD") and "from" in inst.flags:
        named.append(("use_copy", inst.flags["from"]))
    if inst.keyword == "RUN":
        for key, value in inst.flag_list:
            if key == "mount" and (image := mount_options(value).get("from")):
                named.append(("use_mount", image))
    if inst.trigger is not None:
        named += [("use_trigger", image) for _use, image in _named(inst.trigger)]
    return named


def references(df: Dockerfile, build_args: dict[str, str | None]) -> Iterator[tuple[str, str | None, int, str]]:
    """(use, image or None when unknown, line, as written) for each image the build reads."""
    args: dict[str, str | None] = {}
    for inst in df.global_args:
        for word in inst.args:
            name, eq, default = word.partition("=")
            args[name] = build_args.get(name, default if eq else None)
    if df.syntax is not None:
        yield "use_syntax", df.syntax[0], df.syntax[1], df.syntax[0]
    stages: set[str] = set()
    for stage in df.stages:
        image = expand(stage.image, args)
        if image is None:
            yield "use_from", None, stage.line, stage.image
        elif image.lower() != "scratch" and image.lower() not in stages:
            yield "use_from", image, stage.line, stage.image
        if stage.name:
            stages.add(stage.name.lower())
        for inst in stage.instructions:
            for use, written in _named(inst):
                if written.isdigit() and int(written) < len(stages) + 1:
                    continue  # an earlier stage by number
                if written.lower() in stages:
                    continue
                value = expand(written, {**args, **build_args})
                yield use, value, inst.line, written


def fetched_urls(df: Dockerfile) -> Iterator[tuple[str, int]]:
    """(url, line) of every source an ADD (an ONBUILD's too) fetches from the network."""
    for stage in df.stages:
        for inst in stage.instructions:
            for one in (inst, inst.trigger):
                if one is not None and one.keyword == "ADD" and "from" not in one.flags:
                    for src in one.args[:-1]:
                        if re.match(r"(?i)(https?|git)://|git@", src):
                            yield src, inst.line


def _engine_addresses() -> set[str]:
    """The grading machine's own addresses, as its resolver gives them."""
    import socket

    found: set[str] = set()
    for name in (socket.gethostname(), socket.getfqdn(), "localhost"):
        try:
            found.update(str(a[4][0]) for a in socket.getaddrinfo(name, None))
        except OSError:
            continue
    return found


def closed_host(host: str, insecure: set[str] | None = None) -> str | None:
    """Why the engine must not fetch from `host` (a why_ key of TEXT), or None. A name is
    resolved now: a name that leads to this machine or a private network is refused."""
    import ipaddress
    import socket

    host = host.strip("[]").lower()
    if insecure and host in insecure:
        return "why_insecure"
    try:
        ipaddress.ip_address(host)
        return "why_literal"
    except ValueError:
        pass
    try:
        addresses = {str(a[4][0]) for a in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return "why_unresolved"
    own = _engine_addresses()
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        # is_global is False for loopback, private, link-local, shared (100.64/10) and reserved
        # ranges; the documentation ranges count as global here, as some networks route them
        if text in own or ((not address.is_global or address.is_multicast) and not _documentation(address)):
            return "why_closed"
    return None


def _documentation(address: Any) -> bool:
    import ipaddress

    return (
        any(
            address in ipaddress.ip_network(n)
            for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
        )
        and not address.is_loopback
    )


def registry_host(image: str) -> str | None:
    """The registry an image reference names (`host[:port]/path:tag`), or None for Docker Hub."""
    first, slash, _rest = image.partition("/")
    if not slash or not ("." in first or ":" in first or first == "localhost"):
        return None
    host = first.rsplit(":", 1)[0] if not first.startswith("[") else first.split("]")[0] + "]"
    return host


def insecure_registries(client: Any) -> set[str]:
    """The registries the engine reaches over plain HTTP (its `insecure-registries`)."""
    try:
        config = client.info().get("RegistryConfig") or {}
    except Exception:
        return set()
    return {
        name.rsplit(":", 1)[0].lower()
        for name, index in (config.get("IndexConfigs") or {}).items()
        if isinstance(index, dict) and index.get("Secure") is False
    }


def image_allowed(client: Any, image: str, allowed_ids: set[str]) -> bool:
    from docker.errors import APIError, ImageNotFound

    try:
        attrs = client.api.inspect_image(image)
    except ImageNotFound:
        return True  # not on this engine: the build or `up` pulls it from a registry
    except APIError as e:
        # A name the engine cannot parse names no image of its own: the build or `up` fails on it.
        return e.status_code == 400
    except Exception:
        return False
    return bool(attrs.get("RepoDigests")) or attrs.get("Id") in allowed_ids


def allowed_ids(client: Any, names: list[str]) -> set[str]:
    ids = set()
    for name in names:
        try:
            ids.add(client.api.inspect_image(name)["Id"])
        except Exception:
            continue
    return ids


def dockerfile_of(root: SubmissionRoot, build: dict[str, Any]) -> tuple[str, str] | None:
    """(path in the submission, text) of the Dockerfile a resolved `build:` uses, or None when
    it cannot be read (the build then fails on its own)."""
    context, dockerfile = build.get("context") or "", build.get("dockerfile") or "Dockerfile"
    try:
        rel = root.rel(root.resolve(root.rel(f"{context}/{dockerfile}")))
        return rel, root.read(rel).text
    except Exception:
        return None


def check_images(
    doc: dict[str, Any],
    root: SubmissionRoot,
    model_root: YMap | None,
    compose_rel: str,
    client: Any,
    base_images: list[str],
) -> list[Hazard]:
    ids = allowed_ids(client, base_images)
    allowed = ", ".join(base_images) or "-"
    insecure = insecure_registries(client)
    found: list[Hazard] = []

    def registry(use: str, image: str, file: str, line: int, **params: Any) -> bool:
        """A hazard when the image comes from a registry the engine must not be sent to."""
        host = registry_host(image)
        why = closed_host(host, insecure) if host else None
        if why is not None:
            found.append(
                Hazard(
                    "fetch_closed",
                    file,
                    line,
                    {"what": "what_image", "use": use, "target": image, "host": host, "why": why, **params},
                    TEXT,
                )
            )
        return why is not None

    for name, s in (doc.get("services") or {}).items():
        build = s.get("build")
        if build is None:
            image = s.get("image")
            file, line = locate(model_root, ("services", name, "image"), compose_rel)
            if image and registry("use_service", image, file, line, service=name):
                continue
            if image and not image_allowed(client, image, ids):
                found.append(
                    Hazard(
                        "local",
                        file,
                        line,
                        {"use": "use_service", "service": name, "image": image, "allowed": allowed},
                        TEXT,
                    )
                )
            continue
        read = dockerfile_of(root, build)
        if read is None:
            continue  # the build fails on its own; the allow-list already refused a path outside
        rel, text = read
        build_args = {k: (None if v is None else str(v)) for k, v in (build.get("args") or {}).items()}
        # Heredocs are read by Dockerfile syntax 1.4 and later, not by an older frontend, which
        # reads their bodies as instructions: what either reading names is checked.
        seen: set[tuple[str, str | None, int]] = set()
        for df in (parse_dockerfile(text, rel), parse_dockerfile(text, rel, heredocs=False)):
            for use, image, line, written in references(df, build_args):
                if (use, image, line) in seen:
                    continue
                seen.add((use, image, line))
                if image is None:
                    found.append(Hazard("unknown", df.rel, line, {"use": use, "text": written}, TEXT))
                elif registry(use, image, df.rel, line):
                    continue
                elif not image_allowed(client, image, ids):
                    found.append(Hazard("local", df.rel, line, {"use": use, "image": image, "allowed": allowed}, TEXT))
            for url, line in fetched_urls(df):
                host = re.sub(r"^(?i:https?|git)://(?:[^@/]*@)?|^git@", "", url).split("/")[0].split(":")[0]
                why = closed_host(host, None)
                if why is not None and ("add", url, line) not in seen:
                    seen.add(("add", url, line))
                    params = {"what": "what_add", "target": url, "host": host, "why": why}
                    found.append(Hazard("fetch_closed", df.rel, line, params, TEXT))
            for stage in df.stages:
                for inst in stage.instructions:
                    if inst.keyword == "ONBUILD" and ("onbuild", None, inst.line) not in seen:
                        seen.add(("onbuild", None, inst.line))
                        found.append(Hazard("onbuild", df.rel, inst.line, {}, TEXT))
    return found
