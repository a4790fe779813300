"""What the availability report says, in Bahasa Indonesia and in English.

Month and day names, units and the decimal mark are the mails' (`collector.mail.words`), so a
report and the mails of the same office read alike. No locale is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from collector.alerting.outage_log import Cause
from collector.config.mail import MailLanguage
from collector.mail.words import WORDS, Words, format_span


@dataclass(frozen=True)
class ReportWords:
    mail: Words
    title: str
    subtitle: str
    period: str
    so_far: str
    generated: str
    summary: dict[str, str]
    clean_sites: str
    table_title: str
    columns: dict[str, str]
    bar_scale: str
    grades: dict[str, str]
    definition: str
    timeline: str
    legend: dict[str, str]
    day_tip: dict[str, str]
    outage_columns: dict[str, str]
    ongoing: str
    yes: str
    no: str
    cause: dict[Cause, str]
    behind: str
    no_outages: str
    maintenance: str
    not_judged: str
    services: str
    service_columns: dict[str, str]
    services_note: str
    clock: str
    """Hour and minute separator."""


INDONESIAN = ReportWords(
    mail=WORDS[MailLanguage.ID],
    title="Laporan Ketersediaan Jaringan",
    subtitle="Pantau, pemantau jaringan",
    period="Periode",
    so_far="sampai saat laporan dibuat",
    generated="Dibuat",
    summary={"network": "Ketersediaan seluruh jaringan", "sites": "Lokasi",
             "outages": "Gangguan", "downtime": "Total waktu putus",
             "planned": "Pemeliharaan terencana", "worst": "Terendah",
             "coverage": "Terpantau dari periode", "unmonitored": "Total tidak terpantau"},
    clean_sites="{n} tanpa gangguan",
    table_title="Semua lokasi, yang terendah lebih dulu",
    columns={"site": "Lokasi", "availability": "Ketersediaan", "downtime": "Waktu putus",
             "outages": "Gangguan", "longest": "Terlama", "mttr": "Rata-rata pemulihan",
             "planned": "Terencana", "monitored": "Terpantau",
             "unmonitored": "Tidak terpantau"},
    bar_scale="Panjang batang: skala 90–100%.",
    grades={"good": "baik", "fair": "perlu perhatian", "poor": "buruk", "none": "tanpa data"},
    definition=("Ketersediaan = 1 − waktu putus ÷ (waktu terpantau − waktu pemeliharaan "
                "terencana). Waktu terpantau: saat Pantau berjalan dan memeriksa lokasi tepat "
                "waktu, ditambah waktu putus; waktu lain (Pantau berhenti, baru dinyalakan, "
                "atau lokasi tidak dapat diperiksa) tidak terpantau dan tidak dihitung ke arah "
                "mana pun. Yang dihitung putus hanya saat lokasi tidak dapat dijangkau sama "
                "sekali; satu jalur putus sementara jalur cadangan masih tersambung tidak "
                "dihitung."),
    timeline="Per hari",
    legend={"none": "tanpa gangguan", "short": "putus < 5 menit", "medium": "putus < 1 jam",
            "long": "putus ≥ 1 jam", "planned": "hanya pemeliharaan",
            "unmonitored": "sebagian besar tidak terpantau", "future": "belum terjadi"},
    day_tip={"down": "putus {span}", "planned": "pemeliharaan {span}", "none": "tanpa gangguan",
             "unmonitored": "tidak terpantau {span}", "future": "belum terjadi"},
    outage_columns={"start": "Mulai", "end": "Selesai", "duration": "Lama",
                    "counted": "Dihitung putus bulan ini", "cause": "Penyebab",
                    "planned": "Terencana"},
    ongoing="masih berlangsung",
    yes="ya",
    no="tidak",
    cause={Cause.LINK: "jalur terputus", Cause.POWER: "listrik padam",
           Cause.UNKNOWN: "belum diketahui"},
    behind="tidak terjangkau di belakang {site}",
    no_outages="Tidak ada gangguan pada periode ini.",
    maintenance="Pemeliharaan terjadwal",
    not_judged="tanpa waktu terpantau",
    services="Layanan",
    service_columns={"service": "Layanan", "availability": "Ketersediaan layanan",
                     "downtime": "Gangguan layanan", "outages": "Gangguan",
                     "longest": "Terlama", "site_downtime": "Tak terjangkau (lokasi putus)"},
    services_note=("Ketersediaan layanan dihitung dari gangguan layanan itu sendiri saat "
                   "lokasinya terjangkau. Waktu layanan tidak terjangkau karena lokasinya putus "
                   "dihitung sebagai waktu putus lokasi, bukan layanan, dan ditampilkan "
                   "terpisah."),
    clock=".",
)

ENGLISH = ReportWords(
    mail=WORDS[MailLanguage.EN],
    title="Network Availability Report",
    subtitle="Pantau network monitoring",
    period="Period",
    so_far="up to the time of this report",
    generated="Generated",
    summary={"network": "Whole network availability", "sites": "Sites",
             "outages": "Outages", "downtime": "Total downtime",
             "planned": "Planned maintenance", "worst": "Lowest",
             "coverage": "Of the period monitored", "unmonitored": "Total not monitored"},
    clean_sites="{n} without outages",
    table_title="Every site, lowest first",
    columns={"site": "Site", "availability": "Availability", "downtime": "Downtime",
             "outages": "Outages", "longest": "Longest", "mttr": "Mean time to recover",
             "planned": "Planned", "monitored": "Monitored",
             "unmonitored": "Not monitored"},
    bar_scale="Bar length: scale 90–100%.",
    grades={"good": "good", "fair": "needs attention", "poor": "poor", "none": "no data"},
    definition=("Availability = 1 − downtime ÷ (monitored time − planned maintenance). "
                "Monitored time: while Pantau ran and checked the site on time, plus downtime; "
                "the rest (Pantau stopped, starting, or the site could not be checked) is not "
                "monitored and counts neither way. Only time when the site could not be reached "
                "at all is downtime; one link down while a backup link still works is not."),
    timeline="By day",
    legend={"none": "no outage", "short": "down < 5 min", "medium": "down < 1 h",
            "long": "down ≥ 1 h", "planned": "maintenance only",
            "unmonitored": "mostly not monitored", "future": "not yet"},
    day_tip={"down": "down {span}", "planned": "maintenance {span}", "none": "no outage",
             "unmonitored": "not monitored {span}", "future": "not yet"},
    outage_columns={"start": "Start", "end": "End", "duration": "Duration",
                    "counted": "Downtime this month", "cause": "Cause", "planned": "Planned"},
    ongoing="ongoing",
    yes="yes",
    no="no",
    cause={Cause.LINK: "link cut", Cause.POWER: "power cut", Cause.UNKNOWN: "unknown"},
    behind="unreachable behind {site}",
    no_outages="No outages in this period.",
    maintenance="Scheduled maintenance",
    not_judged="no monitored time",
    services="Services",
    service_columns={"service": "Service", "availability": "Service availability",
                     "downtime": "Service downtime", "outages": "Outages",
                     "longest": "Longest", "site_downtime": "Unreachable (site down)"},
    services_note=("A service's availability counts its own failures while its site was "
                   "reached. Time it was unreachable because its site was down counts as the "
                   "site's downtime, not the service's, and is shown apart."),
    clock=":",
)

REPORT_WORDS = {MailLanguage.ID: INDONESIAN, MailLanguage.EN: ENGLISH}


def floor_decimal(value: float, places: int) -> Decimal:
    """`value` cut (never rounded up) to `places` decimals: 99.9996% must not read 100%."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)


def percent(words: ReportWords, ratio: float, places: int = 2) -> str:
    """99,48% or 99.48%; 100% only without any downtime."""
    if ratio >= 1:
        return "100%"
    return f"{floor_decimal(ratio * 100, places):f}".replace(".", words.mail.decimal) + "%"


def span(words: ReportWords, seconds: float) -> str:
    return format_span(words.mail, seconds)


def when(words: ReportWords, at: float, zone: ZoneInfo, *, year: bool = False) -> str:
    """3 November 22.15 (or 3 Nov 22:15), with the year when asked."""
    local = datetime.fromtimestamp(at, zone)
    month = words.mail.months[local.month - 1]
    day = f"{local.day} {month}" + (f" {local.year}" if year else "")
    return f"{day} {local.hour:02d}{words.clock}{local.minute:02d}"


def month_name(words: ReportWords, year: int, month: int) -> str:
    return f"{words.mail.months[month - 1]} {year}"
