"""Reads of the commissions app, always given the college (and the access where visibility depends on the
user: a student sees only their own slots, results and applications)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from attestation.models import Campaign, CampaignGroup, College, Discipline, Program, Student
from attestation.selectors import campaign_get
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
    exam = Exam.objects.filter(college=college, pk=pk).select_related("commission", "discipline").first()
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
    return Protocol.objects.filter(college=college, exam=exam).select_related("document").first()


def protocol_full(*, college: College, exam: Exam) -> Protocol | None:
    """The protocol with everything the API or a PDF shows, in a constant number of queries (the secretary's page
    reads less: ``protocol_page``)."""
    protocol = (Protocol.objects.filter(college=college, exam=exam).select_related("document")
                .prefetch_related(
        Prefetch("attendance", ProtocolAttendance.objects.select_related("member").order_by("member__role",
                                                                                          "member_id")),
        Prefetch("signatures", ProtocolSignature.objects.select_related("member")),
        Prefetch("results", ProtocolResult.objects.select_related(
            "student__group", "student__user", "slot", "force_majeure").order_by("slot__starts_at", "slot_id")),
        "amendments").first())
    if protocol is not None:
        protocol.exam = exam  # already read by the caller: no second join through it
    return protocol


@dataclass(frozen=True, slots=True)
class ProtocolPage:
    """A session as the secretary's page shows it: the exam (with its commission and discipline), its protocol if
    opened, the members' attendance with their signatures, and the students' rows."""

    exam: Exam
    protocol: Protocol | None
    attendance: list[ProtocolAttendance]
    signatures: list[ProtocolSignature]
    rows: list[ProtocolResult]


# What the secretary's page shows of a row and of its student (templates/commissions/_protocol_row.html) and what
# services.protocol_state reads; the other columns stay in the database (a test counts the page's queries).
PAGE_ROW_FIELDS = ("id", "college", "protocol", "student", "status", "percent_raw", "percent", "letter", "traditional",
                   "questions", "notes", "id_checked", "ticket_number", "origin", "version", "student__full_name")


def protocol_page(*, college: College, exam_pk: int) -> ProtocolPage:
    """The session ``exam_pk`` of the college for the secretary's page (404 for another college's): four queries
    with its protocol, whatever the number of members and students; two before it is opened."""
    protocol = (Protocol.objects.filter(college=college, exam_id=exam_pk)
                .select_related("exam__commission", "exam__discipline").first())
    if protocol is None:
        exam = Exam.objects.filter(college=college, pk=exam_pk).select_related("commission", "discipline").first()
        if exam is None:
            raise Http404
        exam.college = college
        return ProtocolPage(exam, None, [], [], [])
    exam = protocol.exam
    exam.college = college
    attendance = list(ProtocolAttendance.objects.filter(college=college, protocol=protocol).select_related("member")
                      .order_by("member__role", "member_id"))
    signatures = list(ProtocolSignature.objects.filter(college=college, protocol=protocol))
    rows = list(ProtocolResult.objects.filter(college=college, protocol=protocol).select_related("student")
                .only(*PAGE_ROW_FIELDS).order_by("slot__starts_at", "slot_id"))
    return ProtocolPage(exam, protocol, attendance, signatures, rows)


def result_get(*, college: College, protocol: Protocol, pk: int) -> ProtocolResult:
    result = (ProtocolResult.objects.filter(college=college, protocol=protocol, pk=pk)
              .select_related("student", "slot").first())
    if result is None:
        raise Http404
    return result


def attendance_get(*, college: College, protocol: Protocol, pk: int) -> ProtocolAttendance:
    row = ProtocolAttendance.objects.filter(college=college, protocol=protocol, pk=pk).select_related("member").first()
    if row is None:
        raise Http404
    return row


# --- One row saved as it is typed ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditedRow:
    row: ProtocolResult
    seat: CommissionMember | None  # the user's seat on the session's commission (when asked for)


def _edited_row(college: College, pk: int, user, *, lock: bool) -> EditedRow:
    rows = ProtocolResult.objects.filter(college=college, pk=pk).select_related("protocol__exam", "student")
    if lock:  # the protocol, not the row: every change of the protocol waits for it (SQLite serialises writers)
        rows = rows.select_for_update(of=("protocol",))
    row = rows.first()
    if row is None:
        raise Http404
    row.protocol.exam.college = college
    seat = None
    if user is not None and user.is_authenticated:  # one seat at most: constraint member_account_once_per_commission
        seat = CommissionMember.objects.filter(college=college, commission_id=row.protocol.exam.commission_id,
                                               user=user).first()
    return EditedRow(row, seat)


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
    row = (ProtocolResult.objects.filter(college=college, pk=pk)
           .select_related("protocol__exam__commission", "student", "slot").first())
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
