"""Reading the National Testing Center's results file (MON-22) as a stream: CSV (UTF-8 or UTF-16 with a byte-order
mark) or XLSX, one row at a time, so a file of 100,000 rows never sits in memory whole. The file is read twice by
the import (check everything, then store), from the uploaded file Django keeps on disk."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attestation.imports import Column, ImportFileError

RESULT_COLUMNS = (
    Column("code", gettext_lazy("Personal code"), True,
           ("personal code", "personal_code", "сжк", "тжк", "жеке код", "личный код", "код", "code"),
           gettext_lazy("the testee's personal code (СЖК) from the seating sheet")),
    Column("subject", gettext_lazy("Subject or module"), True,
           ("subject", "module", "пән", "модуль", "предмет", "пән/модуль", "предмет/модуль"),
           gettext_lazy("as the testing centre names it")),
    Column("variant", gettext_lazy("Variant"), True, ("нұсқа", "вариант", "variant"), gettext_lazy("test variant")),
    Column("score", gettext_lazy("Score"), True, ("балл", "ұпай", "score", "points"),
           gettext_lazy("from 0 to the maximum; up to 2 decimals")),
    Column("maximum", gettext_lazy("Maximum"), True,
           ("max", "максимум", "максимальный балл", "ең жоғары балл", "max score", "maximum score"),
           gettext_lazy("the highest possible score of the variant")),
)
_NOT_SPREADSHEET = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ", b"<!DOCTYPE", b"<html")


def max_bytes() -> int:
    return settings.MONITORING_RESULTS_MAX_BYTES


def _norm(text: Any) -> str:
    return " ".join(str(text or "").replace("\ufeff", "").strip().lower().split())


def header_map(headers: list[Any]) -> dict[int, str]:
    """Column index → column name, by the labels in any of the portal's languages or the usual aliases."""
    lookup: dict[str, str] = {}
    for column in RESULT_COLUMNS:
        lookup[column.name] = column.name
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup[_norm(column.label)] = column.name
        for alias in column.aliases:
            lookup[_norm(alias)] = column.name
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = lookup.get(_norm(header))
        if name and name not in mapping.values():
            mapping[index] = name
    missing = [str(c.label) for c in RESULT_COLUMNS if c.name not in mapping.values()]
    if missing:
        raise ImportFileError(_("The file has no column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    return mapping


def file_kind(upload) -> str:
    """"xlsx" or "csv", judged by the content; refuses what is neither (415) and what is too large (413)."""
    limit = max_bytes()
    if upload.size > limit:
        raise ImportFileError(_("The file is %(size)s MB; the limit is %(limit)s MB.")
                              % {"size": round(upload.size / 2**20, 1), "limit": round(limit / 2**20, 1)}, 413)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Old Excel files (.xls) are not supported; save the file as .xlsx."), 415)
    if head.lstrip()[:9].startswith(_NOT_SPREADSHEET) or b"\x00" in head and not head.startswith((b"\xff\xfe",
                                                                                                    b"\xfe\xff")):
        raise ImportFileError(_("The file is not a spreadsheet (XLSX or CSV)."), 415)
    return "csv"


def _csv_rows(upload) -> Iterator[list[Any]]:
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    encoding = "utf-16" if head.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    text = io.TextIOWrapper(upload.file, encoding=encoding, newline="")
    try:
        first = text.readline()
        delimiter = max(";,\t", key=first.count)
        yield from csv.reader(_chain(first, text), delimiter=delimiter)
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The CSV file is not in UTF-8. In Excel choose “Save as → CSV UTF-8”, or upload the "
                                ".xlsx file."), 415) from exc
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(error)s.") % {"error": exc}, 415) from exc
    finally:
        text.detach()  # the upload stays open for the second pass


def _chain(first: str, rest) -> Iterator[str]:
    yield first
    yield from rest


def _xlsx_rows(upload) -> Iterator[list[Any]]:
    import zipfile

    from openpyxl import load_workbook

    upload.seek(0)
    try:
        workbook = load_workbook(upload.file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("The file is not a readable Excel workbook (.xlsx)."), 415) from exc
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def rows(upload) -> Iterator[tuple[int, dict[str, Any]]]:
    """(spreadsheet row number, {column: value}) of every non-empty data row, streamed."""
    reader = _xlsx_rows(upload) if file_kind(upload) == "xlsx" else _csv_rows(upload)
    mapping: dict[int, str] | None = None
    for number, row in enumerate(reader, start=1):
        if not any(v not in (None, "") for v in row):
            continue
        if mapping is None:
            mapping = header_map(row)
            continue
        yield number, {name: (row[index] if index < len(row) else None) for index, name in mapping.items()}
    if mapping is None:
        raise ImportFileError(_("The file is empty."))


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def number(value: Any) -> Decimal | None:
    """A score as a Decimal with at most 2 decimals ("45,5" and "45.5" alike), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = repr(value)
    raw = text(value).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        parsed = Decimal(raw)
    except InvalidOperation:
        return None
    if not parsed.is_finite() or abs(parsed) >= 100000:
        return None
    if parsed.as_tuple().exponent < -2 and parsed != parsed.quantize(Decimal("0.01")):
        return None
    return parsed.quantize(Decimal("0.01"))
