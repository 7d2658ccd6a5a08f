"""Reads of the commissions app, always given the college (and the access where visibility depends on the
user: a student sees only their own slots, results and applications)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from attestation.models import Campaign, CampaignGroup, College, Discipline, Program, Student
from attestation.queries import Statement, columns, fields_of, table, unique_or_none
from attestation.scale import TRADITIONAL_CHOICES
from attestation.selectors import campaign_get, student_join
from attestation.tenancy import CollegeAccess

from .models import (
    AttestationPolicy,
    Commission,
    CommissionMember,
    DiplomaWork,
    Exam,
    ExamSlot,
    ForceMajeureDecision,
    Protocol,
    ProtocolAttendance,
    ProtocolResult,
    ProtocolSignature,
    ReAdmission,
    Schedule,
    TechnicalFailureAct,
)


def policy_get(*, college: College) -> AttestationPolicy:
    """The college's rule settings (defaults until the administrator changes them)."""
    policy = AttestationPolicy.objects.filter(college=college).first()
    return policy if policy is not None else AttestationPolicy(college=college)


# --- Commissions ------------------------------------------------------------------------------------------------


def commissions_list(*, college: College, kind: str = "", campaign_id: int | None = None) -> QuerySet[Commission]:
    commissions = (Commission.objects.filter(college=college).select_related("campaign", "order_document")
                   .annotate(member_count=Count("members")))
    if kind:
        commissions = commissions.filter(kind=kind)
    if campaign_id:
        commissions = commissions.filter(campaign_id=campaign_id)
    return commissions.order_by("-created_at", "-id")


def commission_get(*, college: College, pk: int) -> Commission:
    commission = (Commission.objects.filter(college=college, pk=pk).select_related("campaign", "order_document")
                  .first())
    if commission is None:
        raise Http404
    return commission


def members_list(*, college: College, commission: Commission) -> QuerySet[CommissionMember]:
    return (CommissionMember.objects.filter(college=college, commission=commission).select_related("user")
            .order_by("role", "id"))


def member_get(*, college: College, commission: Commission, pk: int) -> CommissionMember:
    member = members_list(college=college, commission=commission).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def member_of(*, commission: Commission, user) -> CommissionMember | None:
    """The member of the commission linked to this account, if any."""
    if user is None or not user.is_authenticated:
        return None
    return CommissionMember.objects.filter(college_id=commission.college_id, commission=commission,
                                           user=user).first()


def campaign_programs(*, college: College, campaign: Campaign) -> QuerySet[Program]:
    program_ids = CampaignGroup.objects.filter(college=college, campaign=campaign).values("group__program_id")
    return Program.objects.filter(college=college, pk__in=program_ids)


def campaign_students(*, college: College, campaign: Campaign) -> QuerySet[Student]:
    group_ids = CampaignGroup.objects.filter(college=college, campaign=campaign).values("group_id")
    return (Student.objects.filter(college=college, group_id__in=group_ids).select_related("group__program")
            .order_by("group__name", "full_name", "id"))


def diploma_component(*, college: College, program_id: int) -> Discipline | None:
    """The diploma project (work) component of a program's curriculum (its defence is graded on it)."""
    return (Discipline.objects.filter(college=college, program_id=program_id, kind=Discipline.Kind.DIPLOMA)
            .order_by("-is_final_attestation", "code").first())


# --- The schedule ------------------------------------------------------------------------------------------------


def schedules_list(*, college: College) -> QuerySet[Schedule]:
    return (Schedule.objects.filter(college=college).select_related("campaign", "document")
            .annotate(exam_count=Count("exams")).order_by("-campaign__starts_on", "id"))


def schedule_get(*, college: College, pk: int) -> Schedule:
    schedule = Schedule.objects.filter(college=college, pk=pk).select_related("campaign", "document").first()
    if schedule is None:
        raise Http404
    return schedule


