"""Installing into a directory: the files, their modes, a second run that changes nothing."""

import os

import pytest

from agent import install
from agent.config import parse_config_text

pytestmark = pytest.mark.unit

EXECUTABLE = "/opt/pantau/bin/agent"


def config(**changes):
    values = {"collector": "https://192.0.2.5:9147", "name": "web-bappeda", "site": "bappeda",
              "token": "t0ken", "interval": "30s", "ca_file": "/etc/pantau/ca.pem", **changes}
    text = "".join(f"{k} = {v}\n" for k, v in values.items())
    return parse_config_text(text, "test", environ={})


def test_the_rendered_config_reads_back_as_the_same_config():
    original = config()
    text = install.render_config(original)
    assert parse_config_text(text, "agent.conf", environ={}) == original
    assert "token = t0ken" in text


def test_the_unit_starts_the_installed_agent_on_the_config_credential():
    unit = install.render_unit(EXECUTABLE)
    assert f"ExecStart={EXECUTABLE} run --config %d/agent.conf\n" in unit
    assert "LoadCredential=agent.conf:/etc/pantau/agent.conf\n" in unit
    for line in ("DynamicUser=yes", "StateDirectory=pantau-agent", "ProtectSystem=strict",
                 "NoNewPrivileges=yes", "CapabilityBoundingSet=\n"):
        assert line in unit


def test_install_writes_both_files_with_their_modes_then_finds_nothing_to_do(tmp_path):
    root = str(tmp_path)
    plan = install.plan_install(config(), EXECUTABLE, root)
    assert [(f.path, f.action, f.mode) for f in plan.files] == [
        ("/etc/pantau/agent.conf", "create", 0o600),
        ("/etc/systemd/system/pantau-agent.service", "create", 0o644)]
    assert plan.commands == ()  # a directory is not a running system
    steps: list[str] = []
    install.apply(plan, steps)
    conf = tmp_path / "etc/pantau/agent.conf"
    assert oct(os.stat(conf).st_mode & 0o777) == "0o600"
    assert oct(os.stat(tmp_path / "etc/systemd/system/pantau-agent.service").st_mode & 0o777) \
        == "0o644"
    again = install.plan_install(config(), EXECUTABLE, root)
    assert not again.changes
    assert install.describe(again).endswith("nothing to change\n")


def test_a_changed_setting_or_mode_updates_only_that_file(tmp_path):
    root = str(tmp_path)
    install.apply(install.plan_install(config(), EXECUTABLE, root), [])
    changed = install.plan_install(config(interval="1m"), EXECUTABLE, root)
    assert [f.action for f in changed.files] == ["update", "unchanged"]
    os.chmod(tmp_path / "etc/pantau/agent.conf", 0o644)
    loosened = install.plan_install(config(), EXECUTABLE, root)
    assert [f.action for f in loosened.files] == ["update", "unchanged"]


def test_dry_run_shows_every_file_in_full_but_the_token_and_writes_nothing(tmp_path):
    text = install.describe(install.plan_install(config(), EXECUTABLE, str(tmp_path)))
    assert f"would create {tmp_path}/etc/pantau/agent.conf (mode 0600):" in text
    assert "    token = <secret>" in text
    assert "t0ken" not in text
    assert f"    ExecStart={EXECUTABLE} run --config %d/agent.conf" in text
    assert list(tmp_path.iterdir()) == []


def test_uninstall_removes_what_install_wrote(tmp_path):
    root = str(tmp_path)
    install.apply(install.plan_install(config(), EXECUTABLE, root), [])
    plan = install.plan_uninstall(root)
    assert [f.action for f in plan.files] == ["remove", "remove"]
    install.apply(plan, [])
    assert not (tmp_path / "etc/pantau/agent.conf").exists()
    assert not install.plan_uninstall(root).changes


def test_the_executable_is_this_agent_command_or_the_one_on_path(tmp_path, monkeypatch):
    script = tmp_path / "agent"
    script.write_text("#!/bin/sh\n")
    assert install.agent_executable(str(script)) == str(script)
    monkeypatch.setenv("PATH", str(tmp_path))
    script.chmod(0o755)
    assert install.agent_executable("/usr/lib/python3/pytest") == str(script)
