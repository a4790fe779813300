"""Outage mails as people and mail rules read them: subjects, bodies, headers, recipients."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import email.utils
import re

import pytest

from collector.alerting.notifications import AffectedSite, EventKind, Notification
from collector.alerting.outage_log import Cause, Evidence, EvidenceKind
from collector.config import CollectorConfig, parse_config_text
from collector.mail import render
from collector.words import format_span
from collector.words.en import MAIL as ENGLISH
from collector.words.id import MAIL as INDONESIAN

pytestmark = pytest.mark.unit

# 29 November 2025, 13:05 in Makassar (WITA, UTC+8).
T0 = 1764392700.0
DISKOMINFO = "Dinas Komunikasi, Informatika, Statistik dan Persandian"
BAPPEDA = "Badan Perencanaan Pembangunan Daerah"

CONFIG = """
mail:
  language: %(language)s
  from: pantau@kominfo.example.org
  groups:
    central: [noc@kominfo.example.org]
    diskominfo: [it@diskominfo.example.org, NOC@kominfo.example.org]
    bappeda: [it@bappeda.example.org]
    relay: [teknisi@kominfo.example.org]
sites:
  - name: diskominfo
    title: %(diskominfo)s
    notify: [diskominfo]
    links: [{name: fo, kind: fiber, targets: [192.0.2.10]}]
  - name: bappeda
    title: %(bappeda)s
    notify: [bappeda]
    links: [{name: fo, kind: fiber, parent: diskominfo, targets: [192.0.2.20]}]
  - name: relay-gunung
    title: Menara relay Bukit Anjoro Pitu
    notify: [relay]
    links: [{name: radio, kind: wireless, targets: [198.51.100.1]}]
  - name: bkd
    title: Badan Kepegawaian Daerah
    links:
      - {name: fo, kind: fiber, targets: [192.0.2.70]}
      - {name: backup, kind: wireless, parent: relay-gunung, targets: [198.51.100.70]}
