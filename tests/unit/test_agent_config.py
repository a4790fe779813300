"""The agent's key = value config: what valid files give, and how invalid ones are told."""

import re

import pytest

from agent.config import (
    AgentConfigError,
    parse_config_text,
    parse_duration,
    parse_size,
    split_url,
)

pytestmark = pytest.mark.unit

MINIMAL = "collector = https://192.0.2.5:9147/\nname = web-bappeda\ntoken = s3cr#t = x\n"


def errors_of(text: str) -> list[str]:
    with pytest.raises(AgentConfigError) as caught:
        parse_config_text(text, "agent.conf", environ={})
    return caught.value.errors


def test_minimal_file_resolves_every_default():
    config = parse_config_text(MINIMAL, "agent.conf", environ={})
    assert config.collector == "https://192.0.2.5:9147"
    assert (config.name, config.site, config.token) == ("web-bappeda", None, "s3cr#t = x")
    assert (config.interval, config.timeout, config.ca_file) == (15.0, 10.0, None)
    assert config.state_dir == "/var/lib/pantau-agent"
    assert (config.spool_max_reports, config.spool_max_bytes) == (5760, 64 * 2**20)
    assert config.log_level == "info"
    assert "s3cr" not in repr(config)


def test_state_dir_defaults_to_systemds_state_directory():
    config = parse_config_text(MINIMAL, "agent.conf", environ={"STATE_DIRECTORY": "/x/y"})
    assert config.state_dir == "/x/y"


def test_every_key(tmp_path):
    token = tmp_path / "token"
    token.write_text("from-file\n")
    config = parse_config_text(
        "# comment\n\ncollector = https://pantau.example\nname = a\nsite = bappeda\n"
        f"token_file = {token}\ninterval = 1m30s\ntimeout = 500ms\nca_file = /etc/ca.pem\n"
        "state_dir = /srv/agent\nspool_max_reports = 10\nspool_max_bytes = 512KiB\n"
        "log_level = debug\n", "agent.conf", environ={})
    assert (config.token, config.interval, config.timeout) == ("from-file", 90.0, 0.5)
    assert (config.site, config.ca_file, config.state_dir) == ("bappeda", "/etc/ca.pem",
                                                               "/srv/agent")
    assert (config.spool_max_reports, config.spool_max_bytes) == (10, 512 * 1024)


@pytest.mark.parametrize(("line", "expected"), [
    ("interval = 50ms", "interval: must be at least 100ms (got 50ms)"),
    ("interval = soon", "interval: 'soon' is not a duration (use e.g. 500ms, 30s, 5m)"),
    ("spool_max_bytes = 1KiB", "spool_max_bytes: must be at least 64KiB (got 1KiB)"),
    ("spool_max_bytes = lots", "spool_max_bytes: 'lots' is not a size (use e.g. 65536, 512KiB, "
                               "64MiB)"),
    ("spool_max_reports = 0", "spool_max_reports: must be at least 1 (got 0)"),
    ("log_level = loud", "log_level: 'loud' is not one of: debug, info, warning, error"),
    ("site = Bappeda", "site: 'Bappeda' is not a valid name (lower-case letters, digits, '-' "
                       "and '_', starting with a letter or digit, at most 63 characters)"),
    ("colour = red", "colour: unknown key (allowed: collector, name, site, token, token_file, "
                     "interval, timeout, ca_file, state_dir, spool_max_reports, "
                     "spool_max_bytes, log_level)"),
    ("name = b", "name: already set on line 2"),
    ("just words", "expected 'key = value', got 'just words'"),
    ("timeout =", "timeout: must not be empty"),
])
def test_single_line_messages(line, expected):
    assert errors_of(MINIMAL + line + "\n") == [f"agent.conf:4: {expected}"]


def test_missing_keys_and_conflicts_are_all_reported_in_line_order(tmp_path):
    assert errors_of("collector = ftp://x\ntoken = a\ntoken_file = /nope\n") == [
        "agent.conf:1: collector: 'ftp://x' is not an http:// or https:// URL",
        "agent.conf:3: name: required key is missing",
        "agent.conf:3: token_file: set either token or token_file, not both",
    ]
    assert errors_of(f"collector = http://h\nname = a\ntoken_file = {tmp_path}/none\n"
                     "ca_file = /ca.pem\n") == [
        "agent.conf:3: token_file: cannot read it: No such file or directory",
        "agent.conf:4: ca_file: needs an https:// collector URL",
    ]


@pytest.mark.parametrize(("text", "seconds"), [
    ("15", 15.0), ("1.5", 1.5), ("500ms", 0.5), ("30s", 30.0), ("5m", 300.0), ("1h", 3600.0),
    ("1m30s", 90.0)])
def test_durations_read_like_the_collectors(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "size"), [
    ("65536", 65536), ("512KiB", 524288), ("64MiB", 64 * 2**20), ("1GiB", 2**30)])
def test_sizes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(("url", "parts"), [
    ("https://pantau.example:9147", ("https", "pantau.example", 9147, "")),
    ("https://pantau.example", ("https", "pantau.example", 443, "")),
    ("http://192.0.2.5", ("http", "192.0.2.5", 80, "")),
    ("http://[2001:db8::5]:8080/pantau/", ("http", "2001:db8::5", 8080, "/pantau")),
    ("https://mon_1.opd.local/a/b", ("https", "mon_1.opd.local", 443, "/a/b")),
])
def test_collector_urls(url, parts):
    assert split_url(url) == parts


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://x", "'ftp://x' is not an http:// or https:// URL"),
    ("https://", "'https://' is not an http:// or https:// URL"),
    ("https://user:pw@host", "is not an http:// or https:// URL"),
    ("https://host/path?query", "is not an http:// or https:// URL"),
    ("https://host#top", "is not an http:// or https:// URL"),
    ("https://bücher.example", "is not an http:// or https:// URL"),
    ("https://host:99999", "'https://host:99999': port 99999 is out of range"),
    ("https://host:0", "port 0 is out of range"),
])
def test_urls_the_agent_cannot_use_are_refused(url, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        split_url(url)
