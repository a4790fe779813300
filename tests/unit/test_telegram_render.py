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


def test_only_outages_nobody_has_in_hand_carry_a_button():
    from collector.notify.telegram import message_params

    down = next(n for n in EVERY_KIND if n.kind is EventKind.DOWN and n.outage_id)
    for kind in (EventKind.DOWN, EventKind.SERVICE_DOWN, EventKind.REMINDER):
        params, tags = message_params([dataclasses.replace(down, kind=kind)], config("id"),
                                      acknowledge=True)
        assert params["reply_markup"] == {"inline_keyboard": [
            [{"text": "Ditangani", "callback_data": f"ack:{down.outage_id}"}]]}
        assert tags == (f"outage:{down.outage_id}",)
        assert check_send_message({"chat_id": -1001, **params}) is None
    for quiet in (dataclasses.replace(down, kind=EventKind.RECOVERED),
                  dataclasses.replace(down, planned=True),
                  dataclasses.replace(down, acked_by="Andi", acked_at=T0),
                  dataclasses.replace(down, outage_id=None)):
        params, tags = message_params([quiet], config("id"), acknowledge=True)
        assert "reply_markup" not in params and tags == ()
    params, tags = message_params([down], config("id"), acknowledge=False)
    assert "reply_markup" not in params and tags == ()


def test_a_message_with_buttons_keeps_room_for_the_line_each_press_adds():
    from collector.alerting.outage_log import Acknowledgement
    from collector.notify.telegram import (
        MAX_BUTTONS,
        TEXT_LIMIT,
        acknowledged,
        message_params,
    )
    from collector.words import WORDS

    many = tuple(AffectedSite(f"site-{i}", f"Kantor Desa Nomor {i} Kabupaten Mamasa",
                              "unreachable") for i in range(400))
    downs = [Notification(EventKind.DOWN, T0, f"hub-{i}", f"Hub {i} " + "x" * 30,
                          started_at=T0, affected=many, outage_id=100 + i)
             for i in range(MAX_BUTTONS + 2)]
    params, tags = message_params(downs, config("id"), acknowledge=True)
    assert len(tags) == MAX_BUTTONS
    buttons = [row[0] for row in params["reply_markup"]["inline_keyboard"]]
    assert all(b["text"].startswith("Ditangani: ") and len(b["text"]) <= 40 for b in buttons)
    name = "N" * 64 + " " + "L" * 64 + " (@" + "u" * 32 + ")"
    acks = {100 + i: Acknowledgement(name, T0 + i) for i in range(MAX_BUTTONS)}
    edit = acknowledged({"chat_id": -1001, **params}, 7, acks, WORDS["id"],
                        config("id").collector.zone)
    assert edit is not None and "reply_markup" not in edit
    assert check_send_message(edit) is None
    shown = parse_html(edit["text"])
    assert len(shown.encode("utf-16-le")) // 2 <= TEXT_LIMIT
    assert shown.count("ditangani oleh") == MAX_BUTTONS


def test_a_press_on_one_of_two_outages_adds_its_line_and_keeps_the_other_button():
    from collector.alerting.outage_log import Acknowledgement
    from collector.notify.telegram import acknowledged, message_params
    from collector.words import WORDS

    down = next(n for n in EVERY_KIND if n.kind is EventKind.DOWN and n.outage_id)
    service = next(n for n in EVERY_KIND if n.kind is EventKind.SERVICE_DOWN)
    params, _ = message_params([down, service], config("en"), acknowledge=True)
    params["chat_id"] = -1001
    acks = {service.outage_id: Acknowledgement("Budi <b>", T0)}
    edit = acknowledged(params, 3, acks, WORDS["en"], config("en").collector.zone)
    assert edit["message_id"] == 3 and edit["chat_id"] == -1001
    assert edit["reply_markup"]["inline_keyboard"] == [
        params["reply_markup"]["inline_keyboard"][0]]
    assert send(edit["text"]).endswith(
        f"✅ Outage #{service.outage_id} taken in hand by Budi <b>, "
        + send(edit["text"]).rsplit("Budi <b>, ", 1)[1])
    assert acknowledged(params, 3, {}, WORDS["en"], config("en").collector.zone) is None


def test_who_pressed_is_a_name_without_control_characters():
    from collector.notify.buttons import who

    assert who({"id": 1, "first_name": "Budi", "last_name": "Santoso",
                "username": "budi"}) == "Budi Santoso (@budi)"
    assert who({"id": 1, "first_name": "Sari"}) == "Sari"
    assert who({"id": 1, "username": "noc"}) == "@noc"
    assert who({"id": 5, "first_name": "\x1b[31m\n"}) == "[31m"
    assert who({"id": 5, "first_name": "\x07\n"}) == "Telegram 5"
    assert who({"id": 1, "first_name": "A" * 300}) == "A" * 100
    assert who(None) == "Telegram"
