"""Reads of the appeals app, always from the request's college; a student sees only their own appeals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from attestation.calendar import working_calendar
from attestation.models import AuditEntry, College, Discipline, Group, Student, TranscriptEntry
from attestation.queries import Statement, columns, fields_of, table, typed_rows
from attestation.selectors import student_join
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


@lru_cache(maxsize=1)
def _queue_statement() -> Statement:
    """The queue's rows by hand (attestation.queries: Django compiled this six-table read in more CPU than the
    database spent on it), ordered as ``appeals_list``; the status condition and the limit are appended."""
    appeal = fields_of(Appeal, ("id", "previous_grade", "received_at", "decision_due", "decided_at", "status",
                                "outcome", "commission"))
    student, group = fields_of(Student, ("full_name",)), fields_of(Group, ("name",))
    discipline, entry = fields_of(Discipline, ("code",)), fields_of(TranscriptEntry, ("percent",))
    commission = fields_of(Commission, ("name", "kind", "order_number"))
    return Statement(
        f"SELECT {columns('a', appeal)}, {columns('s', student)}, {columns('g', group)}, {columns('d', discipline)}, "
        f"{columns('te', entry)}, {columns('c', commission)} "
        f"FROM {table(Appeal)} a "
        f"JOIN {table(Student)} s ON s.id = a.student_id AND s.college_id = a.college_id "
        f"JOIN {table(Group)} g ON g.id = s.group_id AND g.college_id = a.college_id "
        f"JOIN {table(TranscriptEntry)} te ON te.id = a.transcript_entry_id AND te.college_id = a.college_id "
        f"JOIN {table(Discipline)} d ON d.id = te.discipline_id AND d.college_id = a.college_id "
        f"LEFT JOIN {table(Commission)} c ON c.id = a.commission_id AND c.college_id = a.college_id "
        f"WHERE a.college_id = %s",
        ((Appeal, appeal), (Student, student), (Group, group), (Discipline, discipline), (TranscriptEntry, entry),
         (Commission, commission)))


def appeals_queue(*, access: CollegeAccess, status: str = "", today: date, limit: int = 500) -> list[QueueRow]:
    """The administrator's queue (``status``: "open", one status, or "" for all): what a row shows and its APP-04
    clock, read as values, not as 150 models."""
    if not access.is_staff_or_admin:
        return []
    statement = _queue_statement()
    sql, params = statement.sql, [access.college.pk]
    wanted = OPEN_STATUSES if status == "open" else (status,) if status else ()
    if wanted:
        sql += f" AND a.status IN ({', '.join(['%s'] * len(wanted))})"
        params += wanted
    found = typed_rows(sql + " ORDER BY a.decision_due, a.received_at, a.id LIMIT %s", [*params, limit],
                       statement.fields)
    zone = ZoneInfo(access.college.timezone)
    commissions: dict[int, str] = {}
    rows = []
    for (pk, previous, received_at, due, decided_at, state, outcome, commission_id, student, group, code, percent,
         name, kind, order_number) in found:
        if commission_id and commission_id not in commissions:  # labelled by the model's own __str__
            commissions[commission_id] = str(Commission(name=name, kind=kind, order_number=order_number))
        decided_on = timezone.localtime(decided_at, zone).date() if decided_at else None
        rows.append(QueueRow(pk, student, group, code, contested_grade(previous, percent, "")["percent"],
                             timezone.localtime(received_at, zone), due, state, outcome,
                             commissions.get(commission_id, ""),
                             rules.appeal_due_state(decision_due=due, today=today, decided_on=decided_on)))
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


@lru_cache(maxsize=1)
def _student_page_statements() -> tuple[Statement, Statement]:
    """The student's own appeals (ordered as ``appeals_list``) and results (newest first), each with its discipline,
    found through the account like the filing page: the page students open most, read by hand (bench/request_cpu.py
    appeals: its three ORM reads were most of its CPU)."""
    discipline = tuple(Discipline._meta.concrete_fields)  # display_name may read any of the localised names
    appeal = fields_of(Appeal, ("id", "college", "student", "transcript_entry", "status", "outcome", "received_at",
                                "decision_due"))
    entry_of_appeal = fields_of(TranscriptEntry, ("id", "college", "student", "discipline"))
    appeals = Statement(
        f"SELECT {columns('a', appeal)}, {columns('te', entry_of_appeal)}, {columns('d', discipline)} "
        f"FROM {table(Appeal)} a {student_join('a', own=True)}"
        f"JOIN {table(TranscriptEntry)} te ON te.id = a.transcript_entry_id AND te.college_id = a.college_id "
        f"JOIN {table(Discipline)} d ON d.id = te.discipline_id AND d.college_id = a.college_id "
        f"WHERE a.college_id = %s ORDER BY a.decision_due, a.received_at, a.id",
        ((Appeal, appeal), (TranscriptEntry, entry_of_appeal), (Discipline, discipline)))
    entry = tuple(TranscriptEntry._meta.concrete_fields)
    results = Statement(
        f"SELECT {columns('te', entry)}, {columns('d', discipline)} "
        f"FROM {table(TranscriptEntry)} te {student_join('te', own=True)}"
        f"JOIN {table(Discipline)} d ON d.id = te.discipline_id AND d.college_id = te.college_id "
        f"WHERE te.college_id = %s ORDER BY te.held_on DESC, d.code",
        ((TranscriptEntry, entry), (Discipline, discipline)))
    return appeals, results


def student_appeals(*, access: CollegeAccess) -> list[Appeal]:
    """The signed-in student's own appeals with their results' disciplines, as their page lists them."""
    if not access.is_student:
        return []
    statement = _student_page_statements()[0]
    appeals = []
    for values in statement.rows([access.user.pk, access.college.pk]):
        appeal, entry, discipline = statement.split(values)
        entry.discipline, appeal.transcript_entry = discipline, entry
        appeals.append(appeal)
    return appeals


def student_results(*, access: CollegeAccess, appeals: list[Appeal]) -> list[ResultRow]:
    """The student's recent results (final and intermediate attestation) with the appeal window of each: those
    whose window is open, those appealed, and the latest few whose window has closed. ``appeals``: the student's
    appeals, as the page lists them (student_appeals), not read a second time."""
    if not access.is_student:
        return []
    statement = _student_page_statements()[1]
    entries = []
    for values in statement.rows([access.user.pk, access.college.pk]):
        entry, discipline = statement.split(values)
        entry.discipline = discipline
        entries.append(entry)
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


@lru_cache(maxsize=1)
def _student_result_statement() -> Statement:
    """The filing page's read by hand: the student's own result (found through the account) with its discipline and
    the id of its open appeal, if any. Django compiled the ORM's version, a subquery included, in about twice the
    CPU PostgreSQL spent on it (bench/request_cpu.py appeals)."""
    entry = tuple(TranscriptEntry._meta.concrete_fields)
    discipline = fields_of(Discipline, ("id", "college", "code", "name", "name_kk", "name_ru", "kind"))
    appeal = fields_of(Appeal, ("id",))
    return Statement(
        f"SELECT {columns('te', entry)}, {columns('d', discipline)}, "
        f"(SELECT a.id FROM {table(Appeal)} a WHERE a.college_id = te.college_id AND a.transcript_entry_id = te.id "
        f"AND a.status IN ({', '.join(['%s'] * len(OPEN_STATUSES))}) LIMIT 1) "
        f"FROM {table(TranscriptEntry)} te {student_join('te', own=True)}"
        f"JOIN {table(Discipline)} d ON d.id = te.discipline_id AND d.college_id = te.college_id "
        f"WHERE te.college_id = %s AND te.id = %s",
        ((TranscriptEntry, entry), (Discipline, discipline), (Appeal, appeal)))


def student_result(*, access: CollegeAccess, pk: int) -> ResultRow:
    """The student's own result with its APP-01 window and its open appeal (the filing page); 404 for anyone
    else's."""
    if not access.is_student:
        raise Http404
    statement = _student_result_statement()
    found = statement.rows([*OPEN_STATUSES, access.user.pk, access.college.pk, pk])
    if not found:
        raise Http404
    entry, discipline, appeal = statement.split(found[0])
    entry.discipline = discipline
    open_appeal_id = appeal.pk if appeal is not None else None
    return ResultRow(entry, services.appeal_window(college=access.college, entry=entry),
                     services.is_monitoring_result(entry), open_appeal_id)


def appeal_history(*, college: College, appeal: Appeal) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(college=college, object_type="appeals.appeal",
                                     object_id=str(appeal.pk)).order_by("created_at", "id")
