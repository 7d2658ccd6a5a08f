"""The grading rules of the regulation as data and pure functions: derived grades (OQ-17), admission (ADM-01),
retakes (RET-03), early and individual attestation (EAR-01 … EAR-03), honours (HON-01, HON-02), diploma decisions and
certificates (QUA-01, RET-04).

The grade scale itself (GRD-01 … GRD-05) and the GPA are the foundation's (``attestation.scale``): the registry grades
with them too. They are named here as well, as the rules below read with them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

from attestation.rules import RuleViolation
from attestation.scale import (  # noqa: F401  (the scale, named here for the rules read with it)
    EXCELLENT,
    GOOD,
    GRADE_SCALE,
    LETTERS,
    PASS_PERCENT,
    SATISFACTORY,
    TRADITIONAL_CHOICES,
    UNSATISFACTORY,
    GradeBand,
    band_for_letter,
    band_for_percent,
    gpa,
    is_positive,
    letter_check,
    letter_normalise,
    percent_parse,
    percent_round,
)


def derived_percent(components: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """OQ-17 / DIST-17 / EXE-01: the grade of a final attestation component that could not be held,
    derived from the current and intermediate grades of its subjects: the (credit- or hour-) weighted
    mean of (percent, weight) pairs, simple mean when a weight is missing; None with nothing to derive
    from. The commission confirms the result; it is recorded with origin "derived"."""
    items = list(components)
    if not items:
        return None
    if all(weight for _percent, weight in items):
        total = sum((weight for _percent, weight in items), Decimal(0))
        return sum((percent * weight for percent, weight in items), Decimal(0)) / total
    return sum((percent for percent, _weight in items), Decimal(0)) / len(items)


# --- Admission to final attestation (ADM-01, OQ-09) ---------------------------------------------------------

DEBT_MISSING_GRADE = "missing_grade"
DEBT_UNSATISFACTORY = "unsatisfactory"
DEBT_NOT_IN_TRANSCRIPT = "not_in_transcript"

DEBT_REASONS = {
    DEBT_MISSING_GRADE: _("no grade confirmed by the date of the order"),
    DEBT_UNSATISFACTORY: _("unsatisfactory grade"),
    DEBT_NOT_IN_TRANSCRIPT: _("not in the transcript"),
}


class Attempt(NamedTuple):
    """One graded attempt of a curriculum component (a transcript entry, as plain values). A named tuple: a whole
    college's transcripts (80,000 rows in bench/grading_evaluation.py) are read into these."""

    attempt: int
    reason: str
    letter: str
    points: Decimal
    traditional: str
    percent: int
    held_on: date | None = None
    announced_on: date | None = None


class Component(NamedTuple):
    """A component of the working curriculum (GEN-06) with the student's attempts, ordered by attempt."""

    discipline_id: int
    code: str
    name: str
    credits: Decimal | None
    is_final_attestation: bool
    attempts: tuple[Attempt, ...] = ()


@dataclass(frozen=True)
class Debt:
    discipline_id: int
    code: str
    name: str
    reason: str

    @property
    def reason_label(self) -> str:
        return str(DEBT_REASONS[self.reason])


def academic_debts(components: Iterable[Component], *, as_of: date) -> list[Debt]:
    """ADM-01 (003 §4) with OQ-09: the open curriculum components of a student on ``as_of`` (the date of the
    admission order). A component is open when it is not in the transcript at all, when no grade of it was
    held by that date, or when its latest grade is unsatisfactory (GRD-02). Components of the final attestation
    itself are never debts. An empty list means the student may be admitted."""
    debts = []
    for component in components:
        if component.is_final_attestation:
            continue
        if not component.attempts:
            reason = DEBT_NOT_IN_TRANSCRIPT
        else:
            held = [a for a in component.attempts if a.held_on is None or a.held_on <= as_of]
            if not held:
                reason = DEBT_MISSING_GRADE
            elif not is_positive(held[-1].letter):
                reason = DEBT_UNSATISFACTORY
            else:
                continue
        debts.append(Debt(component.discipline_id, component.code, component.name, reason))
    return debts


