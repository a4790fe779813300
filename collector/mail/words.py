"""What mails say, in Bahasa Indonesia and in English: phrases, times, durations, numbers.

Kept apart from the layout in render.py so that a wording fix never touches the logic, and
so both languages are seen side by side. No locale is used: the collector host may have none
installed, and mails must read the same on every host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from collector.alerting.notifications import EventKind
from collector.alerting.outage_log import Cause, Evidence, EvidenceKind
from collector.config.mail import MailLanguage


@dataclass(frozen=True)
class Words:
    headline: dict[EventKind, str]
    """The shouted word of a subject: PUTUS, PULIH…"""
    sentence: dict[EventKind, str]
    """What happened, about `{what}`: a site's title, or a link of it."""
    link_only_down: str
    stable_again: str
    """RECOVERED at the end of a flapping episode."""
    """DOWN of one link while the site stays reachable through another."""
    link_of: str
    service_of: str
    failures: dict[str, str]
    """Why a service's check failed, by kind; `{code}` for status."""
    planned_tag: str
    sites_affected: str
    """Subject suffix of a cut, `{n}` sites behind it included."""
    one_site_affected: str
    after: str
    lasting: str
    events: str
    more: str
    intro: str
    labels: dict[str, str]
    yes_planned: str
    no: str
    cause: dict[Cause, str]
    evidence: dict[EvidenceKind, str]
    """What a cause was judged from: `{who}` (devices or agents), `{time}` (a clock time)."""
    reasons: dict[str, str]
    """Why echoes could not be sent, by PingError value."""
    state: dict[str, str]
    quality: str
    footer: str
    status_link: str
    test_subject: str
    test_text: str
    units: tuple[str, str, str, str]
    """Day, hour, minute, second."""
    decimal: str
    months: tuple[str, ...]
    days: tuple[str, ...]
    time_format: str
    clock_format: str
    """A time of day alone, to the second."""


