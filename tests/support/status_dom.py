"""Reading the status page as a browser shows it: which sites, in what state, inside what.

Works on the collector's own HTML and on the DOM a browser dumps, with the standard
library's parser, so a test checks the structure a reader sees rather than substrings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class ShownSite:
    name: str
    state: str
    inside: str | None
    """The site whose box this one is listed in (behind a cut), or None for a box of its own."""
    section: str | None
    """The id of the page section (problems, unknown, healthy) the site is shown in."""
    text: str = ""
    links: dict[str, ShownLink] = field(default_factory=dict)


@dataclass
class ShownLink:
    state: str
    loss: str = ""
    rtt: str = ""
    text: str = ""


@dataclass
class StatusDom:
    sites: dict[str, ShownSite] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    refresh: str | None = None
    title: str = ""
    text: str = ""
    """All the page's visible text, whitespace collapsed."""

    def order(self) -> list[str]:
        """Sites with a box of their own, top to bottom."""
        return [name for name, site in self.sites.items() if site.inside is None]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.dom = StatusDom()
        self._stack: list[tuple[str, dict[str, str | None]]] = []
        self._in_head = False
        self._texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.dom.refresh = attributes.get("content")
        if "data-site" in attributes:
            name = attributes["data-site"] or ""
            self.dom.sites[name] = ShownSite(
                name=name, state=attributes.get("data-state") or "",
                inside=self._innermost("data-site"), section=self._innermost("id"))
        if "data-link" in attributes:
            site = self._innermost("data-site")
            assert site is not None, "a link row outside any site"
            self.dom.sites[site].links[attributes["data-link"] or ""] = ShownLink(
                state=attributes.get("data-state") or "")
        if "data-count" in attributes:
            self.dom.counts[attributes.get("data-state") or ""] = int(
                attributes["data-count"] or "0")
        if tag not in VOID:
            self._stack.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if any(tag in ("style", "script") for tag, _ in self._stack):
            return
        if any(tag == "title" for tag, _ in self._stack):
            self.dom.title += data
            return
        self._texts.append(data)
        # Elements side by side read as separate words, as a screen reader says them.
        for _, attributes in self._stack:
            if "data-site" in attributes:
                self.dom.sites[attributes["data-site"] or ""].text += data + " "
        link_row = self._innermost("data-link")
        if link_row is not None:
            shown = self.dom.sites[self._innermost("data-site") or ""].links[link_row]
            shown.text += data + " "
            if self._has("data-loss"):
                shown.loss += data
            if self._has("data-rtt"):
                shown.rtt += data

    def _innermost(self, attribute: str) -> str | None:
        for _, attributes in reversed(self._stack):
            if attribute in attributes:
                return attributes[attribute]
        return None

    def _has(self, attribute: str) -> bool:
        return bool(self._stack) and attribute in self._stack[-1][1]


def read_status_page(html: str) -> StatusDom:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    parser.dom.text = " ".join(" ".join(parser._texts).split())
    return parser.dom
