"""The monitoring's rules (seed 002) as pure functions, one table per rule, boundaries included."""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from attestation.calendar import WorkingCalendar
from monitoring import rules

CALENDAR = WorkingCalendar()
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.mark.parametrize(("cohorts", "ok"), [
    (["general"], True), (["professional"], True), (["general", "professional"], True),
    ([], False), (["general", "general"], False), (["fourth_grade"], False), (["general", "ninth"], False),
])
def test_mon05_a_round_tests_the_2nd_and_or_3rd_year(cohorts, ok):
    violation = rules.cohorts_check(cohorts)
    assert (violation is None) is ok
    if not ok:
        assert violation.rule == "MON-05" and violation.field == "cohorts"


@pytest.mark.parametrize(("year_of_study", "cohorts", "cohort"), [
    (2, ["general", "professional"], "general"), (3, ["general", "professional"], "professional"),
    (1, ["general", "professional"], None), (4, ["general", "professional"], None),
    (2, ["professional"], None), (3, ["general"], None),
])
def test_mon05_the_cohort_follows_the_programs_year_of_study(year_of_study, cohorts, cohort):
    assert rules.cohort_of_year(year_of_study, cohorts) == cohort


@pytest.mark.parametrize(("testing_on", "error", "warning"), [
    (date(2026, 11, 1), False, False), (date(2026, 11, 30), False, False),
    (date(2026, 10, 31), False, True), (date(2026, 12, 1), False, True), (date(2026, 4, 15), False, True),
    (date(2027, 11, 16), True, False),
])
def test_mon07_tvet_is_tested_in_november_of_the_rounds_year(testing_on, error, warning):
    assert (rules.testing_date_check(year=2026, testing_on=testing_on) is not None) is error
    found = rules.testing_month_warning(testing_on=testing_on)
    assert (found is not None) is warning
    if found:
        assert found.rule == "MON-07"


@pytest.mark.parametrize(("share", "ok"), [
    (Decimal("0.25"), True), ("0.250", True), (Fraction(1, 4), True), (0.25, True),
    (Decimal("0.249"), False), (Decimal("0.26"), False), ("0.5", False), ("x", False),
])
def test_mon10_the_share_is_a_quarter(share, ok):
    violation = rules.share_check(share)
    assert (violation is None) is ok
    if violation:
        assert violation.rule == "MON-10"


@pytest.mark.parametrize(("testing_on", "deadline"), [
    (date(2026, 11, 16), date(2026, 10, 16)),
    (date(2026, 3, 31), date(2026, 2, 28)),  # clamped to the end of a shorter month (RULES.md §2)
    (date(2024, 3, 30), date(2024, 2, 29)),  # a leap year
    (date(2026, 11, 30), date(2026, 10, 30)),
])
def test_mon09_the_notice_deadline_is_one_calendar_month_before(testing_on, deadline):
    assert rules.notice_deadline(testing_on=testing_on) == deadline


@pytest.mark.parametrize(("today", "ok"), [
    (date(2026, 10, 1), True), (date(2026, 10, 15), True), (date(2026, 10, 16), True),
    (date(2026, 10, 17), False), (date(2026, 11, 16), False),
])
def test_mon09_notice_at_least_a_month_before_the_testing(today, ok):
    violation = rules.notice_check(today=today, testing_on=date(2026, 11, 16))
    assert (violation is None) is ok
    if violation:
        assert violation.rule == "MON-09"


@pytest.mark.parametrize(("notice_on", "today", "ok"), [
    (date(2026, 10, 1), date(2026, 10, 31), False), (date(2026, 10, 1), date(2026, 11, 1), True),
    (date(2026, 10, 16), date(2026, 11, 15), False), (date(2026, 10, 16), date(2026, 11, 16), True),
    (date(2026, 10, 31), date(2026, 11, 30), True),  # 31 October + 1 month = 30 November
    (date(2026, 10, 31), date(2026, 11, 29), False),
    (None, date(2026, 11, 16), False),
])
def test_mon09_testing_starts_no_sooner_than_a_month_after_the_notice(notice_on, today, ok):
    violation = rules.testing_start_check(today=today, notice_on=notice_on)
    assert (violation is None) is ok
    if violation:
        assert violation.rule == "MON-09"


