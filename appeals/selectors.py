"""Reads of the appeals app, always from the request's college; a student sees only their own appeals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from attestation.calendar import working_calendar
from attestation.models import AuditEntry, College, TranscriptEntry
from attestation.tenancy import CollegeAccess
from commissions.models import Commission

from . import rules, services
from .models import OPEN_STATUSES, Appeal, AppealAttachment, contested_grade


def appeals_list(*, access: CollegeAccess, status: str = "") -> QuerySet[Appeal]:
    appeals = (Appeal.objects.filter(college=access.college)
               .select_related("student__group", "transcript_entry__discipline", "commission", "document"))
    if access.is_student:
        student = access.student
        appeals = appeals.filter(student=student) if student is not None else appeals.none()
    elif not access.is_staff_or_admin:
        appeals = appeals.none()
    if status == "open":
        appeals = appeals.filter(status__in=OPEN_STATUSES)
    elif status:
        appeals = appeals.filter(status=status)
    return appeals.order_by("decision_due", "received_at", "id")


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One appeal of the administrator's queue as plain values (30+ rows per request, bench/appeals_pages.py)."""

    pk: int
    student: str
    group: str
    discipline_code: str
    percent: int
    received_at: datetime
    decision_due: date
    status: str
    outcome: str
    commission: str
    due: rules.DueState

    def get_status_display(self) -> str:
        return str(_STATUS_LABELS.get(self.status, self.status))

    def get_outcome_display(self) -> str:
        return str(_OUTCOME_LABELS.get(self.outcome, self.outcome))


_STATUS_LABELS, _OUTCOME_LABELS = dict(Appeal.Status.choices), dict(Appeal.Outcome.choices)


def appeals_queue(*, access: CollegeAccess, status: str = "", today: date, limit: int = 500) -> list[QueueRow]:
    """The administrator's queue (``status``: "open", one status, or "" for all): what a row shows and its APP-04
    clock."""
    if not access.is_staff_or_admin:
        return []
    zone = ZoneInfo(access.college.timezone)
    appeals = (appeals_list(access=access, status=status)
               .select_related(None).select_related("student__group", "transcript_entry__discipline", "commission")
               .only("previous_grade", "received_at", "decision_due", "decided_at", "status", "outcome",
                     "student__full_name", "student__group__name", "transcript_entry__percent",
                     "transcript_entry__discipline__code", "commission__name", "commission__kind",
                     "commission__order_number")[:limit])
    rows = []
    for appeal in appeals:
        entry = appeal.transcript_entry
        decided_on = timezone.localtime(appeal.decided_at, zone).date() if appeal.decided_at else None
        rows.append(QueueRow(appeal.pk, appeal.student.full_name, appeal.student.group.name, entry.discipline.code,
                             contested_grade(appeal.previous_grade, entry.percent, "")["percent"],
                             timezone.localtime(appeal.received_at, zone), appeal.decision_due, appeal.status,
                             appeal.outcome, str(appeal.commission) if appeal.commission_id else "",
                             rules.appeal_due_state(decision_due=appeal.decision_due, today=today,
                                                    decided_on=decided_on)))
    return rows


def appeal_get(*, access: CollegeAccess, pk: int) -> Appeal:
    appeal = appeals_list(access=access).prefetch_related("attachments").filter(pk=pk).first()
    if appeal is None:
        raise Http404
    return appeal


def attachment_get(*, access: CollegeAccess, pk: int) -> AppealAttachment:
    attachment = AppealAttachment.objects.filter(college=access.college, pk=pk).select_related("appeal").first()
    if attachment is None:
        raise Http404
    appeal_get(access=access, pk=attachment.appeal_id)  # the same rights as on the appeal
    return attachment


def approved_appeal_commissions(*, college: College):
    return Commission.objects.filter(college=college, kind=Commission.Kind.APPEAL,
                                     status=Commission.Status.APPROVED).order_by("-created_at", "-id")


def clock(appeal: Appeal, today: date, tz: str) -> rules.DueState:
    """APP-04: where the appeal stands against its due date (for the queue's highlighting); ``tz`` is the
    college's time zone."""
    decided_on = timezone.localtime(appeal.decided_at, ZoneInfo(tz)).date() if appeal.decided_at else None
    return rules.appeal_due_state(decision_due=appeal.decision_due, today=today, decided_on=decided_on)


@dataclass(frozen=True)
class ResultRow:
    entry: TranscriptEntry
    window: services.Window
    monitoring: bool
    open_appeal_id: int | None  # the appeal against this result still open, if any (one at a time)

    @property
    def can_file(self) -> bool:
        return self.window.is_open and not self.monitoring and self.open_appeal_id is None


RECENT_DAYS = 60  # results older than this (without appeals) are not listed on the appeals page
RECENT_CLOSED = 10  # at most this many results whose window has closed


def student_appeals(*, access: CollegeAccess) -> list[Appeal]:
    """The signed-in student's own appeals with their results' disciplines, as their page lists them (found through
    the account, as the filing page finds the result)."""
    if not access.is_student:
        return []
    return list(Appeal.objects.filter(college=access.college, student__user=access.user)
                .select_related("transcript_entry__discipline").order_by("decision_due", "received_at", "id"))


def student_results(*, access: CollegeAccess, appeals: list[Appeal]) -> list[ResultRow]:
    """The student's recent results (final and intermediate attestation) with the appeal window of each: those
    whose window is open, those appealed, and the latest few whose window has closed. ``appeals``: the student's
    appeals, as the page lists them (student_appeals), not read a second time."""
    if not access.is_student:
        return []
    entries = (TranscriptEntry.objects.filter(college=access.college, student__user=access.user)
               .select_related("discipline").order_by("-held_on", "discipline__code"))
    by_entry: dict[int, list[Appeal]] = {}
    for appeal in appeals:
        by_entry.setdefault(appeal.transcript_entry_id, []).append(appeal)
    recent_from = access.college.today() - timedelta(days=RECENT_DAYS)
    calendar = working_calendar()
    rows = []
    closed_shown = 0
    for entry in entries:
        if entry.pk not in by_entry and entry.held_on < recent_from:
            # Long past: its window closed weeks ago; the transcript page lists it anyway.
            continue
        appeals = by_entry.get(entry.pk, [])
        window = services.appeal_window(college=access.college, entry=entry, calendar=calendar)
        if not window.is_open and not appeals:
            if closed_shown >= RECENT_CLOSED:
                continue
            closed_shown += 1
        rows.append(ResultRow(entry, window, services.is_monitoring_result(entry),
                              next((a.pk for a in appeals if a.is_open), None)))
    return rows


def student_result(*, access: CollegeAccess, pk: int) -> ResultRow:
    """The student's own result with its APP-01 window and its open appeal (the filing page); 404 for anyone
    else's."""
    if not access.is_student:
        raise Http404
    open_appeal = Appeal.objects.filter(college=access.college, transcript_entry=OuterRef("pk"),
                                        status__in=OPEN_STATUSES).values("pk")[:1]
    entry = (TranscriptEntry.objects.filter(college=access.college, student__user=access.user, pk=pk)
             .select_related("discipline").annotate(open_appeal_id=Subquery(open_appeal)).first())
    if entry is None:
        raise Http404
    return ResultRow(entry, services.appeal_window(college=access.college, entry=entry),
                     services.is_monitoring_result(entry), entry.open_appeal_id)


def appeal_history(*, college: College, appeal: Appeal) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(college=college, object_type="appeals.appeal",
                                     object_id=str(appeal.pk)).order_by("created_at", "id")
