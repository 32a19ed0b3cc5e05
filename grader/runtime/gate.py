"""The gate, in the order it runs: what a runtime run may start, decided before anything is
made on the engine. Each step raises UnsafeSubmissionError (exit 2) listing every refusal
with its file and line, or ComposeRefusedError with Compose's own words.

1. The paths the learner's files name (grader/runtime/safety.py): a bind mount, build context,
   env file, include or extends that leads outside the submission is refused before Compose
   is asked to read anything.
2. A file the grader could not read because it leads outside the submission: refused too.
3. Compose resolves the project, in an environment with nothing of the grader's
   (grader/runtime/resolve.py); what Compose refuses, it says.
4. A file Compose loaded that the grader could not read (past a size or depth cap): refused,
   as nothing runs that the grader has not checked.
5. The resolved project against the allow-list (grader/runtime/allowlist.py) and the images
   its builds and services use (grader/runtime/base_images.py).
`allow_unsafe` (input the grader's user trusts) skips 1, 2, 4 and 5."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from grader.errors import InputError, OutsideRootError
from grader.runtime.allowlist import TEXT as ALLOW_TEXT
from grader.runtime.allowlist import check_resolved
from grader.runtime.base_images import check_images
from grader.runtime.resolve import resolve
from grader.runtime.safety import Hazard, UnsafeSubmissionError, check_safety
from grader.workspace import Workspace


def _unread(ws: Workspace, problems: Sequence[InputError]) -> UnsafeSubmissionError:
    return UnsafeSubmissionError(
        [
            Hazard("unread_file", e.file or ws.compose_rel or "", e.line or 1, {"problem": e.message}, ALLOW_TEXT)
            for e in problems
        ]
    )


def checked_project(
    ws: Workspace,
    argv: list[str],
    project: str,
    base_images: list[str],
    engine: Callable[[], Any],
    allow_unsafe: bool = False,
) -> dict[str, Any]:
    """The project as Compose resolved it, once the gate let it through. `engine` gives the
    Docker client the image rule asks (only called when it is needed)."""
    assert ws.compose is not None and ws.compose_rel is not None
    if not allow_unsafe:
        check_safety(ws.root, ws.compose_rel, ws.compose.root)
        outside = [e for e in ws.compose_problems if isinstance(e, OutsideRootError)]
        if outside:
            raise _unread(ws, outside)
    files = [str(ws.root.resolve(rel)) for rel in ws.compose.project_files] if ws.compose_given else None
    resolved = resolve(argv, ws.root.root, project, files)
    if allow_unsafe:
        return resolved
    if ws.compose_problems:
        raise _unread(ws, ws.compose_problems)
    hazards = list(
        check_resolved(resolved, ws.root, ws.compose.root, ws.compose_rel, project, set(ws.compose.services))
    )
    hazards += check_images(resolved, ws.root, ws.compose.root, ws.compose_rel, engine(), base_images)
    if hazards:
        raise UnsafeSubmissionError(sorted(hazards, key=lambda h: (h.file, h.line)))
    return resolved
