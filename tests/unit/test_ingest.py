"""The collector's side of a push: validation, the agent registry, the SQLite report log."""

import json
import logging
import zlib

import pytest

from agent.readings import HostReader
from agent.report import encode
from collector.config.agents import AgentsSettings
from collector.ingest import AgentRegistry, ReportLog, parse_report
from collector.ingest.validation import Rejected
from tests.support.fake_psutil import fake_reader_kwargs

pytestmark = pytest.mark.unit

REPORT = {"version": 1, "seq": 5, "timestamp": 1_800_000_000.5, "boot_time": 1_790_000_000.0,
          "dropped": 0, "samples": [["node_load1", {}, 0.5],
                                    ["node_network_receive_bytes_total", {"device": "eth0"}, 9]]}


def body(**changes) -> bytes:
    return json.dumps({**REPORT, **changes}).encode()


def test_the_agents_own_report_is_valid():
    reading = HostReader(**fake_reader_kwargs()).read()
    report = parse_report(zlib.decompress(encode(reading, 42, 3), 31), max_samples=1000)
    assert (report.seq, report.dropped, report.boot_time) == (42, 3, reading.boot_time)
    assert report.families["node_cpu_seconds_total"][0] == (("0", "user"), 10.0)
    assert sum(map(len, report.families.values())) == len(reading.samples)


@pytest.mark.parametrize(("data", "reason", "message"), [
    (b"{nope", "malformed", "the body is not JSON"),
    (b"[1, 2]", "malformed", "the body must be a JSON object"),
    (body(extra=1), "invalid", "report keys: missing none, unknown ['extra']"),
    (body(version=2), "invalid", "report version 2 is not supported"),
    (body(seq=-1), "invalid", "seq must be a whole number"),
    (body(seq=True), "invalid", "seq must be a whole number"),
    (body(timestamp="now"), "invalid", "timestamp must be a Unix time between 2000 and 2100"),
    (body(timestamp=0.5), "invalid", "timestamp must be a Unix time between 2000 and 2100"),
    (body(boot_time=86400), "invalid", "boot_time must be a Unix time between 2000 and 2100"),
    (body(boot_time=1_800_000_001), "invalid", "boot_time 1800000001 is after the report's"),
    (body(version=True), "invalid", "report version True is not supported"),
    (body(version=1.0), "invalid", "report version 1.0 is not supported"),
    (body(seq=1_800_000_000_500 + 86_400_001), "invalid",
     "seq 1800086400501 is beyond what the agent's clock allows"),
    (body(samples=[["node_network_receive_bytes_total", {"device": "eth0"}, -1]]), "invalid",
     "samples[0]: node_network_receive_bytes_total is a counter and cannot be negative"),
    (b"[" * 100_000 + b"]" * 100_000, "malformed", "the body is JSON nested too deeply"),
    (body().replace(b"0.5]", b"1" + b"0" * 400 + b"]"), "invalid",
     "samples[0]: the value must be a finite number"),
    (body(samples={}), "invalid", "samples must be a list"),
    (body(samples=[["node_load1", {}]]), "invalid", "samples[0]: expected [name, labels, value]"),
    (body(samples=[["up", {}, 1]]), "invalid", "samples[0]: 'up' is not a metric family"),
    (body(samples=[["node_load1", {"agent": "x"}, 1]]), "invalid",
     "samples[0]: node_load1 takes the labels [], got {'agent': 'x'}"),
    (body(samples=[["node_network_receive_bytes_total", {"device": "x" * 300}, 1]]), "invalid",
     "samples[0]: label device must be a string of at most 256 characters"),
    (body(samples=[["node_network_receive_bytes_total", {"device": 7}, 1]]), "invalid",
     "samples[0]: label device must be a string"),
    (body(samples=[["node_load1", {}, "1"]]), "invalid", "samples[0]: the value must be a"),
    (body().replace(b"0.5]", b"1e400]"), "invalid", "samples[0]: the value must be a"),
    (body().replace(b"0.5]", b"NaN]"), "invalid", "NaN is not a finite number"),
    (body(samples=[["node_load1", {}, 1], ["node_load1", {}, 2]]), "invalid",
     "samples[1]: node_load1 with these labels appears twice"),
    (body(samples=[["node_load1", {}, 1]] * 101), "too_large", "101 samples, more than the 100"),
])
def test_bad_reports_are_refused_with_a_reason(data, reason, message):
    with pytest.raises(Rejected) as caught:
        parse_report(data, max_samples=100)
    assert caught.value.reason == reason
    assert message in caught.value.message