INDONESIAN = Words(
    headline={
        EventKind.DOWN: "PUTUS", EventKind.RECOVERED: "PULIH", EventKind.DEGRADED: "TERGANGGU",
        EventKind.FLAPPING: "TIDAK STABIL", EventKind.AGENT_SILENT: "AGEN TIDAK MELAPOR",
        EventKind.AGENT_BACK: "AGEN MELAPOR LAGI", EventKind.REBOOT: "MENYALA ULANG",
        EventKind.REMINDER: "MASIH PUTUS", EventKind.ERROR: "TIDAK DAPAT DIPERIKSA",
        EventKind.ERROR_CLEARED: "DAPAT DIPERIKSA LAGI",
        EventKind.SERVICE_DOWN: "LAYANAN TERGANGGU", EventKind.SERVICE_RECOVERED: "LAYANAN PULIH",
        EventKind.SERVICE_SLOW: "LAYANAN LAMBAT",
        EventKind.CERT_EXPIRING: "SERTIFIKAT SEGERA KEDALUWARSA",
    },
    sentence={
        EventKind.DOWN: "{what} tidak dapat dijangkau.",
        EventKind.RECOVERED: "{what} kembali terhubung.",
        EventKind.DEGRADED: "{what} kehilangan paket atau lambat.",
        EventKind.FLAPPING: "{what} berulang kali putus dan tersambung lagi.",
        EventKind.AGENT_SILENT: "Agen server di {what} berhenti mengirim laporan.",
        EventKind.AGENT_BACK: "Agen server di {what} kembali mengirim laporan.",
        EventKind.REBOOT: "Perangkat di {what} menyala ulang.",
        EventKind.REMINDER: "{what} masih tidak dapat dijangkau.",
        EventKind.ERROR: ("{what} tidak dapat diperiksa: Pantau tidak dapat mengirim ping ke "
                          "sana dari server pemantau. Keadaan jalurnya sendiri tidak diketahui."),
        EventKind.ERROR_CLEARED: "{what} dapat diperiksa lagi.",
        EventKind.SERVICE_DOWN: "{what} tidak berfungsi; lokasinya masih terhubung.",
        EventKind.SERVICE_RECOVERED: "{what} berfungsi kembali.",
        EventKind.SERVICE_SLOW: "{what} menjawab lebih lambat dari batasnya.",
        EventKind.CERT_EXPIRING: ("Sertifikat TLS {what} segera kedaluwarsa; perpanjang "
                                  "sebelum tanggalnya agar pengguna tidak melihat peringatan."),
    },
    link_only_down="{what} putus; lokasinya masih terhubung lewat jalur lain.",
    stable_again="{what} kembali stabil setelah berulang kali putus dan tersambung.",
    link_of="jalur {link} ke {title}",
    service_of="layanan {service} di {title}",
    failures={"timeout": "tidak menjawab tepat waktu",
              "dns": "DNS bermasalah (nama tidak ditemukan atau jawaban salah)",
              "connect": "tidak dapat tersambung", "tls": "sertifikat atau TLS bermasalah",
              "status": "HTTP {code}", "body": "isi jawaban tidak sesuai",
              "other": "jawaban tidak dikenali"},
    planned_tag="terencana",
    sites_affected="{n} lokasi terdampak",
    one_site_affected="1 lokasi terdampak",
    after="setelah {duration}",
    lasting="sudah {duration}",
    events="{n} kejadian",
    more="dan {n} lainnya",
    intro="Pantau mencatat {n} kejadian:",
    labels={
        "site": "Lokasi", "link": "Jalur", "started": "Mulai", "ended": "Selesai",
        "duration": "Lama", "lasting": "Sudah berlangsung", "before": "Sebelum putus",
        "measured": "Terukur", "cause": "Penyebab", "planned": "Terencana",
        "detail": "Keterangan", "outage": "Nomor gangguan", "affected": "Lokasi terdampak",
        "agent": "Agen", "device": "Perangkat", "uptime_before": "Menyala sebelumnya",
        "changes": "Perubahan status", "reason": "Sebab", "service": "Layanan",
        "failure": "Masalah", "services_affected": "Layanan terdampak",
        "cert_expiry": "Kedaluwarsa", "cert_left": "Sisa waktu",
        "latency": "Waktu jawab", "latency_limit": "Batas",
    },
    yes_planned="ya, pemeliharaan terjadwal",
    no="tidak",
    cause={
        Cause.POWER: "kemungkinan listrik padam",
        Cause.LINK: ("kemungkinan jalurnya terputus (kabel atau radio); perangkat di lokasi "
                     "tetap menyala"),
        Cause.UNKNOWN: "belum diketahui",
    },
    evidence={
        EvidenceKind.ROUTER_RESTARTED: "router {who} menyala ulang pukul {time}",
        EvidenceKind.SERVER_BOOTED: "server {who} menyala ulang pukul {time}",
        EvidenceKind.SERVER_REPORTED: ("server {who} tetap mengirim laporan selama gangguan "
                                       "tanpa menyala ulang"),
    },
    reasons={"no_route": "tidak ada rute ke alamatnya",
             "not_permitted": "ditolak di server pemantau (aturan firewall setempat)",
             "send_failed": "gagal dikirim"},
    state={"down": "putus", "unreachable": "tidak terjangkau, di belakang lokasi yang putus",
           "recovered": "pulih", "up": "normal", "degraded": "terganggu",
           "unknown": "belum diketahui", "error": "tidak dapat diperiksa"},
    quality="kehilangan paket {loss}, RTT {rtt}",
    footer="Dikirim otomatis oleh Pantau. Waktu dalam {zone}.",
    status_link="Halaman status: {url}",
    test_subject="[Pantau] Surat uji",
    test_text=("Ini surat uji dari Pantau di {host}, dikirim {time} melalui {server}.\n"
               "Bila surat ini sampai, surat peringatan gangguan juga akan sampai.\n"),
    units=("hari", "jam", "menit", "detik"),
    decimal=",",
    months=("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
            "September", "Oktober", "November", "Desember"),
    days=("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    time_format=("{day}, {date} {month} {year} pukul {hour:02d}.{minute:02d}.{second:02d} "
                 "{zone}"),
    clock_format="{hour:02d}.{minute:02d}.{second:02d} {zone}",
)