@pytest.mark.parametrize(("testing_on", "due"), [
    (date(2026, 11, 16), date(2026, 11, 19)),  # Monday → Thursday
    (date(2026, 11, 20), date(2026, 11, 25)),  # Friday → Wednesday
    (date(2026, 12, 14), date(2026, 12, 18)),  # Independence Day (16 December) in between
    (date(2025, 11, 28), date(2025, 12, 3)),
])
def test_mon23_results_due_within_three_working_days_on_the_kazakhstan_calendar(testing_on, due):
    assert rules.results_due(testing_on=testing_on, calendar=CALENDAR) == due


def test_mon25_analysis_due_three_months_after():
    assert rules.analysis_due(testing_on=date(2026, 11, 30)) == date(2027, 2, 28)


@pytest.mark.parametrize(("today", "reason", "has_file", "fields"), [
    (date(2026, 11, 15), "absent_health", True, []),  # the day before
    (date(2026, 11, 16), "absent_health", True, ["participant"]),  # the day itself: too late
    (date(2026, 11, 17), "absent_health", True, ["participant"]),
    (date(2026, 11, 1), "home_study", True, []), (date(2026, 11, 1), "sanatorium", True, []),
    (date(2026, 11, 1), "absent_bereavement", True, []), (date(2026, 11, 1), "absent_competition", True, []),
    (date(2026, 11, 1), "lazy", True, ["reason"]),
    (date(2026, 11, 1), "absent_health", False, ["file"]),
])
def test_mon08_excused_for_a_reason_of_the_rules_with_a_document_before_the_day(today, reason, has_file, fields):
    violations = rules.excusal_check(today=today, testing_on=date(2026, 11, 16), reason=reason, has_file=has_file)
    assert [v.field for v in violations] == fields
    assert all(v.rule == "MON-08" for v in violations)


def luhn_valid(number: str) -> bool:
    """The Luhn check, written here independently: every second digit from the right doubled, digits summed."""
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


@pytest.mark.parametrize(("year", "college", "sequence", "body"), [
    (2026, 1, 1, "2600010001"), (2026, 123, 45, "2601230045"), (2031, 9999, 9999, "3199999999"),
])
def test_oq26_personal_codes_carry_a_check_digit_and_never_the_iin(year, college, sequence, body):
    code = rules.personal_code(year=year, college_number=college, sequence=sequence)
    assert len(code) == 11 and code[:10] == body and luhn_valid(code)
    assert rules.personal_code_valid(code)
    assert not rules.personal_code_valid(code[:-1] + str((int(code[-1]) + 1) % 10))  # a mistyped last digit
    assert not rules.personal_code_valid(code[:10])


@pytest.mark.parametrize(("codes", "rooms", "plan"), [
    (["a", "b", "c"], [rules.Room("204", 2), rules.Room("205", 5)],
     {"a": ("204", 1), "b": ("204", 2), "c": ("205", 1)}),
    (["a", "b"], [rules.Room("204", 2)], {"a": ("204", 1), "b": ("204", 2)}),
    ([], [rules.Room("1", 1)], {}),
])
def test_mon14_one_seat_per_testee_room_by_room(codes, rooms, plan):
    assert rules.seating_plan(codes=codes, rooms=rooms) == plan


@pytest.mark.parametrize("rooms", [
    [rules.Room("204", 2)],  # three testees, two seats
    [], [rules.Room("", 5)], [rules.Room("204", 3), rules.Room("204", 3)], [rules.Room("204", 0)],
])
def test_mon14_refuses_too_few_seats_and_unclear_rooms(rooms):
    violation = rules.seating_plan(codes=["a", "b", "c"], rooms=rooms)
    assert isinstance(violation, rules.RuleViolation) and violation.rule == "MON-14"


NOW = datetime(2026, 11, 16, 12, 0, tzinfo=ALMATY)
SIGNED = {"testee_signed_name": "Әбілов Ерлан", "representative_signed_name": "Өкіл Өкілов", "signed": True}
ANNEX1 = {"kind": "forbidden_items", "occurred_at": datetime(2026, 11, 16, 10, 42, tzinfo=ALMATY),
          "testing_on": date(2026, 11, 16), "now": NOW, "room": "204", "seat": 3, "variant": "7",
          "items": [{"item": "телефон", "make": "Samsung", "count": 1}], "stage": "", "outsider_name": "", **SIGNED}
ANNEX2 = {**ANNEX1, "kind": "outsider", "room": "204", "seat": None, "variant": "", "items": [], "stage": "testing",
          "outsider_name": "Бөгде Адам"}


