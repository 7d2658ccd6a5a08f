"""The regulation of commissions, schedules, sessions and protocols as pure functions: plain values in, a value
or a RuleViolation out (no ORM). Each cites its rule id from RULES.md and the paragraph of the seed text.

Working-day rules take a calendar object with ``subtract_working_days`` / ``add_working_days``
(attestation.calendar.WorkingCalendar); calendar-day, week and month rules use plain dates (RULES.md §2).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from attestation.rules import RuleViolation
from grading.rules import PASS_PERCENT, derived_percent

# --- Numbers of the regulation -------------------------------------------------------------------------------

EMPLOYER_SHARE_NUMERATOR, EMPLOYER_SHARE_DENOMINATOR = 3, 5  # COM-02: at least 60 %
MAX_COMMISSION_MINUTES_PER_DAY = 6 * 60  # SCH-03
MAX_ORAL_ANSWER_MINUTES = 15  # SCH-04
MAX_DEFENCE_MINUTES = 30  # DEF-04
MAX_REPORT_MINUTES = 10  # DEF-05
ONLINE_DEFENCE_MINUTES = 15  # DEF-08 (2020 recommendation, a warning only)
SCHEDULE_NOTICE_WORKING_DAYS = 3  # SCH-05
DIPLOMA_SUBMISSION_DAYS = 14  # DEF-06: two weeks (calendar days)
PROCEDURE_NOTICE_WORKING_DAYS = 20  # DIST-09
DEMO_ANNOUNCEMENT_WORKING_DAYS = 3  # PRO-03

CHAIR, MEMBER, SECRETARY = "chair", "member", "secretary"
EMPLOYER, COLLEGE, MEDICAL_ORG = "employer", "college", "medical_org"
DEFENCE, ORAL, DEMO = "defence", "oral", "demo"
DISTANCE = "distance"


class WorkingDays(Protocol):
    def subtract_working_days(self, day: date, count: int) -> date: ...

    def add_working_days(self, day: date, count: int) -> date: ...


@dataclass(frozen=True)
class MemberFacts:
    """What the composition rules need to know of a member."""

    role: str
    affiliation: str
    votes: bool
    name: str = ""


# --- COM: commissions ------------------------------------------------------------------------------------------


def voting(members: Iterable[MemberFacts]) -> list[MemberFacts]:
    """COM-04 (003 §14): the voting members are the chair and the members, not the secretary."""
    return [m for m in members if m.votes and m.role != SECRETARY]


def employer_side(member: MemberFacts) -> bool:
    """COM-02 with OQ-02/OQ-04: employers and representatives of accredited medical organisations are on the
    employer (non-college) side, classified by the member's actual affiliation."""
    return member.affiliation in (EMPLOYER, MEDICAL_ORG)


def employer_share_check(*, employers: int, voting_count: int) -> RuleViolation | None:
    """COM-02 (003 §13): employer representatives are at least 60 % of the voting members (integer test
    5·employers ≥ 3·voting, OQ-01: the secretary is not counted)."""
    if voting_count == 0:
        return None  # COM-04 reports the empty commission
    if EMPLOYER_SHARE_DENOMINATOR * employers >= EMPLOYER_SHARE_NUMERATOR * voting_count:
        return None
    return RuleViolation("COM-02", _(
        "Employer representatives are %(employers)s of %(voting)s voting members (%(share)s%%); at least 60%% "
        "required (003 §13).") % {"employers": employers, "voting": voting_count,
                                 "share": round(100 * employers / voting_count)}, "members")


def employer_share_with_secretary_warning(*, employers: int, voting_count: int,
                                          secretaries: int) -> RuleViolation | None:
    """COM-02 / OQ-01 [WARN]: 003 §13 says "including the secretary"; warn when counting the non-voting
    secretary (on the college side) would bring the employer share below 60 %."""
    total = voting_count + secretaries
    if secretaries == 0 or total == 0 or voting_count == 0:
        return None
    if EMPLOYER_SHARE_DENOMINATOR * employers >= EMPLOYER_SHARE_NUMERATOR * total:
        return None
    return RuleViolation("COM-02", _(
        "Counting the secretary too, employer representatives would be %(employers)s of %(total)s (%(share)s%%), "
        "below 60%% (OQ-01: the ratio is checked over voting members).") % {
        "employers": employers, "total": total, "share": round(100 * employers / total)}, "members")


