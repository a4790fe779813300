"""``agent run`` reads its command line without argparse, and exactly as argparse would."""

import pytest

from agent.cli import _parser, run_config_path
from agent.config import DEFAULT_PATH

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("argv", [
    ["run"],
    ["run", "-c", "/etc/a.conf"],
    ["run", "--config", "%d/agent.conf"],
    ["run", "--config=/etc/b.conf"],
    ["run", "-c", "agent.conf"],
])
def test_the_run_command_lines_read_as_argparse_reads_them(argv, monkeypatch):
    monkeypatch.delenv("PANTAU_AGENT_CONFIG", raising=False)
    assert run_config_path(argv) == _parser().parse_args(argv).config


def test_the_default_config_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PANTAU_AGENT_CONFIG", "/srv/agent.conf")
    assert run_config_path(["run"]) == "/srv/agent.conf"
    monkeypatch.delenv("PANTAU_AGENT_CONFIG")
    assert run_config_path(["run"]) == DEFAULT_PATH


@pytest.mark.parametrize("argv", [
    [], ["check"], ["run", "-h"], ["run", "-c"], ["run", "-c", "-h"], ["run", "--config="],
    ["run", "-cfile"], ["run", "--conf", "x"], ["run", "-c", "a", "extra"], ["--version"],
])
def test_anything_else_is_left_to_argparse(argv):
    assert run_config_path(argv) is None
