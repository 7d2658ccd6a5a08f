"""Table tests of every grading rule (pure functions, no database): ADM-01, RET-03, HON-02/OQ-18(d) retakes,
EAR-01 … EAR-03, HON-01, HON-02, HON-03, QUA-01, RET-04 and the qualification level."""

from datetime import date
from decimal import Decimal

import pytest

from attestation.rules import RuleViolation
from grading import rules
from grading.rules import Attempt, Component, GradedItem, HonoursInput


def attempt(letter="A", n=1, reason="first", held_on=date(2026, 1, 15)):
    band = rules.band_for_letter(letter)
    return Attempt(n, reason, band.letter, band.points, band.traditional, band.percent_min, held_on)


def component(code="C-1", *attempts, fa=False):
    return Component(hash(code) % 1000, code, f"Component {code}", Decimal(3), fa, tuple(attempts))


# --- GRD-01 with OQ-16: the boundaries of the table, fractional percents included -----------------------------------

@pytest.mark.parametrize(("raw", "percent", "letter"), [
    ("49", 49, "F"), ("49.4", 49, "F"), ("49.5", 50, "D"), ("50", 50, "D"), ("54", 54, "D"), ("55", 55, "D+"),
    ("59", 59, "D+"), ("60", 60, "C-"), ("64", 64, "C-"), ("65", 65, "C"), ("69", 69, "C"), ("69.5", 70, "C+"),
    ("70", 70, "C+"), ("74", 74, "C+"), ("75", 75, "B-"), ("79", 79, "B-"), ("80", 80, "B"), ("84", 84, "B"),
    ("85", 85, "B+"), ("89", 89, "B+"), ("89.5", 90, "A-"), ("90", 90, "A-"), ("94", 94, "A-"), ("94.49", 94, "A-"),
    ("94.5", 95, "A"), ("95", 95, "A"), ("100", 100, "A"), ("0", 0, "F"),
])
def test_grd01_every_boundary_from_a_typed_percent(raw, percent, letter):
    parsed = rules.percent_parse(raw)
    assert rules.percent_round(parsed) == percent
    assert rules.band_for_percent(percent).letter == letter


@pytest.mark.parametrize(("letter", "points", "traditional"), [
    ("A", "4.00", "excellent"), ("A-", "3.67", "excellent"), ("B+", "3.33", "good"), ("B", "3.00", "good"),
    ("B-", "2.67", "good"), ("C+", "2.33", "good"), ("C", "2.00", "satisfactory"), ("C-", "1.67", "satisfactory"),
    ("D+", "1.33", "satisfactory"), ("D", "1.00", "satisfactory"), ("F", "0.00", "unsatisfactory"),
    ("А-", "3.67", "excellent"), ("В+", "3.33", "good"), ("С+", "2.33", "good"),  # Cyrillic А, В, С (GRD-04)
])
def test_grd01_letter_to_points_and_traditional(letter, points, traditional):
    band = rules.band_for_letter(letter)
    assert (band.points, band.traditional) == (Decimal(points), traditional)


# --- ADM-01 / OQ-09: academic debt ----------------------------------------------------------------------------------

AS_OF = date(2027, 5, 10)


@pytest.mark.parametrize(("components", "expected"), [
    ([component("A", attempt("A"))], []),
    ([component("A")], [("A", "not_in_transcript")]),
    ([component("A", attempt("F"))], [("A", "unsatisfactory")]),
    ([component("A", attempt("F"), attempt("D", 2, "retake_after_fail"))], []),  # debt closed by the retake
    ([component("A", attempt("D"), attempt("F", 2, "retake_after_fail"))], [("A", "unsatisfactory")]),  # latest
    ([component("A", attempt("B", held_on=date(2027, 5, 11)))], [("A", "missing_grade")]),  # after the order
    ([component("A", attempt("F"), attempt("B", 2, "retake_after_fail", held_on=date(2027, 5, 20)))],
     [("A", "unsatisfactory")]),  # the retake is later than the order: at its date the F stands
    ([component("FA", fa=True)], []),  # FA components are never a debt
    ([component("FA", attempt("F"), fa=True)], []),
    ([component("A"), component("B", attempt("F")), component("C", attempt("C"))],
     [("A", "not_in_transcript"), ("B", "unsatisfactory")]),
])
def test_adm01_academic_debts(components, expected):
    debts = rules.academic_debts(components, as_of=AS_OF)
    assert [(d.code, d.reason) for d in debts] == expected


