"""The grade scale of the regulation (GRD-01 … GRD-05) and its conversions, and the GPA (GRD-03): what the registry
(transcripts, imports) and the domain apps (protocols, honours, decisions) all grade with. Data and pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .rules import RuleViolation

EXCELLENT = "excellent"
GOOD = "good"
SATISFACTORY = "satisfactory"
UNSATISFACTORY = "unsatisfactory"

TRADITIONAL_CHOICES = [
    (EXCELLENT, _("excellent")),
    (GOOD, _("good")),
    (SATISFACTORY, _("satisfactory")),
    (UNSATISFACTORY, _("unsatisfactory")),
]


@dataclass(frozen=True)
class GradeBand:
    letter: str
    points: Decimal
    percent_min: int
    percent_max: int
    traditional: str


# GRD-01 (003 §58), with C+ read as "good" (GRD-05). Kept as data so that a corrected official
# text changes one line, not the code.
GRADE_SCALE: tuple[GradeBand, ...] = (
    GradeBand("A", Decimal("4.00"), 95, 100, EXCELLENT),
    GradeBand("A-", Decimal("3.67"), 90, 94, EXCELLENT),
    GradeBand("B+", Decimal("3.33"), 85, 89, GOOD),
    GradeBand("B", Decimal("3.00"), 80, 84, GOOD),
    GradeBand("B-", Decimal("2.67"), 75, 79, GOOD),
    GradeBand("C+", Decimal("2.33"), 70, 74, GOOD),
    GradeBand("C", Decimal("2.00"), 65, 69, SATISFACTORY),
    GradeBand("C-", Decimal("1.67"), 60, 64, SATISFACTORY),
    GradeBand("D+", Decimal("1.33"), 55, 59, SATISFACTORY),
    GradeBand("D", Decimal("1.00"), 50, 54, SATISFACTORY),
    GradeBand("F", Decimal("0.00"), 0, 49, UNSATISFACTORY),
)
LETTERS = tuple(band.letter for band in GRADE_SCALE)
_BY_LETTER = {band.letter: band for band in GRADE_SCALE}
PASS_PERCENT = 50  # GRD-02


def percent_parse(value: object) -> Decimal | RuleViolation:
    """GRD-01: a percentage as a Decimal in 0..100, or the violation (not a number, out of range)."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        return RuleViolation("GRD-01", str(_("The percentage is required: a number from 0 to 100.")), "percent")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return RuleViolation("GRD-01", str(_("The percentage must be a number from 0 to 100.")), "percent")
    if not number.is_finite() or number < 0 or number > 100:
        return RuleViolation(
            "GRD-01", str(_("The percentage must be between 0 and 100; got %(value)s.")) % {"value": value},
            "percent",
        )
    return number


def percent_round(raw: Decimal) -> int:
    """OQ-16: the band of a fractional percentage is found after rounding half up (94.5 → 95)."""
    return int(raw.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def band_for_percent(percent: int) -> GradeBand:
    """GRD-01: the band (letter, points, traditional grade) of an integer percentage 0..100."""
    for band in GRADE_SCALE:
        if band.percent_min <= percent <= band.percent_max:
            return band
    raise ValueError(f"percent out of range: {percent}")


_CYRILLIC_TO_LATIN = str.maketrans({"А": "A", "В": "B", "С": "C", "Д": "D", "Ф": "F",
                                     "а": "A", "в": "B", "с": "C", "д": "D", "ф": "F"})
_DASHES = str.maketrans({"–": "-", "—": "-", "−": "-", "‐": "-"})


def letter_normalise(value: str) -> str:
    """GRD-04: imported letters typed with Cyrillic А/В/С (or typographic dashes) become Latin codes."""
    if value in _BY_LETTER:  # already a Latin code: the stored grades, every time the honours are evaluated
        return value
    return (value or "").strip().translate(_CYRILLIC_TO_LATIN).translate(_DASHES).replace(" ", "").upper()


def band_for_letter(value: str) -> GradeBand | None:
    """The band of a letter grade after normalisation, or None for an unknown letter."""
    return _BY_LETTER.get(letter_normalise(value))


def letter_check(letter: str, percent: int) -> RuleViolation | None:
    """GRD-01: a letter given beside a percentage must be the letter of that percentage."""
    band = band_for_letter(letter)
    if band is None:
        return RuleViolation(
            "GRD-01",
            str(_("Unknown letter grade «%(letter)s»; expected one of %(letters)s."))
            % {"letter": letter, "letters": ", ".join(LETTERS)},
            "letter",
        )
    if not band.percent_min <= percent <= band.percent_max:
        return RuleViolation(
            "GRD-01",
            str(_("Letter %(letter)s does not match %(percent)s%% (that is %(expected)s)."))
            % {"letter": band.letter, "percent": percent, "expected": band_for_percent(percent).letter},
            "letter",
        )
    return None


def is_positive(letter: str) -> bool:
    """GRD-02: every grade but F is positive."""
    return letter_normalise(letter) != "F"


def gpa(graded: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """GRD-03 / OQ-18(c): GPA of (points, credits) pairs, credit-weighted when every item has credits,
    else the simple mean; unrounded. None when nothing is graded."""
    items = list(graded)
    if not items:
        return None
    if all(credits for _points, credits in items):
        total_credits = sum((credits for _points, credits in items), Decimal(0))
        return sum((points * credits for points, credits in items), Decimal(0)) / total_credits
    return sum((points for points, _credits in items), Decimal(0)) / len(items)