@pytest.mark.parametrize(("facts", "fields"), [
    ({}, []),
    ({"occurred_at": None}, ["occurred_at"]),
    ({"occurred_at": datetime(2026, 11, 15, 23, 59, tzinfo=ALMATY)}, ["occurred_at"]),  # not the testing day
    ({"occurred_at": datetime(2026, 11, 16, 12, 1, tzinfo=ALMATY)}, ["occurred_at"]),  # in the future
    ({"occurred_at": datetime(2026, 11, 16, 12, 0, tzinfo=ALMATY)}, []),  # this very minute
    ({"room": " "}, ["room"]), ({"seat": None}, ["seat"]), ({"seat": 0}, ["seat"]), ({"variant": ""}, ["variant"]),
    ({"items": []}, ["items"]), ({"items": [{"item": "телефон", "count": 0}]}, ["items"]),
    ({"items": [{"item": "", "count": 1}]}, ["items"]), ({"items": [{"item": "шпаргалка", "count": 2}]}, []),
    ({"testee_signed_name": ""}, ["testee_signed_name"]),
    ({"representative_signed_name": ""}, ["representative_signed_name"]),
    ({"signed": False}, ["signatures"]),
])
def test_mon16_annex1_every_field_to_the_minute_on_the_day_and_both_signatures(facts, fields):
    violations = rules.act_check(rules.ActFacts(**{**ANNEX1, **facts}))
    assert [v.field for v in violations] == fields
    assert all(v.rule == "MON-16" for v in violations)


@pytest.mark.parametrize(("facts", "fields"), [
    ({}, []),
    ({"stage": "entry", "room": ""}, []),  # not let into the building: no room
    ({"stage": "testing", "room": ""}, ["room"]),  # removed from a room: which one
    ({"stage": "lunch"}, ["stage"]),
    ({"outsider_name": " "}, ["outsider_name"]),
    ({"signed": False, "testee_signed_name": ""}, ["testee_signed_name", "signatures"]),
])
def test_mon17_annex2_every_field_and_both_signatures(facts, fields):
    violations = rules.act_check(rules.ActFacts(**{**ANNEX2, **facts}))
    assert [v.field for v in violations] == fields
    assert all(v.rule == "MON-17" for v in violations)


@pytest.mark.parametrize(("kind", "stage", "decision"), [
    ("forbidden_items", "", "removed"), ("outsider", "testing", "removed"), ("outsider", "entry", "refused_entry"),
])
def test_mon16_mon17_the_decision_the_annex_prints(kind, stage, decision):
    assert rules.act_decision(kind=kind, stage=stage) == decision


@pytest.mark.parametrize(("score", "maximum", "fields"), [
    ("0", "40", []), ("40", "40", []), ("40.01", "40", ["score"]), ("-1", "40", ["score"]),
    ("10", "0", ["maximum"]), (None, "40", ["score"]), ("10", None, ["maximum"]),
])
def test_mon22_a_score_from_zero_to_its_maximum(score, maximum, fields):
    violations = rules.score_check(score=Decimal(score) if score else None,
                                   maximum=Decimal(maximum) if maximum else None)
    assert [v.field for v in violations] == fields
    assert all(v.rule == "MON-22" for v in violations)


@pytest.mark.parametrize(("score", "maximum", "tenth"), [
    ("0", "40", 0), ("3.99", "40", 0), ("4", "40", 1), ("39.99", "40", 9), ("40", "40", 9), ("30", "40", 7),
    ("7", "10", 7), ("6.99", "10", 6),
])
def test_the_distribution_is_by_tenths_of_the_maximum(score, maximum, tenth):
    assert rules.distribution_bin(score=Decimal(score), maximum=Decimal(maximum)) == tenth


@pytest.mark.parametrize(("students", "band"), [
    (0, "small"), (499, "small"), (500, "medium"), (999, "medium"), (1000, "large"), (5000, "large"),
])
def test_oq25_contingent_bands(students, band):
    assert rules.contingent_band(students) == band


def test_oq25_the_stratum_names_every_parameter():
    key = rules.stratum_key(region="abai", territory="rural", kind="college", language="kk", band="small")
    assert key == "abai/rural/college/kk/small"