def test_adm01_violation_lists_every_open_component():
    debts = rules.academic_debts([component("ANF-01"), component("KZ-01", attempt("F"))], as_of=AS_OF)
    violation = rules.admission_check(student_name="Әбілов Ерлан", debts=debts)
    assert violation.rule == "ADM-01" and violation.field == "students"
    assert "Әбілов Ерлан" in violation.message and "ANF-01" in violation.message and "KZ-01" in violation.message
    assert "not in the transcript" in violation.message and "unsatisfactory grade" in violation.message
    assert rules.admission_check(student_name="x", debts=[]) is None


# --- RET-03: no retake of a final attestation component to improve a positive grade ---------------------------------

@pytest.mark.parametrize(("is_fa", "new_attempt", "earlier", "refused"), [
    (True, 2, [(1, "A")], True),
    (True, 2, [(1, "D")], True),  # D is positive (GRD-02)
    (True, 2, [(1, "F")], False),  # after an unsatisfactory grade a new attempt is allowed
    (True, 3, [(1, "F"), (2, "C")], True),
    (True, 3, [(1, "F"), (2, "F")], False),
    (True, 1, [], False),
    (True, 1, [(2, "A")], False),  # only earlier attempts count
    (False, 2, [(1, "A")], False),  # intermediate attestation: §43 is about final exams and defences
])
def test_ret03_retake_of_a_positive_fa_grade(is_fa, new_attempt, earlier, refused):
    violation = rules.retake_check(is_final_attestation=is_fa, attempt=new_attempt, earlier=earlier)
    assert (violation is not None) is refused
    if refused:
        assert violation.rule == "RET-03" and violation.field == "attempt"


# --- HON-02 / OQ-18(d): what counts as an exam retake ---------------------------------------------------------------

@pytest.mark.parametrize(("attempts", "retake"), [
    ([attempt("A")], False),
    ([attempt("F"), attempt("C", 2, "retake_after_fail")], True),
    ([attempt("F"), attempt("B", 2, "excused_resit")], False),  # RET-01: an excused re-sitting is a first attempt
    ([attempt("F"), attempt("B", 2, "tech_failure")], False),  # DIST-07
    ([attempt("C"), attempt("A", 2, "excused_resit")], True),  # improving a positive grade, whatever the label
    ([attempt("C"), attempt("A", 2, "first")], True),
    ([attempt("B"), attempt("A", 2, "retake_after_fail")], True),
])
def test_hon02_exam_retakes(attempts, retake):
    assert rules.has_retake(attempts) is retake


# --- EAR-01, EAR-02: the earliest date of an early individual attestation -------------------------------------------

@pytest.mark.parametrize(("start", "correctional", "earliest"), [
    (date(2027, 5, 25), False, date(2027, 3, 25)),
    (date(2027, 5, 25), True, date(2027, 2, 25)),
    (date(2027, 4, 30), False, date(2027, 2, 28)),  # calendar months, clamped to the month's end
    (date(2028, 4, 30), False, date(2028, 2, 29)),
    (date(2027, 5, 31), True, date(2027, 2, 28)),
])
def test_ear01_ear02_earliest_date(start, correctional, earliest):
    assert rules.early_attestation_earliest(fa_start=start, correctional=correctional) == earliest


START = date(2027, 5, 25)


@pytest.mark.parametrize(("held_on", "correctional", "individual", "rule"), [
    (date(2027, 5, 25), False, False, None),  # on the first day: not early
    (date(2027, 6, 10), False, False, None),
    (date(2027, 5, 24), False, False, "EAR-01"),  # early without an individual attestation
    (date(2027, 5, 24), False, True, None),
    (date(2027, 3, 25), False, True, None),  # exactly two months before
    (date(2027, 3, 24), False, True, "EAR-01"),  # one day more
    (date(2027, 2, 25), True, True, None),  # three months at a correctional institution
    (date(2027, 2, 24), True, True, "EAR-02"),
    (date(2027, 3, 1), True, False, "EAR-02"),
])
def test_ear01_ear02_early_fa_grade(held_on, correctional, individual, rule):
    violation = rules.early_attestation_check(held_on=held_on, fa_start=START, correctional=correctional,
                                              individual=individual)
    assert (violation.rule if violation else None) == rule
    if violation:
        assert violation.field == "held_on"


