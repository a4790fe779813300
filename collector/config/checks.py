"""Rules across fields: repeated names, parent references and cycles, round timing.

They run once the models are valid, and report problems as (key path, message) pairs that
the loader turns into located error lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from collector.config.agent_checks import agent_problems
from collector.config.durations import format_duration
from collector.config.mail_checks import channel_problems, mail_problems
from collector.config.model import CollectorConfig
from collector.config.satellite_checks import satellite_problems
from collector.config.snmp_checks import snmp_problems
from collector.config.yaml_model import Loc


def cross_check(config: CollectorConfig, written: Callable[[Loc], bool]) -> list[tuple[Loc, str]]:
    """Problems no single field shows: repeated names, parent references, round timing.

    `written(loc)` tells whether a key path was written in the file, so that a timing problem
    is blamed on the interval the operator set rather than on one inherited from `icmp`.
    """
    return [*_repeated_names(config), *_parent_problems(config), *_timing(config, written),
            *snmp_problems(config), *agent_problems(config), *satellite_problems(config),
            *mail_problems(config),
            *channel_problems(config)]


def _repeated_names(config: CollectorConfig) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    sites = config.sites
    for i, first in _repeats(site.name for site in sites):
        message = f"'{sites[i].name}' is already used by sites[{first}]"
        problems.append((("sites", i, "name"), message))
    for i, site in enumerate(sites):
        for j, first in _repeats(link.name for link in site.links):
            message = f"'{site.links[j].name}' is already used by sites[{i}].links[{first}]"
            problems.append((("sites", i, "links", j, "name"), message))
        for j, first in _repeats(service.name for service in site.services):
            message = f"'{site.services[j].name}' is already used by sites[{i}].services[{first}]"
            problems.append((("sites", i, "services", j, "name"), message))
        for j, link in enumerate(site.links):
            for k, first in _repeats(link.targets):
                where = f"sites[{i}].links[{j}].targets[{first}]"
                message = f"'{link.targets[k]}' is already listed at {where}"
                problems.append((("sites", i, "links", j, "targets", k), message))
    return problems


def _repeats(values: Iterable[object]) -> Iterator[tuple[int, int]]:
    """(index, index of its first occurrence) for every value that occurred before."""
    first: dict[object, int] = {}
    for index, value in enumerate(values):
        if value in first:
            yield index, first[value]
        first.setdefault(value, index)


def _parent_problems(config: CollectorConfig) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    names = list(dict.fromkeys(site.name for site in config.sites))
    parents: dict[str, list[tuple[str, Loc]]] = {name: [] for name in names}
    for i, site in enumerate(config.sites):
        for j, link in enumerate(site.links):
            loc: Loc = ("sites", i, "links", j, "parent")
            parent = link.parent
            if parent is None:
                continue
            if parent == site.name:
                message = (
                    f"'{parent}' is this link's own site (name the site it is reached through)"
                )
                problems.append((loc, message))
            elif parent not in parents:
                problems.append((loc, f"'{parent}' is not defined (defined: {', '.join(names)})"))
            else:
                parents[site.name].append((parent, loc))

    # Depth-first walk up the parents: an edge back into the walk's own path closes a cycle,
    # and each such edge is met exactly once, so each cycle is reported once.
    path: list[str] = []
    done: set[str] = set()

    def walk(name: str) -> None:
        path.append(name)
        for parent, loc in parents[name]:
            if parent in path:
                cycle = [*path[path.index(parent) :], parent]
                problems.append((loc, f"parent cycle: {' -> '.join(cycle)}"))
            elif parent not in done:
                walk(parent)
        path.pop()
        done.add(name)

    for name in names:
        if name not in done:
            walk(name)
    return problems


def _timing(config: CollectorConfig, written: Callable[[Loc], bool]) -> list[tuple[Loc, str]]:
    icmp, show = config.icmp, format_duration
    round_time = (icmp.echoes - 1) * icmp.echo_interval + icmp.timeout + icmp.jitter
    problems: list[tuple[Loc, str]] = []
    if icmp.jitter >= icmp.interval:
        message = (
            f"must be shorter than the interval {show(icmp.interval)} (got {show(icmp.jitter)})"
        )
        problems.append((("icmp", "jitter"), message))
    elif round_time >= icmp.interval:
        problems.append((("icmp", "interval"), _round_too_long(round_time, icmp.interval)))
    for i, site in enumerate(config.sites):
        loc: Loc = ("sites", i, "interval")
        if not written(loc):
            continue  # the site runs on icmp.interval, checked above
        if icmp.jitter >= site.interval:
            message = (
                f"must be longer than icmp.jitter {show(icmp.jitter)} (got {show(site.interval)})"
            )
            problems.append((loc, message))
        elif round_time >= site.interval:
            problems.append((loc, _round_too_long(round_time, site.interval)))
    return problems


def _round_too_long(round_time: float, interval: float) -> str:
    relation = "longer than" if round_time > interval else "as long as"
    return (
        f"a round takes up to {format_duration(round_time)} ((echoes-1) × echo_interval"
        f" + timeout + jitter), {relation} the interval {format_duration(interval)}"
    )
