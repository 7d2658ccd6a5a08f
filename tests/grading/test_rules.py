from decimal import Decimal

import pytest

from attestation.rules import RuleViolation
from grading import rules


@pytest.mark.parametrize(
    ("percent", "letter", "points", "traditional"),
    [
        (100, "A", "4.00", "excellent"), (95, "A", "4.00", "excellent"),
        (94, "A-", "3.67", "excellent"), (90, "A-", "3.67", "excellent"),
        (89, "B+", "3.33", "good"), (85, "B+", "3.33", "good"),
        (84, "B", "3.00", "good"), (80, "B", "3.00", "good"),
        (79, "B-", "2.67", "good"), (75, "B-", "2.67", "good"),
        (74, "C+", "2.33", "good"), (70, "C+", "2.33", "good"),  # GRD-05: C+ is "good"
        (69, "C", "2.00", "satisfactory"), (65, "C", "2.00", "satisfactory"),
        (64, "C-", "1.67", "satisfactory"), (60, "C-", "1.67", "satisfactory"),
        (59, "D+", "1.33", "satisfactory"), (55, "D+", "1.33", "satisfactory"),
        (54, "D", "1.00", "satisfactory"), (50, "D", "1.00", "satisfactory"),
        (49, "F", "0.00", "unsatisfactory"), (0, "F", "0.00", "unsatisfactory"),
    ],
)
def test_grd01_table_at_every_boundary(percent, letter, points, traditional):
    band = rules.band_for_percent(percent)
    assert (band.letter, band.points, band.traditional) == (letter, Decimal(points), traditional)


def test_grd01_bands_cover_0_to_100_without_gaps_or_overlaps():
    covered = sorted(p for band in rules.GRADE_SCALE for p in range(band.percent_min, band.percent_max + 1))
    assert covered == list(range(101))


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [("94.5", 95), ("94.49", 94), ("49.5", 50), ("49.4", 49), ("89.5", 90), ("0.5", 1), ("100", 100)],
)
def test_oq16_fractional_percent_rounds_half_up(raw, rounded):
    assert rules.percent_round(Decimal(raw)) == rounded


@pytest.mark.parametrize("value", [101, -1, "abc", "", None, True, "nan", "inf", "100.01", "1e3"])
def test_grd01_percent_outside_0_100_or_not_a_number_is_a_violation(value):
    parsed = rules.percent_parse(value)
    assert isinstance(parsed, RuleViolation)
    assert parsed.rule == "GRD-01"
    assert parsed.field == "percent"


@pytest.mark.parametrize(("value", "expected"), [("94,5", Decimal("94.5")), (" 70 ", Decimal("70")), (0, Decimal(0))])
def test_percent_accepts_decimal_comma_and_spaces(value, expected):
    assert rules.percent_parse(value) == expected


@pytest.mark.parametrize(
    ("typed", "latin"),
    [("А", "A"), ("А-", "A-"), ("В+", "B+"), ("в", "B"), ("С–", "C-"), ("C+", "C+"), (" d+ ", "D+"), ("F", "F")],
)
def test_grd04_cyrillic_letters_are_normalised_to_latin(typed, latin):
    assert rules.letter_normalise(typed) == latin
    assert rules.band_for_letter(typed).letter == latin


@pytest.mark.parametrize("letter", ["E", "A+", "B++", "5", ""])
def test_unknown_letter_is_refused(letter):
    assert rules.band_for_letter(letter) is None
    violation = rules.letter_check(letter, 90)
    assert violation is not None and violation.rule == "GRD-01" and violation.field == "letter"


def test_a_letter_must_match_the_percent():
    assert rules.letter_check("A-", 92) is None
    assert rules.letter_check("А-", 92) is None  # Cyrillic А
    mismatch = rules.letter_check("A", 92)
    assert mismatch is not None and "A-" in mismatch.message


@pytest.mark.parametrize(("letter", "positive"), [("D", True), ("D+", True), ("A", True), ("F", False)])
def test_grd02_only_f_is_not_positive(letter, positive):
    assert rules.is_positive(letter) is positive


def test_grd03_gpa_is_credit_weighted_when_every_item_has_credits():
    assert rules.gpa([(Decimal("4.00"), Decimal(5)), (Decimal("3.00"), Decimal(3))]) == Decimal("29") / Decimal("8")


def test_grd03_gpa_is_a_simple_mean_without_credits_and_none_when_empty():
    assert rules.gpa([(Decimal("4.00"), None), (Decimal("3.00"), Decimal(3))]) == Decimal("3.5")
    assert rules.gpa([]) is None


def test_oq17_derived_percent_is_weighted_when_every_component_has_a_weight():
    assert rules.derived_percent([(Decimal(90), Decimal(4)), (Decimal(70), Decimal(1))]) == Decimal(86)
    assert rules.derived_percent([(Decimal(90), None), (Decimal(70), Decimal(1))]) == Decimal(80)
    assert rules.derived_percent([]) is None
