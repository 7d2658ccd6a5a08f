"""One formatter for the numbers people read (issue 18, item 2): the boundary values of the scale through
``attestation.formatting``, the ``number`` template filter and a spreadsheet export. The documents are walked through
in tests/test_documents_tidy.py."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from openpyxl import load_workbook

from attestation.formatting import as_decimal, date_text, number_cell, number_text

BOUNDARIES = [0, 50, 70, Decimal("89.5"), 90, 100]
WRITTEN = {"kk": ["0", "50", "70", "89,5", "90", "100"], "ru": ["0", "50", "70", "89,5", "90", "100"],
           "en": ["0", "50", "70", "89.5", "90", "100"]}
# The same figure as the database, a form or a JSON payload hands it over: never an exponent, never a stray ",0".
SHAPES = [
    lambda v: v,
    lambda v: Decimal(v).quantize(Decimal("0.01")),  # 70.00, as a DecimalField(decimal_places=2) reads it
    lambda v: Decimal(v).normalize(),  # 7E+1, 1E+2: what a normalised Decimal prints
    lambda v: float(v),
    lambda v: str(Decimal(v).quantize(Decimal("0.01"))),  # "89.50" in a document's frozen payload
    lambda v: str(v).replace(".", ","),  # "89,5" as a person typed it
]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("shape", range(len(SHAPES)))
def test_the_boundary_values_read_as_the_college_writes_them(language, shape):
    values = [SHAPES[shape](value) for value in BOUNDARIES]
    assert [number_text(value, language=language) for value in values] == WRITTEN[language]
    with translation.override(language):
        assert [number_text(value) for value in values] == WRITTEN[language]
        rendered = Template("{% load numbers %}{% for v in values %}{{ v|number }};{% endfor %}").render(
            Context({"values": values}))
    assert rendered.split(";")[:-1] == WRITTEN[language]


@pytest.mark.parametrize(("value", "places", "fixed", "kk", "en"), [
    (Decimal("3.5"), 2, True, "3,50", "3.50"),  # a GPA keeps its two places
    (Decimal("3.8333"), 2, True, "3,83", "3.83"),
    (Decimal("89.45"), 1, False, "89,5", "89.5"),  # rounded half up, as GRD-01 rounds
    (Decimal("4.00"), 2, False, "4", "4"),
    (Decimal("-0.0"), None, False, "0", "0"),
    (Decimal("1E+3"), None, False, "1000", "1000"),
    (Decimal("0.000001"), None, False, "0,000001", "0.000001"),
])
def test_places_and_fixed_places(value, places, fixed, kk, en):
    assert number_text(value, places, fixed=fixed, language="kk") == kk
    assert number_text(value, places, fixed=fixed, language="en") == en


def test_grouping_thousands_in_each_language():
    assert number_text(1234567, grouping=True, language="kk") == "1\xa0234\xa0567"
    assert number_text(Decimal("-12345.5"), grouping=True, language="ru") == "-12\xa0345,5"
    assert number_text(12345, grouping=True, language="en") == "12,345"
    assert number_text(12345, language="ru") == "12345"  # no grouping unless asked


@pytest.mark.parametrize("value", [None, ""])
def test_nothing_is_printed_for_no_value(value):
    assert number_text(value) == ""
    assert Template("{% load numbers %}[{{ v|number }}]").render(Context({"v": value})) == "[]"


@pytest.mark.parametrize("value", ["—", "absent", True, "4S06130105", float("inf"), "NaN"])
def test_what_is_not_a_number_is_left_as_it_is(value):
    assert as_decimal(value) is None
    assert number_text(value) == str(value)


def test_the_filter_takes_places_and_fixed_places():
    template = Template("{% load numbers %}{{ a|number:1 }} {{ b|number_fixed:2 }} {{ c|number_fixed }}")
    with translation.override("ru"):
        assert template.render(Context({"a": Decimal("94.46"), "b": "3.5", "c": 4})) == "94,5 3,50 4,00"


def test_spreadsheet_cells_hold_numbers_not_text():
    assert [number_cell(value) for value in BOUNDARIES] == [0, 50, 70, 89.5, 90, 100]
    assert [type(number_cell(value)) for value in BOUNDARIES] == [int, int, int, float, int, int]
    assert number_cell(Decimal("7E+1")) == 70 and number_cell("89,5") == 89.5
    assert number_cell("") is None and number_cell(None) is None and number_cell("A-") == "A-"


def test_dates_in_documents():
    assert date_text(date(2027, 6, 1)) == "01.06.2027"
    assert date_text("2027-06-01") == "01.06.2027"
    assert date_text("01.06.2027") == "01.06.2027"  # already as documents print it
    assert date_text(None) == ""


@pytest.mark.django_db
def test_the_import_template_lists_the_scale_with_numbers(page, cast_a):
    """The spreadsheet export of the grade scale: percentages and points are numbers in their cells, which the
    spreadsheet shows in its reader's locale (no '4.0' or '7E+1' as text)."""
    response = page(cast_a.admin, "ru").get(f"/colleges/{cast_a.college.slug}/import/template/transcript.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[1]
    rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] in ("A", "A-", "B+", "F")]
    assert rows == [("A", 95, 100, 4), ("A-", 90, 94, 3.67), ("B+", 85, 89, 3.33), ("F", 0, 49, 0)]
    assert all(isinstance(value, int | float) for row in rows for value in row[1:])