def admission_check(*, student_name: str, debts: list[Debt]) -> RuleViolation | None:
    """ADM-01: a student with open components cannot be put into the order on admission; the message lists
    every open component with its reason."""
    if not debts:
        return None
    listed = "; ".join(f"{d.code} {d.name} ({d.reason_label})" for d in debts)
    return RuleViolation(
        "ADM-01",
        str(_("%(student)s has academic debt and cannot be admitted: %(debts)s.")) % {"student": student_name,
                                                                                      "debts": listed},
        "students",
    )


# --- Retakes (RET-03) and honours' "no exam retakes" (HON-02, OQ-18 d) ---------------------------------------

ATTEMPT_FIRST = "first"
ATTEMPT_EXCUSED_RESIT = "excused_resit"
ATTEMPT_TECH_FAILURE = "tech_failure"
ATTEMPT_RETAKE_AFTER_FAIL = "retake_after_fail"


def retake_check(*, is_final_attestation: bool, attempt: int,
                 earlier: Iterable[tuple[int, str]]) -> RuleViolation | None:
    """RET-03 (003 §43): a final exam is not retaken, nor a diploma project re-defended, to raise a positive grade.
    ``earlier`` holds (attempt, letter) of the component's other attempts; a new attempt after a positive one is
    refused whatever its stated reason (the only way to change a positive FA grade is an appeal, APP-04, which
    changes the entry itself). Intermediate attestation is not governed by §43."""
    if not is_final_attestation:
        return None
    before = sorted((n, letter) for n, letter in earlier if n < attempt)
    if before and is_positive(before[-1][1]):
        return RuleViolation(
            "RET-03",
            str(_("Attempt %(attempt)s is refused: the final attestation grade of attempt %(previous)s (%(letter)s) "
                  "is positive, and a positive grade cannot be retaken to improve it; only an appeal changes it."))
            % {"attempt": attempt, "previous": before[-1][0], "letter": before[-1][1]},
            "attempt",
        )
    return None


def is_retake(attempt: Attempt, previous: Attempt | None) -> bool:
    """HON-02 / OQ-18(d): whether an attempt counts as an exam retake. A re-sitting after a valid absence or a
    technical failure is a first attempt (RET-01, DIST-07) unless it follows a positive grade; any other later
    attempt (after an F, or to improve a grade) is a retake. The first attempt never is."""
    if previous is None:
        return False
    if attempt.reason in (ATTEMPT_EXCUSED_RESIT, ATTEMPT_TECH_FAILURE):
        return is_positive(previous.letter)
    return True


def has_retake(attempts: Iterable[Attempt]) -> bool:
    """HON-02: True when any attempt of a component (ordered by attempt) is a retake."""
    previous = None
    for attempt in attempts:
        if is_retake(attempt, previous):
            return True
        previous = attempt
    return False


# --- Early / individual attestation (EAR-01 … EAR-03) ---------------------------------------------------------

REASON_HEALTH = "health"
REASON_MILITARY_CALLUP = "military_callup"
REASON_OTHER_OBJECTIVE = "other_objective"
REASON_WORKPLACE = "workplace"
STUDY_FORM_CORRESPONDENCE = "correspondence"
EARLY_MONTHS = 2  # EAR-01
EARLY_MONTHS_CORRECTIONAL = 3  # EAR-02


def early_attestation_earliest(*, fa_start: date, correctional: bool) -> date:
    """EAR-01 (003 §45) / EAR-02 (003 §46): the earliest date of an early individual final attestation: two
    calendar months before the start of the final attestation, three at a college of a correctional
    institution (relativedelta clamps to the month's end, RULES.md §2)."""
    return fa_start - relativedelta(months=EARLY_MONTHS_CORRECTIONAL if correctional else EARLY_MONTHS)