def composition_check(members: Sequence[MemberFacts], *, rule: str = "COM-04") -> list[RuleViolation]:
    """COM-04 (003 §14) / APP-03 (003 §53): an odd number of voting members, exactly one chair, and a secretary
    without a vote."""
    violations = []
    chairs = [m for m in members if m.role == CHAIR]
    if len(chairs) != 1:
        violations.append(RuleViolation(rule, _("A commission has exactly one chair; it has %(count)s.")
                                        % {"count": len(chairs)}, "members"))
    for member in members:
        if member.role == SECRETARY and member.votes:
            violations.append(RuleViolation(rule, _("The secretary %(name)s has no vote.") % {"name": member.name},
                                            "members"))
    count = len(voting(members))
    if count % 2 == 0:
        violations.append(RuleViolation(rule, _(
            "The number of voting members (the chair and members, without the secretary) must be odd; it is "
            "%(count)s.") % {"count": count}, "members"))
    return violations


def composition_warnings(members: Sequence[MemberFacts], *, rule: str = "COM-04") -> list[RuleViolation]:
    """COM-04 [WARN] (design default): fewer than 3 voting members; no secretary."""
    warnings = []
    count = len(voting(members))
    if 0 < count < 3:
        warnings.append(RuleViolation(rule, _("Only %(count)s voting member(s); a commission usually has at least "
                                              "3.") % {"count": count}, "members"))
    if not any(m.role == SECRETARY for m in members):
        warnings.append(RuleViolation(rule, _("The commission has no secretary to keep its protocols."), "members"))
    return warnings


def latest_order_date(campaign_starts_on: date) -> date:
    """COM-05 (003 §16, 004 ¶13, OQ-03): the latest date of the order forming the commission: one calendar month
    before the start of the final attestation (31 May − 1 month = 30 April)."""
    return campaign_starts_on - relativedelta(months=1)


def order_date_check(*, order_date: date, campaign_starts_on: date) -> RuleViolation | None:
    """COM-05: the commission's order is dated at least one month before the final attestation starts."""
    latest = latest_order_date(campaign_starts_on)
    if order_date <= latest:
        return None
    return RuleViolation("COM-05", _(
        "The order is dated %(date)s; a commission is formed at least one month before the final attestation "
        "starts on %(start)s, so by %(latest)s (003 §16).") % {
        "date": order_date.strftime("%d.%m.%Y"), "start": campaign_starts_on.strftime("%d.%m.%Y"),
        "latest": latest.strftime("%d.%m.%Y")}, "order_date")


def medical_member_check(*, is_medical: bool, affiliations: Iterable[str]) -> RuleViolation | None:
    """COM-06 (003 §15): for medical programs the commission includes a representative of an organisation
    accredited by the healthcare authority (design default: at least one)."""
    if not is_medical or MEDICAL_ORG in set(affiliations):
        return None
    return RuleViolation("COM-06", _(
        "The campaign includes a medical program: the commission needs a representative of an accredited "
        "organisation assessing knowledge and skills (003 §15)."), "members")


def order_check(*, order_number: str, order_date: date | None, rule: str = "COM-01") -> list[RuleViolation]:
    """COM-01 (003 §12) / APP-02 (003 §52): a commission is formed by the head's order, number and date."""
    violations = []
    if not (order_number or "").strip():
        violations.append(RuleViolation(rule, _("The number of the head's order forming the commission is "
                                                "required."), "order_number"))
    if order_date is None:
        violations.append(RuleViolation(rule, _("The date of the head's order is required."), "order_date"))
    return violations


@dataclass(frozen=True)
class Verdict:
    """Violations that refuse an action, and warnings that allow it."""

    errors: list[RuleViolation]
    warnings: list[RuleViolation]


