"""The regulation of commissions, schedules and protocols as tables: one row per case a paragraph describes,
boundaries included (commissions/rules.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from attestation.calendar import working_calendar
from commissions import rules
from commissions.rules import MemberFacts as M


def rule_of(violation):
    return None if violation is None else violation.rule


def members(chairs=1, employers=2, college=0, medical=0, secretaries=1, voting_secretary=False):
    people = [M("chair", "employer", True, "Chair")] * chairs
    people += [M("member", "employer", True, "E")] * employers
    people += [M("member", "college", True, "C")] * college
    people += [M("member", "medical_org", True, "Med")] * medical
    people += [M("secretary", "college", voting_secretary, "S")] * secretaries
    return people


# COM-02: employers ≥ 60 % of voting members (integer test 5·e ≥ 3·v).
@pytest.mark.parametrize(("employers", "voting", "expected"), [
    (2, 3, None), (1, 3, "COM-02"), (3, 5, None), (2, 5, "COM-02"), (5, 7, None), (4, 7, "COM-02"),
    (6, 9, None), (5, 9, "COM-02"), (7, 11, None), (8, 13, None), (7, 13, "COM-02"), (0, 0, None)])
def test_employer_share(employers, voting, expected):
    assert rule_of(rules.employer_share_check(employers=employers, voting_count=voting)) == expected


# COM-04: odd voting count, one chair, a secretary without vote.
@pytest.mark.parametrize(("people", "count"), [
    (members(), 0),
    (members(employers=3), 1),  # 4 voting
    (members(chairs=0, employers=3), 1),  # no chair (3 voting: odd)
    (members(chairs=2, employers=1), 1),  # two chairs (3 voting)
    (members(voting_secretary=True), 1),  # the secretary votes
    (members(chairs=0, employers=2, voting_secretary=True), 3),  # no chair, votes, 2 voting
])
def test_composition(people, count):
    found = rules.composition_check(people)
    assert len(found) == count and all(v.rule == "COM-04" for v in found)


def test_appeal_commission_uses_app_ids_and_no_employer_ratio():
    verdict = rules.appeal_commission_check(members=members(employers=0, college=2), order_number="1",
                                            order_date=date(2027, 6, 1))
    assert verdict.errors == []
    verdict = rules.appeal_commission_check(members=members(employers=0, college=1), order_number="",
                                            order_date=None)
    assert {v.rule for v in verdict.errors} == {"APP-02", "APP-03"}


# COM-05: the order one calendar month before the start, month ends clamped.
@pytest.mark.parametrize(("order_date", "start", "expected"), [
    (date(2027, 4, 25), date(2027, 5, 25), None), (date(2027, 4, 26), date(2027, 5, 25), "COM-05"),
    (date(2027, 4, 30), date(2027, 5, 31), None), (date(2027, 5, 1), date(2027, 5, 31), "COM-05"),
    (date(2027, 1, 1), date(2027, 5, 25), None)])
def test_order_date(order_date, start, expected):
    assert rule_of(rules.order_date_check(order_date=order_date, campaign_starts_on=start)) == expected


@pytest.mark.parametrize(("is_medical", "affiliations", "expected"), [
    (False, ["employer"], None), (True, ["employer", "college"], "COM-06"), (True, ["medical_org"], None)])
def test_medical_member(is_medical, affiliations, expected):
    assert rule_of(rules.medical_member_check(is_medical=is_medical, affiliations=affiliations)) == expected


def test_final_commission_reports_all_violations_at_once():
    verdict = rules.final_commission_check(members=members(employers=0, college=3), order_number="1",
                                           order_date=date(2027, 5, 20), campaign_starts_on=date(2027, 5, 25),
                                           is_medical=True)
    assert {v.rule for v in verdict.errors} == {"COM-02", "COM-04", "COM-05", "COM-06"}
    warned = rules.final_commission_check(members=members(), order_number="1", order_date=date(2027, 5, 20),
                                          campaign_starts_on=date(2027, 5, 25), is_medical=False,
                                          late_order_is_error=False)
    assert "COM-05" in {v.rule for v in warned.warnings} and warned.errors == []


def test_only_an_approved_commission_holds_sessions():
    assert rules.commission_approved_check(status="approved") is None
    assert rule_of(rules.commission_approved_check(status="draft")) == "COM-01"


# SCH-03: at most 360 minutes a day, overlapping slots counted once, deliberation added.
def _at(minute):
    return datetime(2027, 6, 1, 9, 0) + timedelta(minutes=minute)


@pytest.mark.parametrize(("intervals", "deliberation", "minutes"), [
    ([(_at(0), _at(15)), (_at(15), _at(30))], 0, 30),
    ([(_at(0), _at(120)), (_at(0), _at(120))], 0, 120),  # a written exam taken by all at once
    ([(_at(0), _at(15)), (_at(60), _at(75))], 10, 40),  # the break is not counted
    ([], 0, 0)])
def test_session_minutes(intervals, deliberation, minutes):
    assert rules.session_minutes(intervals, deliberation) == minutes


@pytest.mark.parametrize(("minutes", "expected"), [(359, None), (360, None), (361, "SCH-03")])
def test_daily_limit(minutes, expected):
    assert rule_of(rules.daily_limit_check(day=date(2027, 6, 1), minutes=minutes)) == expected


@pytest.mark.parametrize(("form", "minutes", "expected"), [
    ("oral", 15, None), ("oral", 16, "SCH-04"), ("written", 180, None), ("oral", 1, None)])
def test_oral_slot(form, minutes, expected):
    assert rule_of(rules.oral_slot_check(form=form, minutes=minutes)) == expected


@pytest.mark.parametrize(("minutes", "expected"), [(30, None), (31, "DEF-04")])
def test_defence_slot(minutes, expected):
    assert rule_of(rules.defence_slot_check(minutes=minutes)) == expected


@pytest.mark.parametrize(("report", "minutes", "expected"), [(10, 30, None), (11, 30, "DEF-05"), (None, 30, None),
                                                             (10, 8, "DEF-05")])
def test_report(report, minutes, expected):
    assert rule_of(rules.report_check(report_minutes=report, minutes=minutes)) == expected


@pytest.mark.parametrize(("mode", "minutes", "expected"), [("distance", 15, None), ("distance", 16, "DEF-08"),
                                                           ("onsite", 30, None)])
def test_online_defence_warning(mode, minutes, expected):
    assert rule_of(rules.online_defence_warning(mode=mode, minutes=minutes)) == expected


@pytest.mark.parametrize(("day", "expected"), [
    (date(2027, 5, 24), "SCH-02"), (date(2027, 5, 25), None), (date(2027, 6, 20), None), (date(2027, 6, 21), "SCH-02")])
def test_campaign_dates(day, expected):
    assert rule_of(rules.campaign_date_check(day=day, starts_on=date(2027, 5, 25), ends_on=date(2027, 6, 20))) \
        == expected


@pytest.mark.parametrize(("work", "review", "presentation", "expected"), [
    (True, True, True, None), (True, False, True, "ADM-03"), (False, True, True, "ADM-03"),
    (True, True, False, "ADM-03")])
def test_defence_materials(work, review, presentation, expected):
    assert rule_of(rules.defence_materials_check(has_work=work, has_review=review, has_presentation=presentation,
                                                 student="S")) == expected


# DEF-06: two weeks (14 calendar days) before the start.
@pytest.mark.parametrize(("submitted", "expected"), [
    (date(2027, 5, 11), None), (date(2027, 5, 12), "DEF-06"), (date(2027, 4, 1), None)])
def test_diploma_submission(submitted, expected):
    assert rule_of(rules.diploma_submission_check(submitted_on=submitted, campaign_starts_on=date(2027, 5, 25))) \
        == expected


# SCH-05: 3 working days before the first defence (Kazakhstan's calendar).
@pytest.mark.django_db  # the working-day calendar reads the administrator's overrides
@pytest.mark.parametrize(("published", "defence", "expected"), [
    (date(2027, 6, 3), date(2027, 6, 8), None),  # Thu → Tue: Fri, Mon, Tue
    (date(2027, 6, 4), date(2027, 6, 8), "SCH-05"),
    (date(2027, 6, 1), None, None)])
def test_schedule_publication(published, defence, expected):
    assert rule_of(rules.schedule_publish_check(published_on=published, first_defence=defence,
                                                calendar=working_calendar())) == expected


# DIST-09: the procedure 20 working days before.
@pytest.mark.django_db  # the working-day calendar reads the administrator's overrides
def test_distance_procedure_notice():
    calendar = working_calendar()
    exam_day = date(2027, 6, 15)
    latest = rules.procedure_send_by(exam_day, calendar)
    assert rules.procedure_send_check(sent_on=latest, exam_day=exam_day, calendar=calendar) is None
    later = rules.procedure_send_check(sent_on=latest + timedelta(days=1), exam_day=exam_day, calendar=calendar)
    assert rule_of(later) == "DIST-09"


# DEF-03: quorum of two thirds (3→2, 5→4, 7→5, 9→6, 11→8).
@pytest.mark.parametrize(("voting", "needed"), [(3, 2), (5, 4), (7, 5), (9, 6), (11, 8)])
def test_quorum(voting, needed):
    assert rules.quorum(voting) == needed
    assert rules.quorum_check(present=needed, voting_count=voting, is_defence=True) is None
    assert rule_of(rules.quorum_check(present=needed - 1, voting_count=voting, is_defence=True)) == "DEF-03"


# PRO-01: chair and every present member sign, or the scan of the paper copy.
@pytest.mark.parametrize(("chair_signed", "unsigned", "scan", "count"), [
    (True, [], False, 0), (False, [], False, 1), (True, ["M"], False, 1), (False, ["M"], True, 0)])
def test_signatures(chair_signed, unsigned, scan, count):
    found = rules.signatures_check(chair="Chair", chair_signed=chair_signed, unsigned_present=unsigned,
                                   has_scan=scan)
    assert len(found) == count and all(v.rule == "PRO-01" for v in found)


def test_results_complete():
    assert rules.results_complete_check([]) is None
    assert rule_of(rules.results_complete_check(["A"])) == "PRO-01"


# PRO-03: the same day; a demonstration exam within 3 working days.
@pytest.mark.django_db  # the working-day calendar reads the administrator's overrides
@pytest.mark.parametrize(("form", "announced", "expected"), [
    ("oral", date(2027, 6, 1), None), ("oral", date(2027, 6, 2), "PRO-03"),
    ("demo", date(2027, 6, 4), None), ("demo", date(2027, 6, 7), "PRO-03")])
def test_announcement(form, announced, expected):
    assert rule_of(rules.announcement_check(announced_on=announced, held_on=date(2027, 6, 1), form=form,
                                            calendar=working_calendar())) == expected


@pytest.mark.parametrize(("mode", "checked", "expected"), [("distance", False, "DIST-01"), ("distance", True, None),
                                                           ("onsite", False, None)])
def test_identity(mode, checked, expected):
    assert rule_of(rules.identity_check(mode=mode, id_checked=checked)) == expected


def test_distance_statement_is_printed_only_for_distance_sessions():
    assert rules.distance_statement(mode="onsite", language="kk") == ""
    assert "ҚБТ" in rules.distance_statement(mode="distance", language="kk")
    assert "ДОТ" in rules.distance_statement(mode="distance", language="ru")


def test_ticket_draw_excludes_drawn_tickets():
    assert rules.ticket_draw(bank_size=3, drawn=[1, 2], randbelow=lambda n: 0) == 3
    assert rule_of(rules.ticket_draw(bank_size=2, drawn=[1, 2], randbelow=lambda n: 0)) == "DIST-13"
    assert rule_of(rules.ticket_draw(bank_size=None, drawn=[], randbelow=lambda n: 0)) == "EXF-07"


# RET-01 / RET-02 / RET-03.
CLOSED = datetime(2027, 6, 1, 15, 0)


@pytest.mark.parametrize(("status", "percent", "reason", "submitted", "expected"), [
    ("absent", None, "health", CLOSED + timedelta(days=1), None),
    ("present", 30, "health", CLOSED + timedelta(hours=1), "RET-02"),
    ("present", 30, "other", CLOSED + timedelta(hours=1), "RET-01"),
    ("present", 80, "health", CLOSED + timedelta(hours=1), "RET-03")])
def test_readmission(status, percent, reason, submitted, expected):
    assert rule_of(rules.readmission_check(status=status, percent=percent, reason=reason, result_closed_at=CLOSED,
                                           submitted_at=submitted)) == expected


@pytest.mark.parametrize(("percent", "due"), [(49, True), (50, False), (None, False), (0, True)])
def test_certificate_of_completion(percent, due):
    """RET-04: an unsatisfactory result brings the certificate of course completion."""
    assert rules.certificate_due(percent) is due


def test_form_change_and_derived_results_need_a_force_majeure_decision():
    assert rule_of(rules.form_change_check(schedule_published=True, form_changed=True,
                                           decision_changes_form=False)) is not None
    assert rules.form_change_check(schedule_published=True, form_changed=True, decision_changes_form=True) is None
    assert rules.derived_result_check(decision_derives=True) is None
    assert rule_of(rules.derived_result_check(decision_derives=False)) in ("DIST-17", "EXE-01")


@pytest.mark.parametrize(("present", "percent", "rule"), [
    (True, None, "PRO-01"), (True, 0, None), (True, 75, None), (False, None, None)])
def test_pro01_a_present_student_is_graded_before_closing(present, percent, rule):
    found = rules.present_result_check(present=present, percent=percent, student="Айгерім")
    assert (found.rule if found else None) == rule


@pytest.mark.parametrize(("already_drawn", "rule"), [(False, None), (True, "DIST-13")])
def test_dist13_one_ticket_per_student(already_drawn, rule):
    found = rules.ticket_redraw_check(already_drawn=already_drawn, student="Айгерім")
    assert (found.rule if found else None) == rule


@pytest.mark.parametrize(("mode", "rule"), [("distance", None), ("onsite", "DIST-07")])
def test_dist07_technical_failure_acts_are_for_distance_sessions(mode, rule):
    found = rules.tech_failure_mode_check(mode=mode)
    assert (found.rule if found else None) == rule
