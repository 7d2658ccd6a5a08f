"""Reading generated PDFs back: their text (pypdf) and the QR codes printed on them (zxing-cpp's reader)."""

import io

import zxingcpp
from PIL import Image
from pypdf import PdfReader


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
