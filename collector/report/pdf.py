"""The report's HTML printed to an A4 PDF: the one module that imports WeasyPrint.

WeasyPrint lays out HTML and CSS (inline SVG included) with Pango, without a browser; it is
an optional dependency (`pip install 'pantau[pdf]'`), needed only by `collector report
--format pdf`, never by the running collector.
"""

from __future__ import annotations

from pathlib import Path

from collector.errors import PantauError


class PdfUnavailableError(PantauError):
    """WeasyPrint (or the Pango library under it) is not installed."""


def write_pdf(html: str, path: Path) -> None:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as err:
        raise PdfUnavailableError(
            f"a PDF needs WeasyPrint and Pango ({err}); install them with "
            "pip install 'pantau[pdf]' (Debian: apt install libpango-1.0-0 libpangoft2-1.0-0)"
        ) from err
    HTML(string=html).write_pdf(path)
