"""HTML → PDF with WeasyPrint, with the per-process reuse that makes a worker fast.

One FontConfiguration and the parsed print stylesheet are kept per worker process (WeasyPrint
re-reads fonts and re-parses CSS otherwise: 20–40% of a one-page render, bench/pipeline.py).
"""

from __future__ import annotations

import base64
from functools import cache
from io import BytesIO

import zxingcpp
from django.conf import settings
from django.template.loader import render_to_string
from PIL import Image

from ..collector import cyclic_collector_paused
from .kinds import registered_kinds

DOCUMENT_TEMPLATES = settings.BASE_DIR / "templates" / "documents"
PRINT_CSS = DOCUMENT_TEMPLATES / "print.css"

# WeasyPrint is imported where a render needs it, not with this module: a web process that only requests documents
# never loads it (tens of megabytes, a second at start).


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
    for stylesheet in {kind.stylesheet for kind in registered_kinds()}:
        _print_stylesheet(stylesheet)
    pdf_from_html("<p>Әә Өө Ұұ</p>")


def qr_data_uri(text: str) -> str:
    """A QR code (error correction M, the standard quiet zone of four modules) as a tiny PNG data: URI, one pixel
    per module: the print stylesheet scales it up with ``image-rendering: pixelated``, so it stays sharp. (An SVG
    path is drawn by WeasyPrint's own SVG renderer and cost a third of a one-page render; bench/pipeline.py.)
    ZXing's C++ encoder builds the code in a tenth of the time the pure-Python qrcode package took, which a batch
    of one-page decisions feels (bench/grading_decisions.py). The PNG is stored uncompressed: deflating a few hundred
    bytes saved 30 of them for 0.1 ms, a third of the QR code's cost."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    pixels = code.to_image(scale=1, add_quiet_zones=True)
    height, width = pixels.shape
    image = Image.frombuffer("L", (width, height), bytes(memoryview(pixels)), "raw", "L", 0, 1).convert("1")
    buffer = BytesIO()
    image.save(buffer, format="PNG", compress_level=0)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def html_render(template: str, context: dict) -> str:
    return render_to_string(template, context)


def pdf_from_html(html: str, stylesheet: str = "print.css") -> bytes:
    from weasyprint import HTML

    # A render builds a box tree that lives until the PDF is written; young collections walking it took 3–5% of a
    # one-page decision and 27–30% of a table of 3,000 rows (10.0–10.5 → 7.3–7.5 s of CPU, peak memory 425 → 432 MB;
    # bench/render_collector.py).
    with cyclic_collector_paused():
        return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
            stylesheets=[_print_stylesheet(stylesheet)], font_config=_font_config()
        )
