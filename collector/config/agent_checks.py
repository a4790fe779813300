"""Rules across fields for agents and the collector's TLS: unique names and tokens, known sites,
expiry after silence, and certificate and key given together."""

from __future__ import annotations

from collector.config.durations import format_duration
from collector.config.model import CollectorConfig
from collector.config.yaml_model import Loc


def agent_problems(config: CollectorConfig) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    agents = config.agents
    sites = [site.name for site in config.sites]
    names: dict[str, int] = {}
    tokens: dict[str, int] = {}
    for i, client in enumerate(agents.clients):
        where: Loc = ("agents", "clients", i)
        if client.name in names:
            problems.append(((*where, "name"), f"'{client.name}' is already used by "
                             f"agents.clients[{names[client.name]}]"))
        names.setdefault(client.name, i)
        if client.site not in sites:
            problems.append(((*where, "site"),
                             f"'{client.site}' is not defined (defined: {', '.join(sites)})"))
        token = client.token.reveal()
        if token in tokens:
            # Never the token itself: the message may end up in a log.
            problems.append(((*where, "token"), f"the same token as agents.clients"
                             f"[{tokens[token]}] (each agent needs its own)"))
        tokens.setdefault(token, i)
        if (client.previous_token is None) != (client.previous_until is None):
            given, missing = (("previous_token", "previous_until")
                              if client.previous_until is None
                              else ("previous_until", "previous_token"))
            problems.append(((*where, given), f"needs {missing} as well"))
    if agents.expire <= agents.silence:
        silence, expire = format_duration(agents.silence), format_duration(agents.expire)
        problems.append((("agents", "expire"),
                         f"must be longer than agents.silence {silence} (got {expire})"))
    settings = config.collector
    if (settings.tls_cert_file is None) != (settings.tls_key_file is None):
        given, missing = (("tls_cert_file", "tls_key_file") if settings.tls_key_file is None
                          else ("tls_key_file", "tls_cert_file"))
        problems.append((("collector", given), f"needs {missing} as well"))
    return problems

