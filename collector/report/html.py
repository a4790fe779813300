"""The monthly report as one self-contained HTML page for people who are not engineers.

No script, no external stylesheet, font or image: inline CSS and inline SVG only, so the file
can be mailed, archived with the SPBE evidence, opened offline and printed. Every text from the
config (titles, reasons) is escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from collector.config.mail import MailLanguage
from collector.report import charts
from collector.report.monthly import MonthlyReport, SiteReport
from collector.words import REPORT_WORDS, ReportWords, month_name, percent, span, when

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#222;
margin:0 auto;max-width:1040px;padding:24px;line-height:1.4;box-sizing:border-box}
h1{margin:0;font-size:28px}h2{margin-top:36px;font-size:20px}h3{margin:0;font-size:17px}
.sub{color:#666;margin:4px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:20px 0}
.card{border:1px solid #ddd;border-radius:8px;padding:12px 14px;flex:1 1 0;min-width:120px}
.card .value{font-size:26px;font-weight:700}.card .label{color:#555;font-size:13px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e6e6;vertical-align:middle}
th{font-size:13px;color:#555;font-weight:600}
td.num,th.num{text-align:right}
@media (min-width:1100px){td.num,th.num{white-space:nowrap}}
svg.bar{max-width:100%}
.big{font-size:22px;font-weight:700;white-space:nowrap}
.good{color:#1f7a43}.fair{color:#9a6b00}.poor{color:#b52e2e}.none{color:#777}
.name{color:#777;font-size:12px}
.site{border:1px solid #e2e2e2;border-radius:8px;padding:14px 16px;margin:16px 0;
break-inside:avoid}
.site header{display:flex;justify-content:space-between;align-items:baseline;gap:12px}
.facts{color:#444;font-size:14px;margin:6px 0 10px}
.strip text{font-size:9px;fill:#666}
.legend{font-size:13px;color:#444}.key{margin-right:12px;white-space:nowrap}
.outages td,.outages th,.services td,.services th{font-size:13px;padding:4px 6px}
h4{margin:14px 0 4px;font-size:15px}
.note{color:#555;font-size:13px}
.strip{max-width:100%;height:auto}
.site header{flex-wrap:wrap}
@page{size:A4;margin:14mm}
@media print{body{padding:0;max-width:none;font-size:11px}.site{page-break-inside:avoid}
table{table-layout:fixed}th,td{padding:3px 4px;font-size:10px;overflow-wrap:anywhere}
td.num,th.num{white-space:normal}.big{font-size:14px}svg.bar{width:100%;max-width:120px}
.card .value{font-size:18px}}
@media (max-width:640px){
body{padding:12px}h1{font-size:22px}
table.sites thead,table.outages thead,table.services thead{display:none}
table.sites tr,table.outages tr,table.services tr{display:block;border-bottom:1px solid #e6e6e6;
padding:6px 0}
table.sites td,table.outages td,table.services td{display:block;border:none;padding:2px 0;
text-align:left}
td[data-label]::before{content:attr(data-label) ": ";color:#555;font-size:13px}
}
"""


def render_html(report: MonthlyReport, language: MailLanguage = MailLanguage.ID) -> str:
    words = REPORT_WORDS[language]
    month = month_name(words, report.year, report.month)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language.value}">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(words.title)} — {escape(month)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
        _heading(report, words, month),
        _summary(report, words),
        _table(report, words),
        f"<h2>{escape(words.timeline)}</h2>",
        charts.legend(words),
        *(_site(site, report, words, month) for site in report.worst_first()),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _heading(report: MonthlyReport, words: ReportWords, month: str) -> str:
    zone = report.zone
    shown_end = report.end if report.complete else report.now
    period = (f"{when(words, report.start, zone, year=True)} – "
              f"{when(words, shown_end, zone, year=True)} {_zone_name(report)}")
    if not report.complete:
        period += f" ({words.so_far})"
    return (f"<header><h1>{escape(words.title)} — {escape(month)}</h1>"
            f'<p class="sub">{escape(words.subtitle)}</p>'
            f'<p class="sub">{escape(words.period)}: {escape(period)}. '
            f"{escape(words.generated)}: "
            f"{escape(when(words, report.now, zone, year=True))}.</p></header>")