ENGLISH = Words(
    headline={
        EventKind.DOWN: "DOWN", EventKind.RECOVERED: "RECOVERED", EventKind.DEGRADED: "DEGRADED",
        EventKind.FLAPPING: "FLAPPING", EventKind.AGENT_SILENT: "AGENT SILENT",
        EventKind.AGENT_BACK: "AGENT BACK", EventKind.REBOOT: "REBOOTED",
        EventKind.REMINDER: "STILL DOWN", EventKind.ERROR: "CANNOT BE CHECKED",
        EventKind.ERROR_CLEARED: "CHECKED AGAIN",
        EventKind.SERVICE_DOWN: "SERVICE DOWN", EventKind.SERVICE_RECOVERED: "SERVICE RECOVERED",
        EventKind.SERVICE_SLOW: "SERVICE SLOW",
        EventKind.CERT_EXPIRING: "CERTIFICATE EXPIRING",
    },
    sentence={
        EventKind.DOWN: "{what} cannot be reached.",
        EventKind.RECOVERED: "{what} is reachable again.",
        EventKind.DEGRADED: "{what} is losing packets or slow.",
        EventKind.FLAPPING: "{what} keeps going down and up again.",
        EventKind.AGENT_SILENT: "The server agent at {what} stopped sending reports.",
        EventKind.AGENT_BACK: "The server agent at {what} sends reports again.",
        EventKind.REBOOT: "Equipment at {what} restarted.",
        EventKind.REMINDER: "{what} still cannot be reached.",
        EventKind.ERROR: ("{what} cannot be checked: Pantau cannot send pings to it from the "
                          "monitoring server. The state of the link itself is unknown."),
        EventKind.ERROR_CLEARED: "{what} can be checked again.",
        EventKind.SERVICE_DOWN: "{what} is not working; the site is still reached.",
        EventKind.SERVICE_RECOVERED: "{what} is working again.",
        EventKind.SERVICE_SLOW: "{what} answers slower than its limit.",
        EventKind.CERT_EXPIRING: ("The TLS certificate of {what} expires soon; renew it before "
                                  "the date so that users see no warning."),
    },
    link_only_down="{what} is down; the site is still reached through another link.",
    stable_again="{what} is stable again after going down and up repeatedly.",
    link_of="link {link} to {title}",
    service_of="the service {service} at {title}",
    failures={"timeout": "no answer in time",
              "dns": "DNS problem (name not found or wrong answer)",
              "connect": "cannot connect", "tls": "TLS or certificate problem",
              "status": "HTTP {code}", "body": "unexpected content in the answer",
              "other": "unrecognised answer"},
    planned_tag="planned",
    sites_affected="{n} sites affected",
    one_site_affected="1 site affected",
    after="after {duration}",
    lasting="for {duration}",
    events="{n} events",
    more="and {n} more",
    intro="Pantau recorded {n} events:",
    labels={
        "site": "Site", "link": "Link", "started": "Started", "ended": "Ended",
        "duration": "Duration", "lasting": "Lasting", "before": "Before the cut",
        "measured": "Measured", "cause": "Cause", "planned": "Planned",
        "detail": "Details", "outage": "Outage number", "affected": "Sites affected",
        "agent": "Agent", "device": "Device", "uptime_before": "Up before",
        "changes": "Changes of state", "reason": "Reason", "service": "Service",
        "failure": "Problem", "services_affected": "Services affected",
        "cert_expiry": "Expires", "cert_left": "Time left",
        "latency": "Answer time", "latency_limit": "Limit",
    },
    yes_planned="yes, scheduled maintenance",
    no="no",
    cause={
        Cause.POWER: "likely a power cut",
        Cause.LINK: "likely the link itself (cable or radio); the equipment on site stayed up",
        Cause.UNKNOWN: "unknown",
    },
    evidence={
        EvidenceKind.ROUTER_RESTARTED: "router {who} restarted at {time}",
        EvidenceKind.SERVER_BOOTED: "server {who} booted at {time}",
        EvidenceKind.SERVER_REPORTED: "server {who} kept reporting through the gap, no reboot",
    },
    reasons={"no_route": "no route to the address",
             "not_permitted": "refused on the monitoring server (a local firewall rule)",
             "send_failed": "could not be sent"},
    state={"down": "down", "unreachable": "unreachable, behind the site that is down",
           "recovered": "recovered", "up": "up", "degraded": "degraded",
           "unknown": "unknown", "error": "cannot be checked"},
    quality="loss {loss}, RTT {rtt}",
    footer="Sent automatically by Pantau. Times in {zone}.",
    status_link="Status page: {url}",
    test_subject="[Pantau] Test mail",
    test_text=("This is a test mail from Pantau on {host}, sent {time} through {server}.\n"
               "If it arrived, outage mails will arrive too.\n"),
    units=("d", "h", "min", "s"),
    decimal=".",
    months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
            "Dec"),
    days=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    time_format="{day} {date} {month} {year} {hour:02d}:{minute:02d}:{second:02d} {zone}",
    clock_format="{hour:02d}:{minute:02d}:{second:02d} {zone}",
)

