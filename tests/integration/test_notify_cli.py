"""`collector test-notify` against a stand-in Bot API and a real webhook receiver on
loopback: a test message per recipient and what happened to each; what stops the test before
it is tried (channel off, no such group) is a config error with exit 2."""

from __future__ import annotations

import asyncio

import pytest

from collector.cli import main
from tests.integration.test_webhook_channel import SECRET, Receiver
from tests.support.telegram_api import BotApiServer

pytestmark = pytest.mark.integration

TOKEN = "123456:ABC-test-token"


def config_file(tmp_path, text: str, notify: str = "[]"):
    path = tmp_path / "collector.yml"
    path.write_text(text + f"""
sites:
  - {{name: bkd, notify: {notify}, links: [{{name: fo, kind: fiber, targets: [192.0.2.1]}}]}}
""")
    return path


def run_cli(*args: str) -> int:
    return main(list(args))


def test_a_telegram_test_reaches_each_chat_and_a_refusal_is_named(tmp_path, capsys):
    async def scenario():
        api = await BotApiServer(TOKEN, {-1001, -1002}).start()
        try:
            path = config_file(tmp_path, f"""
telegram:
  enabled: true
  token: "{TOKEN}"
  api_url: {api.url}
  groups: {{central: [-1001, -1003], bkd: [-1002]}}
""", notify="[bkd]")
            central = await asyncio.to_thread(run_cli, "test-notify", "--channel", "telegram",
                                              "-c", str(path))
            bkd = await asyncio.to_thread(run_cli, "test-notify", "--channel", "telegram",
                                          "--group", "bkd", "-c", str(path))
            return central, bkd, [m["chat_id"] for m in api.messages]
        finally:
            await api.stop()

    central, bkd, chats = asyncio.run(scenario())
    out, err = capsys.readouterr()
    assert (central, bkd) == (1, 0)
    assert chats == [-1001, -1002]
    assert "test message sent on telegram to -1001" in out
    assert "NOT sent on telegram to -1003: refused: Bad Request: chat not found" in err
    assert TOKEN not in out + err


def test_a_webhook_test_is_signed_and_delivered(tmp_path, capsys):
    async def scenario():
        receiver = await Receiver().start()
        try:
            path = config_file(tmp_path, f"""
webhook:
  enabled: true
  endpoints:
    tiket: {{url: "{receiver.url('hook')}", secret: {SECRET}}}
    am: {{url: "{receiver.url('am')}", secret: {SECRET}, format: alertmanager}}
  groups: {{central: [tiket, am]}}
""")
            code = await asyncio.to_thread(run_cli, "test-notify", "--channel", "webhook",
                                           "-c", str(path))
            return code, receiver.received
        finally:
            await receiver.stop()

    code, received = asyncio.run(scenario())
    assert code == 0, capsys.readouterr()
    pantau, alertmanager = received
    assert pantau["test"] is True and pantau["events"] == []
    assert alertmanager["alerts"][0]["labels"]["alertname"] == "PantauTest"


@pytest.mark.parametrize(("section", "args", "message"), [
    ("", ["--channel", "telegram"], "telegram.enabled: not true"),
    ("telegram: {enabled: true, token: x, groups: {central: [-1001]}}\n",
     ["--channel", "telegram", "--group", "dinkes"], "telegram.groups.dinkes: not set"),
])
def test_what_stops_a_test_is_a_config_error(tmp_path, capsys, section, args, message):
    path = config_file(tmp_path, section)
    assert run_cli("test-notify", *args, "-c", str(path)) == 2
    assert message in capsys.readouterr().err
