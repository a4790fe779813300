"""A service check as the collector builds it: one service of a one-site config, its keys
written as in a config file, so each kind's tests read like the config they check."""

from __future__ import annotations

from collector.config import parse_config_text
from collector.probes.recording import ServiceCheck


def service_check(service: str, **keys: object) -> ServiceCheck:
    """The check of ``{service, **keys}`` (flow-style YAML, e.g. "kind: tcp, name: mail,
    host: 127.0.0.1, port: 25"), on a site `opd` reached over loopback."""
    extra = "".join(f", {key}: {value}" for key, value in keys.items())
    config = parse_config_text(f"""
sites:
  - name: opd
    links: [{{name: fo, kind: fiber, targets: [127.0.0.1]}}]
    services:
      - {{{service}{extra}}}
""", "test.yml")
    return ServiceCheck("opd", config.sites[0].services[0])