def final_commission_check(*, members: Sequence[MemberFacts], order_number: str, order_date: date | None,
                           campaign_starts_on: date, is_medical: bool, late_order_is_error: bool = True,
                           warn_secretary: bool = True) -> Verdict:
    """Approval of a final attestation commission: COM-01, COM-02, COM-04, COM-05, COM-06, all at once."""
    errors = order_check(order_number=order_number, order_date=order_date)
    warnings: list[RuleViolation] = []
    errors += composition_check(members)
    warnings += composition_warnings(members)
    voters = voting(members)
    employers = sum(1 for m in voters if employer_side(m))
    share = employer_share_check(employers=employers, voting_count=len(voters))
    if share:
        errors.append(share)
    elif warn_secretary:
        secretaries = sum(1 for m in members if m.role == SECRETARY)
        warning = employer_share_with_secretary_warning(employers=employers, voting_count=len(voters),
                                                        secretaries=secretaries)
        if warning:
            warnings.append(warning)
    if order_date is not None:
        late = order_date_check(order_date=order_date, campaign_starts_on=campaign_starts_on)
        if late:
            (errors if late_order_is_error else warnings).append(late)
    medical = medical_member_check(is_medical=is_medical, affiliations=[m.affiliation for m in members])
    if medical:
        errors.append(medical)
    return Verdict(errors, warnings)


def appeal_commission_check(*, members: Sequence[MemberFacts], order_number: str,
                            order_date: date | None) -> Verdict:
    """Approval of an appeal commission: APP-02 (formed by the head's order, composition set by the
    organisation, no employer ratio) and APP-03 (odd number of voting members, secretary without a vote)."""
    errors = order_check(order_number=order_number, order_date=order_date, rule="APP-02")
    errors += composition_check(members, rule="APP-03")
    warnings = composition_warnings(members, rule="APP-03")
    return Verdict(errors, warnings)


def commission_approved_check(*, status: str, name: str = "") -> RuleViolation | None:
    """COM-01: only an approved commission can be attached to attestation events."""
    if status == "approved":
        return None
    return RuleViolation("COM-01", _("The commission %(name)s is not approved; only a commission approved by the "
                                     "head's order holds attestation sessions.") % {"name": name}, "commission")


# --- SCH, DEF: the schedule --------------------------------------------------------------------------------------


