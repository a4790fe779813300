"""`collector report`: the month's files (CSV, HTML, PDF) from the collector's outage log."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from collector.alerting.outage_log import OutageLog, outage_log_path
from collector.config import CollectorConfig
from collector.errors import PantauError
from collector.report.html import render_html
from collector.report.monthly import build_month, render_csv, render_services_csv
from collector.report.outage_csv import render_outage_csv
from collector.report.period import month_bounds
from collector.state.ledger import read_spans
from collector.words import WORDS


class Format(StrEnum):
    CSV = "csv"
    """The sites' figures, the services' figures, and the outage list (one row per
    outage)."""
    HTML = "html"
    PDF = "pdf"


class MonthNotBegunError(PantauError):
    """The month asked for lies in the future: there is nothing to report yet."""


class UnknownSiteError(PantauError):
    """`--site` names a site the configuration does not have."""


class OutageLogMissingError(PantauError):
    """No outage log where the config says the collector keeps it."""


def write_report(config: CollectorConfig, year: int, month: int, out_dir: Path,
                 now: float, formats: tuple[Format, ...] = (Format.CSV, Format.HTML),
                 site: str | None = None) -> list[Path]:
    """Write `pantau-availability-YYYY-MM[-SITE].csv`, `.html`, `.pdf`,
    `pantau-services-YYYY-MM[-SITE].csv` and `pantau-outages-YYYY-MM[-SITE].csv` (as
    `formats` asks) into `out_dir`; their paths."""
    if month_bounds(year, month, config.collector.zone)[0] > now:
        raise MonthNotBegunError(f"{year:04d}-{month:02d} has not begun yet")
    names = [each.name for each in config.sites]
    if site is not None and site not in names:
        raise UnknownSiteError(f"--site: '{site}' is not defined (defined: "
                               f"{', '.join(sorted(names))})")
    path = outage_log_path(config.collector.data_dir)
    # Opening a missing log would create an empty one and report a perfect month.
    if not path.is_file():
        raise OutageLogMissingError(
            f"no outage log at {path} (collector.data_dir); has the collector run with "
            "this configuration?")
    log = OutageLog(path)
    try:
        return write_month(config, log, year, month, now, out_dir, formats, site)
    finally:
        log.close()


def write_month(config: CollectorConfig, log: OutageLog, year: int, month: int, now: float,
                out_dir: Path, formats: Iterable[Format] = (Format.CSV, Format.HTML),
                site: str | None = None) -> list[Path]:
    """Write the month's files into `out_dir` (created if missing); their paths. With `site`,
    the report of that one site alone (its name in the file names)."""
    if site is not None:
        config = config.model_copy(update={"sites": tuple(s for s in config.sites
                                                          if s.name == site)})
    start, end = month_bounds(year, month, config.collector.zone)
    outages = log.between(start, end)
    spans = read_spans(log.path, [each.name for each in config.sites], start, end)
    report = build_month(config, outages, year, month, now, spans)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = f"{report.label}-{site}" if site is not None else report.label
    stem = out_dir / f"pantau-availability-{suffix}"
    written: list[Path] = []
    wanted = set(formats)
    if Format.CSV in wanted:
        written.append(_write(stem.with_suffix(".csv"), render_csv(report)))
        written.append(_write(out_dir / f"pantau-services-{suffix}.csv",
                              render_services_csv(report)))
        words = WORDS[config.mail.language]
        written.append(_write(out_dir / f"pantau-outages-{suffix}.csv",
                              render_outage_csv(report, outages, words)))
    if wanted & {Format.HTML, Format.PDF}:
        page = render_html(report, config.mail.language)
        if Format.HTML in wanted:
            written.append(_write(stem.with_suffix(".html"), page))
        if Format.PDF in wanted:
            # Imported here: WeasyPrint is optional, and only a PDF needs it.
            from collector.report.pdf import write_pdf

            write_pdf(page, stem.with_suffix(".pdf"))
            written.append(stem.with_suffix(".pdf"))
    return written


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
