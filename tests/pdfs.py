"""Reading generated PDFs back: their text (pypdf), the QR codes printed on them (zxing-cpp's reader), and where their
words sit against the table cells and the page (pdfplumber)."""

import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image
from pypdf import PdfReader

MM = 72 / 25.4  # PDF points in a millimetre


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def pdf_qr_codes(content: bytes) -> list[str]:
    """The text of every QR code among the PDF's images. The code is embedded one pixel per module and scaled up
    by the stylesheet; it is scaled up here too, as a scanner would see the printed page."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for embedded in page.images:
            image = embedded.image.convert("L")
            image = image.resize((image.width * 8, image.height * 8), Image.Resampling.NEAREST)
            found.extend(code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode))
    return found


@dataclass(frozen=True)
class Word:
    page: int  # from 1
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def pdf_words(content: bytes) -> list[Word]:
    """Every word of the PDF with its box, page by page, in reading order."""
    import pdfplumber

    words = []
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            words += [Word(page.page_number, w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
                      for w in page.extract_words(use_text_flow=True)]
    return words


# A word may touch its cell's border (glyph side bearings, the border's own width), never cross it.
TOLERANCE = 0.6


def pdf_layout_problems(content: bytes, *, left_mm: float, right_mm: float) -> list[str]:
    """What a reader would see as untidy in a PDF: a word that crosses the border of the table cell it starts in
    (a long word running into the next column, a header label over its neighbour's), or that leaves the page's
    printable width (``left_mm`` / ``right_mm``: the page margins; the running footers sit between them too).

    The cells are the rectangles the tables' ruled lines enclose (pdfplumber's table finder); a word belongs to the
    cell that holds its first letter."""
    import pdfplumber

    problems = []
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            left, right = left_mm * MM - TOLERANCE, page.width - right_mm * MM + TOLERANCE
            cells = [cell for table in page.find_tables({"vertical_strategy": "lines",
                                                         "horizontal_strategy": "lines"})
                     for cell in table.cells]
            for word in page.extract_words(use_text_flow=True):
                where = f"page {page.page_number}: «{word['text']}»"
                if word["x0"] < left or word["x1"] > right or word["top"] < 0 or word["bottom"] > page.height:
                    problems.append(f"{where} leaves the printable area "
                                    f"(x {word['x0'] / MM:.1f}–{word['x1'] / MM:.1f} mm)")
                    continue
                start_x, middle_y = word["x0"] + 1, (word["top"] + word["bottom"]) / 2
                home = [c for c in cells if c[0] <= start_x <= c[2] and c[1] <= middle_y <= c[3]]
                if not home:
                    continue
                x0, top, x1, bottom = min(home, key=lambda c: (c[2] - c[0]) * (c[3] - c[1]))
                if (word["x1"] > x1 + TOLERANCE or word["x0"] < x0 - TOLERANCE or word["top"] < top - TOLERANCE
                        or word["bottom"] > bottom + TOLERANCE):
                    problems.append(f"{where} runs out of its cell by {(word['x1'] - x1) / MM:.1f} mm")
    return problems
