"""What the status page says, in Bahasa Indonesia and in English.

Numbers and durations are written as the mails write them (collector.mail.words), so a
sysadmin reads "2 jam 5 menit" and "12,3 ms" the same way on the page and in a mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from collector.config import LinkKind
from collector.config.mail import MailLanguage
from collector.state import LinkState


@dataclass(frozen=True)
class PageWords:
    lang: str
    """The document's `lang` attribute: a phone's reader and hyphenation follow it."""
    heading: str
    state: dict[LinkState, str]
    """The badge of a site or link, shouted."""
    count: dict[LinkState, str]
    """One part of the summary line, about `{n}` sites."""
    problems: str
    unknown: str
    healthy: str
    rendered: str
    since: str
    """`{time}` the state began, `{span}` how long ago."""
    behind: str
    """Heading of the sites cut off with a down site: `{n}` of them."""
    link: str
    service: str
    problem: str
    loss: str
    rtt: str
    kind: dict[LinkKind, str]
    via: str
    direct: str
    no_round: str
    footer: str
    """`{seconds}` between reloads, `{zone}` the office's time zone."""
    months: tuple[str, ...]
    clock: str
    """A wall-clock time from `{hour}` and `{minute}`."""
    clock_seconds: str
    """The same with `{second}`: the page's own time, which changes at every reload."""


INDONESIAN = PageWords(
    lang="id",
    heading="Status jaringan",
    state={LinkState.UP: "NORMAL", LinkState.DEGRADED: "TERGANGGU", LinkState.DOWN: "PUTUS",
           LinkState.UNREACHABLE: "TAK TERJANGKAU", LinkState.UNKNOWN: "BELUM DIKETAHUI",
           LinkState.ERROR: "TIDAK DAPAT DIPERIKSA"},
    count={LinkState.UP: "{n} normal", LinkState.DEGRADED: "{n} terganggu",
           LinkState.DOWN: "{n} putus", LinkState.UNREACHABLE: "{n} tak terjangkau",
           LinkState.UNKNOWN: "{n} belum diketahui",
           LinkState.ERROR: "{n} tidak dapat diperiksa"},
    problems="Bermasalah",
    unknown="Belum diketahui",
    healthy="Normal",
    rendered="Diperbarui {time}",
    since="sejak {time} ({span})",
    behind="Ikut terputus di belakangnya: {n} lokasi",
    link="Jalur",
    service="Layanan",
    problem="Masalah terakhir",
    loss="Loss",
    rtt="RTT",
    kind={LinkKind.FIBER: "fiber", LinkKind.WIRELESS: "wireless"},
    via="lewat {parent}",
    direct="langsung",
    no_round="belum ada putaran",
    footer=("Halaman dimuat ulang tiap {seconds} detik. Loss dan RTT (median) dari putaran "
            "ping terakhir. Waktu dalam {zone}."),
    months=("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
            "Des"),
    clock="{hour:02d}.{minute:02d}",
    clock_seconds="{hour:02d}.{minute:02d}.{second:02d}",
)

ENGLISH = PageWords(
    lang="en",
    heading="Network status",
    state={LinkState.UP: "UP", LinkState.DEGRADED: "DEGRADED", LinkState.DOWN: "DOWN",
           LinkState.UNREACHABLE: "UNREACHABLE", LinkState.UNKNOWN: "UNKNOWN",
           LinkState.ERROR: "CANNOT BE CHECKED"},
    count={LinkState.UP: "{n} up", LinkState.DEGRADED: "{n} degraded",
           LinkState.DOWN: "{n} down", LinkState.UNREACHABLE: "{n} unreachable",
           LinkState.UNKNOWN: "{n} unknown",
           LinkState.ERROR: "{n} cannot be checked"},
    problems="Problems",
    unknown="Not judged yet",
    healthy="Up",
    rendered="Updated {time}",
    since="since {time} ({span})",
    behind="Cut off behind it: {n} sites",
    link="Link",
    service="Service",
    problem="Last problem",
    loss="Loss",
    rtt="RTT",
    kind={LinkKind.FIBER: "fiber", LinkKind.WIRELESS: "wireless"},
    via="via {parent}",
    direct="direct",
    no_round="no round yet",
    footer=("The page reloads every {seconds} s. Loss and RTT (median) are from the last "
            "ping round. Times in {zone}."),
    months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
            "Dec"),
    clock="{hour:02d}:{minute:02d}",
    clock_seconds="{hour:02d}:{minute:02d}:{second:02d}",
)

PAGE_WORDS = {MailLanguage.ID: INDONESIAN, MailLanguage.EN: ENGLISH}