"""


def config(language: str) -> CollectorConfig:
    return parse_config_text(CONFIG % {"language": language, "diskominfo": DISKOMINFO,
                                       "bappeda": BAPPEDA}, "collector.yml")


CUT = (AffectedSite("diskominfo", DISKOMINFO, "down"),
       AffectedSite("bappeda", BAPPEDA, "unreachable"))
DOWN = Notification(EventKind.DOWN, T0 + 90, "diskominfo", DISKOMINFO, link="fo",
                    started_at=T0, loss_before=0.2, rtt_before=0.0123, affected=CUT,
                    outage_id=42)
RECOVERED = dataclasses.replace(
    DOWN, kind=EventKind.RECOVERED, at=T0 + 4400, ended_at=T0 + 4320, cause=Cause.POWER,
    evidence=Evidence(EvidenceKind.ROUTER_RESTARTED, ("core-router",), T0 + 120))
LINK_DOWN = Notification(EventKind.DOWN, T0, "bkd", "Badan Kepegawaian Daerah", link="backup",
                         started_at=T0)
DEGRADED = Notification(EventKind.DEGRADED, T0, "relay-gunung", "Menara relay Bukit Anjoro Pitu",
                        link="radio", started_at=T0 - 600, loss_before=0.25, rtt_before=0.31)
FLAPPING = dataclasses.replace(DEGRADED, kind=EventKind.FLAPPING, loss_before=None,
                               rtt_before=None)
AGENT_SILENT = Notification(EventKind.AGENT_SILENT, T0, "bappeda", BAPPEDA,
                            agent="web-bappeda", started_at=T0 - 120)
AGENT_BACK = dataclasses.replace(AGENT_SILENT, kind=EventKind.AGENT_BACK)
REBOOT = Notification(EventKind.REBOOT, T0, "diskominfo", DISKOMINFO, device="core-router",
                      started_at=T0 - 120, uptime_before=86400 * 12)
REMINDER = dataclasses.replace(DOWN, kind=EventKind.REMINDER, at=T0 + 7500)
ERROR = Notification(EventKind.ERROR, T0, "bkd", "Badan Kepegawaian Daerah", link="fo",
                     started_at=T0 - 60, reason="not_permitted")
ERROR_CLEARED = Notification(EventKind.ERROR_CLEARED, T0 + 600, "bkd",
                             "Badan Kepegawaian Daerah", link="fo", ended_at=T0 + 590)
SERVICE_DOWN = Notification(EventKind.SERVICE_DOWN, T0, "bkd", "Badan Kepegawaian Daerah",
                            service="simpeg", service_title="SIMPEG", failure="status",
                            status_code=502, started_at=T0 - 120, outage_id=7)
CERT_EXPIRING = Notification(EventKind.CERT_EXPIRING, T0, "bkd", "Badan Kepegawaian Daerah",
                             service="ppid", service_title="PPID",
                             cert_expiry=T0 + 5 * 86400 + 3 * 3600)
SERVICE_RECOVERED = Notification(EventKind.SERVICE_RECOVERED, T0 + 600, "bkd",
                                 "Badan Kepegawaian Daerah", service="simpeg",
                                 service_title="SIMPEG", started_at=T0 - 120,
                                 ended_at=T0 + 555, outage_id=7)
SERVICE_SLOW = Notification(EventKind.SERVICE_SLOW, T0, "bkd", "Badan Kepegawaian Daerah",
                            service="simpeg", service_title="SIMPEG", started_at=T0 - 900,
                            latency=2.345, latency_limit=1.5)
LONE_SITE_DOWN = Notification(EventKind.DOWN, T0, "bkd", "Badan Kepegawaian Daerah",
                              started_at=T0)
PLANNED = dataclasses.replace(DOWN, planned=True)

SUBJECTS = [
    (DOWN, "[Pantau] PUTUS: diskominfo (2 lokasi terdampak)",
     "[Pantau] DOWN: diskominfo (2 sites affected)"),
    (LINK_DOWN, "[Pantau] PUTUS: bkd/backup", "[Pantau] DOWN: bkd/backup"),
    (LONE_SITE_DOWN, "[Pantau] PUTUS: bkd (1 lokasi terdampak)",
     "[Pantau] DOWN: bkd (1 site affected)"),
    (RECOVERED, "[Pantau] PULIH: diskominfo setelah 1 jam 12 menit",
     "[Pantau] RECOVERED: diskominfo after 1 h 12 min"),
    (DEGRADED, "[Pantau] TERGANGGU: relay-gunung/radio (kehilangan paket 25%, RTT 310 ms)",
     "[Pantau] DEGRADED: relay-gunung/radio (loss 25%, RTT 310 ms)"),
    (FLAPPING, "[Pantau] TIDAK STABIL: relay-gunung/radio",
     "[Pantau] FLAPPING: relay-gunung/radio"),
    (AGENT_SILENT, "[Pantau] AGEN TIDAK MELAPOR: bappeda", "[Pantau] AGENT SILENT: bappeda"),
    (AGENT_BACK, "[Pantau] AGEN MELAPOR LAGI: bappeda", "[Pantau] AGENT BACK: bappeda"),
    (REBOOT, "[Pantau] MENYALA ULANG: diskominfo", "[Pantau] REBOOTED: diskominfo"),
    (REMINDER, "[Pantau] MASIH PUTUS: diskominfo sudah 2 jam 5 menit",
     "[Pantau] STILL DOWN: diskominfo for 2 h 5 min"),
    (ERROR, "[Pantau] TIDAK DAPAT DIPERIKSA: bkd/fo", "[Pantau] CANNOT BE CHECKED: bkd/fo"),
    (ERROR_CLEARED, "[Pantau] DAPAT DIPERIKSA LAGI: bkd/fo", "[Pantau] CHECKED AGAIN: bkd/fo"),
    (CERT_EXPIRING, "[Pantau] SERTIFIKAT SEGERA KEDALUWARSA: PPID (bkd) — 5 hari 3 jam",
     "[Pantau] CERTIFICATE EXPIRING: PPID (bkd) — 5 d 3 h"),
    (SERVICE_DOWN, "[Pantau] LAYANAN TERGANGGU: SIMPEG (bkd) — HTTP 502",
     "[Pantau] SERVICE DOWN: SIMPEG (bkd) — HTTP 502"),
    (SERVICE_RECOVERED, "[Pantau] LAYANAN PULIH: SIMPEG (bkd) setelah 11 menit 15 detik",
     "[Pantau] SERVICE RECOVERED: SIMPEG (bkd) after 11 min 15 s"),
    (SERVICE_SLOW, "[Pantau] LAYANAN LAMBAT: SIMPEG (bkd) — 2,3 s",
     "[Pantau] SERVICE SLOW: SIMPEG (bkd) — 2.3 s"),
    (PLANNED, "[Pantau] PUTUS (terencana): diskominfo (2 lokasi terdampak)",
     "[Pantau] DOWN (planned): diskominfo (2 sites affected)"),
]


def test_every_kind_of_event_has_a_subject_case_and_words_in_both_languages() -> None:
    assert {n.kind for n, _, _ in SUBJECTS} == set(EventKind)
    for words in (INDONESIAN, ENGLISH):
        assert set(words.headline) == set(words.sentence) == set(EventKind)


@pytest.mark.parametrize(("notification", "indonesian", "english"), SUBJECTS,
                         ids=[f"{n.kind.value}-{i}" for i, (n, _, _) in enumerate(SUBJECTS)])
def test_subject_says_what_happened_where(notification: Notification, indonesian: str,
                                          english: str) -> None:
    for language, subject in (("id", indonesian), ("en", english)):
        mail = render([notification], config(language))
        assert mail is not None
        assert mail.subject == subject


BODY = [
    ("id", [
        "Dinas Komunikasi, Informatika, Statistik dan Persandian kembali terhubung.",
        "Lokasi : Dinas Komunikasi, Informatika, Statistik dan Persandian (diskominfo)",
        "Jalur : fo",
        "Mulai : Sabtu, 29 November 2025 pukul 13.05.00 WITA",
        "Selesai : Sabtu, 29 November 2025 pukul 14.17.00 WITA",
        "Lama : 1 jam 12 menit",
        "Sebelum putus : kehilangan paket 20%, RTT 12,3 ms",
        "Penyebab : kemungkinan listrik padam (router core-router menyala ulang pukul "
        "13.07.00 WITA)",
        "Terencana : tidak",
        "Nomor gangguan : #42",
        "Lokasi terdampak (2):",
        "- diskominfo: Dinas Komunikasi, Informatika, Statistik dan Persandian (pulih)",
        "- bappeda: Badan Perencanaan Pembangunan Daerah (tidak terjangkau,",
        "Waktu dalam WITA (Asia/Makassar).",
    ]),
    ("en", [
        "Dinas Komunikasi, Informatika, Statistik dan Persandian is reachable again.",
        "Site : Dinas Komunikasi, Informatika, Statistik dan Persandian (diskominfo)",
        "Link : fo",
        "Started : Sat 29 Nov 2025 13:05:00 WITA",
        "Ended : Sat 29 Nov 2025 14:17:00 WITA",
        "Duration : 1 h 12 min",
        "Before the cut : loss 20%, RTT 12.3 ms",
        "Cause : likely a power cut (router core-router restarted at 13:07:00 WITA)",
        "Planned : no",
        "Outage number : #42",
        "Sites affected (2):",
        "- diskominfo: Dinas Komunikasi, Informatika, Statistik dan Persandian (recovered)",
        "- bappeda: Badan Perencanaan Pembangunan Daerah (unreachable,",
        "Times in WITA (Asia/Makassar).",
    ]),
]


@pytest.mark.parametrize(("language", "lines"), BODY, ids=[language for language, _ in BODY])
def test_recovery_body_tells_times_duration_quality_cause_and_every_site_behind(
        language: str, lines: list[str]) -> None:
    mail = render([RECOVERED], config(language))
    assert mail is not None
    # Columns are padded to line up; compare with single spaces.
    text = re.sub(r" +", " ", mail.text)
    for line in lines:
        assert line in text
    duration = {"id": "1 jam 12 menit", "en": "1 h 12 min"}[language]
    assert mail.html is not None and f"<td>{duration}</td>" in mail.html


@pytest.mark.parametrize(("cause", "indonesian", "english"), [
    (Cause.POWER, "kemungkinan listrik padam", "likely a power cut"),
    (Cause.LINK, "kemungkinan jalurnya terputus (kabel atau radio)",
     "likely the link itself (cable or radio)"),
    (Cause.UNKNOWN, "belum diketahui", "unknown"),
])
def test_every_cause_is_told(cause: Cause, indonesian: str, english: str) -> None:
    notification = dataclasses.replace(RECOVERED, cause=cause, evidence=None)
    for language, words in (("id", indonesian), ("en", english)):
        mail = render([notification], config(language))
        assert mail is not None
        assert words in mail.text


def test_a_link_down_behind_a_backup_says_the_site_is_still_reached() -> None:
    mail = render([LINK_DOWN], config("id"))
    assert mail is not None
    assert ("Jalur backup ke Badan Kepegawaian Daerah putus; lokasinya masih terhubung lewat "
            "jalur lain.") in mail.text


def test_text_from_the_config_is_escaped_in_html() -> None:
    notification = dataclasses.replace(REBOOT, site_title="<script>Dinas</script>")
    mail = render([notification], config("en"))
    assert mail is not None and mail.html is not None
    assert "<script>Dinas</script>" in mail.text
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html


def test_several_events_make_one_mail_with_a_short_subject() -> None:
    events = [DOWN, LINK_DOWN, DEGRADED, REBOOT, AGENT_SILENT]
    indonesian, english = (render(events, config(language)) for language in ("id", "en"))
    assert indonesian is not None and english is not None
    assert indonesian.subject == ("[Pantau] 5 kejadian: PUTUS diskominfo, PUTUS bkd/backup, "
                                  "TERGANGGU relay-gunung/radio, dan 2 lainnya")
    assert english.subject == ("[Pantau] 5 events: DOWN diskominfo, DOWN bkd/backup, "
                               "DEGRADED relay-gunung/radio, and 2 more")
    assert indonesian.text.startswith("Pantau mencatat 5 kejadian:\n")
    assert "\n5. AGEN TIDAK MELAPOR: bappeda\n" in indonesian.text


def test_nothing_to_tell_is_no_mail() -> None:
    assert render([], config("id")) is None


def test_recipients_are_central_and_the_groups_of_every_site_concerned_each_once() -> None:
    down = render([DOWN], config("id"))
    reboot = render([REBOOT], config("id"))
    link = render([LINK_DOWN], config("id"))
    assert down is not None and reboot is not None and link is not None
    # NOC@ is in two groups, written differently: it gets the mail once.
    assert down.to == ("noc@kominfo.example.org", "it@diskominfo.example.org",
                       "it@bappeda.example.org")
    assert reboot.to == ("noc@kominfo.example.org", "it@diskominfo.example.org")
    assert link.to == ("noc@kominfo.example.org",)


def test_headers_let_mail_rules_sort_by_event_site_cause_and_outage() -> None:
    mail = render([DOWN, RECOVERED, REBOOT], config("en"))
    assert mail is not None
    assert dict(mail.headers) == {
        "X-Pantau-Event": "down, recovered, reboot",
        "X-Pantau-Sites": "diskominfo, bappeda",
        "X-Pantau-Cause": "power",
        "X-Pantau-Outage": "42",
        "X-Pantau-Planned": "no",
        # One per event that has one, in the mail's order, to the second in the office's zone.
        "X-Pantau-Started": "2025-11-29T13:05:00+08:00, 2025-11-29T13:05:00+08:00, "
                            "2025-11-29T13:03:00+08:00",
        "X-Pantau-Ended": "2025-11-29T14:17:00+08:00",
        "X-Pantau-Duration-Seconds": "4320",
    }
    back = render([AGENT_BACK], config("en"))
    assert back is not None
    assert dict(back.headers) == {
        "X-Pantau-Event": "agent_back", "X-Pantau-Sites": "bappeda", "X-Pantau-Planned": "no",
        "X-Pantau-Started": "2025-11-29T13:03:00+08:00"}


def test_message_id_depends_on_the_events_only() -> None:
    first, again = render([DOWN], config("id")), render([DOWN], config("en"))
    other = render([dataclasses.replace(DOWN, at=DOWN.at + 1)], config("id"))
    assert first is not None and again is not None and other is not None
    assert first.message_id == again.message_id
    assert other.message_id != first.message_id
    assert re.fullmatch(r"<pantau\.[0-9a-f]{32}@kominfo\.example\.org>", first.message_id)


def test_email_message_carries_both_bodies_and_every_header() -> None:
    mail = render([RECOVERED], config("id"))
    assert mail is not None
    parsed = email.message_from_bytes(mail.to_email_message().as_bytes(),
                                      policy=email.policy.default)
    assert parsed["Subject"] == mail.subject
    assert parsed["From"] == "pantau@kominfo.example.org"
    assert parsed["To"] == ", ".join(mail.to)
    assert parsed["Message-ID"] == mail.message_id
    assert parsed["X-Pantau-Cause"] == "power"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert email.utils.parsedate_to_datetime(parsed["Date"]).timestamp() == RECOVERED.at
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content() == mail.text
    assert "<table>" in html.get_content()


def test_mail_survives_a_round_trip_through_json() -> None:
    mail = render([DOWN, REBOOT], config("id"))
    assert mail is not None
    assert type(mail).from_json(mail.to_json()) == mail


@pytest.mark.parametrize(("seconds", "indonesian", "english"), [
    (0, "0 detik", "0 s"),
    (45.9, "45 detik", "45 s"),
    (60, "1 menit", "1 min"),
    (3600, "1 jam", "1 h"),
    (4320, "1 jam 12 menit", "1 h 12 min"),
    (7530, "2 jam 5 menit", "2 h 5 min"),
    (90000, "1 hari 1 jam", "1 d 1 h"),
    (86400 + 300, "1 hari", "1 d"),
    (3 * 86400 + 4 * 3600 + 59 * 60, "3 hari 4 jam", "3 d 4 h"),
])
def test_durations_read_as_people_say_them(seconds: float, indonesian: str,
                                           english: str) -> None:
    assert format_span(INDONESIAN, seconds) == indonesian
    assert format_span(ENGLISH, seconds) == english


def test_a_link_failing_behind_a_backup_is_its_own_event_apart_from_a_site_lost() -> None:
    link = render([LINK_DOWN], config("en"))
    site = render([LONE_SITE_DOWN], config("en"))
    back = render([dataclasses.replace(LINK_DOWN, kind=EventKind.RECOVERED, ended_at=T0 + 75)],
                  config("en"))
    assert link is not None and site is not None and back is not None
    assert dict(link.headers)["X-Pantau-Event"] == "link_down"
    assert dict(site.headers)["X-Pantau-Event"] == "down"
    assert dict(back.headers)["X-Pantau-Event"] == "link_recovered"
    assert dict(back.headers)["X-Pantau-Duration-Seconds"] == "75"


def test_subject_count_and_body_list_are_the_same_sites() -> None:
    lone = render([LONE_SITE_DOWN], config("id"))
    cut = render([DOWN], config("id"))
    assert lone is not None and cut is not None
    assert lone.subject.endswith("(1 lokasi terdampak)")
    assert "Lokasi terdampak (1):" in lone.text
    assert cut.subject.endswith("(2 lokasi terdampak)")
    assert "Lokasi terdampak (2):" in cut.text
    assert len(re.findall(r"\n    - ", cut.text)) == 2


@pytest.mark.parametrize(("seconds", "indonesian", "english"), [
    (0.00005, "RTT 0,05 ms", "RTT 0.05 ms"),
    (0.0004, "RTT 0,40 ms", "RTT 0.40 ms"),
    (0.0123, "RTT 12,3 ms", "RTT 12.3 ms"),
])
def test_rtt_below_a_millisecond_has_two_decimals(seconds, indonesian, english) -> None:
    notification = dataclasses.replace(DEGRADED, rtt_before=seconds)
    for language, expected in (("id", indonesian), ("en", english)):
        mail = render([notification], config(language))
        assert mail is not None and expected in mail.subject


def test_durations_below_an_hour_are_told_to_the_second() -> None:
    recovered = dataclasses.replace(RECOVERED, ended_at=T0 + 75)
    for language, expected in (("id", "1 menit 15 detik"), ("en", "1 min 15 s")):
        mail = render([recovered], config(language))
        assert mail is not None
        assert expected in mail.subject and expected in mail.text


def test_the_status_page_is_linked_when_public_url_is_set() -> None:
    text = CONFIG % {"language": "id", "diskominfo": DISKOMINFO, "bappeda": BAPPEDA}
    with_url = parse_config_text("collector: {public_url: 'https://pantau.example.org/'}\n"
                                 + text, "collector.yml")
    mail = render([DOWN], with_url)
    assert mail is not None and "Halaman status: https://pantau.example.org/" in mail.text
    without = render([DOWN], config("id"))
    assert without is not None and "Halaman status" not in without.text


# Every notification kind with every field it can carry, to hold each language's words.
EVERY_KIND = [
    DOWN, RECOVERED, LINK_DOWN, DEGRADED, FLAPPING, AGENT_SILENT, AGENT_BACK, REBOOT,
    REMINDER, LONE_SITE_DOWN, PLANNED, ERROR, ERROR_CLEARED, SERVICE_DOWN, SERVICE_RECOVERED,
    CERT_EXPIRING, SERVICE_SLOW,
    dataclasses.replace(RECOVERED, acked_by="Andi (NOC)", acked_at=T0 + 300),
    *(dataclasses.replace(SERVICE_DOWN, failure=kind)
      for kind in ("timeout", "dns", "connect", "tls", "body", "other")),
    dataclasses.replace(DOWN, affected_services=(("diskominfo", "Portal"), ("bappeda", "SIMPEG"))),
    dataclasses.replace(FLAPPING, changes=6, started_at=T0 - 300),
    dataclasses.replace(RECOVERED, after_flapping=True, link=None, affected=()),
    dataclasses.replace(REBOOT, device=None, agent="web-bappeda"),
    *(dataclasses.replace(RECOVERED, cause=cause, evidence=evidence)
      for cause, evidence in (
          (Cause.POWER, Evidence(EvidenceKind.SERVER_BOOTED, ("web-bappeda",), T0 + 60)),
          (Cause.LINK, Evidence(EvidenceKind.SERVER_REPORTED, ("web-bappeda", "db"))),
          (Cause.UNKNOWN, None))),
    dataclasses.replace(ERROR, reason="no_route"),
    dataclasses.replace(ERROR, reason="send_failed"),
    dataclasses.replace(DOWN, affected=(AffectedSite("bappeda", BAPPEDA, "error"),
                                        AffectedSite("bkd", "Badan Kepegawaian Daerah",
                                                     "degraded"))),
]


def vocabulary(words) -> set[str]:
    """Every word in a language's catalogue."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, str):
            found.update(w.lower() for w in re.findall(r"[A-Za-z]{3,}", value))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    for field in dataclasses.fields(words):
        walk(getattr(words, field.name))
    return found