def exams_list(*, college: College, schedule_id: int | None = None, commission_id: int | None = None
               ) -> QuerySet[Exam]:
    exams = (Exam.objects.filter(college=college)
             .select_related("commission", "discipline", "schedule__campaign", "college", "force_majeure")
             .annotate(slot_count=Count("slots")))
    if schedule_id:
        exams = exams.filter(schedule_id=schedule_id)
    if commission_id:
        exams = exams.filter(commission_id=commission_id)
    return exams.order_by("starts_at", "id")


def exam_get(*, college: College, pk: int) -> Exam:
    # Few joins on purpose: PostgreSQL spent more time planning an eight-table join than running it (4.6 ms of
    # planning for a 0.4 ms query); the campaign and schedule load on the rare paths that need them.
    exam = unique_or_none(Exam.objects.filter(college=college, pk=pk).select_related("commission", "discipline"))
    if exam is None:
        raise Http404
    exam.college = college
    return exam


def campaign_chosen(*, college: College, chosen: str) -> tuple[Campaign | None, QuerySet[Campaign]]:
    """The campaign a page was asked for by id (404 unless it is the college's), else the college's latest; with
    the college's campaigns for the page's chooser."""
    campaigns = Campaign.objects.filter(college=college).order_by("-starts_on", "-id")
    if not chosen:
        return campaigns.first(), campaigns
    if not chosen.isdigit():
        raise Http404
    return campaign_get(college=college, pk=int(chosen)), campaigns


def resit_exams(*, college: College, exam: Exam) -> QuerySet[Exam]:
    """The other sessions of the same commission and discipline, where a student can be given a new slot."""
    return (Exam.objects.filter(college=college, commission_id=exam.commission_id, discipline_id=exam.discipline_id)
            .exclude(pk=exam.pk).order_by("starts_at", "id"))


def protocol_results(*, college: College, protocol: Protocol) -> QuerySet[ProtocolResult]:
    """The rows of a protocol in the order of its slots, with their students (the amendment form's choices)."""
    return (ProtocolResult.objects.filter(college=college, protocol=protocol).select_related("student")
            .order_by("slot__starts_at", "slot_id"))


def slots_of(*, college: College, exam: Exam) -> QuerySet[ExamSlot]:
    return (ExamSlot.objects.filter(college=college, exam=exam).select_related("student__group", "student__user",
                                                                               "diploma_work")
            .order_by("starts_at", "id"))


def member_commission_ids(*, access: CollegeAccess) -> QuerySet:
    """The commissions the user sits on (secretary, chair, member), as a subquery."""
    return CommissionMember.objects.filter(college=access.college, user=access.user).values("commission_id")


def sessions_for(*, access: CollegeAccess) -> QuerySet[Exam]:
    """Sessions a user works on: every session for an administrator, else those of the commissions the user sits
    on (secretary, chair, member)."""
    exams = exams_list(college=access.college).prefetch_related("protocols")
    if access.is_admin:
        return exams
    return exams.filter(commission_id__in=member_commission_ids(access=access))


def student_slots(*, access: CollegeAccess) -> QuerySet[ExamSlot]:
    """A student's own slots of published schedules (and distance procedures sent to them)."""
    student = access.student
    if student is None:
        return ExamSlot.objects.none()
    return (ExamSlot.objects.filter(college=access.college, student=student)
            .filter(Q(exam__schedule__status=Schedule.Status.PUBLISHED) | Q(exam__procedure_sent_at__isnull=False))
            .select_related("exam__discipline", "exam__commission", "exam__college", "exam__schedule",
                            "diploma_work").prefetch_related("exam__protocols")
            .order_by("starts_at", "id"))


def slots_for_access(*, access: CollegeAccess) -> QuerySet[ExamSlot]:
    if access.is_student:
        return student_slots(access=access)
    if not access.is_staff_or_admin:
        return ExamSlot.objects.none()
    return (ExamSlot.objects.filter(college=access.college)
            .select_related("exam__discipline", "exam__commission", "exam__college", "exam__schedule",
                            "student__group", "diploma_work").order_by("starts_at", "id"))


