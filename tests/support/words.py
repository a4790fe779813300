"""The words of a catalogue, and the words of a rendered text, for the tests that hold each
language's output to its own catalogue (no English left in an Indonesian page, and back)."""

from __future__ import annotations

import dataclasses
import re

from collector.config.mail import MailLanguage
from collector.words import CATALOGUES

_WORD = re.compile(r"[A-Za-z]{3,}")


def words_of(value: object) -> set[str]:
    """Every word (three letters or more, lower case) of a catalogue value, placeholders left
    out."""
    if dataclasses.is_dataclass(value):
        return set().union(*(words_of(getattr(value, f.name)) for f in dataclasses.fields(value)))
    if isinstance(value, dict):
        return set().union(*(words_of(v) for v in value.values()), set())
    if isinstance(value, tuple):
        return set().union(*(words_of(v) for v in value), set())
    if isinstance(value, str):
        return text_words(re.sub(r"\{[^}]*\}", " ", value))
    return set()


def text_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def foreign_words(text: str, language: MailLanguage, names: str = "") -> set[str]:
    """Words of ``text`` that only another language's catalogue uses (``names``: words from
    the config and the fixtures, which may be in any language)."""
    own = words_of(CATALOGUES[language])
    other = set().union(*(words_of(c) for lang, c in CATALOGUES.items() if lang != language))
    return text_words(text) & (other - own - text_words(names))