def session_minutes(intervals: Iterable[tuple[datetime, datetime]], deliberation_minutes: int = 0) -> int:
    """SCH-03 / OQ-06: a commission's session time on a day: the union of its assessment slots (answers heard
    one after another add up; a written exam taken by all at once counts once), plus deliberation; breaks
    between slots and preparation time are not counted."""
    total = timedelta(0)
    current_start = current_end = None
    for start, end in sorted(intervals):
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_end is not None:
        total += current_end - current_start
    return int(total.total_seconds() // 60) + deliberation_minutes


def daily_limit_check(*, day: date, minutes: int, commission: str = "") -> RuleViolation | None:
    """SCH-03 (003 §18): a commission sits no more than six hours (360 minutes) a day."""
    if minutes <= MAX_COMMISSION_MINUTES_PER_DAY:
        return None
    return RuleViolation("SCH-03", _(
        "The commission %(commission)s would sit %(minutes)s minutes on %(day)s; at most 6 hours (360 minutes) a "
        "day (003 §18).") % {"commission": commission, "minutes": minutes, "day": day.strftime("%d.%m.%Y")}, "slots")


def oral_slot_check(*, form: str, minutes: int, student: str = "") -> RuleViolation | None:
    """SCH-04 (003 §39, OQ-07): an oral final exam takes at most 15 minutes per student (the answer; the
    preparation time is separate)."""
    if form != ORAL or minutes <= MAX_ORAL_ANSWER_MINUTES:
        return None
    return RuleViolation("SCH-04", _("The oral answer of %(student)s is planned for %(minutes)s minutes; at most 15 "
                                     "minutes per student (003 §39).") % {"student": student, "minutes": minutes},
                         "slots")


def defence_slot_check(*, minutes: int, student: str = "") -> RuleViolation | None:
    """DEF-04 (003 §35): a defence takes at most 30 minutes per student."""
    if minutes <= MAX_DEFENCE_MINUTES:
        return None
    return RuleViolation("DEF-04", _("The defence of %(student)s is planned for %(minutes)s minutes; at most 30 "
                                     "minutes per student (003 §35).") % {"student": student, "minutes": minutes},
                         "slots")


def report_check(*, report_minutes: int | None, minutes: int, student: str = "") -> RuleViolation | None:
    """DEF-05 (003 §35): the student's report at the defence takes at most 10 minutes (and fits the slot)."""
    if report_minutes is None or (report_minutes <= MAX_REPORT_MINUTES and report_minutes <= minutes):
        return None
    return RuleViolation("DEF-05", _("The report of %(student)s is planned for %(minutes)s minutes; at most 10 "
                                     "minutes, within the defence (003 §35).")
                         % {"student": student, "minutes": report_minutes}, "slots")


def online_defence_warning(*, mode: str, minutes: int, student: str = "") -> RuleViolation | None:
    """DEF-08 [WARN] (004 ¶19, overridden by 003 §35): an online defence longer than 15 minutes in total."""
    if mode != DISTANCE or minutes <= ONLINE_DEFENCE_MINUTES:
        return None
    return RuleViolation("DEF-08", _("The online defence of %(student)s lasts %(minutes)s minutes; the 2020 "
                                     "recommendation is 15 minutes in total.")
                         % {"student": student, "minutes": minutes}, "slots")


def preparation_check(*, form: str, preparation_minutes: int | None) -> RuleViolation | None:
    """SCH-08 (004 ¶24): the preparation time of an oral exam is set by the organisation and recorded."""
    if form != ORAL or preparation_minutes is not None:
        return None
    return RuleViolation("SCH-08", _("Set the preparation time of the oral exam (minutes)."), "preparation_minutes")


def campaign_date_check(*, day: date, starts_on: date, ends_on: date) -> RuleViolation | None:
    """SCH-02 (003 §19): attestation is held within the period of the campaign (the educational-process
    schedule); re-sittings are the exception (DIST-07, RET-01)."""
    if starts_on <= day <= ends_on:
        return None
    return RuleViolation("SCH-02", _("%(day)s is outside the final attestation period %(start)s – %(end)s (003 §19).")
                         % {"day": day.strftime("%d.%m.%Y"), "start": starts_on.strftime("%d.%m.%Y"),
                            "end": ends_on.strftime("%d.%m.%Y")}, "starts_at")


def academic_year_end(academic_year: str, *, month: int = 8, day: int = 31) -> date | None:
    """OQ-13: the last day of the academic year "2026-2027" (configurable month and day, default 31 August)."""
    parts = academic_year.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    year = int(parts[1])
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def resit_date_check(*, day: date, not_before: date, year_end: date) -> RuleViolation | None:
    """RET-01 (003 §41, OQ-13) / DIST-07: a re-sitting takes place in the current academic year, after the
    missed session."""
    if not_before <= day <= year_end:
        return None
    return RuleViolation("RET-01", _("A re-sitting is held after the missed session and within the current academic "
                                     "year, by %(end)s; %(day)s is not.")
                         % {"end": year_end.strftime("%d.%m.%Y"), "day": day.strftime("%d.%m.%Y")}, "starts_at")


def admitted_check(*, admitted: bool, student: str) -> RuleViolation | None:
    """ADM-02 (003 §5): only students admitted by the head's order sit the final attestation."""
    if admitted:
        return None
    return RuleViolation("ADM-02", _("%(student)s is not admitted to the final attestation by the head's order.")
                         % {"student": student}, "slots")


def defence_materials_check(*, has_work: bool, has_review: bool, has_presentation: bool,
                            student: str) -> RuleViolation | None:
    """ADM-03 (003 §36) / DEF-07 (003 §38): a defence is scheduled only for a work submitted with its review and
    presentation."""
    missing = [label for present, label in ((has_work, _("the work")), (has_review, _("the review")),
                                            (has_presentation, _("the presentation"))) if not present]
    if not missing:
        return None
    return RuleViolation("ADM-03", _("The defence of %(student)s cannot be scheduled: missing %(missing)s (003 §36).")
                         % {"student": student, "missing": ", ".join(str(m) for m in missing)}, "slots")


def diploma_deadline(campaign_starts_on: date) -> date:
    """DEF-06 (003 §36): diploma works with reviews and presentations are submitted two weeks (14 calendar days)
    before the final attestation starts."""
    return campaign_starts_on - timedelta(days=DIPLOMA_SUBMISSION_DAYS)


def diploma_submission_check(*, submitted_on: date, campaign_starts_on: date) -> RuleViolation | None:
    """DEF-06: the complete work (work, review, presentation) is in by the deadline (end of that day)."""
    deadline = diploma_deadline(campaign_starts_on)
    if submitted_on <= deadline:
        return None
    return RuleViolation("DEF-06", _("The diploma work is submitted on %(day)s; the deadline was %(deadline)s, two "
                                     "weeks before the start (003 §36).")
                         % {"day": submitted_on.strftime("%d.%m.%Y"), "deadline": deadline.strftime("%d.%m.%Y")},
                         "file")


def schedule_publish_by(first_defence: date, calendar: WorkingDays) -> date:
    """SCH-05 (003 §37): the defence schedule reaches students at least 3 working days before the first
    defence."""
    return calendar.subtract_working_days(first_defence, SCHEDULE_NOTICE_WORKING_DAYS)


def schedule_publish_check(*, published_on: date, first_defence: date | None,
                           calendar: WorkingDays) -> RuleViolation | None:
    """SCH-05: publishing on ``published_on`` is in time for the first defence (None when there is none)."""
    if first_defence is None:
        return None
    latest = schedule_publish_by(first_defence, calendar)
    if published_on <= latest:
        return None
    return RuleViolation("SCH-05", _("The first defence is on %(defence)s; the schedule had to reach students by "
                                     "%(latest)s, 3 working days before (003 §37).")
                         % {"defence": first_defence.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")},
                         "schedule")


def procedure_send_by(exam_day: date, calendar: WorkingDays) -> date:
    """DIST-09 (004 ¶15): students learn the procedure of a distance exam at least 20 working days before."""
    return calendar.subtract_working_days(exam_day, PROCEDURE_NOTICE_WORKING_DAYS)


def procedure_send_check(*, sent_on: date, exam_day: date, calendar: WorkingDays) -> RuleViolation | None:
    """DIST-09 [WARN] (a 2020 recommendation, OQ-24): the procedure sent late."""
    latest = procedure_send_by(exam_day, calendar)
    if sent_on <= latest:
        return None
    return RuleViolation("DIST-09", _("The procedure is sent on %(day)s; students should have it 20 working days "
                                      "before the exam, by %(latest)s (004 ¶15).")
                         % {"day": sent_on.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")}, "procedure")


def medical_agreement_warning(*, is_medical: bool, agreement_ref: str) -> RuleViolation | None:
    """SCH-06 [WARN] (003 §20): dates of a medical program's attestation are agreed with the accredited
    organisation."""
    if not is_medical or agreement_ref.strip():
        return None
    return RuleViolation("SCH-06", _("Record the agreement on the dates with the accredited organisation (003 §20)."),
                         "medical_agreement_ref")


# --- DEF-03, PRO: the session and its protocol ---------------------------------------------------------------------


def quorum(voting_count: int) -> int:
    """DEF-03 (003 §35, OQ-08): at least two thirds of the voting members present: 3→2, 5→4, 7→5, 9→6, 11→8."""
    return -(-2 * voting_count // 3)


def quorum_check(*, present: int, voting_count: int, is_defence: bool) -> RuleViolation | None:
    """DEF-03: a defence needs two thirds of the voting members present (an error); for exams the quorum is not
    regulated (OQ-08: the same test is a warning)."""
    if voting_count and 3 * present >= 2 * voting_count:
        return None
    if is_defence:
        message = _("Only %(present)s of %(voting)s voting members are present; a defence needs at least %(needed)s "
                    "(two thirds, 003 §35).")
    else:
        message = _("Only %(present)s of %(voting)s voting members are present; two thirds would be %(needed)s.")
    return RuleViolation("DEF-03", message % {"present": present, "voting": voting_count,
                                             "needed": quorum(voting_count)}, "attendance")


def signatures_check(*, chair: str | None, chair_signed: bool, unsigned_present: Sequence[str],
                     has_scan: bool) -> list[RuleViolation]:
    """PRO-01 (003 §47, OQ-10): the protocol is signed by the chair and every voting member present; the scan of
    the printed copy signed on paper stands for the signatures of members without accounts."""
    if has_scan:
        return []
    violations = []
    if chair is None:
        violations.append(RuleViolation("PRO-01", _("The commission has no chair to sign the protocol."),
                                        "signatures"))
    elif not chair_signed:
        violations.append(RuleViolation("PRO-01", _("The chair %(name)s has not signed this version of the protocol.")
                                        % {"name": chair}, "signatures"))
    if unsigned_present:
        violations.append(RuleViolation("PRO-01", _(
            "Not signed yet by: %(names)s. Members without an account sign the printed copy; attach its scan.")
                                        % {"names": ", ".join(unsigned_present)}, "signatures"))
    return violations


def results_complete_check(pending: Sequence[str]) -> RuleViolation | None:
    """PRO-01: every student of the session has a recorded outcome before the protocol is closed."""
    if not pending:
        return None
    return RuleViolation("PRO-01", _("No result or attendance recorded yet for: %(names)s.")
                         % {"names": ", ".join(pending)}, "results")


def present_result_check(*, present: bool, percent, student: str) -> RuleViolation | None:
    """PRO-01: a student marked present is graded before the protocol is closed."""
    if not present or percent is not None:
        return None
    return RuleViolation("PRO-01", _("%(student)s is present but has no result.") % {"student": student}, "results")


def ticket_redraw_check(*, already_drawn: bool, student: str) -> RuleViolation | None:
    """DIST-13 / EXF-07: a student draws one ticket; the draw is final."""
    if not already_drawn:
        return None
    return RuleViolation("DIST-13", _("%(student)s has already drawn a ticket; the draw is final.")
                         % {"student": student}, "ticket")


def tech_failure_mode_check(*, mode: str) -> RuleViolation | None:
    """DIST-07: a technical failure act belongs to a distance session."""
    if mode == DISTANCE:
        return None
    return RuleViolation("DIST-07", _("A technical failure act is drawn up for distance sessions."), "mode")


def announce_by(*, held_on: date, form: str, calendar: WorkingDays) -> date:
    """PRO-03 (003 §48): results are announced on the day of the exam or defence; for a demonstration exam within
    3 working days."""
    if form == DEMO:
        return calendar.add_working_days(held_on, DEMO_ANNOUNCEMENT_WORKING_DAYS)
    return held_on


def announcement_check(*, announced_on: date, held_on: date, form: str,
                       calendar: WorkingDays) -> RuleViolation | None:
    """PRO-03 [WARN]: the results are announced later than the regulation says (they are still published)."""
    latest = announce_by(held_on=held_on, form=form, calendar=calendar)
    if announced_on <= latest:
        return None
    return RuleViolation("PRO-03", _("The results are announced on %(day)s; they were due by %(latest)s (003 §48).")
                         % {"day": announced_on.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")},
                         "announced_on")


def identity_check(*, mode: str, id_checked: bool, student: str = "") -> RuleViolation | None:
    """DIST-01 / DIST-02 (003 §6–7, 004 ¶22): in a distance session a student is graded only after the identity
    check (the ID document shown to the camera)."""
    if mode != DISTANCE or id_checked:
        return None
    return RuleViolation("DIST-01", _("Check the identity of %(student)s (ID document shown to the camera) before "
                                      "grading (003 §6–7).") % {"student": student}, "id_checked")


def recording_warning(*, mode: str, recording_ref: str) -> RuleViolation | None:
    """DIST-12 [WARN] (004 ¶20, 003 §25): a distance session is video-recorded; record where."""
    if mode != DISTANCE or recording_ref.strip():
        return None
    return RuleViolation("DIST-12", _("Record where the video recording of the distance session is kept."),
                         "recording_ref")


# DIST-15 (004 ¶29): the protocol states that distance educational technologies were used — the regulation's
# own wording, kept verbatim per language.
DISTANCE_STATEMENT = {
    "kk": "Қорытынды аттестаттау қашықтықтан білім беру технологиялары (ҚБТ) арқылы өткізілді.",
    "ru": "Итоговая аттестация проведена посредством дистанционных образовательных технологий (ДОТ).",
    "en": "The final attestation was conducted using distance educational technologies.",
}


def distance_statement(*, mode: str, language: str) -> str:
    """DIST-15: the sentence a distance protocol carries ('' on site)."""
    if mode != DISTANCE:
        return ""
    return DISTANCE_STATEMENT.get(language, DISTANCE_STATEMENT["en"])


def ticket_draw(*, bank_size: int | None, drawn: Iterable[int],
                randbelow: Callable[[int], int] = secrets.randbelow) -> int | RuleViolation:
    """DIST-13 (004 ¶23) / EXF-07: a ticket drawn by a random number generator from the tickets not yet drawn in
    this sitting (design default)."""
    if not bank_size:
        return RuleViolation("EXF-07", _("Set the number of exam tickets before drawing."), "ticket_count")
    free = sorted(set(range(1, bank_size + 1)) - set(drawn))
    if not free:
        return RuleViolation("DIST-13", _("All %(count)s tickets have been drawn in this sitting.")
                             % {"count": bank_size}, "ticket")
    return free[randbelow(len(free))]


# --- RET: absences, re-admission, unsatisfactory results -----------------------------------------------------------


def readmission_check(*, status: str, percent: int | None, reason: str, result_closed_at: datetime | None,
                      submitted_at: datetime) -> RuleViolation | None:
    """RET-01 (003 §41): re-admission is for a student who did not appear; RET-02 (003 §42): a health document
    presented after an unsatisfactory grade is not considered; RET-03: a positive grade is never re-taken."""
    if status == "absent":
        return None
    if status in ("present", "derived") and percent is not None:
        if percent < PASS_PERCENT:
            if reason == "health" and (result_closed_at is None or submitted_at >= result_closed_at):
                return RuleViolation("RET-02", _("A health document presented after an unsatisfactory grade is not "
                                                 "considered (003 §42)."), "document")
            return RuleViolation("RET-01", _("Re-admission is for a student who did not appear; an unsatisfactory "
                                             "result leads to the certificate of course completion (003 §41, §44)."),
                                 "result")
        return RuleViolation("RET-03", _("The result is positive; it cannot be re-taken (003 §43)."), "result")
    return RuleViolation("RET-01", _("Re-admission is for a student recorded as absent in a closed protocol."),
                         "result")


def certificate_due(percent: int | None) -> bool:
    """RET-04 (003 §44): an unsatisfactory final attestation result leads to the certificate of course
    completion instead of a diploma."""
    return percent is not None and percent < PASS_PERCENT


# --- EXE, DIST-17: force majeure ------------------------------------------------------------------------------------


def form_change_check(*, schedule_published: bool, form_changed: bool,
                      decision_changes_form: bool) -> RuleViolation | None:
    """EXE-01 (003 §49) / SCH-02: once the schedule is published, the form or mode of an exam changes only by a
    commission's force-majeure decision linked to the authorities' decision (OQ-30)."""
    if not schedule_published or not form_changed or decision_changes_form:
        return None
    return RuleViolation("EXE-01", _("The schedule is published: the form of attestation changes only by a force "
                                     "majeure decision of the commission (003 §49)."), "force_majeure")


def derived_result_check(*, decision_derives: bool) -> RuleViolation | None:
    """DIST-17 (004 ¶30) / EXE-01: a result determined from current and intermediate grades needs the
    commission's force-majeure decision."""
    if decision_derives:
        return None
    return RuleViolation("DIST-17", _("Results are derived only under a force majeure decision of the commission "
                                      "that determines results (003 §49, 004 ¶30)."), "force_majeure")


def derive_percent(components: Sequence[tuple[Decimal, Decimal | None]]) -> Decimal | RuleViolation:
    """DIST-17 / OQ-17: the derived grade (grading.rules.derived_percent: the credit-weighted mean of current and
    intermediate grades), or why there is none."""
    value = derived_percent(components)
    if value is None:
        return RuleViolation("DIST-17", _("There are no current or intermediate grades to derive the result from."),
                             "percent")
    return value
