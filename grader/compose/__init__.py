"""The Compose model: services and their keys, with the line each came from."""
from grader.compose.model import ComposeModel, Service, load_compose

__all__ = ["ComposeModel", "Service", "load_compose"]
