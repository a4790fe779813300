"""`collector ack OUTAGE --by NAME` on the collector's outage log, as a mail user takes an
outage in hand: recorded once (a second hand keeps the first), refused for an outage that
has ended or does not exist."""

from __future__ import annotations

import time

import pytest

from collector.alerting.outage_log import OutageLog, outage_log_path
from tests.integration.test_cli import collector

pytestmark = pytest.mark.integration


@pytest.fixture
def setup(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    path = tmp_path / "collector.yml"
    path.write_text(f"""
collector: {{data_dir: "{data}"}}
sites:
  - {{name: bkd, links: [{{name: fo, kind: fiber, targets: [192.0.2.1]}}]}}
""")
    log = OutageLog(outage_log_path(data))
    open_id = log.open("bkd", None, time.time() - 600)
    ended_id = log.open("bkd", "fo", time.time() - 3600)
    log.close_outage(ended_id, time.time() - 3000)
    log.close()
    return path, data, open_id, ended_id


def test_an_open_outage_is_taken_in_hand_once(setup):
    path, data, open_id, _ = setup
    done = collector("ack", str(open_id), "--by", "Andi  (NOC)", "-c", str(path))
    assert done.returncode == 0, done.stderr
    assert f"outage #{open_id} (bkd) in hand: Andi (NOC)" in done.stdout
    again = collector("ack", str(open_id), "--by", "Budi", "-c", str(path))
    assert again.returncode == 0 and "already in hand: Andi (NOC)" in again.stdout
    log = OutageLog(outage_log_path(data))
    try:
        ack = log.acknowledgement(open_id)
    finally:
        log.close()
    assert ack is not None and ack.by == "Andi (NOC)" and abs(ack.at - time.time()) < 60


@pytest.mark.parametrize(("which", "message"), [("ended", "has already ended"),
                                                ("missing", "there is no outage #999")])
def test_an_ended_or_unknown_outage_is_refused(setup, which, message):
    path, _, _, ended_id = setup
    number = str(ended_id) if which == "ended" else "999"
    done = collector("ack", number, "--by", "Andi", "-c", str(path))
    assert done.returncode == 2
    assert message in done.stderr
