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
from grader.submission.dockerfile import Dockerfile, parse_dockerfile
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
    },
}

_VAR = re.compile(r"\$(?:\{(\w+)(?:(:?[-+])([^}]*))?\}|(\w+))")
_MOUNT_FROM = re.compile(r"--mount=\S*?\bfrom=([^,\s]+)")


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
            named: list[tuple[str, str]] = []
            if inst.keyword in ("COPY", "ADD") and "from" in inst.flags:
                named.append(("use_copy", inst.flags["from"]))
            if inst.keyword == "RUN":
                named += [("use_mount", m) for m in _MOUNT_FROM.findall(inst.raw)]
            for use, written in named:
                if written.isdigit() and int(written) < len(stages) + 1:
                    continue  # an earlier stage by number
                if written.lower() in stages:
                    continue
                value = expand(written, {**args, **build_args})
                yield use, value, inst.line, written


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
    found: list[Hazard] = []
    for name, s in (doc.get("services") or {}).items():
        build = s.get("build")
        if build is None:
            image = s.get("image")
            if image and not image_allowed(client, image, ids):
                file, line = locate(model_root, ("services", name, "image"), compose_rel)
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
        context, dockerfile = build.get("context") or "", build.get("dockerfile") or "Dockerfile"
        try:
            rel = root.rel(root.resolve(root.rel(f"{context}/{dockerfile}")))
            df = parse_dockerfile(root.read(rel).text, rel)
        except Exception:
            continue  # the build fails on its own; the allow-list already refused a path outside
        build_args = {k: (None if v is None else str(v)) for k, v in (build.get("args") or {}).items()}
        for use, image, line, written in references(df, build_args):
            if image is None:
                found.append(Hazard("unknown", df.rel, line, {"use": use, "text": written}, TEXT))
            elif not image_allowed(client, image, ids):
                found.append(Hazard("local", df.rel, line, {"use": use, "image": image, "allowed": allowed}, TEXT))
    return found