def diploma_works_list(*, college: College, campaign_id: int | None = None) -> QuerySet[DiplomaWork]:
    works = DiplomaWork.objects.filter(college=college).select_related("student__group", "campaign")
    if campaign_id:
        works = works.filter(campaign_id=campaign_id)
    return works.order_by("student__full_name", "id")


def diploma_work_get(*, college: College, pk: int) -> DiplomaWork:
    work = diploma_works_list(college=college).filter(pk=pk).first()
    if work is None:
        raise Http404
    return work


# --- Protocols ---------------------------------------------------------------------------------------------------


def protocol_of(*, college: College, exam: Exam) -> Protocol | None:
    return unique_or_none(Protocol.objects.filter(college=college, exam=exam).select_related("document"))


def protocol_full(*, college: College, exam: Exam) -> Protocol | None:
    """The protocol with everything the API or a PDF shows, in a constant number of queries (the secretary's page
    reads less, and reads it by hand: ``protocol_page``)."""
    protocol = unique_or_none(Protocol.objects.filter(college=college, exam=exam).select_related("document")
                              .prefetch_related(
        Prefetch("attendance", ProtocolAttendance.objects.select_related("member").order_by("member__role",
                                                                                          "member_id")),
        Prefetch("signatures", ProtocolSignature.objects.select_related("member")),
        Prefetch("results", ProtocolResult.objects.select_related(
            "student__group", "student__user", "slot", "force_majeure").order_by("slot__starts_at", "slot_id")),
        "amendments"))
    if protocol is not None:
        protocol.exam = exam  # already read by the caller: no second join through it
    return protocol


@dataclass(frozen=True, slots=True)
class StudentName:
    full_name: str


_STATUS_LABELS = dict(ProtocolResult.Status.choices)
_TRADITIONAL_LABELS = dict(TRADITIONAL_CHOICES)


@dataclass(frozen=True, slots=True)
class ProtocolRow:
    """One student's row of the secretary's page as plain values: what ``render_row`` and ``protocol_state`` read of
    a ``ProtocolResult``, without building 30 results and 30 students per page (bench/commissions_protocol_page.py).
    """

    pk: int
    student_id: int
    student: StudentName
    status: str
    percent_raw: Decimal | None
    percent: int | None
    letter: str
    traditional: str
    questions: str
    notes: str
    id_checked: bool
    ticket_number: int | None
    origin: str
    version: int

    def get_status_display(self) -> str:
        return str(_STATUS_LABELS.get(self.status, self.status))

    def get_traditional_display(self) -> str:
        return str(_TRADITIONAL_LABELS.get(self.traditional, self.traditional))


# The secretary's page in three hand-written statements (attestation.queries: why, and how they stay in step with the
# models). The fields each one reads are what the page, render_row and services.protocol_state use; any other field
# is deferred, so a template that needs one more still works, one query slower.
_PAGE_EXAM = ("id", "college", "commission", "discipline", "schedule", "form", "mode", "title", "starts_at",
              "ends_at", "room", "ticket_count")
_PAGE_COMMISSION = ("id", "college", "kind", "name", "order_number", "status")
_PAGE_DISCIPLINE = ("id", "college", "code", "name", "name_kk", "name_ru")
_PAGE_PROTOCOL = ("id", "college", "exam", "number", "status", "version", "announced_on", "document", "signed_scan",
                  "recording_ref")
_PAGE_ATTENDANCE = ("id", "college", "protocol", "member", "present", "version")
_PAGE_MEMBER = ("id", "college", "commission", "user", "role", "full_name")
_PAGE_SIGNATURE = ("id", "college", "protocol", "member", "protocol_version")
_PAGE_ROW = ("id", "student", "status", "percent_raw", "percent", "letter", "traditional", "questions", "notes",
             "id_checked", "ticket_number", "origin", "version")