@pytest.mark.parametrize(("reason", "study_form", "kind", "planned_on", "correctional", "rules_broken"), [
    ("health", "full_time", "early", date(2027, 4, 1), False, []),
    ("military_callup", "full_time", "early", date(2027, 4, 1), False, []),  # OQ-15: every §45 reason for all
    ("other_objective", "correspondence", "early", date(2027, 4, 1), False, []),
    ("workplace", "correspondence", "early", date(2027, 4, 1), False, []),
    ("workplace", "full_time", "early", date(2027, 4, 1), False, ["EAR-03"]),  # EAR-03
    ("health", "full_time", "early", date(2027, 3, 24), False, ["EAR-01"]),
    ("health", "full_time", "early", date(2027, 3, 24), True, []),
    ("health", "full_time", "early", date(2027, 2, 24), True, ["EAR-02"]),
    ("health", "full_time", "early", date(2027, 5, 25), False, ["EAR-01"]),  # not early at all
    ("health", "full_time", "extension", date(2027, 7, 1), False, []),
    ("health", "full_time", "extension", date(2027, 5, 1), False, ["EAR-01"]),
    ("workplace", "full_time", "early", date(2027, 1, 1), False, ["EAR-03", "EAR-01"]),  # every violation at once
])
def test_ear01_to_ear03_individual_attestation(reason, study_form, kind, planned_on, correctional, rules_broken):
    violations = rules.individual_attestation_check(reason=reason, study_form=study_form, kind=kind,
                                                    planned_on=planned_on, fa_start=START, correctional=correctional)
    assert [v.rule for v in violations] == rules_broken


# --- HON-02: the letter system --------------------------------------------------------------------------------------

def item(letter, credits=None):
    band = rules.band_for_letter(letter)
    return GradedItem(band.letter, band.points, band.traditional, None if credits is None else Decimal(credits))


def honours_input(items=("A", "A", "A-", "B+"), fa=("A", "A-"), fa_complete=True, admitted=True, retake=False):
    items = tuple(i if isinstance(i, GradedItem) else item(i) for i in items)
    return HonoursInput(items, tuple(fa), fa_complete, admitted, retake)


@pytest.mark.parametrize(("data", "reasons"), [
    (honours_input(), ()),
    (honours_input(items=("A", "A", "A", "A", "A", "C")), ("GRADE_BELOW_C_PLUS",)),  # GPA 3.67 still
    (honours_input(items=("A", "A", "A", "A", "A", "C+")), ()),  # C+ is the lowest grade allowed
    (honours_input(items=(item("A-", "10"), item("B+", "10.1"))), ("GPA_BELOW_3_5",)),  # 3.4991…: shown 3.50
    (honours_input(items=(item("A-", "10"), item("B+", "10"))), ()),  # exactly 3.5
    (honours_input(items=("B+", "B+", "A-")), ("GPA_BELOW_3_5",)),  # 3.443…
    (honours_input(fa=("A", "B+")), ("FA_BELOW_A_MINUS",)),
    (honours_input(retake=True), ("HAS_EXAM_RETAKE",)),
    (honours_input(admitted=False), ("NOT_ADMITTED",)),
    (honours_input(fa=("A",), fa_complete=False), ("FA_INCOMPLETE",)),
    (honours_input(items=(), fa=(), fa_complete=False), ("FA_INCOMPLETE", "GPA_BELOW_3_5")),
    (honours_input(items=("A", "C-"), fa=("B",), retake=True, admitted=False),
     ("NOT_ADMITTED", "GRADE_BELOW_C_PLUS", "GPA_BELOW_3_5", "FA_BELOW_A_MINUS", "HAS_EXAM_RETAKE")),
])
def test_hon02_letter_system_reasons(data, reasons):
    result = rules.honours_letter(data)
    assert result.reasons == reasons
    assert result.eligible is (reasons == ())
    assert result.system == "letter" and result.rule == "HON-02"


def test_hon02_gpa_is_compared_unrounded():
    result = rules.honours_letter(honours_input(items=(item("A-", "10"), item("B+", "10.1"))))
    assert Decimal("3.49") < result.gpa < Decimal("3.5")
    assert round(result.gpa, 2) == Decimal("3.50")  # would pass if rounded first
    assert not result.eligible


