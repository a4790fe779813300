"""Hostile pushes against the real collector on loopback: whatever the body and headers, the
answer is a 2xx or a 4xx with a reason (never a 5xx), a refused request is answered without
reading its body, a compression bomb is cut off at the cap, and nothing a report carries can
blind /metrics or hide the reports after it."""

from __future__ import annotations

import gzip
import json
import socket
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pantau_wire.agent_report import FAMILIES, Rejection
from tests.integration.test_ingest import sections
from tests.support.collector_process import CollectorProcess
from tests.support.metrics import scrape, value
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

NOW = time.time()
VALID = {"version": 1, "seq": 7, "timestamp": NOW, "boot_time": NOW - 3600, "dropped": 0,
         "samples": [["node_load1", {}, 0.5],
                     ["node_network_receive_bytes_total", {"device": "eth0"}, 9],
                     ["node_filesystem_size_bytes",
                      {"device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/"}, 1e9]]}


@pytest.fixture(scope="module")
def collector(tmp_path_factory):
    process = CollectorProcess(sections(), tmp_path_factory.mktemp("collector"))
    try:
        yield process.start()
    finally:
        process.stop()


def exchange(collector: CollectorProcess, request: bytes, timeout: float = 5) -> bytes:
    """``request`` as raw bytes on a fresh connection; what came back until the server
    closed, or until ``timeout`` (a request whose framing asks for more body than it has
    waits for it)."""
    host, port = collector.base.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
    return answer


def push(body: bytes, headers: dict[str, str], path: str = "check") -> bytes:
    head = [f"POST /api/v1/agents/web/{path} HTTP/1.1", "Host: 127.0.0.1",
            f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{name}: {text}" for name, text in headers.items()]
    return "\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body


def status_and_json(answer: bytes) -> tuple[int, dict | None]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def good_headers(**changes: str) -> dict[str, str]:
    return {"Authorization": "Bearer web-token", "Content-Type": "application/json",
            "Content-Encoding": "gzip", "Pantau-Sent-At": f"{NOW:.3f}", **changes}


# What a fuzzer throws at the endpoint: the real report, broken in many small ways.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                               max_size=5),
    max_leaves=20)
# Any code point, lone surrogates and control characters included.
label_text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                                            categories=None), max_size=300)


@st.composite
def reports(draw) -> bytes:
    report = json.loads(json.dumps(VALID))
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from([*VALID, "extra"]))
        report[key] = draw(json_values | st.integers(-2**70, 2**70)
                           | st.floats(allow_nan=True, allow_infinity=True))
    if draw(st.booleans()):
        family = draw(st.sampled_from(FAMILIES))
        labels = {name: draw(label_text) for name in family.labels}
        kept = report.get("samples")
        report["samples"] = [*(kept if isinstance(kept, list) else []),
                             [family.name, labels,
                              draw(st.floats() | st.integers(-2**70, 2**70))]]
    text = json.dumps(report, allow_nan=True)
    if draw(st.booleans()):
        depth = draw(st.integers(1, 50_000))
        text = "[" * depth + "]" * depth
    return text.encode("utf-8", "surrogatepass")


@st.composite
def requests(draw) -> tuple[bytes, dict[str, str]]:
    body = draw(reports() | st.binary(max_size=2000))
    headers = good_headers()
    if draw(st.booleans()):
        body = gzip.compress(body)
        if draw(st.booleans()):
            body = body[: draw(st.integers(0, len(body)))]  # cut short
    names = [*headers, "Content-Length-X", "Transfer-Encoding"]
    for name in draw(st.lists(st.sampled_from(names), max_size=3)):
        headers[name] = draw(st.text(alphabet=st.characters(min_codepoint=32,
                                                            max_codepoint=255),
                                     max_size=60))
    return body, headers


@settings(max_examples=500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(requests())
def test_no_body_or_header_gets_a_5xx_and_every_refusal_says_why(collector, request):
    body, headers = request
    answer = exchange(collector, push(body, headers))
    if not answer:
        return  # a request line or header the HTTP parser refused outright, and closed
    status, document = status_and_json(answer)
    assert status < 500, answer[:300]
    if status in (200,):
        assert document == {"status": "checked", "seq": document["seq"]}
    elif document is not None and "error" in document:
        assert document["error"] in Rejection.ALL


def test_after_the_fuzzing_metrics_and_health_still_answer(collector):
    assert scrape(collector.base + "/healthz").startswith(("ok", "rounds"))
    assert "pantau_agent_pushes_rejected_total" in scrape(collector.base + "/metrics")


def test_a_bomb_behind_a_wrong_token_is_refused_before_its_body_is_sent(collector):
    """The request says 4 GiB; only its first KiB is ever sent. The answer comes at once and
    the connection closes: the rest is neither waited for nor read."""
    host, port = collector.base.removeprefix("http://").split(":")
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    start = bomb.compress(b"\0" * (1 << 20))
    head = push(b"", good_headers(Authorization="Bearer wrong")).replace(
        b"Content-Length: 0", f"Content-Length: {4 << 30}".encode())
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + start[:1024])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status, document = status_and_json(answer)
    assert status == 401 and document["error"] == "bad_token"


