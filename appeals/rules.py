"""The appeal procedure of the regulation (APP-01 … APP-05) as pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext as _

from attestation.calendar import WorkingCalendar
from attestation.rules import RuleViolation
from attestation.scale import percent_parse

from .models import OPEN_STATUSES

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
DECISION_WORKING_DAYS = 3  # APP-04


def appeal_filing_deadline(*, held_on: date, announced_on: date | None, calendar: WorkingCalendar,
                           literal: bool = False) -> date:
    """APP-01 (003 §51), OQ-11: an appeal is filed no later than the next working day after the
    attestation — or after the results were announced, when that is later (a demonstration exam's
    results may come up to 3 working days later, PRO-03). ``literal`` counts from the attestation only."""
    anchor = held_on if literal or announced_on is None else max(held_on, announced_on)
    return calendar.next_working_day(anchor)


def appeal_decision_due(*, received_on: date, calendar: WorkingCalendar) -> date:
    """APP-04 (003 §54): the appeal commission decides within 3 working days of receiving the appeal."""
    return calendar.add_working_days(received_on, DECISION_WORKING_DAYS)


def appeal_filing_check(*, now: datetime, deadline_end: datetime) -> RuleViolation | None:
    """APP-01: after the end of the deadline day (college time) the appeal is refused."""
    if now > deadline_end:
        return RuleViolation("APP-01", _("The appeal period ended on %(date)s; an appeal is filed no later than "
                                         "the next working day after the attestation.")
                             % {"date": deadline_end.strftime("%d.%m.%Y %H:%M")}, "transcript_entry")
    return None


def appeal_reason_check(*, reason: str) -> RuleViolation | None:
    """APP-01: the appeal is a written application: it states its reason."""
    if (reason or "").strip():
        return None
    return RuleViolation("APP-01", _("Write the reason of the appeal."), "reason")


def appeal_subject_check(*, is_monitoring: bool) -> RuleViolation | None:
    """APP-05 (002 §27): results of the monitoring of educational achievements carry no legal
    consequences and are never appealed."""
    if is_monitoring:
        return RuleViolation("APP-05", _("Monitoring (ББЖМ) results cannot be appealed."), "transcript_entry")
    return None


def appeal_commission_assign_check(*, kind: str, status: str) -> RuleViolation | None:
    """APP-02, APP-03 (003 §52–§53): an appeal goes only to an appeal commission formed by the head's order and
    approved; its composition (odd number of voting members, secretary without a vote) is validated when the
    commission is approved (commissions.rules.appeal_commission_check), so approval is what counts here."""
    if kind != "appeal":
        return RuleViolation("APP-02", _("This is not an appeal commission; an appeal is reviewed by the appeal "
                                         "commission formed by the head's order."), "commission")
    if status != "approved":
        return RuleViolation("APP-02", _("The appeal commission is not approved yet; an appeal is assigned only to "
                                         "an approved appeal commission (odd number of voting members, APP-03)."),
                             "commission")
    return None


def examiner_on_commission_warning(*, examiners: set[str], members: set[str]) -> RuleViolation | None:
    """APP-02 [practice]: a warning when a person whose grade is contested sits on the appeal commission.
    ``examiners`` and ``members`` are comparable keys of people (account ids, normalised full names)."""
    if examiners & members:
        return RuleViolation("APP-02", _("A member of the commission that gave the contested grade sits on the "
                                         "appeal commission."), "commission")
    return None


def appeal_open_check(*, status: str) -> RuleViolation | None:
    """APP-04: a decision is taken once; a decided appeal is not decided (or assigned) again."""
    if status not in OPEN_STATUSES:
        return RuleViolation("APP-04", _("The appeal is already decided."), "status")
    return None


def appeal_decidable_check(*, has_commission: bool) -> RuleViolation | None:
    """APP-02: the appeal is decided by the appeal commission formed by the head's order, so one must be assigned
    first."""
    if not has_commission:
        return RuleViolation("APP-02", _("No appeal commission is assigned to the appeal yet."), "commission")
    return None


def appeal_decider_check(*, on_commission: bool, votes: bool) -> RuleViolation | None:
    """Who decides an appeal: a voting member of the appeal commission the head's order formed (APP-02), not its
    secretary, who has no vote (APP-03)."""
    message = _("Only a voting member of the assigned appeal commission decides the appeal.")
    if not on_commission:
        return RuleViolation("APP-02", message, None)
    if not votes:
        return RuleViolation("APP-03", message, None)
    return None


@dataclass(frozen=True)
class DueState:
    """Where an appeal stands against its clock."""

    due_today: bool
    overdue: bool


def appeal_due_state(*, decision_due: date, today: date, decided_on: date | None) -> DueState:
    """APP-04: due today, or overdue (decided after, or still open after, the due date)."""
    reference = decided_on or today
    return DueState(due_today=decided_on is None and today == decision_due, overdue=reference > decision_due)


def grade_change_check(*, outcome: str, new_percent: object, justification: str) -> list[RuleViolation]:
    """OQ-12: outcomes are "upheld" or "grade_changed"; a changed grade needs a new percentage (GRD-01)
    and a written justification in the protocol (any new grade is allowed, lower too)."""
    violations: list[RuleViolation] = []
    if outcome not in ("upheld", "grade_changed"):
        return [RuleViolation(None, _("The outcome is upheld or grade_changed."), "outcome")]
    if outcome == "grade_changed":
        parsed = percent_parse(new_percent)
        if isinstance(parsed, RuleViolation):
            violations.append(RuleViolation(parsed.rule, parsed.message, "new_percent"))
        if not (justification or "").strip():
            violations.append(RuleViolation("APP-04", _("A changed grade needs a written justification in the "
                                                        "protocol."), "justification"))
    return violations
