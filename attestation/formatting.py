"""Numbers and dates as people read them: one formatter for every page, document and export.

A percentage, a GPA or a count is written the way the college writes it: ``70``, ``94,5`` in Kazakh and Russian (the
decimal comma), ``94.5`` in English; never in exponent form (``Decimal("70").normalize()`` is ``7E+1``), and never
with a trailing ``,0`` unless the figure has a fixed number of places by convention (a GPA: ``3,50``). The separator
is Django's ``DECIMAL_SEPARATOR`` of the language (``attestation/formats/kk`` gives Kazakh its comma).

Spreadsheets get real numbers (``number_cell``): the spreadsheet shows them in its reader's locale and can sum them.
A CSV file is text read by a person's spreadsheet, so its numbers are ``number_text`` in the file's language.

Documents print dates as ``dd.mm.yyyy`` (``date_text``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats, translation

__all__ = ["as_decimal", "date_text", "number_cell", "number_text"]


def as_decimal(value: object) -> Decimal | None:
    """The number in ``value`` (an int, float, Decimal or a numeric string, with a point or a comma), or None when
    there is none (None, an empty string, a word, a bool, infinity)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest repr: 89.5, not 89.5000000000000000001
    elif isinstance(value, str):
        text = value.strip().replace(",", ".").replace("\u00a0", "").replace("\u202f", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _language(language: str | None) -> str:
    return (language or translation.get_language() or "en").split("-")[0]


def number_text(value: object, places: int | None = None, *, fixed: bool = False, grouping: bool = False,
                language: str | None = None) -> str:
    """The number for a person to read, in the language given (the active one by default).

    ``places``: at most this many decimals (rounded half up, as GRD-01 rounds a percentage); trailing zeros are
    dropped (``89.50`` → ``89,5``, ``70.0`` → ``70``) unless ``fixed``, which keeps exactly ``places`` (a GPA:
    ``3,50``). ``grouping``: thousands apart (``12 345``) in the language's way. None and an empty string give
    ``""``; anything that is not a number is returned as text, unchanged."""
    number = as_decimal(value)
    if number is None:
        return "" if value is None or value == "" else str(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(number, "f")  # positional notation: never 7E+1
    if "." in text and not (fixed and places):
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    language = _language(language)
    integer, _point, fraction = text.partition(".")
    sign = "-" if integer.startswith("-") else ""
    integer = integer.lstrip("-")
    if grouping and len(integer) > 3:
        separator = formats.get_format("THOUSAND_SEPARATOR", language)
        head = len(integer) % 3 or 3
        integer = separator.join([integer[:head], *(integer[i:i + 3] for i in range(head, len(integer), 3))])
    if not fraction:
        return sign + integer
    return f"{sign}{integer}{formats.get_format('DECIMAL_SEPARATOR', language)}{fraction}"


def number_cell(value: object) -> int | float | object:
    """The number as a spreadsheet cell holds it (an int when whole, else a float), so that the spreadsheet shows it
    in its reader's locale and can compute with it; anything else unchanged (a label, None for an empty cell)."""
    number = as_decimal(value)
    if number is None:
        return None if value == "" else value
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def date_text(value: date | datetime | str | None) -> str:
    """A date as documents print it, ``dd.mm.yyyy``; an ISO date string is read first; None gives ``""``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d.%m.%Y")
