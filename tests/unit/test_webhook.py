"""Webhook documents: Pantau's own against its published schema, Alertmanager's payload
against its documented fields, the signature, and an idempotency key that depends on the
events alone."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from collector.alerting.notifications import EventKind
from collector.notify.webhook import (
    alertmanager_document,
    body,
    idempotency_key,
    pantau_document,
    sign,
    verify,
)
from tests.unit.test_mail_render import EVERY_KIND, config

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "webhook.schema.json").read_text())
ALERTMANAGER = json.loads((ROOT / "tests" / "fixtures" / "alertmanager-webhook.schema.json")
                          .read_text())
CHECKER = jsonschema.FormatChecker()


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_kind_of_event_makes_a_document_the_schema_accepts(language):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for notification in EVERY_KIND:
        document = json.loads(body(pantau_document([notification], config(language))))
        jsonschema.validate(document, SCHEMA, format_checker=CHECKER)
    grouped = pantau_document(EVERY_KIND, config(language))
    jsonschema.validate(grouped, SCHEMA, format_checker=CHECKER)
    assert len(grouped["events"]) == len(EVERY_KIND)


def test_an_outage_is_data_with_one_line_for_people():
    down = next(n for n in EVERY_KIND if n.kind is EventKind.DOWN and n.affected)
    [event] = pantau_document([down], config("id"))["events"]
    assert (event["kind"], event["site"]["name"], event["outage_id"]) == ("down", "diskominfo",
                                                                          42)
    assert [a["state"] for a in event["affected"]] == ["down", "unreachable"]
    assert event["started_at"] == "2025-11-29T05:05:00Z"
    assert event["summary"] == "PUTUS: diskominfo (2 lokasi terdampak)"


def test_the_key_depends_on_the_events_not_on_the_language_or_the_moment():
    first = pantau_document(EVERY_KIND[:3], config("id"))["key"]
    assert pantau_document(EVERY_KIND[:3], config("en"))["key"] == first
    assert idempotency_key(EVERY_KIND[:3]) == first
    assert idempotency_key(EVERY_KIND[:2]) != first


def test_alertmanager_payload_has_its_documented_fields_and_resolves_recoveries():
    jsonschema.Draft202012Validator.check_schema(ALERTMANAGER)
    for notification in EVERY_KIND:
        jsonschema.validate(alertmanager_document([notification], config("en")), ALERTMANAGER,
                            format_checker=CHECKER)
    document = alertmanager_document(EVERY_KIND, config("en"))
    by_kind = {n.kind: alert for n, alert in zip(EVERY_KIND, document["alerts"], strict=True)}
    down, recovered = by_kind[EventKind.DOWN], by_kind[EventKind.RECOVERED]
    assert (down["status"], down["endsAt"]) == ("firing", "0001-01-01T00:00:00Z")
    assert recovered["status"] == "resolved" and recovered["endsAt"] != "0001-01-01T00:00:00Z"
    assert down["labels"]["alertname"] == recovered["labels"]["alertname"] == "PantauSiteDown"
    assert down["fingerprint"] == recovered["fingerprint"]  # the same alert, resolved
    assert document["status"] == "firing"


def test_the_signature_checks_the_exact_body_under_the_secret():
    data = body(pantau_document(EVERY_KIND[:1], config("id")))
    signature = sign(data, "rahasia-bersama")
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify(data, "rahasia-bersama", signature)
    assert not verify(data + b" ", "rahasia-bersama", signature)
    assert not verify(data, "rahasia-lain", signature)


def test_a_lone_site_down_names_itself_among_the_sites_concerned():
    from tests.unit.test_mail_render import LONE_SITE_DOWN

    [event] = pantau_document([LONE_SITE_DOWN], config("en"))["events"]
    assert [(a["site"], a["state"]) for a in event["affected"]] == [("bkd", "down")]