def early_attestation_check(*, held_on: date, fa_start: date, correctional: bool,
                            individual: bool) -> RuleViolation | None:
    """EAR-01 / EAR-02: a final attestation grade dated before the start of the campaign needs a documented
    individual attestation (health, military call-up, other objective reasons) and may not be dated earlier than
    two months (three at a correctional institution) before the start."""
    if held_on >= fa_start:
        return None
    rule = "EAR-02" if correctional else "EAR-01"
    if not individual:
        return RuleViolation(
            rule,
            str(_("The grade is dated %(held_on)s, before the final attestation starts (%(start)s); an early "
                  "attestation needs a documented individual attestation of the student."))
            % {"held_on": held_on.strftime("%d.%m.%Y"), "start": fa_start.strftime("%d.%m.%Y")},
            "held_on",
        )
    earliest = early_attestation_earliest(fa_start=fa_start, correctional=correctional)
    if held_on < earliest:
        return RuleViolation(
            rule,
            str(_("An early final attestation may not be held before %(earliest)s (%(months)s months before the start "
                  "on %(start)s); the grade is dated %(held_on)s."))
            % {"earliest": earliest.strftime("%d.%m.%Y"),
               "months": EARLY_MONTHS_CORRECTIONAL if correctional else EARLY_MONTHS,
               "start": fa_start.strftime("%d.%m.%Y"), "held_on": held_on.strftime("%d.%m.%Y")},
            "held_on",
        )
    return None


def individual_attestation_check(*, reason: str, study_form: str, kind: str, planned_on: date | None,
                                 fa_start: date, correctional: bool) -> list[RuleViolation]:
    """EAR-01 … EAR-03: the reason is one of §45 (health, military call-up, other objective reasons, for every
    student, OQ-15); documents from the place of work only for correspondence students (§29(7), EAR-03); an early
    session not before the earliest date (EAR-01, EAR-02)."""
    violations = []
    if reason == REASON_WORKPLACE and study_form != STUDY_FORM_CORRESPONDENCE:
        violations.append(RuleViolation(
            "EAR-03", str(_("Documents from the place of work justify a postponement only for correspondence "
                            "students.")), "reason"))
    if kind == "early" and planned_on is not None:
        if planned_on >= fa_start:
            violations.append(RuleViolation(
                "EAR-01", str(_("An early attestation must be dated before the start of the final attestation "
                                "(%(start)s).")) % {"start": fa_start.strftime("%d.%m.%Y")}, "planned_on"))
        else:
            earliest = early_attestation_earliest(fa_start=fa_start, correctional=correctional)
            if planned_on < earliest:
                violations.append(RuleViolation(
                    "EAR-02" if correctional else "EAR-01",
                    str(_("An early final attestation may not be held before %(earliest)s (%(months)s months before "
                          "the start on %(start)s)."))
                    % {"earliest": earliest.strftime("%d.%m.%Y"),
                       "months": EARLY_MONTHS_CORRECTIONAL if correctional else EARLY_MONTHS,
                       "start": fa_start.strftime("%d.%m.%Y")}, "planned_on"))
    if kind == "extension" and planned_on is not None and planned_on <= fa_start:
        violations.append(RuleViolation(
            "EAR-01", str(_("An extension must be dated after the start of the final attestation (%(start)s).")) %
            {"start": fa_start.strftime("%d.%m.%Y")}, "planned_on"))
    return violations


# --- Honours (HON-01, HON-02, OQ-18) -----------------------------------------------------------------------------

SYSTEM_LETTER = "letter"
SYSTEM_TRADITIONAL = "traditional"
GPA_HONOURS = Decimal("3.5")
EXCELLENT_SHARE_HONOURS = Decimal("0.75")
HONOURS_LETTERS = ("A", "A-", "B+", "B", "B-", "C+")  # HON-02: ≥ C+
FA_HONOURS_LETTERS = ("A", "A-")

GRADE_BELOW_C_PLUS = "GRADE_BELOW_C_PLUS"
GPA_BELOW_3_5 = "GPA_BELOW_3_5"
FA_BELOW_A_MINUS = "FA_BELOW_A_MINUS"
HAS_EXAM_RETAKE = "HAS_EXAM_RETAKE"
SATISFACTORY_GRADE = "SATISFACTORY_GRADE"
EXCELLENT_SHARE_BELOW_75 = "EXCELLENT_SHARE_BELOW_75"
FA_NOT_EXCELLENT = "FA_NOT_EXCELLENT"
NOT_ADMITTED = "NOT_ADMITTED"
FA_INCOMPLETE = "FA_INCOMPLETE"

