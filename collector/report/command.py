"""`collector report`: the month's files (CSV, HTML, PDF) from the collector's outage log."""

from __future__ import annotations

from pathlib import Path

from collector.alerting.outage_log import OutageLog, outage_log_path
from collector.config import CollectorConfig
from collector.errors import PantauError
from collector.report.monthly import Format, write_month
from collector.report.period import month_bounds


class MonthNotBegunError(PantauError):
    """The month asked for lies in the future: there is nothing to report yet."""


class UnknownSiteError(PantauError):
    """`--site` names a site the configuration does not have."""


class OutageLogMissingError(PantauError):
    """No outage log where the config says the collector keeps it."""


def write_report(config: CollectorConfig, year: int, month: int, out_dir: Path,
                 now: float, formats: tuple[Format, ...] = (Format.CSV, Format.HTML),
                 site: str | None = None) -> list[Path]:
    """Write `pantau-availability-YYYY-MM[-SITE].csv`, `.html`, `.pdf` and
    `pantau-outages-YYYY-MM[-SITE].csv` (as `formats` asks) into `out_dir`; their paths."""
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
