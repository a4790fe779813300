"""The word catalogues: every language says everything the other does, with the same
placeholders, and covers every event, cause, state and failure there is."""

from __future__ import annotations

import dataclasses
import string

import pytest

from collector.alerting.notifications import EventKind
from collector.alerting.outage_log import Cause, EvidenceKind
from collector.config.mail import MailLanguage
from collector.state import LinkState
from collector.state.services import FailureKind
from collector.words import CATALOGUES, Catalogue
from tests.support.words import words_of

pytestmark = pytest.mark.unit


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def differences(first: object, second: object, where: str) -> list[str]:
    """Where two catalogue values differ in shape: a key one lacks, a tuple of another
    length, a placeholder one text has and the other lacks."""
    if dataclasses.is_dataclass(first):
        return [problem for field in dataclasses.fields(first)
                for problem in differences(getattr(first, field.name),
                                           getattr(second, field.name), f"{where}.{field.name}")]
    if isinstance(first, dict):
        if set(first) != set(second):
            return [f"{where}: keys {sorted(map(str, set(first) ^ set(second)))} in one only"]
        return [problem for key in first
                for problem in differences(first[key], second[key], f"{where}[{key}]")]
    if isinstance(first, tuple):
        if len(first) != len(second):
            return [f"{where}: {len(first)} items against {len(second)}"]
        return []
    if isinstance(first, str) and placeholders(first) != placeholders(second):
        return [f"{where}: placeholders {placeholders(first)} against {placeholders(second)}"]
    return []


def test_there_is_a_catalogue_for_every_language():
    assert set(CATALOGUES) == set(MailLanguage)
    assert all(isinstance(catalogue, Catalogue) for catalogue in CATALOGUES.values())


def test_every_language_has_every_key_with_the_same_placeholders():
    indonesian, english = CATALOGUES[MailLanguage.ID], CATALOGUES[MailLanguage.EN]
    assert differences(indonesian, english, "catalogue") == []


def test_the_differences_check_finds_a_missing_key_and_a_lost_placeholder():
    catalogue = CATALOGUES[MailLanguage.EN]
    mail = catalogue.mail
    missing = dataclasses.replace(mail, headline={k: v for k, v in mail.headline.items()
                                                  if k is not EventKind.DOWN})
    lost = dataclasses.replace(mail, after="after")
    assert differences(mail, missing, "mail") == ["mail.headline: keys ['down'] in one only"]
    assert differences(mail, lost, "mail") == [
        "mail.after: placeholders {'duration'} against set()"]


@pytest.mark.parametrize("language", list(MailLanguage))
def test_every_event_cause_evidence_state_and_failure_has_its_words(language):
    catalogue = CATALOGUES[language]
    assert set(catalogue.mail.headline) == set(catalogue.mail.sentence) == set(EventKind)
    assert set(catalogue.mail.cause) == set(catalogue.report.cause) == set(Cause)
    assert set(catalogue.mail.evidence) == set(EvidenceKind)
    assert set(catalogue.page.state) == set(catalogue.page.count) == set(LinkState)
    assert set(catalogue.mail.state) >= {state.value for state in LinkState}
    assert set(catalogue.mail.failures) == {kind.value for kind in FailureKind}


def test_no_indonesian_text_holds_a_word_only_english_uses():
    """A word left in English in the Indonesian catalogue (or the reverse) is caught here;
    the renderers' own tests catch English left in their code."""

    indonesian = words_of(CATALOGUES[MailLanguage.ID])
    english = words_of(CATALOGUES[MailLanguage.EN])
    # Shared by both languages on purpose: names, units and technical terms.
    shared = {"pantau", "rtt", "loss", "median", "http", "tls", "dns", "ping", "fiber",
              "wireless", "radio", "router", "server", "firewall", "data", "status", "total",
              "jan", "feb", "mar", "apr", "jun", "jul", "sep", "nov"}
    leaked = (indonesian & english) - shared
    assert not leaked, sorted(leaked)
