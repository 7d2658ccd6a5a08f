from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from appeals import rules
from attestation.calendar import WorkingCalendar

CALENDAR = WorkingCalendar()
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.mark.parametrize(
    ("held_on", "announced_on", "deadline"),
    [
        (date(2026, 6, 15), None, date(2026, 6, 16)),  # Monday → Tuesday
        (date(2026, 6, 19), None, date(2026, 6, 22)),  # Friday → Monday
        (date(2026, 3, 20), None, date(2026, 3, 26)),  # Friday before Nauryz → after the holidays
        (date(2026, 6, 15), date(2026, 6, 18), date(2026, 6, 19)),  # demo exam announced later (OQ-11)
        (date(2026, 6, 18), date(2026, 6, 15), date(2026, 6, 19)),  # announced before: the attestation counts
        (date(2025, 1, 3), None, date(2025, 1, 5)),  # transferred day off; Sunday 5 January 2025 was working
        (date(2026, 5, 8), None, date(2026, 5, 12)),  # Victory Day on Saturday, moved to Monday 11 May
    ],
)
def test_app01_filing_deadline_is_the_next_working_day(held_on, announced_on, deadline):
    assert rules.appeal_filing_deadline(held_on=held_on, announced_on=announced_on, calendar=CALENDAR) == deadline


def test_app01_literal_mode_counts_from_the_attestation_only():
    assert rules.appeal_filing_deadline(held_on=date(2026, 6, 15), announced_on=date(2026, 6, 18),
                                        calendar=CALENDAR, literal=True) == date(2026, 6, 16)


@pytest.mark.parametrize(
    ("received_on", "due"),
    [(date(2026, 6, 16), date(2026, 6, 19)), (date(2026, 6, 18), date(2026, 6, 23)),
     (date(2026, 3, 19), date(2026, 3, 27))],  # Nauryz in between
)
def test_app04_decision_due_in_three_working_days(received_on, due):
    assert rules.appeal_decision_due(received_on=received_on, calendar=CALENDAR) == due


@pytest.mark.parametrize(
    ("now", "refused"),
    [(datetime(2026, 6, 16, 23, 59, 58, tzinfo=ALMATY), False),
     (datetime(2026, 6, 17, 0, 0, 0, tzinfo=ALMATY), True),
     (datetime(2026, 6, 16, 18, 59, 0, tzinfo=ZoneInfo("UTC")), False),  # 23:59 in Almaty
     (datetime(2026, 6, 16, 19, 0, 0, tzinfo=ZoneInfo("UTC")), True)],  # 00:00 next day in Almaty
)
def test_app01_deadline_ends_at_the_end_of_the_local_day(now, refused):
    end = WorkingCalendar.end_of_day(date(2026, 6, 16), "Asia/Almaty")
    violation = rules.appeal_filing_check(now=now, deadline_end=end)
    assert (violation is not None) is refused
    if refused:
        assert violation.rule == "APP-01"


def test_app05_monitoring_results_are_never_appealed():
    assert rules.appeal_subject_check(is_monitoring=True).rule == "APP-05"
    assert rules.appeal_subject_check(is_monitoring=False) is None


@pytest.mark.parametrize(("kind", "status", "rule"),
                         [("appeal", "approved", None), ("appeal", "draft", "APP-02"), ("final", "approved", "APP-02"),
                          ("appeal", "closed", "APP-02")])
def test_app02_only_an_approved_appeal_commission_takes_appeals(kind, status, rule):
    found = rules.appeal_commission_assign_check(kind=kind, status=status)
    assert (found.rule if found else None) == rule


@pytest.mark.parametrize(("examiners", "members", "warned"),
                         [({"user:1", "name:иванов и.и."}, {"user:2", "name:петров п.п."}, False),
                          ({"user:1"}, {"user:1", "user:3"}, True),
                          ({"name:иванов и.и."}, {"name:иванов и.и."}, True), (set(), {"user:1"}, False)])
def test_app02_warning_when_the_examiner_sits_on_the_appeal_commission(examiners, members, warned):
    found = rules.examiner_on_commission_warning(examiners=examiners, members=members)
    assert (found is not None) is warned
    if warned:
        assert found.rule == "APP-02"


@pytest.mark.parametrize(("status", "refused"),
                         [("submitted", False), ("under_review", False), ("decided", True), ("communicated", True)])
def test_app04_an_appeal_is_decided_once(status, refused):
    assert (rules.appeal_open_check(status=status) is not None) is refused


@pytest.mark.parametrize(("has_commission", "rule"), [(False, "APP-02"), (True, None)])
def test_app02_an_appeal_is_decided_by_its_assigned_commission(has_commission, rule):
    violation = rules.appeal_decidable_check(has_commission=has_commission)
    assert (violation.rule if violation else None) == rule


@pytest.mark.parametrize(("on_commission", "votes", "rule"),
                         [(False, False, "APP-02"), (True, False, "APP-03"), (True, True, None)])
def test_app02_app03_a_voting_member_of_the_appeal_commission_decides(on_commission, votes, rule):
    violation = rules.appeal_decider_check(on_commission=on_commission, votes=votes)
    assert (violation.rule if violation else None) == rule


@pytest.mark.parametrize(
    ("decision_due", "today", "decided_on", "due_today", "overdue"),
    [(date(2026, 6, 19), date(2026, 6, 18), None, False, False),
     (date(2026, 6, 19), date(2026, 6, 19), None, True, False),
     (date(2026, 6, 19), date(2026, 6, 22), None, False, True),
     (date(2026, 6, 19), date(2026, 6, 25), date(2026, 6, 19), False, False),
     (date(2026, 6, 19), date(2026, 6, 25), date(2026, 6, 22), False, True)],
)
def test_app04_clock_states(decision_due, today, decided_on, due_today, overdue):
    state = rules.appeal_due_state(decision_due=decision_due, today=today, decided_on=decided_on)
    assert (state.due_today, state.overdue) == (due_today, overdue)


@pytest.mark.parametrize(
    ("outcome", "new_percent", "justification", "found"),
    [("upheld", None, "", []), ("grade_changed", 85, "Ответ на второй вопрос верный", []),
     ("grade_changed", 40, "Ошибки в расчётах", []),  # lowering is allowed (OQ-12)
     ("grade_changed", 85, "  ", ["APP-04"]), ("grade_changed", 101, "x", ["GRD-01"]),
     ("grade_changed", "abc", "", ["GRD-01", "APP-04"]), ("annulled", None, "", [None])],
)
def test_oq12_decision_outcomes(outcome, new_percent, justification, found):
    assert [v.rule for v in rules.grade_change_check(outcome=outcome, new_percent=new_percent,
                                                     justification=justification)] == found


@pytest.mark.parametrize(("reason", "rule"), [("", "APP-01"), ("   ", "APP-01"), ("The grade was miscounted.", None)])
def test_app01_an_appeal_states_its_reason(reason, rule):
    found = rules.appeal_reason_check(reason=reason)
    assert (found.rule if found else None) == rule
