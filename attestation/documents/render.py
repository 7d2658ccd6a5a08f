"""HTML → PDF with WeasyPrint, with the per-process reuse that makes a worker fast.

One FontConfiguration and the parsed print stylesheet are kept per worker process (WeasyPrint
re-reads fonts and re-parses CSS otherwise: 20–40% of a one-page render, bench/pipeline.py).
"""

from __future__ import annotations

import base64
from functools import cache
from io import BytesIO

import qrcode
import qrcode.constants
from django.conf import settings
from django.template.loader import render_to_string
from PIL import Image

DOCUMENT_TEMPLATES = settings.BASE_DIR / "templates" / "documents"
PRINT_CSS = DOCUMENT_TEMPLATES / "print.css"


@cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _print_stylesheet(name: str = "print.css"):
    from weasyprint import CSS

    return CSS(filename=str(DOCUMENT_TEMPLATES / name), font_config=_font_config())


def renderer_warm() -> None:
    """Load in this process what every render reuses: the fonts and each document kind's parsed stylesheet, and
    WeasyPrint's own lazy imports, by rendering one tiny page (a worker process does this once as it starts)."""
    from .kinds import registered_kinds

    for stylesheet in {kind.stylesheet for kind in registered_kinds()}:
        _print_stylesheet(stylesheet)
    pdf_from_html("<p>Әә Өө Ұұ</p>")


@cache
def _qr_version(length: int) -> int:
    """The smallest QR version for a text of this length (the search is half the cost of a code)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data("x" * length)
    return code.best_fit()


def qr_data_uri(text: str) -> str:
    """A QR code as a tiny PNG data: URI, one pixel per module: the print stylesheet scales it up with
    ``image-rendering: pixelated``, so it stays sharp. (An SVG path is drawn by WeasyPrint's own SVG
    renderer and cost a third of a one-page render; bench/pipeline.py.)"""
    # A fixed mask skips the evaluation of all eight (half the cost of the code); any mask scans.
    code = qrcode.QRCode(version=_qr_version(len(text.encode("utf-8"))), box_size=1, border=2, mask_pattern=4,
                         error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=False)
    # The pixels straight from the matrix: qrcode's own image draws every module as a rectangle (half the cost).
    matrix = code.get_matrix()
    image = Image.new("1", (len(matrix), len(matrix)))
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def html_render(template: str, context: dict) -> str:
    return render_to_string(template, context)


def pdf_from_html(html: str, stylesheet: str = "print.css") -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[_print_stylesheet(stylesheet)], font_config=_font_config()
    )