def test_every_kind_is_rendered_in_each_language_without_a_word_of_the_other() -> None:
    assert {n.kind for n in EVERY_KIND} == set(EventKind)
    # Names from the config and the fixtures, and the office's time zone.
    names = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", " ".join((
        CONFIG, DISKOMINFO, BAPPEDA,
        "core router web bappeda db pantau simpeg portal ppid tls WITA Asia/Makassar Andi NOC")))}
    indonesian, english = vocabulary(INDONESIAN), vocabulary(ENGLISH)
    for language, own, other in (("id", indonesian, english), ("en", english, indonesian)):
        foreign = other - own - names
        for notification in EVERY_KIND:
            mail = render([notification], config(language))
            assert mail is not None
            said = {w.lower()
                    for w in re.findall(r"[A-Za-z]{3,}", mail.subject + "\n" + mail.text)}
            assert not said & foreign, (language, notification.kind, sorted(said & foreign))
            # and nothing outside both the catalogue and the names (English left in code)
            assert said <= own | names, (language, notification.kind, sorted(said - own - names))


def test_a_slow_service_mail_says_how_slow_against_its_limit_and_since_when() -> None:
    mail = render([SERVICE_SLOW], config("id"))
    assert mail is not None
    lines = [" ".join(line.split()) for line in mail.text.splitlines()]
    assert "Layanan SIMPEG di Badan Kepegawaian Daerah menjawab lebih lambat dari batasnya." \
        in lines
    assert "Waktu jawab : 2,3 s" in lines and "Batas : 1,5 s" in lines
    assert any(line.startswith("Mulai : ") for line in lines)