def test_label_values_not_utf8_or_with_control_characters_are_escaped_and_counted():
    mount = "/mnt/\udcff\udcfe-data"  # os.fsdecode of a name that is not UTF-8
    data = body(samples=[
        ["node_filesystem_size_bytes", {"device": "/dev/sdb1", "fstype": "ext4",
                                        "mountpoint": mount}, 1e9],
        ["node_network_receive_bytes_total", {"device": "eth\x00\x1b[31m"}, 1],
        ["node_network_receive_bytes_total", {"device": "lo"}, 2]])
    report = parse_report(data, max_samples=100)
    assert report.escaped == 2
    assert report.families["node_filesystem_size_bytes"][0][0][2] == "/mnt/\\xff\\xfe-data"
    devices = [labels[0] for labels, _ in report.families["node_network_receive_bytes_total"]]
    assert devices == ["eth\\x00\\x1b[31m", "lo"]
    assert all(text.encode("utf-8") for text in devices)  # no lone surrogate left


def test_the_agent_escapes_a_mount_point_that_is_not_utf8_as_the_collector_would():
    from tests.support import fake_psutil

    odd = "/srv/\udce9t\udce9"  # "/srv/été" in Latin-1, as os.fsdecode gives it

    class WithOddMount(fake_psutil.FakePsutil):
        def disk_partitions(self, all: bool = False):
            return [*super().disk_partitions(all), fake_psutil.Partition("/dev/sdc1", odd,
                                                                         "ext4", "rw")]

    kwargs = fake_reader_kwargs()
    kwargs["system"] = WithOddMount()
    kwargs["statvfs"] = lambda path: fake_psutil.STATVFS["/home" if path == odd else path]
    reading = HostReader(**kwargs).read()
    report = parse_report(zlib.decompress(encode(reading, 42, 3), 31), max_samples=1000)
    mounts = {labels[2] for labels, _ in report.families["node_filesystem_size_bytes"]}
    assert "/srv/\\xe9t\\xe9" in mounts
    assert report.escaped == 0  # escaped by the agent already


class Clock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def registry_with(clock):
    settings = AgentsSettings.model_validate({
        "silence": 60, "expire": 300,
        "clients": [{"name": "web", "site": "core", "token": "a"},
                    {"name": "db", "site": "core", "token": "b"}]})
    return AgentRegistry(settings, clock)


def report(seq, timestamp):
    return parse_report(body(seq=seq, timestamp=timestamp), max_samples=100)


def test_an_agent_is_up_while_live_reports_come_and_its_series_expire_later():
    clock = Clock()
    registry = registry_with(clock)
    web = registry.get("web")
    assert not registry.up(web) and list(registry.visible()) == []
    first = report(1, clock.now)
    assert registry.would_be_current(web, first, sent_at=clock.now)
    registry.accept(web, first, stored=True, current=True)
    assert registry.up(web) and [r.seq for _, r in registry.visible()] == [1]
    clock.now += 61
    assert not registry.up(web)
    assert [r.seq for _, r in registry.visible()] == [1]
    clock.now += 240
    assert list(registry.visible()) == [] and web.current is None
    assert web.reports == 1


