"""The core's satellite endpoint against hostile and mistaken batches, over HTTP to a real
collector process: each refused with its status and reason, counted, and nothing of it
reaching the state; a batch sent again taken once."""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request

import pytest

from pantau_wire.observations import OBSERVATIONS_PATH, encode_batch, observation
from tests.integration.test_exposition import catalogue, served
from tests.support.collector_process import CollectorProcess, free_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

TOKEN = "satellite-token-0123456789"
SITES = [
    {"name": "core", "links": [{"name": "lo", "kind": "fiber", "targets": ["127.0.0.1"]}]},
    {"name": "hotspot", "satellite": "mamuju",
     "links": [{"name": "radio", "kind": "wireless", "targets": ["127.0.0.4"]}]},
    {"name": "other", "satellite": "majene",
     "links": [{"name": "radio", "kind": "wireless", "targets": ["127.0.0.5"]}]},
]


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    process = CollectorProcess({
        "icmp": {"interval": "10s", "jitter": 0, "echoes": 1, "echo_interval": "50ms",
                 "timeout": "500ms"},
        "satellites": {"clients": [{"name": "mamuju", "token": TOKEN},
                                   {"name": "majene", "token": "another-token-0123456789"}]},
        "sites": SITES}, workdir=tmp_path_factory.mktemp("core")).start()
    try:
        yield process
    finally:
        process.stop()


def body(target: str = "127.0.0.4", received: int = 2) -> dict:
    return {"duration": 0.2, "results": [{"target": target, "sent": 2, "received": received,
                                          "rtts": [0.001] * received, "error": None}]}


def post(core: CollectorProcess, data: bytes, satellite: str = "mamuju", token: str = TOKEN,
         gzipped: bool = True) -> tuple[int, dict]:
    request = urllib.request.Request(
        core.base + OBSERVATIONS_PATH.format(satellite=satellite),
        data=gzip.compress(data) if gzipped else data, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 **({"Content-Encoding": "gzip"} if gzipped else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def rejected(core: CollectorProcess, reason: str) -> float:
    return core.value("pantau_satellite_batches_rejected_total", reason=reason) or 0.0


def rounds(core: CollectorProcess) -> float:
    return core.value("pantau_icmp_rounds_total", site="hotspot") or 0.0


@pytest.mark.parametrize(("satellite", "token", "data", "status", "reason"), [
    ("mamuju", "wrong-token", None, 401, "bad_token"),
    ("nobody", TOKEN, None, 404, "unknown_satellite"),
    ("mamuju", TOKEN, b"not json", 400, "malformed"),
    ("mamuju", TOKEN, encode_batch([observation(1, "icmp", time.time(), "other", body())]),
     409, "wrong_site"),
    ("mamuju", TOKEN, encode_batch([observation(1, "icmp", time.time(), "core", body())]),
     409, "wrong_site"),
    ("mamuju", TOKEN, encode_batch([observation(1, "icmp", time.time(), "hotspot", body()),
                                    observation(2, "icmp", time.time(), "hotspot",
                                                body(target="127.0.0.9"))]), 422, "invalid"),
    ("mamuju", TOKEN, encode_batch([observation(1, "icmp", time.time(), "hotspot",
                                                body(received=3))]), 422, "invalid"),
    ("mamuju", TOKEN, b"{" + b" " * (5 * 1024 * 1024) + b"}", 413, "too_large"),
])
def test_a_batch_that_cannot_be_taken_is_refused_counted_and_changes_nothing(
        core, satellite, token, data, status, reason):
    data = data if data is not None else encode_batch(
        [observation(1, "icmp", time.time(), "hotspot", body())])
    before, counted = rounds(core), rejected(core, reason)
    # A batch is taken whole or not at all: a good observation before the bad one is not kept.
    answer = post(core, data, satellite, token)
    assert answer[0] == status, answer
    assert answer[1]["error"] == reason
    assert rejected(core, reason) == counted + 1
    assert rounds(core) == before


def test_a_batch_sent_again_is_taken_once(core):
    start = rounds(core)
    seq = int(time.time() * 1000)
    batch = encode_batch([observation(seq + n, "icmp", time.time(), "hotspot", body())
                          for n in range(3)])
    assert post(core, batch) == (200, {"status": "stored", "seq": seq + 2, "taken": 3})
    assert post(core, batch) == (200, {"status": "stored", "seq": seq + 2, "taken": 0})
    assert rounds(core) == start + 3
    assert core.value("pantau_satellite_observations_skipped_total", satellite="mamuju") == 3
    assert core.value("pantau_site_state", site="hotspot", state="up") == 1.0


def satellite_config(core_base: str) -> dict:
    return {"icmp": {"interval": "300ms", "jitter": 0, "echoes": 1, "echo_interval": "50ms",
                     "timeout": "200ms"},
            "core": {"url": core_base, "name": "mamuju", "token": TOKEN, "timeout": "1s"},
            "sites": [{"name": "hotspot", "links": [
                {"name": "radio", "kind": "wireless", "targets": ["127.0.0.4"]}]}]}


def test_a_satellite_counts_what_the_core_took_and_what_it_lost(core, tmp_path):
    taken_before = core.value("pantau_satellite_observations_total", satellite="mamuju",
                              kind="icmp") or 0.0
    sending = CollectorProcess(satellite_config(core.base), workdir=tmp_path / "a").start()
    # A second satellite whose core listens nowhere (a port just closed).
    lost = CollectorProcess(satellite_config(f"http://127.0.0.1:{free_port()}"),
                            workdir=tmp_path / "b").start()
    try:
        wait_until(lambda: (sending.value("pantau_satellite_sent_observations_total",
                                          kind="icmp") or 0) >= 3, timeout=20,
                   what="three rounds taken by the core")
        wait_until(lambda: (lost.value("pantau_satellite_lost_observations_total",
                                       reason="unreachable") or 0) >= 3, timeout=20,
                   what="three rounds lost, the core unreachable")
        assert lost.value("pantau_satellite_sent_observations_total", kind="icmp") is None
        assert "did not take an observation (unreachable)" in lost.log
        # Every observation the satellite counts as taken, the core counts too.
        sent = sending.value("pantau_satellite_sent_observations_total", kind="icmp")
        assert (core.value("pantau_satellite_observations_total", satellite="mamuju",
                           kind="icmp") or 0) >= taken_before + sent
        # What a satellite adds to its /metrics is what the catalogue says, both ways.
        families = served(sending.metrics())
        added = {name: row for name, row in families.items()
                 if name.startswith("pantau_satellite_")}
        assert added == catalogue("satellite")
    finally:
        sending.stop()
        lost.stop()
