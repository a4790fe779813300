"""A satellite's observations on the wire (pantau_wire.observations) and the ICMP round's
wire form: what a satellite sends is read back as it was, and what no satellite of ours
sends (wrong keys, types, numbers, targets, order, depth, size) is refused with a reason."""

from __future__ import annotations

import gzip
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collector.config import parse_config_text
from collector.icmp import PingError, PingResult
from collector.probes import kinds
from collector.probes.icmp import IcmpRound, RoundResult, from_wire, schedule, to_wire
from pantau_wire.observations import (
    MAX_DEPTH,
    MAX_OBSERVATIONS,
    BatchError,
    encode_batch,
    observation,
    parse_batch,
)

pytestmark = pytest.mark.unit

KINDS = frozenset({"icmp"})
CONFIG = parse_config_text("""
icmp: {echoes: 5}
sites:
  - name: hotspot-a
    links:
      - {name: radio, kind: wireless, targets: [192.0.2.4, 192.0.2.5]}
""", "core.yml")
[SCHEDULED] = schedule(CONFIG)
SPEC: IcmpRound = SCHEDULED.spec
AT = 1_796_684_321.25


def batch(*items: dict) -> bytes:
    return encode_batch(list(items))


def test_the_icmp_kind_has_its_wire_form():
    wire = kinds()["icmp"].wire
    assert wire is not None and wire.encode is to_wire and wire.decode is from_wire


pings = st.builds(
    lambda target, sent, received, rtt, error: PingResult(
        target, sent, min(received, sent), tuple(rtt for _ in range(min(received, sent))),
        error),
    st.sampled_from(SPEC.targets), st.integers(0, 100), st.integers(0, 100),
    st.floats(0, 60, allow_nan=False), st.none() | st.sampled_from(list(PingError)))


@settings(max_examples=200, deadline=None)
@given(st.lists(pings, max_size=2, unique_by=lambda p: p.target),
       st.floats(0, 3600, allow_nan=False), st.integers(0, 2**62))
def test_a_round_travels_as_it_was(results, duration, seq):
    round_ = RoundResult("hotspot-a", {p.target: p for p in results}, duration, SPEC.max_gap)
    sent = gzip.decompress(gzip.compress(batch(observation(
        seq, "icmp", AT, "hotspot-a", to_wire(round_)))))
    [item] = parse_batch(sent, KINDS)
    assert (item["seq"], item["kind"], item["at"], item["site"]) == (seq, "icmp", AT,
                                                                      "hotspot-a")
    assert from_wire(item["body"], SPEC) == round_


def good_body() -> dict:
    return to_wire(RoundResult("hotspot-a", {"192.0.2.4": PingResult(
        "192.0.2.4", 5, 4, (0.002, 0.003, 0.002, 0.004))}, 4.1, SPEC.max_gap))


@pytest.mark.parametrize(("change", "message"), [
    (lambda b: b.update(extra=1), "body: expected keys"),
    (lambda b: b.update(duration=-1), "body.duration"),
    (lambda b: b.update(duration=True), "body.duration"),
    (lambda b: b["results"][0].update(target="192.0.2.99"), "not one of hotspot-a's targets"),
    (lambda b: b["results"].extend([dict(b["results"][0])] * 2),
     "expected a list of at most 2"),
    (lambda b: b["results"].append(dict(b["results"][0])), "or twice"),
    (lambda b: b["results"][0].update(sent=101, received=4), "sent: expected 0 to 100"),
    (lambda b: b["results"][0].update(received=6), "received: expected 0 to sent"),
    (lambda b: b["results"][0].update(rtts=[0.1]), "one time from 0 to 60 s per reply"),
    (lambda b: b["results"][0].update(rtts=[0.1, 0.1, 0.1, 61]), "one time from 0 to 60 s"),
    (lambda b: b["results"][0].update(rtts=[0.1, 0.1, 0.1, "0.1"]), "one time from 0 to 60"),
    (lambda b: b["results"][0].update(error="boom"), "error: expected null or one of"),
    (lambda b: b["results"][0].update(sent=2.0), "sent: expected 0 to 100"),
])
def test_a_round_no_satellite_sends_is_refused_with_its_reason(change, message):
    body = good_body()
    change(body)
    with pytest.raises(BatchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_wire(body, SPEC)


def item(**changes: object) -> dict:
    return {**observation(1, "icmp", AT, "hotspot-a", good_body()), **changes}


@pytest.mark.parametrize(("data", "message"), [
    (b"", "not JSON"),
    (b"{", "not JSON"),
    (b'{"version": 1, "observations": [NaN]}', "not JSON"),
    (b"[]", "expected an object with keys"),
    (json.dumps({"version": 2, "observations": [item()]}).encode(), "version must be 1"),
    (json.dumps({"version": True, "observations": [item()]}).encode(), "version must be 1"),
    (json.dumps({"version": 1, "observations": []}).encode(), "non-empty list"),
    (json.dumps({"version": 1, "observations": [item()] * (MAX_OBSERVATIONS + 1)}).encode(),
     f"more than {MAX_OBSERVATIONS}"),
    (batch(item(extra=1)), "observations[0]: expected an object with keys"),
    (batch(item(seq=-1)), "observations[0].seq"),
    (batch(item(seq=1.0)), "observations[0].seq"),
    (batch(item(seq=5), item(seq=5)), "observations[1].seq: 5 does not follow 5"),
    (batch(item(kind="snmp")), "observations[0].kind: expected one of icmp"),
    (batch(item(at=1e20)), "observations[0].at"),
    (batch(item(at=0)), "observations[0].at"),
    (batch(item(site="Hotspot A")), "observations[0].site"),
    (batch(item(site="-x")), "observations[0].site"),
    (batch(item(body=[])), "observations[0].body: expected an object"),
    (b'{"version": 1, "observations": [' + b"[" * 50 + b"]" * 50 + b"]}",
     f"nested deeper than {MAX_DEPTH}"),
    (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
])
def test_a_batch_no_satellite_sends_is_refused_with_its_reason(data, message):
    with pytest.raises(BatchError) as caught:
        parse_batch(data, KINDS)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 200


def test_numbers_json_cannot_hold_are_not_sent():
    body = good_body()
    body["duration"] = math.inf
    with pytest.raises(ValueError):
        batch(observation(1, "icmp", AT, "hotspot-a", body))
