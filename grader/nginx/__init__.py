"""The nginx model: crossplane's parse, includes resolved inside the submission only, and the
semantics the checks need (inheritance, variables, upstreams, resolvers, location matching)."""

from grader.nginx.model import Directive, NginxConfig
from grader.nginx.parse import ConfigSource, parse_nginx

__all__ = ["ConfigSource", "Directive", "NginxConfig", "parse_nginx"]