HONOURS_REASONS = {
    GRADE_BELOW_C_PLUS: _("a grade below C+ in the curriculum"),
    GPA_BELOW_3_5: _("GPA below 3.5"),
    FA_BELOW_A_MINUS: _("a final attestation grade below A-"),
    HAS_EXAM_RETAKE: _("an exam was retaken during the studies"),
    SATISFACTORY_GRADE: _("a grade below «good» in the curriculum"),
    # xgettext:no-python-format
    EXCELLENT_SHARE_BELOW_75: _("less than 75% of the grades are «excellent»"),
    FA_NOT_EXCELLENT: _("a final attestation grade is not «excellent»"),
    NOT_ADMITTED: _("not admitted to the final attestation"),
    FA_INCOMPLETE: _("final attestation results are not complete"),
}
HONOURS_RULE = {SYSTEM_LETTER: "HON-02", SYSTEM_TRADITIONAL: "HON-01"}


class GradedItem(NamedTuple):
    """The grade that counts for one curriculum component (its latest attempt)."""

    letter: str
    points: Decimal
    traditional: str
    credits: Decimal | None = None


@dataclass(frozen=True)
class HonoursInput:
    items: tuple[GradedItem, ...]  # curriculum components, FA excluded (OQ-18 a)
    fa_letters: tuple[str, ...]  # the published result of each FA component
    fa_complete: bool  # every FA component of the program has a published result
    admitted: bool
    has_retake: bool


@dataclass(frozen=True)
class HonoursResult:
    system: str
    eligible: bool
    reasons: tuple[str, ...]
    gpa: Decimal | None
    excellent_share: Decimal | None

    @property
    def rule(self) -> str:
        return HONOURS_RULE[self.system]

    def reason_texts(self) -> list[str]:
        return [str(HONOURS_REASONS[code]) for code in self.reasons]


def excellent_share(items: Iterable[GradedItem]) -> Decimal | None:
    """HON-01 / OQ-18(a): the share of «excellent» among the graded curriculum components (a count, FA excluded),
    unrounded; None when nothing is graded."""
    items = list(items)
    if not items:
        return None
    return Decimal(sum(1 for i in items if i.traditional == EXCELLENT)) / Decimal(len(items))


def _gpa_of(items: Iterable[GradedItem]) -> Decimal | None:
    return gpa((i.points, i.credits) for i in items)


def _common_reasons(data: HonoursInput) -> list[str]:
    reasons = []
    if not data.admitted:
        reasons.append(NOT_ADMITTED)
    if not data.fa_complete:
        reasons.append(FA_INCOMPLETE)
    return reasons


def honours_letter(data: HonoursInput) -> HonoursResult:
    """HON-02 (003 §56), point-rating letter system: every grade A … C+, GPA for the whole period ≥ 3.5 compared
    unrounded (3.49 fails), every final attestation grade A or A-, no exam retakes. Returns every reason that
    fails, with the GPA and the excellent share as figures."""
    reasons = _common_reasons(data)
    if any(letter_normalise(i.letter) not in HONOURS_LETTERS for i in data.items):
        reasons.append(GRADE_BELOW_C_PLUS)
    average = _gpa_of(data.items)
    if average is None or average < GPA_HONOURS:
        reasons.append(GPA_BELOW_3_5)
    if any(letter_normalise(letter) not in FA_HONOURS_LETTERS for letter in data.fa_letters):
        reasons.append(FA_BELOW_A_MINUS)
    if data.has_retake:
        reasons.append(HAS_EXAM_RETAKE)
    return HonoursResult(SYSTEM_LETTER, not reasons, tuple(reasons), average, excellent_share(data.items))