def _zone_name(report: MonthlyReport) -> str:
    abbreviation = datetime.fromtimestamp(report.start, report.zone).tzname() or ""
    return f"{abbreviation} ({report.zone.key})"


def _summary(report: MonthlyReport, words: ReportWords) -> str:
    sites = report.sites
    figures = [site.figures for site in sites]
    network = report.network
    clean = sum(1 for f in figures if f.downtime_seconds == 0)
    ranked = report.worst_first()
    worst = ranked[0] if ranked and ranked[0].figures.availability is not None else None
    cards = [
        (words.summary["network"], _ratio_text(words, network), charts.grade(network)),
        (words.summary["sites"], str(len(sites)), ""),
        (words.summary["outages"], str(sum(f.counted for f in figures)), ""),
        (words.summary["downtime"], _amount(words, sum(f.downtime_seconds for f in figures)), ""),
        (words.summary["planned"], _amount(words, sum(f.planned_seconds for f in figures)), ""),
        (words.summary["coverage"], _ratio_text(words, _coverage(figures)), ""),
        (words.summary["unmonitored"],
         _amount(words, sum(f.unmonitored_seconds for f in figures)), ""),
    ]
    if worst is not None:
        availability = worst.figures.availability
        cards.append((f"{words.summary['worst']}: {worst.title}",
                      _ratio_text(words, availability), charts.grade(availability)))
    html = ['<section class="cards">']
    for label, value, grade in cards:
        html.append(f'<div class="card"><div class="value {grade}">{escape(value)}</div>'
                    f'<div class="label">{escape(label)}</div></div>')
    html.append("</section>")
    html.append(f'<p class="note">{escape(words.clean_sites.format(n=clean))}. '
                f"{escape(words.definition)}</p>")
    return "".join(html)


def _coverage(figures: list) -> float | None:
    period = sum(f.period_seconds for f in figures)
    return sum(f.monitored_seconds for f in figures) / period if period > 0 else None


def _availability_text(words: ReportWords, availability: float | None) -> str:
    """The figure, or that there was no time to judge it over."""
    return words.not_judged if availability is None else _ratio_text(words, availability)


def _ratio_text(words: ReportWords, ratio: float | None) -> str:
    return "—" if ratio is None else percent(words, ratio)


def _table(report: MonthlyReport, words: ReportWords) -> str:
    col = words.columns
    head = "".join(f'<th class="{cls}">{escape(col[key])}</th>' for key, cls in (
        ("site", ""), ("availability", ""), ("downtime", "num"), ("outages", "num"),
        ("longest", "num"), ("mttr", "num"), ("planned", "num"), ("monitored", "num")))
    rows = []
    for site in report.worst_first():
        f = site.figures
        availability = f.availability
        grade = charts.grade(availability)
        label = f"{site.title}: {_ratio_text(words, availability)} ({words.grades[grade]})"
        shown = _availability_text(words, availability)
        rows.append(
            f'<tr><td><a href="#site-{escape(site.name)}">{escape(site.title)}</a>'
            f'<div class="name">{escape(site.name)}</div></td>'
            f'<td><div class="big {grade}">{escape(shown)}</div>'
            f"{charts.bar(availability, label)}</td>"
            + "".join(_cell(col[key], value) for key, value in (
                ("downtime", _optional_span(words, f.downtime_seconds)),
                ("outages", str(f.counted)),
                ("longest", _optional_span(words, f.longest_seconds)),
                ("mttr", _optional_span(words, f.mttr_seconds)),
                ("planned", _optional_span(words, f.planned_seconds)),
                ("monitored", _ratio_text(words, f.coverage))))
            + "</tr>")
    return (f"<h2>{escape(words.table_title)}</h2>"
            f'<table class="sites"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="note">{escape(words.bar_scale)}</p>')


def _cell(label: str, value: str, cls: str = "num") -> str:
    """A cell that names its column, for narrow screens where the header row is hidden."""
    return f'<td class="{cls}" data-label="{escape(label)}">{escape(value)}</td>'


def _optional_span(words: ReportWords, seconds: float | None) -> str:
    """A dash for nothing at all, so that real figures stand out in a column."""
    return "—" if not seconds else span(words, seconds)


def _amount(words: ReportWords, seconds: float) -> str:
    return span(words, seconds) if seconds else "0"