@lru_cache(maxsize=1)
def _page_statements() -> tuple[Statement, Statement, Statement]:
    """The page's statements (the session; the members' attendance and signatures; the students' rows), written
    out once per process."""
    exam, commission, discipline, protocol = (fields_of(Exam, _PAGE_EXAM), fields_of(Commission, _PAGE_COMMISSION),
                                              fields_of(Discipline, _PAGE_DISCIPLINE),
                                              fields_of(Protocol, _PAGE_PROTOCOL))
    session = Statement(
        f"SELECT {columns('e', exam)}, {columns('c', commission)}, {columns('d', discipline)}, "
        f"{columns('p', protocol)} "
        f"FROM {table(Exam)} e JOIN {table(Commission)} c ON c.id = e.commission_id AND c.college_id = e.college_id "
        f"LEFT JOIN {table(Discipline)} d ON d.id = e.discipline_id AND d.college_id = e.college_id "
        f"LEFT JOIN {table(Protocol)} p ON p.exam_id = e.id AND p.college_id = e.college_id "
        f"WHERE e.college_id = %s AND e.id = %s",
        ((Exam, exam), (Commission, commission), (Discipline, discipline), (Protocol, protocol)))
    attendance, member, signature = (fields_of(ProtocolAttendance, _PAGE_ATTENDANCE),
                                     fields_of(CommissionMember, _PAGE_MEMBER),
                                     fields_of(ProtocolSignature, _PAGE_SIGNATURE))
    members = Statement(
        f"SELECT {columns('a', attendance)}, {columns('m', member)}, {columns('s', signature)} "
        f"FROM {table(ProtocolAttendance)} a "
        f"JOIN {table(CommissionMember)} m ON m.id = a.member_id AND m.college_id = a.college_id "
        f"LEFT JOIN {table(ProtocolSignature)} s ON s.protocol_id = a.protocol_id AND s.member_id = a.member_id "
        f"AND s.college_id = a.college_id "
        f"WHERE a.college_id = %s AND a.protocol_id = %s ORDER BY m.role, m.id",
        ((ProtocolAttendance, attendance), (CommissionMember, member), (ProtocolSignature, signature)))
    row, name = fields_of(ProtocolResult, _PAGE_ROW), fields_of(Student, ("full_name",))
    rows = Statement(
        f"SELECT {columns('r', row)}, {columns('st', name)} "
        f"FROM {table(ProtocolResult)} r {student_join('r', own=False)}"
        f"JOIN {table(ExamSlot)} sl ON sl.id = r.slot_id AND sl.college_id = r.college_id "
        f"WHERE r.college_id = %s AND r.protocol_id = %s ORDER BY sl.starts_at, r.slot_id",
        ((ProtocolResult, row), (Student, name)))
    return session, members, rows


@dataclass(frozen=True, slots=True)
class ProtocolPage:
    """A session as the secretary's page shows it: the exam (with its commission and discipline), its protocol if
    opened, the members' attendance with their signatures, and the students' rows as plain values."""

    exam: Exam
    protocol: Protocol | None
    attendance: list[ProtocolAttendance]
    signatures: list[ProtocolSignature]
    rows: list[ProtocolRow]


def protocol_page(*, college: College, exam_pk: int) -> ProtocolPage:
    """The session ``exam_pk`` of the college for the secretary's page (404 for another college's)."""
    session, members, rows = _page_statements()
    found = session.rows([college.pk, exam_pk])
    if not found:
        raise Http404
    exam, commission, discipline, protocol = session.split(found[0])
    exam.college, exam.commission, exam.discipline = college, commission, discipline
    if protocol is None:
        return ProtocolPage(exam, None, [], [], [])
    protocol.exam = exam
    attendance, signatures = [], []
    for values in members.rows([college.pk, protocol.pk]):
        line, member, signature = members.split(values)
        line.member, line.protocol = member, protocol
        attendance.append(line)
        if signature is not None:
            signatures.append(signature)
    page_rows = [ProtocolRow(pk, student_id, StudentName(name), *rest)
                 for pk, student_id, *rest, name in rows.rows([college.pk, protocol.pk])]
    return ProtocolPage(exam, protocol, attendance, signatures, page_rows)


def result_get(*, college: College, protocol: Protocol, pk: int) -> ProtocolResult:
    result = unique_or_none(ProtocolResult.objects.filter(college=college, protocol=protocol, pk=pk)
                            .select_related("student", "slot"))
    if result is None:
        raise Http404
    return result