def honours_traditional(data: HonoursInput) -> HonoursResult:
    """HON-01 (003 §55, corrected reading): at least 75% of the graded curriculum components «excellent», the rest
    «good» (no «satisfactory»), and the diploma work and/or final exams «excellent»."""
    reasons = _common_reasons(data)
    if any(i.traditional not in (EXCELLENT, GOOD) for i in data.items):
        reasons.append(SATISFACTORY_GRADE)
    share = excellent_share(data.items)
    if share is None or share < EXCELLENT_SHARE_HONOURS:
        reasons.append(EXCELLENT_SHARE_BELOW_75)
    if any(band_for_letter(letter) is None or band_for_letter(letter).traditional != EXCELLENT
           for letter in data.fa_letters):
        reasons.append(FA_NOT_EXCELLENT)
    return HonoursResult(SYSTEM_TRADITIONAL, not reasons, tuple(reasons), _gpa_of(data.items), share)


def honours_evaluate(system: str, data: HonoursInput) -> HonoursResult:
    """OQ-18(e): the program's grading system decides which rule applies (letter → HON-02, traditional → HON-01)."""
    return honours_traditional(data) if system == SYSTEM_TRADITIONAL else honours_letter(data)


def honours_confirm_check(result: HonoursResult) -> RuleViolation | None:
    """HON-03: the commission confirms honours the rules allow; an honours diploma is never confirmed for a
    graduate who does not meet HON-01 / HON-02."""
    if result.eligible:
        return None
    return RuleViolation(
        result.rule,
        str(_("An honours diploma is not due: %(reasons)s.")) % {"reasons": "; ".join(result.reason_texts())},
        "student",
    )


# --- Diploma decisions and certificates (QUA-01, RET-04) ---------------------------------------------------------

OUTCOME_DIPLOMA = "diploma"
OUTCOME_CERTIFICATE = "certificate"


def diploma_outcome(*, fa_results: dict[str, str | None], student_name: str) -> str | RuleViolation:
    """QUA-01 (003 §57) / RET-04 (003 §44): the outcome of the final attestation from the published result of each
    FA component (code → letter, None when there is none). Any unsatisfactory result → a certificate of completion
    of the full course (RET-04); every component positive → a diploma with the qualification (QUA-01); a missing
    result (or no FA component at all) → no decision yet."""
    letters = list(fa_results.values())
    if any(letter is not None and not is_positive(letter) for letter in letters):
        return OUTCOME_CERTIFICATE
    missing = [code for code, letter in fa_results.items() if letter is None]
    if not fa_results or missing:
        return RuleViolation(
            "QUA-01",
            str(_("No decision for %(student)s: the final attestation result is missing (%(missing)s); a diploma is "
                  "decided only on the results of every final attestation component."))
            % {"student": student_name, "missing": ", ".join(missing) or str(_("no component defined"))},
            "student",
        )
    return OUTCOME_DIPLOMA


def certificate_check(*, fa_results: dict[str, str | None], student_name: str) -> RuleViolation | None:
    """RET-04: the certificate of completion of the full course is issued only after an unsatisfactory result at
    the diploma defence or a final exam."""
    if any(letter is not None and not is_positive(letter) for letter in fa_results.values()):
        return None
    return RuleViolation(
        "RET-04",
        str(_("%(student)s has no unsatisfactory final attestation result; the certificate of completion is issued "
              "only after one.")) % {"student": student_name},
        "student",
    )


QUALIFICATION_LEVELS = {
    "worker": _("worker qualification"),
    "mid_level": _("mid-level specialist"),
    "applied_bachelor": _("applied bachelor"),
}


def qualification_level(qualification: str) -> str | None:
    """QUA-01: the qualification level (003 §10–§11) read from the qualification code of the national classifier:
    3W… worker qualification, 4S… mid-level specialist, 5AB… applied bachelor [practice, not in the seeds]; None when
    the code does not say."""
    code = (qualification or "").strip().upper()
    if code.startswith("5AB"):
        return "applied_bachelor"
    if code.startswith("4S"):
        return "mid_level"
    if code.startswith("3W"):
        return "worker"
    return None
