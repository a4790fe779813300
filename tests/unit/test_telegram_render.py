"""Telegram messages from notifications: valid for the Bot API's HTML parse mode (checked as
the API checks it), escaped, in one language, and within 4096 characters however many sites
an outage cuts off."""

from __future__ import annotations

import dataclasses

import pytest

from collector.alerting.notifications import AffectedSite, EventKind, Notification
from collector.config.mail import MailLanguage
from collector.notify.telegram import render_telegram
from tests.support.telegram_api import check_send_message, parse_html
from tests.support.words import foreign_words
from tests.unit.test_mail_render import BAPPEDA, CONFIG, DISKOMINFO, EVERY_KIND, T0, config

pytestmark = pytest.mark.unit


def send(text: str) -> str:
    """The text Telegram would show; fails the test with the API's error if it would refuse."""
    error = check_send_message({"chat_id": -1001, "text": text, "parse_mode": "HTML"})
    assert error is None, error
    return parse_html(text)


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_kind_of_event_is_a_message_the_api_accepts_in_its_own_language(language):
    names = CONFIG + DISKOMINFO + BAPPEDA + (
        " core router web bappeda db pantau simpeg portal ppid tls WITA Asia/Makassar")
    for notification in EVERY_KIND:
        shown = send(render_telegram([notification], config(language)))
        assert foreign_words(shown, MailLanguage(language), names) == set(), notification.kind
    assert send(render_telegram(EVERY_KIND, config(language)))


def test_a_cut_says_what_the_mail_says():
    down = next(n for n in EVERY_KIND if n.kind is EventKind.DOWN and n.affected)
    shown = send(render_telegram([down], config("id")))
    first = shown.splitlines()[0]
    assert first.startswith("Pantau: PUTUS: diskominfo (2 lokasi terdampak)")
    assert "• diskominfo: " in shown and "• bappeda: " in shown
    assert "Mulai: " in shown


def test_text_from_the_config_is_escaped_and_shown_as_written():
    hostile = "Dinas <b>Kominfo</b> & <script>x</script> \"A\""
    notification = Notification(EventKind.DOWN, T0, "bkd", hostile, started_at=T0 - 60)
    text = render_telegram([notification], config("en"))
    assert "<script>" not in text and "<b>Kominfo</b>" not in text
    assert hostile in send(text)


def test_a_cut_of_four_hundred_sites_fits_and_says_how_many_are_left_out():
    affected = tuple(AffectedSite(f"hotspot-{i:03d}", f"Hotspot Warkop Nomor {i:03d} Mamuju",
                                  "unreachable") for i in range(400))
    cut = Notification(EventKind.DOWN, T0, "relay-gunung", "Menara relay Bukit Anjoro Pitu",
                       started_at=T0 - 90, affected=affected)
    for language, phrase in (("id", "lokasi lainnya"), ("en", "more sites")):
        text = render_telegram([cut], config(language))
        shown = send(text)
        length = len(shown.encode("utf-16-le")) // 2
        assert 4096 - 200 < length <= 4096  # cut short to fit, not emptied
        listed = [line for line in shown.splitlines() if line.startswith("• ")]
        [rest] = [line for line in shown.splitlines() if phrase in line]
        left_out = int(rest.split()[2])
        assert len(listed) + left_out == 401  # the relay itself and the 400 behind it


def test_many_events_give_way_at_the_end_when_even_short_lists_do_not_fit():
    events = [dataclasses.replace(EVERY_KIND[0], site=f"opd-{i}", site_title=f"OPD nomor {i}")
              for i in range(300)]
    shown = send(render_telegram(events, config("id")))
    assert "300 kejadian" in shown.splitlines()[0]
    assert "dan " in shown.splitlines()[-1] and "lainnya" in shown.splitlines()[-1]


@pytest.mark.parametrize(("text", "error"), [
    ("<b>tebal</b> &amp; biasa", None),
    ("a < b", "Unexpected '<'"),
    ("x & y", "Unexpected '&'"),
    ("<b>open", "Can't find end tag"),
    ("<h1>judul</h1>", "Unsupported start tag"),
    ("&nbsp;", "Unsupported HTML entity"),
    ("x" * 4097, "message is too long"),
    ("", "message text is empty"),
])
def test_the_api_check_refuses_what_telegram_refuses(text, error):
    found = check_send_message({"chat_id": 1, "text": text, "parse_mode": "HTML"})
    assert (found is None) if error is None else (error in (found or ""))