def test_replayed_and_older_reports_are_logged_but_never_shown():
    clock = Clock()
    registry = registry_with(clock)
    web = registry.get("web")
    registry.accept(web, report(10, clock.now), stored=True, current=True)
    stale = report(11, clock.now - 120)
    assert not registry.would_be_current(web, stale, sent_at=clock.now)
    older = report(9, clock.now)
    assert not registry.would_be_current(web, older, sent_at=clock.now)
    registry.accept(web, stale, stored=True, current=False)
    registry.accept(web, report(10, clock.now), stored=False, current=False)
    assert (web.current.seq, web.highest_seq, web.reports, web.duplicates) == (10, 11, 2, 1)
    # Freshness is judged on the agent's clock alone: a skewed clock does not matter.
    skewed = report(12, clock.now + 3600)
    assert registry.would_be_current(web, skewed, sent_at=clock.now + 3601)


def test_rejections_are_counted_and_logged_once_per_change(caplog):
    caplog.set_level(logging.INFO)
    registry = registry_with(Clock())
    for _ in range(3):
        registry.reject("bad_token", "web", "wrong token")
        registry.reject("unknown_agent", "intruder", "not configured")
    registry.accept(registry.get("web"), report(1, 1_800_000_000.0), stored=True,
                    current=False)
    registry.reject("bad_token", "web", "wrong token")
    assert registry.rejected["bad_token"] == 4 and registry.rejected["unknown_agent"] == 3
    assert [r.getMessage() for r in caplog.records] == [
        "agent web: push refused (bad_token): wrong token",
        "push from unknown agent 'intruder' refused: not configured",
        "agent web: pushes accepted again",
        "agent web: push refused (bad_token): wrong token",
    ]


@pytest.fixture
def log(tmp_path):
    clock = Clock()
    report_log = ReportLog(tmp_path / "data" / "reports.sqlite3", retention=86400, clock=clock)
    report_log.open()
    yield report_log
    report_log.close()


def test_the_log_keeps_each_report_once(log):
    assert log.record("web", 1, 100.0, 50.0, current=True)
    assert not log.record("web", 1, 100.0, 50.0, current=True)
    assert log.record("db", 1, 100.0, 60.0, current=False)
    assert log.record("web", 2, 110.0, 50.0, current=False)
    assert log.highest_seqs() == {"web": 2, "db": 1}
    assert [(r.seq, r.current) for r in log.reports("web")] == [(1, True), (2, False)]
    assert [r.seq for r in log.reports("web", start=105)] == [2]


def fill(log, boots):
    """A report every 10 s from t=100, with the given boot times."""
    for index, boot in enumerate(boots):
        log.record("web", index, 100.0 + 10 * index, boot, current=True)


def test_a_gap_with_the_same_boot_time_on_both_sides_means_the_server_stayed_up(log):
    fill(log, [50.0, 50.0, 51.0])  # a second of NTP correction is no reboot
    assert log.server_stayed_up("web", 101, 119) is True
    assert log.boot_times_between("web", 0, 1000) == [50.0]


def test_a_boot_time_that_changes_inside_the_gap_means_a_reboot(log):
    fill(log, [50.0, 50.0, 115.0, 115.0])
    assert log.server_stayed_up("web", 111, 125) is False
    assert log.server_stayed_up("web", 100, 110) is True
    assert log.boot_times_between("web", 0, 1000) == [50.0, 115.0]


def test_no_report_on_one_side_is_no_evidence(log):
    fill(log, [50.0, 50.0])
    assert log.server_stayed_up("web", 50, 60) is None
    assert log.server_stayed_up("web", 105, 500) is None
    assert log.server_stayed_up("db", 0, 1000) is None


def test_reports_past_the_retention_are_pruned(tmp_path):
    clock = Clock(1000.0)
    log = ReportLog(tmp_path / "r.sqlite3", retention=100, clock=clock)
    log.open()
    log.record("web", 1, 1.0, 1.0, current=True)
    clock.now += 50
    log.record("web", 2, 2.0, 1.0, current=True)
    clock.now += 60
    assert log.prune() == 1
    assert [r.seq for r in log.reports("web")] == [2]
    log.close()
