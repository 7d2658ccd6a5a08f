"""Reads of the appeals app, always from the request's college; a student sees only their own appeals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from attestation.calendar import working_calendar
from attestation.models import AuditEntry, College, TranscriptEntry
from attestation.tenancy import CollegeAccess

from . import rules, services
from .models import OPEN_STATUSES, Appeal, AppealAttachment


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


def appeals_queue(*, access: CollegeAccess, status: str = "") -> QuerySet[Appeal]:
    """The administrator's queue: the appeals with only what a row shows (not the decision protocol's frozen
    payload nor the reason's full text), 30+ rows per request (bench/appeals_pages.py)."""
    return (appeals_list(access=access, status=status)
            .select_related(None).select_related("student__group", "transcript_entry__discipline", "commission")
            .only("id", "status", "outcome", "received_at", "decision_due", "decided_at", "previous_grade",
                  "commission_id", "student_id", "transcript_entry_id", "student__full_name", "student__group__name",
                  "transcript_entry__percent", "transcript_entry__discipline__code", "commission__name",
                  "commission__kind", "commission__order_number"))


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
    from commissions.models import Commission

    return Commission.objects.filter(college=college, kind=Commission.Kind.APPEAL,
                                     status=Commission.Status.APPROVED).order_by("-created_at", "-id")


@dataclass(frozen=True)
class Clock:
    due_today: bool
    overdue: bool


def clock(appeal: Appeal, today: date, tz: str = "Asia/Almaty") -> Clock:
    """APP-04: where the appeal stands against its due date (for the queue's highlighting); ``tz`` is the
    college's time zone."""
    decided_on = timezone.localtime(appeal.decided_at, ZoneInfo(tz)).date() if appeal.decided_at else None
    state = rules.appeal_due_state(decision_due=appeal.decision_due, today=today, decided_on=decided_on)
    return Clock(state.due_today, state.overdue)


@dataclass(frozen=True)
class ResultRow:
    entry: TranscriptEntry
    window: services.Window
    monitoring: bool
    open_appeal: Appeal | None
    appeals: list[Appeal]

    @property
    def can_file(self) -> bool:
        return self.window.is_open and not self.monitoring and self.open_appeal is None


RECENT_DAYS = 60  # results older than this (without appeals) are not listed on the appeals page
RECENT_CLOSED = 10  # at most this many results whose window has closed


def student_results(*, access: CollegeAccess) -> list[ResultRow]:
    """The student's recent results (final and intermediate attestation) with the appeal window of each: those
    whose window is open, those appealed, and the latest few whose window has closed."""
    student = access.student
    if student is None:
        return []
    entries = list(TranscriptEntry.objects.filter(college=access.college, student=student)
                   .select_related("discipline").order_by("-held_on", "discipline__code"))
    by_entry: dict[int, list[Appeal]] = {}
    for appeal in Appeal.objects.filter(college=access.college, student=student).order_by("received_at"):
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
                              next((a for a in appeals if a.is_open), None), appeals))
    return rows


def student_result(*, access: CollegeAccess, pk: int) -> ResultRow:
    student = access.student
    if student is None:
        raise Http404
    entry = (TranscriptEntry.objects.filter(college=access.college, student=student, pk=pk)
             .select_related("discipline").first())
    if entry is None:
        raise Http404
    appeals = list(Appeal.objects.filter(college=access.college, transcript_entry=entry).order_by("received_at"))
    return ResultRow(entry, services.appeal_window(college=access.college, entry=entry),
                     services.is_monitoring_result(entry), next((a for a in appeals if a.is_open), None), appeals)


def appeal_history(*, college: College, appeal: Appeal) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(college=college, object_type="appeals.appeal",
                                     object_id=str(appeal.pk)).order_by("created_at", "id")
