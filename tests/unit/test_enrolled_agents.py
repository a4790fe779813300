"""Agents enrolled beside the config (agents.d/SITE/NAME.token): read with it, wrong files
named, a rotated token taken until its time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.config import load_config
from collector.config.enrolled import old_token_text
from collector.errors import ConfigError

pytestmark = pytest.mark.unit

CONFIG = """
collector: {data_dir: /nonexistent/pantau}
agents:
  clients:
    - {name: web-bappeda, site: bappeda, token: written-token-0123456789}
sites:
  - name: bappeda
    links: [{name: fo, kind: fiber, targets: [192.0.2.2]}]
  - name: dinkes
    links: [{name: fo, kind: fiber, targets: [192.0.2.3]}]
"""


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "collector.yml"
    path.write_text(CONFIG)
    return path


def enrol(config_path, site, name, token):
    path = config_path.parent / "agents.d" / site / f"{name}.token"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n")
    return path


def test_enrolled_agents_join_those_of_the_config(config_path):
    enrol(config_path, "dinkes", "dinkes-server", "enrolled-token-0123456789")
    clients = {c.name: c for c in load_config(config_path).agents.clients}
    assert sorted(clients) == ["dinkes-server", "web-bappeda"]
    assert clients["dinkes-server"].site == "dinkes"
    assert clients["dinkes-server"].accepts("enrolled-token-0123456789", 0)
    assert not clients["dinkes-server"].accepts("written-token-0123456789", 0)


def test_a_directory_elsewhere_is_read_from_there(config_path, tmp_path):
    elsewhere = tmp_path / "tokens"
    config_path.write_text(CONFIG.replace("agents:\n", f"agents:\n  directory: {elsewhere}\n"))
    (elsewhere / "dinkes").mkdir(parents=True)
    (elsewhere / "dinkes" / "a.token").write_text("enrolled-token-0123456789\n")
    assert [c.name for c in load_config(config_path).agents.clients] == ["web-bappeda", "a"]


@pytest.mark.parametrize(("site", "name", "token", "message"), [
    ("nowhere", "x", "token-0123456789", "site 'nowhere' is not defined (defined: bappeda, "
     "dinkes)"),
    ("bappeda", "web-bappeda", "token-0123456789", "agent 'web-bappeda' is also in "
     "agents.clients of the config"),
    ("dinkes", "copy", "written-token-0123456789", "the same token as another agent"),
    ("dinkes", "Bad!", "token-0123456789", "not an agent's token file"),
    ("dinkes", "empty", "", "is empty"),
    ("dinkes", "spaced", "token-0123 456789", "the token alone, on one line"),
])
def test_a_wrong_token_file_is_named_and_its_token_never_shown(config_path, site, name, token,
                                                               message):
    path = enrol(config_path, site, name, token)
    with pytest.raises(ConfigError) as caught:
        load_config(config_path)
    [error] = caught.value.errors
    assert error.startswith(f"{path}: ") and message in error
    assert not token or token.split()[0] not in error


def test_a_rotated_token_is_taken_until_its_time_and_not_after(config_path):
    path = enrol(config_path, "dinkes", "dinkes-server", "new-token-0123456789")
    until = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    path.with_name("dinkes-server.token.old").write_text(
        old_token_text("old-token-0123456789", until))
    client = next(c for c in load_config(config_path).agents.clients
                  if c.name == "dinkes-server")
    before, after = (until - timedelta(seconds=1)).timestamp(), until.timestamp()
    assert client.accepts("new-token-0123456789", after)
    assert client.accepts("old-token-0123456789", before)
    assert not client.accepts("old-token-0123456789", after)


def test_an_old_token_file_without_its_time_is_refused(config_path):
    path = enrol(config_path, "dinkes", "dinkes-server", "new-token-0123456789")
    old = path.with_name("dinkes-server.token.old")
    old.write_text("old-token-0123456789\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config_path)
    assert caught.value.errors == [f"{old}: dinkes-server.token.old must say until when it "
                                   "is valid, on a line '# valid until "
                                   "YYYY-MM-DDTHH:MM:SS+HH:MM'"]


def test_a_previous_token_in_the_config_needs_its_time(tmp_path):
    path = tmp_path / "collector.yml"
    path.write_text(CONFIG.replace(
        "token: written-token-0123456789}",
        "token: written-token-0123456789,\n       previous_token: old-token-0123456789}"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.errors == [
        f"{path}:6: agents.clients[0].previous_token: needs previous_until as well"]
