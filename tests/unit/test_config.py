"""The collector's configuration: what valid files resolve to, and how invalid ones are told."""

import ipaddress
import re
from pathlib import Path

import pydantic
import pytest

from collector.config import (
    CollectorConfig,
    IcmpSettings,
    LinkKind,
    SocketMode,
    StateSettings,
    format_duration,
    load_config,
    parse_config_text,
    parse_duration,
)
from collector.errors import ConfigError, PantauError
from tests.support.config_fixtures import FIXTURES, INVALID, ROOT, expected_errors

pytestmark = pytest.mark.unit

EXAMPLE = ROOT / "config" / "collector.example.yml"
DEMO = ROOT / "config" / "demo.yml"

ONE_SITE = """
sites:
  - name: kantor-gubernur
    links:
      - {name: core, kind: fiber, targets: [192.0.2.1]}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config_text(text, "collector.yml")
    return caught.value.errors


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_reports_exactly_its_expected_errors(path: Path) -> None:
    expected = expected_errors(path)
    assert expected, f"{path.name} has no '# expect:' line"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.errors == expected


def test_there_are_enough_invalid_fixtures() -> None:
    assert len(INVALID) >= 14


def test_config_error_prints_one_problem_per_line() -> None:
    error = ConfigError(["a.yml:1: x: first", "a.yml:2: y: second"])
    assert isinstance(error, PantauError)
    assert str(error) == "a.yml:1: x: first\na.yml:2: y: second"


def test_minimal_file_resolves_every_default() -> None:
    config = load_config(FIXTURES / "valid-minimal.yml")
    assert config.collector.listen == "127.0.0.1:9147"
    assert (config.collector.listen_host, config.collector.listen_port) == ("127.0.0.1", 9147)
    assert config.collector.data_dir == Path("/var/lib/pantau")
    assert config.collector.log_level == "info"
    assert config.icmp == IcmpSettings(
        socket=SocketMode.AUTO,
        interval=30.0,
        jitter=3.0,
        echoes=5,
        echo_interval=1.0,
        timeout=2.0,
        payload_size=56,
        receive_buffer=4194304,
    )
    assert config.state == StateSettings(
        down_after=3, up_after=2, degraded_loss=0.1, degraded_rtt=0.15, window=10
    )
    (site,) = config.sites
    assert (site.name, site.title, site.interval) == ("kantor-gubernur", "kantor-gubernur", 30.0)
    (link,) = site.links
    assert (link.name, link.kind, link.parent) == ("core", LinkKind.FIBER, None)
    assert link.targets == (ipaddress.IPv4Address("192.0.2.1"),)
    assert link.state == config.state


def test_dual_homed_site_merges_link_state_over_the_state_section() -> None:
    config = load_config(FIXTURES / "valid-dual-homed.yml")
    assert [site.name for site in config.sites] == ["kantor-gubernur", "relay-gunung", "bpkad"]
    assert config.site("kantor-gubernur").title == "Kantor Gubernur Sulawesi Barat"
    assert config.site("relay-gunung").interval == 10.0
    bpkad = config.site("bpkad")
    assert bpkad.interval == 20.0
    fiber, backup = bpkad.links
    assert (fiber.kind, fiber.parent) == (LinkKind.FIBER, "kantor-gubernur")
    assert (backup.kind, backup.parent) == (LinkKind.WIRELESS, "relay-gunung")
    assert fiber.state == config.state == StateSettings(down_after=4, degraded_rtt=0.2)
    assert backup.state == StateSettings(
        down_after=4, up_after=2, degraded_loss=0.3, degraded_rtt=0.2, window=20
    )


def test_ipv6_target_and_listen_address_and_empty_sections() -> None:
    config = load_config(FIXTURES / "valid-ipv6.yml")
    assert (config.collector.listen_host, config.collector.listen_port) == ("::1", 9147)
    assert config.icmp == IcmpSettings()
    (link,) = config.site("diskominfo").links
    assert link.targets == (
        ipaddress.IPv6Address("2001:db8:76::1"),
        ipaddress.IPv4Address("203.0.113.7"),
    )
    assert link.state == StateSettings()


def test_unknown_site_is_a_key_error() -> None:
    config = parse_config_text(ONE_SITE, "collector.yml")
    with pytest.raises(KeyError):
        config.site("bappeda")


def test_models_are_frozen() -> None:
    config = parse_config_text(ONE_SITE, "collector.yml")
    with pytest.raises(pydantic.ValidationError):
        config.icmp.echoes = 3  # type: ignore[misc]


def test_unreadable_file_names_the_path_and_reason(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.yml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    assert caught.value.errors == [f"{missing}: cannot read the file: No such file or directory"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("icmp: {timeout: true}", "icmp.timeout: expected a duration, got true"),
        ("icmp: {timeout: [1]}", "icmp.timeout: expected a duration, got a list"),
        ("icmp: {socket: 1}", "icmp.socket: 1 is not one of: auto, datagram, raw"),
        ("state: {window: 2.5}", "state.window: expected an integer, got 2.5"),
        ("state: {degraded_loss: '10%'}", "state.degraded_loss: expected a number, got '10%'"),
        (
            "collector: {listen: '[::1]:0'}",
            "collector.listen: '[::1]:0': the port must be 1 to 65535 (got 0)",
        ),
        (
            "collector: {data_dir: ''}",
            "collector.data_dir: must not be empty (write . for the current directory)",
        ),
    ],
)
def test_single_value_messages(text: str, expected: str) -> None:
    assert errors_of(text + ONE_SITE) == [f"collector.yml:1: {expected}"]


def test_zero_jitter_and_long_durations_are_accepted() -> None:
    config = parse_config_text("icmp: {jitter: 0, interval: 1m30s}" + ONE_SITE, "collector.yml")
    assert (config.icmp.jitter, config.icmp.interval) == (0.0, 90.0)


def test_site_not_setting_interval_is_checked_once_through_icmp_interval() -> None:
    text = (
        "icmp: {interval: 5s, echoes: 3}\n"
        + ONE_SITE
        + ONE_SITE.replace("sites:\n", "").replace("kantor-gubernur", "bappeda")
    )
    assert errors_of(text) == [
        "collector.yml:1: icmp.interval: a round takes up to 7s ((echoes-1) × echo_interval"
        " + timeout + jitter), longer than the interval 5s"
    ]


def test_each_parent_cycle_is_reported_once() -> None:
    text = """