# --- HON-01: the traditional system ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "reasons"), [
    (honours_input(items=("A", "A", "A-", "B")), ()),  # exactly 75% excellent, the rest good
    (honours_input(items=("A", "A", "B", "B")), ("EXCELLENT_SHARE_BELOW_75",)),
    (honours_input(items=("A",) * 14 + ("B",) * 5), ("EXCELLENT_SHARE_BELOW_75",)),  # 73.7%
    (honours_input(items=("A", "A", "A", "A", "A", "C")), ("SATISFACTORY_GRADE",)),  # 83% excellent but a C
    (honours_input(items=("A", "A", "A", "C+")), ()),  # C+ is «good» (GRD-05)
    (honours_input(items=("A", "A", "A", "B"), fa=("A", "B+")), ("FA_NOT_EXCELLENT",)),
    (honours_input(items=("A", "A", "A", "B"), fa=("A-", "A-")), ()),  # A- is «excellent»
    (honours_input(items=("A", "A", "A", "B"), admitted=False), ("NOT_ADMITTED",)),
    (honours_input(items=("A", "A", "A", "B"), fa=(), fa_complete=False), ("FA_INCOMPLETE",)),
    (honours_input(items=("A", "A", "A", "B"), retake=True), ()),  # §55 says nothing of retakes
    (honours_input(items=("A", "C", "C"), fa=("B",)),
     ("SATISFACTORY_GRADE", "EXCELLENT_SHARE_BELOW_75", "FA_NOT_EXCELLENT")),
])
def test_hon01_traditional_system_reasons(data, reasons):
    result = rules.honours_traditional(data)
    assert result.reasons == reasons
    assert result.eligible is (reasons == ())
    assert result.rule == "HON-01"


def test_oq18_the_programs_system_decides_and_the_figures_are_unrounded():
    data = honours_input(items=("A", "A", "B"))
    letter, traditional = rules.honours_evaluate("letter", data), rules.honours_evaluate("traditional", data)
    assert letter.system == "letter" and traditional.system == "traditional"
    assert letter.excellent_share == Decimal(2) / Decimal(3)
    assert letter.gpa == (Decimal("4.00") * 2 + Decimal("3.00")) / 3


@pytest.mark.parametrize("code", list(rules.HONOURS_REASONS))
def test_every_honours_reason_has_words(code):
    assert str(rules.HONOURS_REASONS[code])


# --- HON-03 ---------------------------------------------------------------------------------------------------------

def test_hon03_only_an_allowed_honours_diploma_is_confirmed():
    assert rules.honours_confirm_check(rules.honours_letter(honours_input())) is None
    violation = rules.honours_confirm_check(rules.honours_letter(honours_input(retake=True)))
    assert violation.rule == "HON-02" and "exam was retaken" in violation.message
    traditional = rules.honours_confirm_check(rules.honours_traditional(honours_input(items=("A", "B"))))
    assert traditional.rule == "HON-01"


# --- QUA-01 / RET-04 ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("results", "outcome"), [
    ({"FA-DP": "A", "FA-EX": "D"}, "diploma"),
    ({"FA-DP": "A"}, "diploma"),
    ({"FA-DP": "F", "FA-EX": "A"}, "certificate"),
    ({"FA-DP": "F", "FA-EX": None}, "certificate"),  # an unsatisfactory result is enough (RET-04)
    ({"FA-DP": "A", "FA-EX": None}, "QUA-01"),
    ({"FA-DP": None, "FA-EX": None}, "QUA-01"),
    ({}, "QUA-01"),
])
def test_qua01_ret04_outcome(results, outcome):
    result = rules.diploma_outcome(fa_results=results, student_name="Әбілов")
    if isinstance(result, RuleViolation):
        assert result.rule == outcome and "Әбілов" in result.message
    else:
        assert result == outcome


@pytest.mark.parametrize(("results", "allowed"), [
    ({"FA-DP": "F"}, True), ({"FA-DP": "A", "FA-EX": "F"}, True), ({"FA-DP": "A"}, False), ({"FA-DP": None}, False),
])
def test_ret04_certificate_only_after_an_unsatisfactory_result(results, allowed):
    violation = rules.certificate_check(fa_results=results, student_name="x")
    assert (violation is None) is allowed
    if violation:
        assert violation.rule == "RET-04"


@pytest.mark.parametrize(("qualification", "level"), [
    ("4S09130103 General practice nurse", "mid_level"), ("3W07130101 Electrician", "worker"),
    ("5AB06130101 Applied bachelor of IT", "applied_bachelor"), ("Техник-электрик", None), ("", None),
])
def test_qua01_qualification_level_from_the_classifier_code(qualification, level):
    assert rules.qualification_level(qualification) == level
