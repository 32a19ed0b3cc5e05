"""What one run may take of the engine, in all: one submission must not starve a batch or fill
the disk of every other learner's runs.

Static (before anything is built, grader/runtime/gate.py): the containers the project asks for
(every service's `scale`, `deploy.replicas` or one, the backend at the most the grader scales it
to), their memory and CPUs once each container gets its cap (grader/runtime/freeze.py), and the
images it builds. A project over a budget is refused at the line that tips it over.

At run time (Watch, a thread beside the phases): the number of the run's containers, the disk
their writable layers and the run's volumes hold, and the size of the images the run built.
When one goes over (the watch every few seconds, and once more when the phases are over), the
run's containers are stopped and every runtime phase fails with the budget it went over: the
same verdict however early the watch saw it. The engine itself enforces none of these here: a size
per container (`--storage-opt size`) needs overlay2 on xfs with quotas, and builds take no
limit at all, so the disk is measured, every few seconds and once the build ends."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.runtime.allowlist import locate
from grader.runtime.safety import Hazard
from grader.submission.yamlfile import YMap

GIB = 1024**3

TEXT = {
    "en": {
        "over": "{what}, over the run's budget of {limit}; a graded run may take no more of the machine that "
        "grades every learner",
        "what_containers": "the project asks for {count} containers (service {service}: {replicas})",
        "what_memory": "the project's containers would hold {amount} of memory at their caps",
        "what_cpus": "the project's containers would use {amount} CPUs at their caps",
        "what_images": "the project builds {count} images",
    },
    "ko": {
        "over": "{what}. 실행 하나의 한도 {limit}{을} 넘습니다. 모든 학습자를 채점하는 컴퓨터이므로 채점 실행은 "
        "이보다 더 쓸 수 없습니다.",
        "what_containers": "프로젝트가 컨테이너 {count}개를 요청합니다({service} 서비스: {replicas}개)",
        "what_memory": "프로젝트의 컨테이너가 한도까지 쓰면 메모리가 {amount}입니다",
        "what_cpus": "프로젝트의 컨테이너가 한도까지 쓰면 CPU가 {amount}개입니다",
        "what_images": "프로젝트가 이미지 {count}개를 빌드합니다",
    },
}


@dataclass(frozen=True)
class Budget:
    """One run's share of the engine (the rubric's `runtime.budget`)."""

    containers: int = 12
    memory: str = "5g"
    cpus: float = 6.0
    images: int = 4
    disk: str = "4g"  # the run's images, its containers' writable layers and its volumes
    watch_seconds: float = 3.0


def _bytes(value: str) -> int:
    from grader.runtime.freeze import to_bytes

    return to_bytes(value) or 0


def human(n: float) -> str:
    return f"{n / GIB:.1f} GiB" if n >= GIB else f"{n / 1024**2:.0f} MiB"


def check_static(
    doc: dict[str, Any],
    model_root: YMap | None,
    compose_rel: str,
    budget: Budget,
    backend: str | None,
    scale_up: int,
    cap_memory: int,
    cap_cpus: float,
) -> list[Hazard]:
    """Hazards for a project over a static budget, each at the line that asks for it."""
    found: list[Hazard] = []
    services = doc.get("services") or {}
    total, memory, cpus = 0, 0, 0.0
    for name, s in services.items():
        deploy = s.get("deploy") or {}
        asked = s.get("scale") if s.get("scale") is not None else deploy.get("replicas")
        replicas = int(str(asked)) if isinstance(asked, int) or str(asked or "").isdigit() else 1
        count = max(replicas, scale_up) if name == backend else replicas
        total += count
        limits = (deploy.get("resources") or {}).get("limits") or {}
        own_memory = _bytes(str(limits.get("memory") or s.get("mem_limit") or "")) or cap_memory
        memory += count * min(own_memory, cap_memory)
        try:
            own_cpus = float(limits.get("cpus") or s.get("cpus") or cap_cpus)
        except (TypeError, ValueError):
            own_cpus = cap_cpus
        cpus += count * min(own_cpus or cap_cpus, cap_cpus)
        key = "scale" if s.get("scale") is not None else ("deploy", "replicas") if "replicas" in deploy else ()
        path = ("services", name, *((key,) if isinstance(key, str) else key))
        file, line = locate(model_root, path, compose_rel)
        if total > budget.containers:
            params = {"count": total, "service": name, "replicas": count}
            found.append(_over(file, line, "what_containers", params, str(total), str(budget.containers)))
            return found
    where = locate(model_root, ("services",), compose_rel)
    if memory > _bytes(budget.memory):
        found.append(_over(*where, "what_memory", {"amount": human(memory)}, human(memory), budget.memory))
    if cpus > budget.cpus:
        found.append(_over(*where, "what_cpus", {"amount": f"{cpus:g}"}, f"{cpus:g}", f"{budget.cpus:g}"))
    built = [name for name, s in services.items() if s.get("build") is not None]
    if len(built) > budget.images:
        file, line = locate(model_root, ("services", built[budget.images], "build"), compose_rel)
        found.append(_over(file, line, "what_images", {"count": len(built)}, str(len(built)), str(budget.images)))
    return found


def _over(file: str, line: int, what: str, params: dict[str, Any], amount: str, limit: str) -> Hazard:
    return Hazard("over", file, line, {"what": what, "amount": amount, "limit": limit, **params}, TEXT)


class Watch:
    """Watches what a run grows on the engine while its phases run; `hit` says which budget it
    went over (kind, amount, limit), after `stop` (the run's containers killed) was called."""

    def __init__(self, client: Any, run_label: str, budget: Budget, stop: Callable[[], None]):
        self.client = client
        self.label = run_label
        self.budget = budget
        self.stop_run = stop
        self.hit: tuple[str, str, str] | None = None
        self._done = threading.Event()
        self._ticks = 0
        self._volumes = 0
        self._thread = threading.Thread(target=self._loop, daemon=True, name="grader-budget")

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(15)  # a measure under way ends within the engine's answer; not waited for longer
        if self.hit is None and exc[0] is None:
            # Once more when the phases are over: what a run took is judged whatever the timing of
            # the watch, so the same files get the same verdict on a busy machine and an idle one.
            with contextlib.suppress(Exception):  # the engine gone: clean-up says what is left
                self.hit = self.measure(volumes=True)

    def _loop(self) -> None:
        while not self._done.wait(self.budget.watch_seconds):
            try:
                over = self.measure()
            except Exception:
                continue  # the engine busy or a container gone meanwhile: measured next time
            if over is not None:
                self.hit = over
                self.stop_run()
                return

    def measure(self, volumes: bool = False) -> tuple[str, str, str] | None:
        """The first budget the run is over now, or None (`volumes`: measure them now too)."""
        filters = {"label": self.label}
        self._ticks += 1
        # Counting is cheap; sizes make the engine walk every writable layer, which a busy run
        # should not pay for every few seconds: they are measured every fourth time, and at the end.
        sizes = volumes or self._ticks % 4 == 1
        containers = self.client.api.containers(all=True, size=sizes, filters=filters)
        if len(containers) > self.budget.containers:
            return "containers", str(len(containers)), str(self.budget.containers)
        if not sizes:
            return None
        disk = sum(int(c.get("SizeRw") or 0) for c in containers)
        disk += self.images_size()
        # volumes' sizes come from the engine's `system df`, which walks every volume of the
        # engine and runs one at a time: asked every eighth time, and last known between
        if volumes or self._ticks % 8 == 1:
            # the run's named volumes, and the anonymous ones its containers use (an image's VOLUME,
            # `- /data`), which carry no label of the run's
            used = {m["Name"] for c in containers for m in c.get("Mounts") or [] if m.get("Type") == "volume"}
            self._volumes = self.volumes_size(used)
        disk += self._volumes
        if disk > _bytes(self.budget.disk):
            return "disk", human(disk), self.budget.disk
        return None

    def images_size(self) -> int:
        from grader.runtime.engine import list_images

        return sum(int(i.attrs.get("Size") or 0) for i in list_images(self.client, {"label": self.label}))

    def volumes_size(self, used: set[str] | None = None) -> int:
        from grader.runtime.engine import disk_usage

        try:
            volumes = disk_usage(self.client, timeout=5).get("Volumes") or []
        except Exception:
            return self._volumes
        key, _, value = self.label.partition("=")
        return sum(
            int((v.get("UsageData") or {}).get("Size") or 0)
            for v in volumes
            if ((v.get("Labels") or {}).get(key) == value or v.get("Name") in (used or set()))
            and (v.get("UsageData") or {}).get("Size", -1) > 0
        )