def test_a_bomb_with_the_right_token_is_cut_off_at_the_cap(collector):
    # 64 KiB allowed (sections()): this inflates to 50 MiB and is 50 KiB on the wire.
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = bomb.compress(b"\0" * (50 << 20)) + bomb.flush()
    assert len(body) < 64 << 10
    status, document = status_and_json(exchange(collector, push(body, good_headers())))
    assert status == 413 and "inflates past" in document["message"]


@pytest.mark.parametrize("content_type", [";0*", "", "application/json;", ";", "text/plain",
                                          "APPLICATION/JSON; charset=utf-8"])
def test_odd_content_types_are_judged_not_crashed_on(collector, content_type):
    """`;0*` once crashed aiohttp's parser of the header (found by bench/fuzz_push.py)."""
    body = gzip.compress(json.dumps(VALID).encode())
    status, document = status_and_json(exchange(collector, push(
        body, good_headers(**{"Content-Type": content_type}))))
    if content_type.lower().startswith("application/json"):
        assert status == 200, document
    else:
        assert status == 400 and "Content-Type must be application/json" in document["message"]


def test_gzip_that_is_not_gzip_is_a_400_not_a_500(collector):
    for body in (b"plain text", gzip.compress(b"{}")[:-4], gzip.compress(b"{}") + b"junk"):
        status, document = status_and_json(exchange(collector, push(body, good_headers())))
        assert status == 400 and "not gzip" in document["message"], document


def test_a_label_that_is_not_utf8_is_shown_escaped_and_metrics_keep_answering(collector):
    report = json.loads(json.dumps(VALID))
    report["samples"][2][1]["mountpoint"] = "/srv/\udce9t\udce9"
    body = gzip.compress(json.dumps(report).encode("utf-8", "surrogatepass"))
    status, document = status_and_json(exchange(collector, push(body, good_headers(),
                                                                "push")))
    assert status == 200 and document["status"] == "stored", document
    text = scrape(collector.base + "/metrics")
    assert value(text, "node_filesystem_size_bytes", mountpoint="/srv/\\xe9t\\xe9") == 1e9
    assert value(text, "pantau_agent_labels_escaped_total", agent="web") == 1


def test_a_sequence_number_from_the_future_is_refused_and_hides_nothing(collector):
    future = {**VALID, "seq": int((NOW + 365 * 86400) * 1000)}
    status, document = status_and_json(exchange(collector, push(
        gzip.compress(json.dumps(future).encode()), good_headers(), "push")))
    assert status == 422 and "beyond what the agent's clock allows" in document["message"]
    honest = {**VALID, "seq": int(NOW * 1000), "timestamp": time.time(),
              "samples": [["node_load1", {}, 4.25]]}
    status, document = status_and_json(exchange(collector, push(
        gzip.compress(json.dumps(honest).encode()),
        good_headers(**{"Pantau-Sent-At": f"{time.time():.3f}"}), "push")))
    assert status == 200 and document["status"] == "stored"
    wait_until(lambda: collector.value("node_load1", agent="web") == 4.25, timeout=10,
               what="the honest report shown")


def test_an_agent_numbering_behind_what_is_stored_is_told_where_to_go_on(collector):
    """A lost state file and a clock set back: the agent's numbers fall below the highest
    stored. The answer says from where to number, and the report so numbered is shown."""
    def report(seq: int, load: float) -> bytes:
        return gzip.compress(json.dumps({**VALID, "seq": seq, "timestamp": time.time(),
                                         "samples": [["node_load1", {}, load]]}).encode())

    def send(seq: int, load: float) -> dict:
        status, document = status_and_json(exchange(collector, push(
            report(seq, load), good_headers(**{"Pantau-Sent-At": f"{time.time():.3f}"}),
            "push")))
        assert status == 200, document
        return document

    high = int(time.time() * 1000) + 3_600_000  # an hour ahead: the clock was set back
    first = send(high, 1.5)
    assert first["status"] == "stored"
    behind = send(high - 3_600_000, 2.5)
    assert behind["status"] == "stored" and behind["next_seq"] == high + 1
    assert collector.value("node_load1", agent="web") == 1.5  # hidden: numbered behind
    assert "next_seq" not in send(behind["next_seq"], 3.5)
    wait_until(lambda: collector.value("node_load1", agent="web") == 3.5, timeout=10,
               what="the report numbered as told shown")