def attendance_get(*, college: College, protocol: Protocol, pk: int) -> ProtocolAttendance:
    row = ProtocolAttendance.objects.filter(college=college, protocol=protocol, pk=pk).select_related("member").first()
    if row is None:
        raise Http404
    return row


# --- One row saved as it is typed ------------------------------------------------------------------------------------
# Saving a row is the secretary's most frequent request (every field typed). Its reads are written out like the
# page's: Django compiled the four ORM reads of a save in about 3 ms of CPU, the database ran them in a fraction of
# that (bench/request_cpu.py). One statement reads the row with what its answer shows, locking the protocol for the
# save, and the user's seat on the commission (who may keep the protocol).

_EDIT_ROW = ("id", "college", "protocol", "slot", "student", "status", "percent_raw", "percent", "letter", "points",
             "traditional", "questions", "notes", "id_checked", "id_document_tail", "id_checked_at", "id_checked_by",
             "ticket_number", "origin", "version", "updated_at", "updated_by")
_EDIT_PROTOCOL = ("id", "college", "exam", "number", "status", "version")
_EDIT_EXAM = ("id", "college", "commission", "form", "mode", "ticket_count")
_EDIT_STUDENT = ("id", "college", "full_name")


@lru_cache(maxsize=4)
def _row_statement(vendor: str, *, seat: bool, lock: bool) -> Statement:
    """The row with its protocol, session and student; ``seat``: and the user's seat on the commission (the first
    parameter is the user); ``lock``: the protocol locked until the transaction ends, where the database can."""
    row, protocol, exam, student = (fields_of(ProtocolResult, _EDIT_ROW), fields_of(Protocol, _EDIT_PROTOCOL),
                                    fields_of(Exam, _EDIT_EXAM), fields_of(Student, _EDIT_STUDENT))
    parts: list = [(ProtocolResult, row), (Protocol, protocol), (Exam, exam), (Student, student)]
    select = f"SELECT {columns('r', row)}, {columns('p', protocol)}, {columns('e', exam)}, {columns('st', student)}"
    joins = (f"FROM {table(ProtocolResult)} r "
             f"JOIN {table(Protocol)} p ON p.id = r.protocol_id AND p.college_id = r.college_id "
             f"JOIN {table(Exam)} e ON e.id = p.exam_id AND e.college_id = r.college_id "
             f"{student_join('r', own=False)}")
    if seat:  # one seat at most: constraint member_account_once_per_commission
        member = fields_of(CommissionMember, _PAGE_MEMBER)
        parts.append((CommissionMember, member))
        select += f", {columns('m', member)}"
        joins += (f" LEFT JOIN {table(CommissionMember)} m ON m.commission_id = e.commission_id "
                  f"AND m.college_id = r.college_id AND m.user_id = %s")
    sql = f"{select} {joins} WHERE r.college_id = %s AND r.id = %s"
    # As select_for_update(of=…) decides: where the database has row locks (SQLite has none: it serialises writers).
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF p"
    return Statement(sql, tuple(parts))


@dataclass(frozen=True, slots=True)
class EditedRow:
    row: ProtocolResult
    seat: CommissionMember | None  # the user's seat on the session's commission (when asked for)


def _edited_row(college: College, pk: int, user, *, lock: bool) -> EditedRow:
    seat = user is not None
    statement = _row_statement(connection.vendor, seat=seat, lock=lock)
    found = statement.rows([user.pk, college.pk, pk] if seat else [college.pk, pk])
    if not found:
        raise Http404
    row, protocol, exam, student, *member = statement.split(found[0])
    exam.college = college
    protocol.exam, row.protocol, row.student = exam, protocol, student
    return EditedRow(row, member[0] if member else None)


def result_row_locked(*, college: College, pk: int, user=None) -> EditedRow:
    """One row of a protocol with its protocol, session and student, and when ``user`` is given their seat on the
    commission (for ``services.protocol_keeper_check``), its protocol locked (``SELECT … FOR UPDATE``) until the
    caller's transaction ends: for the services that change the protocol. 404 if not the college's."""
    return _edited_row(college, pk, user, lock=True)