WORDS = {MailLanguage.ID: INDONESIAN, MailLanguage.EN: ENGLISH}


def format_time(words: Words, at: float, zone: ZoneInfo) -> str:
    """`at` (Unix time) as the office reads a wall clock: Sabtu, 29 November 2025 pukul 13.05
    WITA, or Sat 29 Nov 2025 13:05 WITA."""
    local = datetime.fromtimestamp(at, zone)
    return words.time_format.format(
        day=words.days[local.weekday()], date=local.day, month=words.months[local.month - 1],
        year=local.year, hour=local.hour, minute=local.minute, second=local.second,
        zone=local.tzname() or "")


def format_evidence(words: Words, evidence: Evidence, zone: ZoneInfo) -> str:
    """What a cause was judged from: router core-router menyala ulang pukul 13.07.42 WITA."""
    return words.evidence[evidence.kind].format(
        who=", ".join(evidence.who),
        time="" if evidence.at is None else format_clock(words, evidence.at, zone))


def format_clock(words: Words, at: float, zone: ZoneInfo) -> str:
    """`at` as a time of day to the second: 13.07.42 WITA, or 13:07:42 WITA."""
    local = datetime.fromtimestamp(at, zone)
    return words.clock_format.format(hour=local.hour, minute=local.minute, second=local.second,
                                     zone=local.tzname() or "")


def format_span(words: Words, seconds: float) -> str:
    """A duration as people say it: the largest unit and the next one if it is not zero
    (2 jam 5 menit, 1 h 12 min, 3 d 4 h), to the second below an hour (1 menit 15 detik)."""
    whole = max(int(seconds), 0)
    if whole < 60:
        return f"{whole} {words.units[3]}"
    parts = [(whole // 86400, words.units[0]), (whole % 86400 // 3600, words.units[1]),
             (whole % 3600 // 60, words.units[2]), (whole % 60, words.units[3])]
    if whole >= 3600:
        parts.pop()
    first = next(i for i, (count, _) in enumerate(parts) if count)
    shown = [parts[first]]
    if first + 1 < len(parts) and parts[first + 1][0]:
        shown.append(parts[first + 1])
    return " ".join(f"{count} {unit}" for count, unit in shown)


def format_number(words: Words, value: float) -> str:
    """One decimal at most, with the language's decimal mark: 12,3 or 12.3; 20, not 20.0."""
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", words.decimal)


def format_ratio(words: Words, ratio: float) -> str:
    return format_number(words, ratio * 100) + "%"


def format_rtt(words: Words, seconds: float) -> str:
    """1,2 s; 12,3 ms; below a millisecond with two decimals (0,05 ms), never 0 ms."""
    if seconds >= 1:
        return format_number(words, seconds) + " s"
    millis = seconds * 1000
    if millis < 1:
        return f"{millis:.2f}".replace(".", words.decimal) + " ms"
    return format_number(words, millis) + " ms"
