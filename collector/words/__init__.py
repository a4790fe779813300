"""What Pantau says to people, one catalogue per language (`id`, `en`) shared by mails, the
status page and the report; formatting of times, durations and numbers beside it."""

from __future__ import annotations

from collector.config.mail import MailLanguage
from collector.words import en, id
from collector.words.catalogue import Catalogue, PageWords, ReportWords, Words
from collector.words.formatting import (
    floor_decimal,
    format_clock,
    format_evidence,
    format_number,
    format_ratio,
    format_rtt,
    format_span,
    format_time,
    month_name,
    percent,
    span,
    when,
)

CATALOGUES: dict[MailLanguage, Catalogue] = {MailLanguage.ID: id.CATALOGUE,
                                             MailLanguage.EN: en.CATALOGUE}
WORDS = {language: catalogue.mail for language, catalogue in CATALOGUES.items()}
PAGE_WORDS = {language: catalogue.page for language, catalogue in CATALOGUES.items()}
REPORT_WORDS = {language: catalogue.report for language, catalogue in CATALOGUES.items()}

__all__ = [
    "CATALOGUES", "PAGE_WORDS", "REPORT_WORDS", "WORDS", "Catalogue", "PageWords",
    "ReportWords", "Words", "floor_decimal", "format_clock", "format_evidence",
    "format_number", "format_ratio", "format_rtt", "format_span", "format_time",
    "month_name", "percent", "span", "when",
]