def result_row_stored(*, college: College, pk: int) -> ProtocolResult:
    """The row as ``result_row_locked`` reads it, without the lock: what is stored now, shown with the reason an
    entry was not saved."""
    return _edited_row(college, pk, None, lock=False).row


def result_row_get(*, college: College, pk: int) -> ProtocolResult:
    """One row of a protocol with its protocol and session (the row saved as it is typed); 404 if not the
    college's."""
    row = unique_or_none(ProtocolResult.objects.filter(college=college, pk=pk)
                         .select_related("protocol__exam__commission", "student", "slot"))
    if row is None:
        raise Http404
    row.protocol.exam.college = college
    return row


def attendance_row_get(*, college: College, pk: int) -> ProtocolAttendance:
    row = (ProtocolAttendance.objects.filter(college=college, pk=pk)
           .select_related("protocol__exam__commission", "member").first())
    if row is None:
        raise Http404
    return row


def protocols_to_sign(*, access: CollegeAccess) -> QuerySet[Protocol]:
    return (Protocol.objects.filter(college=access.college, status=Protocol.Status.OPEN,
                                    exam__commission_id__in=member_commission_ids(access=access))
            .select_related("exam__discipline", "exam__college").order_by("exam__starts_at"))


def student_results(*, access: CollegeAccess) -> QuerySet[ProtocolResult]:
    """A student's results in closed (published) protocols, derived results marked."""
    student = access.student
    if student is None:
        return ProtocolResult.objects.none()
    return (ProtocolResult.objects.filter(college=access.college, student=student,
                                          protocol__status=Protocol.Status.CLOSED)
            .select_related("protocol__exam__discipline", "protocol__exam__college", "force_majeure",
                            "transcript_entry")
            .order_by("protocol__exam__starts_at"))


def tech_failure_acts(*, college: College, protocol: Protocol) -> QuerySet[TechnicalFailureAct]:
    return (TechnicalFailureAct.objects.filter(college=college, protocol=protocol)
            .select_related("result__student", "document", "new_slot__exam"))


def tech_failure_act_of(*, college: College, result: ProtocolResult) -> TechnicalFailureAct | None:
    """The technical failure act of one student's row (DIST-07), if one was drawn up."""
    return (TechnicalFailureAct.objects.filter(college=college, result=result)
            .select_related("document", "new_slot__exam").first())


# --- Re-admission, force majeure -----------------------------------------------------------------------------------


def readmissions_list(*, access: CollegeAccess, status: str = "") -> QuerySet[ReAdmission]:
    readmissions = (ReAdmission.objects.filter(college=access.college)
                    .select_related("student__group", "result__protocol__exam__discipline",
                                    "result__protocol__exam__commission", "result__protocol__exam__college",
                                    "new_slot__exam"))
    if access.is_student:
        readmissions = readmissions.filter(student__user=access.user)
    elif not access.is_staff_or_admin:
        return readmissions.none()
    elif not access.is_admin:  # staff: the applications of the commissions they sit on, on the pages and the API
        readmissions = readmissions.filter(result__protocol__exam__commission_id__in=member_commission_ids(
            access=access))
    if status:
        readmissions = readmissions.filter(status=status)
    return readmissions.order_by("-submitted_at", "-id")


def readmission_get(*, access: CollegeAccess, pk: int) -> ReAdmission:
    readmission = readmissions_list(access=access).filter(pk=pk).first()
    if readmission is None:
        raise Http404
    return readmission


def decisions_list(*, college: College) -> QuerySet[ForceMajeureDecision]:
    return (ForceMajeureDecision.objects.filter(college=college).select_related("commission")
            .order_by("-decided_on", "-id"))


def decision_get(*, college: College, pk: int) -> ForceMajeureDecision:
    decision = decisions_list(college=college).filter(pk=pk).first()
    if decision is None:
        raise Http404
    return decision