def _site(site: SiteReport, report: MonthlyReport, words: ReportWords, month: str) -> str:
    f = site.figures
    availability = f.availability
    grade = charts.grade(availability)
    shown = _availability_text(words, availability)
    days = charts.days(list(f.downtime), list(f.planned), report.start, report.end,
                       report.now, report.zone, list(f.monitored))
    facts = (f"{words.columns['downtime']}: {_amount(words, f.downtime_seconds)} · "
             f"{words.columns['outages']}: {f.counted} · "
             f"{words.columns['planned']}: {_amount(words, f.planned_seconds)} · "
             f"{words.columns['monitored']}: {_amount(words, f.monitored_seconds)} "
             f"({_ratio_text(words, f.coverage)}) · "
             f"{words.columns['unmonitored']}: {_amount(words, f.unmonitored_seconds)}")
    return (f'<section class="site" id="site-{escape(site.name)}"><header>'
            f'<h3>{escape(site.title)} <span class="name">{escape(site.name)}</span></h3>'
            f'<span class="big {grade}">{escape(shown)}</span></header>'
            f'<p class="facts">{escape(facts)}</p>'
            f"{charts.strip(days, words, month, f'{site.title}: {words.timeline}')}"
            f"{_outages(site, report, words)}{_services(site, words)}"
            f"{_windows(site, report, words)}</section>")


def _outages(site: SiteReport, report: MonthlyReport, words: ReportWords) -> str:
    if not site.figures.outages:
        return f'<p class="note">{escape(words.no_outages)}</p>'
    col, zone = words.outage_columns, report.zone
    counted = site.figures.outage_downtime
    head = "".join(f"<th>{escape(col[key])}</th>"
                   for key in ("start", "end", "duration", "counted", "cause", "planned"))
    rows = []
    for outage in site.figures.outages:
        if outage.ended_at is None:
            end, duration = words.ongoing, report.now - outage.started_at
        else:
            end, duration = when(words, outage.ended_at, zone), outage.ended_at - outage.started_at
        cause = words.cause[outage.cause]
        if outage.root_site:
            cause += f" ({words.behind.format(site=outage.root_site)})"
        rows.append(
            "<tr>" + "".join(_cell(col[key], value, "") for key, value in (
                ("start", when(words, outage.started_at, zone)), ("end", end),
                ("duration", span(words, duration)),
                ("counted", _optional_span(words, counted.get(outage.id))),
                ("cause", cause), ("planned", words.yes if outage.planned else words.no)))
            + "</tr>")
    return (f'<table class="outages"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _services(site: SiteReport, words: ReportWords) -> str:
    if not site.services:
        return ""
    col = words.service_columns
    head = "".join(f'<th class="{cls}">{escape(col[key])}</th>' for key, cls in (
        ("service", ""), ("availability", "num"), ("downtime", "num"), ("outages", "num"),
        ("longest", "num"), ("site_downtime", "num")))
    rows = []
    for service in site.services:
        f = service.figures.figures
        availability = f.availability
        shown = _availability_text(words, availability)
        rows.append(
            f'<tr><td data-label="{escape(col["service"])}">{escape(service.title)}'
            f'<div class="name">{escape(service.name)} ({escape(service.kind)})</div></td>'
            f'<td class="num {charts.grade(availability)}" '
            f'data-label="{escape(col["availability"])}">{escape(shown)}</td>'
            + "".join(_cell(col[key], value) for key, value in (
                ("downtime", _optional_span(words, f.downtime_seconds)),
                ("outages", str(f.counted)),
                ("longest", _optional_span(words, f.longest_seconds)),
                ("site_downtime",
                 _optional_span(words, service.figures.site_downtime_seconds))))
            + "</tr>")
    return (f"<h4>{escape(words.services)}</h4>"
            f'<table class="services"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="note">{escape(words.services_note)}</p>')


def _windows(site: SiteReport, report: MonthlyReport, words: ReportWords) -> str:
    if not site.windows:
        return ""
    items = []
    for window in site.windows:
        text = (f"{when(words, window.start, report.zone)} – "
                f"{when(words, window.end, report.zone)}")
        if window.reason:
            text += f": {window.reason}"
        items.append(f"<li>{escape(text)}</li>")
    return (f'<p class="note">{escape(words.maintenance)}:</p>'
            f'<ul class="note">{"".join(items)}</ul>')
