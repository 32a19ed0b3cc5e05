"""The checks: one module each, with a stable CODE, a SLUG, its TEXTS (title, why, fix, examples
and every message it yields, in English and Korean, each message declaring the values it
inserts: grader.texts), what it NEEDS (compose, nginx, backend, frontend, api_route: see
CheckContext.cause), what it PROVIDES (the few checks that say, once, why a need is missing),
and `check(ctx) -> Iterator[Finding]`. Messages more than one check yields are in
grader.common_texts. A rubric gives the points and may override a text."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

# A new check is a module here (with its TEXTS) plus an entry in a rubric; nothing else changes.
CHECK_MODULES = (
    "c100_services_found",
    "c101_backend_no_container_name",
    "c102_backend_no_published_ports",
    "c103_frontend_single_published",
    "c104_network_appnet",
    "c105_scaling_comment",
    "c106_backend_db_env",
    "c107_frontend_depends_on_backend",
    "c108_no_obsolete_version",
    "c109_frontend_port_matches_listen",
    "c110_backend_shared_database",
    "c111_images_build",
    "n100_api_location",
    "n101_api_proxies_to_backend",
    "n102_dynamic_backend_resolution",
    "n103_proxy_headers",
    "n104_container_networking",
    "n105_api_port_matches_backend",
)

MODULES: list[ModuleType] = [import_module(f"{__name__}.{name}") for name in CHECK_MODULES]
BY_CODE: dict[str, ModuleType] = {m.CODE: m for m in MODULES}
BY_SLUG: dict[str, ModuleType] = {m.SLUG: m for m in MODULES}

# need -> the code of the check whose finding says why it is missing
PROVIDERS: dict[str, str] = {need: m.CODE for m in MODULES for need in getattr(m, "PROVIDES", ())}