sites:
  - name: a
    links: [{name: x, kind: fiber, parent: b, targets: [192.0.2.1]}]
  - name: b
    links: [{name: x, kind: fiber, parent: a, targets: [192.0.2.2]}]
  - name: c
    links: [{name: x, kind: fiber, parent: b, targets: [192.0.2.3]}]
"""
    assert errors_of(text) == [
        "collector.yml:6: sites[1].links[0].parent: parent cycle: a -> b -> a"
    ]


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        (30, 30.0),
        (1.5, 1.5),
        ("500ms", 0.5),
        ("2s", 2.0),
        ("1.5s", 1.5),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1m30s", 90.0),
    ],
)
def test_durations_are_read_as_seconds(written: object, seconds: float) -> None:
    assert parse_duration(written) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.5, "500ms"),
        (2.0, "2s"),
        (1.5, "1.5s"),
        (300.0, "5m"),
        (3600.0, "1h"),
        (90.0, "90s"),
        (0.2 * 2 + 1, "1.4s"),
    ],
)
def test_durations_are_shown_in_their_shortest_spelling(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("path", [EXAMPLE, DEMO], ids=["example", "demo"])
def test_shipped_configs_are_valid(path: Path) -> None:
    assert load_config(path).sites


def _field_names(model: type[pydantic.BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(field.alias or name)  # the key as written: `from`, not `sender`
        candidates = [field.annotation, *getattr(field.annotation, "__args__", ())]
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
                names |= _field_names(candidate)
    return names


def test_example_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    names = _field_names(CollectorConfig)
    assert {"listen", "receive_buffer", "window", "targets", "parent"} <= names
    missing = sorted(name for name in names if not re.search(rf"\b{name}:", text))
    assert missing == []


def test_example_uses_documentation_addresses_only() -> None:
    allowed = [
        ipaddress.ip_network(net)
        for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
    ]
    config = load_config(EXAMPLE)
    targets = [t for site in config.sites for link in site.links for t in link.targets]
    assert any(t.version == 6 for t in targets)
    assert all(any(t in net for net in allowed if net.version == t.version) for t in targets)


def test_example_shows_a_service_of_every_kind_on_documentation_names() -> None:
    from typing import get_args

    from collector.config.services import Service

    config = load_config(EXAMPLE)
    services = [service for site in config.sites for service in site.services]
    models = get_args(get_args(Service)[0])
    assert {service.kind for service in services} == {
        get_args(model.model_fields["kind"].annotation)[0] for model in models}
    hosts = [getattr(service, "host", None) or getattr(service, "server", None)
             or service.url for service in services]
    assert all("example.org" in host or host.startswith("192.0.2.") for host in hosts), hosts


def test_demo_stays_on_loopback() -> None:
    config = load_config(DEMO)
    assert config.collector.listen == "127.0.0.1:9147"
    assert config.collector.data_dir == Path("var/demo")
    targets = [t for site in config.sites for link in site.links for t in link.targets]
    assert all(t in ipaddress.ip_network("127.0.0.0/8") for t in targets)
    dual = [site for site in config.sites if len({link.parent for link in site.links}) > 1]
    assert dual, "the demo should show a site with two parents"


def test_the_connections_one_address_may_hold_are_set_in_the_config(tmp_path):
    from collector.app import CollectorApp

    text = f"""
collector: {{data_dir: "{tmp_path}", max_connections_per_client: 100}}
sites:
  - {{name: core, links: [{{name: lan, kind: fiber, targets: [127.0.0.1]}}]}}
"""
    assert CollectorApp(parse_config_text(text, "c.yml")).http.limits.per_peer == 100
    with pytest.raises(ConfigError) as refused:
        parse_config_text(text.replace("100", "449"), "c.yml")
    assert "c.yml:2: collector.max_connections_per_client" in str(refused.value)