@pytest.mark.parametrize(("sizes", "quotas"), [
    ({"a": 8}, {"a": 2}),
    ({"a": 4, "b": 4}, {"a": 1, "b": 1}),
    ({"a": 2, "b": 2}, {"a": None, "b": None}),  # 25% of 4 = 1: equal remainders, the tie by sha256(seed:stratum)
    ({"a": 3, "b": 1, "c": 1, "d": 1}, {"a": 1, "b": None, "c": None, "d": None}),  # .75 first, then a tie
    ({"a": 10, "b": 6}, {"a": None, "b": None}),  # 2.5 + 1.5 = 4: floors 2 + 1, the place left by the tie-break
    ({"a": 9, "b": 7}, {"a": 2, "b": 2}),  # 2.25 + 1.75 = 4: floors 2 + 1, the place left to the larger remainder
    ({"a": 1}, {"a": 0}),  # 25% of 1 = 0.25 → 0
    ({"a": 2}, {"a": 1}),  # 0.5 → 1 (half up)
])
def test_mon10_largest_remainder_makes_the_total_a_quarter_of_the_pool(sizes, quotas):
    found = {key: quota for key, (quota, _extra) in rules.stratum_quotas(sizes, seed="s").items()}
    assert sum(found.values()) == rules.round_half_up(Fraction(sum(sizes.values()), 4))
    assert {k: v for k, v in found.items() if quotas[k] is not None} == {k: v for k, v in quotas.items()
                                                                          if v is not None}


def test_mon10_equal_remainders_are_broken_by_the_hash_of_seed_and_stratum():
    sizes = {f"s{n}": 1 for n in range(8)}  # 8 × 0.25: two places for eight equal remainders
    chosen = [key for key, (quota, _e) in rules.stratum_quotas(sizes, seed="tie").items() if quota]
    expected = sorted(sizes, key=lambda key: rules.sha256_hex("tie", key))[:2]
    assert sorted(chosen) == sorted(expected)


def test_mon10_within_a_stratum_new_colleges_come_first_then_by_hash():
    pool = [rules.PoolCollege(f"c{n}", "s", (2025,) if n < 3 else ()) for n in range(8)]  # 3 took part, 5 new
    result = rules.draw(pool, seed="x")
    selected = [c for c in result.colleges if c.selected]
    assert len(selected) == 2 and all(not c.took_part for c in selected)
    new = sorted((c for c in pool if not c.took_part), key=lambda c: rules.sha256_hex("x", c.code))
    assert [c.code for c in selected] == [c.code for c in new[:2]]
    reasons = {c.code: c.reason for c in result.colleges}
    assert {reasons[f"c{n}"] for n in range(3)} == {rules.TOOK_PART_EARLIER}


def test_mon10_colleges_that_took_part_are_drawn_once_their_stratum_has_no_other():
    pool = [rules.PoolCollege(f"c{n}", "s", (2024, 2025) if n < 7 else ()) for n in range(8)]
    result = rules.draw(pool, seed="y")
    selected = {c.code: c.reason for c in result.colleges if c.selected}
    assert len(selected) == 2 and selected["c7"] == rules.DRAWN
    assert sorted(selected.values()) == [rules.DRAWN, rules.DRAWN_AGAIN]


def test_mon10_a_college_twice_in_the_pool_is_refused():
    with pytest.raises(ValueError):
        rules.draw([rules.PoolCollege("a", "s"), rules.PoolCollege("a", "t")], seed="z")


@pytest.mark.parametrize(("seed", "ok"), [
    ("2026-10-01 lottery 4 8 15", True), ("x", True), ("a" * 200, True),
    ("", False), (" padded", False), ("a" * 201, False), ("line\nbreak", False),
])
def test_mon10_the_seed_is_printable_text(seed, ok):
    assert (rules.seed_check(seed) is None) is ok


@pytest.mark.parametrize(("status", "today", "field"), [
    ("testing", date(2026, 11, 16), None),
    ("testing", date(2026, 11, 19), None),  # 3 working days after Monday 16.11.2026 (MON-23)
    ("results", date(2026, 11, 17), None),  # the results are in: an act of the day still annuls one
    ("results", date(2026, 11, 19), None),
    ("results", date(2026, 11, 20), "occurred_at"),  # the colleges have their final results
    ("testing", date(2026, 11, 23), "occurred_at"),
    ("notified", date(2026, 11, 16), "status"),
    ("analysed", date(2026, 11, 18), "status"),
    ("cancelled", date(2026, 11, 16), "status"),
])
def test_mon16_acts_of_the_testing_day_are_taken_until_the_results_are_due(status, today, field):
    testing_on = date(2026, 11, 16)
    assert rules.acts_close_on(testing_on=testing_on, calendar=CALENDAR) == date(2026, 11, 19)
    violation = rules.act_window_check(rule="MON-17", status=status, today=today, testing_on=testing_on,
                                       calendar=CALENDAR)
    assert (violation and violation.field) == field
    if violation is not None:
        assert violation.rule == "MON-17" and "19.11.2026" in violation.message
