"""The month's outage list as CSV, one row per outage, for the office's files and for tools.

Every outage overlapping the month is listed, those of a link alone (its site still reached
through another) as well as those of whole sites; times are RFC 3339 to the second in
`collector.timezone`, durations whole seconds, and the evidence is phrased in the report's
language from the same catalogue as the mails.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from collector.alerting.outage_log import Outage
from collector.report.monthly import MonthlyReport
from collector.words import Words, format_evidence

COLUMNS = ("outage", "site", "title", "link", "service", "start", "end", "duration_seconds",
           "downtime_seconds", "cause", "evidence", "planned", "behind")


def render_outage_csv(report: MonthlyReport, outages: Iterable[Outage], words: Words) -> str:
    """``outages``: those overlapping the month (as the outage log gives them), of every site
    in the report; ``downtime_seconds`` is what a site's own outage counted in the month (empty
    for a link alone or a service, which never count as the site's downtime)."""
    titles = {site.name: site.title for site in report.sites}
    counted = {outage_id: seconds for site in report.sites
               for outage_id, seconds in site.figures.outage_downtime.items()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for outage in sorted(outages, key=lambda o: (o.started_at, o.id)):
        if outage.site not in titles:
            continue
        end = outage.ended_at
        writer.writerow([
            outage.id, outage.site, titles[outage.site], outage.link or "", outage.service or "",
            _rfc3339(outage.started_at, report.zone),
            "" if end is None else _rfc3339(end, report.zone),
            round((end if end is not None else report.now) - outage.started_at),
            "" if outage.link is not None or outage.service is not None
            else round(counted.get(outage.id, 0.0)),
            outage.cause.value,
            "" if outage.evidence is None else format_evidence(words, outage.evidence,
                                                                report.zone),
            "yes" if outage.planned else "no",
            outage.root_site or "",
        ])
    return out.getvalue()


def _rfc3339(at: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, zone).isoformat(timespec="seconds")

