"""The Compose model: the project as Compose loads it (loader), services and their keys, with the
file and line each came from."""

from grader.compose.model import ComposeModel, Service, load_compose, load_compose_project

__all__ = ["ComposeModel", "Service", "load_compose", "load_compose_project"]
