"""Reads, always given the college (and the access of the user, where visibility depends on it).

A student sees only their own record, transcript and documents; what they may not see does not exist
for them (404), exactly like another college's objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from .models import (
    AuditEntry,
    Campaign,
    CampaignGroup,
    College,
    Discipline,
    Document,
    Group,
    Membership,
    Notification,
    Program,
    Student,
    TranscriptEntry,
)
from .queries import Statement, columns, fields_of, table, unique_or_none
from .tenancy import CollegeAccess


def programs_list(*, college: College) -> QuerySet[Program]:
    return Program.objects.filter(college=college).order_by("code")


def groups_list(*, college: College, search: str = "") -> QuerySet[Group]:
    groups = Group.objects.filter(college=college).select_related("program")
    if search:
        groups = groups.filter(name__icontains=search)
    return groups.annotate(student_count=Count("students")).order_by("name")


def group_choices(*, college: College) -> list[tuple[str, str]]:
    """The college's groups as (id, name) for a filter: the id as text, as the ``?group=`` it is compared with."""
    return [(str(pk), name) for pk, name in
            Group.objects.filter(college=college).order_by("name").values_list("pk", "name")]


def disciplines_list(*, college: College, program_id: int | None = None, search: str = "") -> QuerySet[Discipline]:
    disciplines = Discipline.objects.filter(college=college).select_related("program")
    if program_id:
        disciplines = disciplines.filter(program_id=program_id)
    if search:
        disciplines = disciplines.filter(Q(code__icontains=search) | Q(name__icontains=search)
                                         | Q(name_kk__icontains=search) | Q(name_ru__icontains=search))
    return disciplines.order_by("program__code", "semester", "code")


def _visible_students(access: CollegeAccess) -> QuerySet[Student]:
    """The students this user may see: all for administrators and staff, only their own record for a student."""
    students = Student.objects.filter(college=access.college)
    if access.is_student:
        return students.filter(user=access.user)
    if not access.is_staff_or_admin:
        return students.none()
    return students


def students_list(*, access: CollegeAccess, search: str = "", group_id: int | None = None) -> QuerySet[Student]:
    students = _visible_students(access).select_related("group__program", "user")
    if group_id:
        students = students.filter(group_id=group_id)
    if search:
        search = search.strip()
        students = students.filter(Q(full_name__icontains=search) | Q(iin__startswith=search))
    return students.order_by("full_name", "id")


def student_get(*, access: CollegeAccess, pk: int) -> Student:
    # Without the account's join, which only the edit form reads (PostgreSQL plans each extra join on every page).
    student = unique_or_none(_visible_students(access).select_related("group__program").filter(pk=pk))
    if student is None:
        raise Http404
    return student


@dataclass(frozen=True, slots=True)
class TranscriptHeading:
    """What the transcript page's heading shows of a student."""

    pk: int
    full_name: str
    iin: str
    group_name: str
    program_code: str
    program_name: str  # in the page's language


# The transcript heading as ORM lookups: a student without entries is read by them (the rows' statement carries it).
_HEADING = ("student__full_name", "student__iin", "student__group__name", "student__group__program__code",
            "student__group__program__name")


def student_join(alias: str, *, own: bool) -> str:
    """``JOIN`` of the student (as ``st``) the rows of ``alias`` belong to, in the same college; ``own``: only when it
    is the signed-in user's record, the user being the statement's first parameter. How the hand-written reads find
    a student's own rows through the account, as ``student__user=`` does in the ORM."""
    return (f"JOIN {table(Student)} st ON st.id = {alias}.student_id AND st.college_id = {alias}.college_id"
            f"{' AND st.user_id = %s' if own else ''} ")


def student_reader_params(access: CollegeAccess) -> list | None:
    """The leading parameters of a hand-written read of students' records, by who reads (as ``_visible_students``):
    a student only their own (their user, for ``student_join(own=True)``), administrators and staff anyone's
    (none); None for anyone else, who reads nothing."""
    if access.is_student:
        return [access.user.pk]
    return [] if access.is_staff_or_admin else None


@lru_cache(maxsize=8)
def _transcript_statement(language: str, own: bool) -> Statement:
    """The page's read by hand, as ``transcript_list`` orders it (attestation.queries: Django compiled the five-table
    values query in more CPU than PostgreSQL spent running it); ``own``: only the signed-in student's record."""
    local = language if language in ("kk", "ru") else ""
    student, group = fields_of(Student, ("id", "full_name", "iin")), fields_of(Group, ("name",))
    program = fields_of(Program, ("code", "name", f"name_{local}" if local else "name"))
    discipline = fields_of(Discipline, ("id", "semester", "code", "name", f"name_{local}" if local else "name",
                                        "credits"))
    entry = fields_of(TranscriptEntry, ("attempt", "attempt_reason", "percent", "letter", "points", "traditional",
                                        "held_on", "is_final_attestation"))
    sql = (f"SELECT {columns('st', student)}, {columns('g', group)}, {columns('pr', program)}, "
           f"{columns('d', discipline)}, {columns('te', entry)} "
           f"FROM {table(TranscriptEntry)} te {student_join('te', own=own)}"
           f"JOIN {table(Discipline)} d ON d.id = te.discipline_id AND d.college_id = te.college_id "
           f"JOIN {table(Group)} g ON g.id = st.group_id AND g.college_id = te.college_id "
           f"JOIN {table(Program)} pr ON pr.id = g.program_id AND pr.college_id = te.college_id "
           f"WHERE te.college_id = %s AND te.student_id = %s ORDER BY d.semester, d.code, te.attempt")
    return Statement(sql, ((Student, student), (Group, group), (Program, program), (Discipline, discipline),
                           (TranscriptEntry, entry)))


def transcript_page(*, access: CollegeAccess, student_id: int, language: str) -> tuple[TranscriptHeading, list]:
    """The transcript page's heading and rows in one query: every row carries its student's heading (a student
    without entries costs a second query, which also gives the 404 of a student the user may not see). A row's
    values come in the order ``attestation.views._transcript_rows_html`` unpacks them (``_transcript_statement``)."""
    reader = student_reader_params(access)
    rows = [] if reader is None else _transcript_statement(language, bool(reader)).rows(
        [*reader, access.college.pk, student_id])
    width = 1 + len(_HEADING) + 1  # the student's id, the heading, the program in the page's language
    if rows:
        return _heading(rows[0][:width]), [row[width:] for row in rows]
    program = f"group__program__name_{language}" if language in ("kk", "ru") else "group__program__name"
    student = unique_or_none(_visible_students(access).filter(pk=student_id).values_list(
        "pk", *(field.removeprefix("student__") for field in _HEADING), program))
    if student is None:
        raise Http404
    return _heading(student), []


def _heading(values: tuple) -> TranscriptHeading:
    pk, full_name, iin, group, code, name, local_program = values
    return TranscriptHeading(pk, full_name, iin, group, code, local_program or name)


def transcript_list(*, access: CollegeAccess, student_id: int | None = None) -> QuerySet[TranscriptEntry]:
    entries = TranscriptEntry.objects.filter(college=access.college).select_related("discipline", "student")
    if access.is_student:
        entries = entries.filter(student__user=access.user)
    elif not access.is_staff_or_admin:
        return entries.none()
    if student_id:
        entries = entries.filter(student_id=student_id)
    return entries.order_by("student_id", "discipline__semester", "discipline__code", "attempt")


def documents_list(*, access: CollegeAccess, kind: str = "", subject_id: int | None = None) -> QuerySet[Document]:
    documents = Document.objects.filter(college=access.college).defer("payload")
    if access.is_student:
        documents = documents.filter(student__user=access.user)
    elif not access.is_staff_or_admin:
        return documents.none()
    if kind:
        documents = documents.filter(kind=kind)
    if subject_id:
        documents = documents.filter(subject_id=subject_id)
    return documents.order_by("-created_at", "-id")


# What a row of a document list shows (templates/attestation/_document_row.html); nothing else is read.
DOCUMENT_ROW_FIELDS = ("id", "title", "language", "status", "verification_token", "created_at")


@lru_cache(maxsize=2)
def _transcript_documents_statement(own: bool) -> Statement:
    """``documents_list(kind="transcript", subject_id=…)`` by hand, for the transcript page; ``own``: only the
    signed-in student's documents."""
    document = fields_of(Document, DOCUMENT_ROW_FIELDS)
    only_own = student_join("doc", own=True) if own else ""
    return Statement(
        f"SELECT {columns('doc', document)} FROM {table(Document)} doc {only_own}"
        f"WHERE doc.college_id = %s AND doc.kind = 'transcript' AND doc.subject_id = %s "
        f"ORDER BY doc.created_at DESC, doc.id DESC LIMIT %s", ((Document, document),))


def transcript_documents(*, access: CollegeAccess, student_id: int, limit: int = 5) -> list[Document]:
    """The student's latest transcript PDFs, as the transcript page lists them."""
    reader = student_reader_params(access)
    if reader is None:
        return []
    statement = _transcript_documents_statement(bool(reader))
    return [next(statement.split(values)) for values in statement.rows([*reader, access.college.pk, student_id, limit])]


def document_get(*, access: CollegeAccess, pk: int) -> Document:
    document = documents_list(access=access).filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


def members_list(*, college: College) -> QuerySet[Membership]:
    return Membership.objects.filter(college=college).select_related("user").order_by("role", "user__username")


def audit_list(*, college: College) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(college=college).order_by("-created_at", "-id")


def college_counts(*, college: College) -> dict[str, int]:
    return {
        "programs": Program.objects.filter(college=college).count(),
        "groups": Group.objects.filter(college=college).count(),
        "students": Student.objects.filter(college=college).count(),
        "disciplines": Discipline.objects.filter(college=college).count(),
        "transcript_entries": TranscriptEntry.objects.filter(college=college).count(),
        "documents_pending": Document.objects.filter(
            college=college, status__in=[Document.Status.PENDING, Document.Status.RENDERING]).count(),
        "documents_failed": Document.objects.filter(college=college, status=Document.Status.FAILED).count(),
    }


def campaigns_list(*, college: College) -> QuerySet[Campaign]:
    return (Campaign.objects.filter(college=college)
            .prefetch_related(Prefetch("campaign_groups", CampaignGroup.objects.select_related("group")))
            .order_by("-starts_on", "id"))


def campaign_get(*, college: College, pk: int) -> Campaign:
    """A campaign of the college; another college's (or none): 404."""
    campaign = unique_or_none(Campaign.objects.filter(college=college, pk=pk))
    if campaign is None:
        raise Http404
    return campaign


def campaign_of_group(*, college: College, group_id: int, on: date | None = None) -> Campaign | None:
    """The campaign a group takes part in (the one running or next on ``on``, else the latest)."""
    campaigns = Campaign.objects.filter(college=college, campaign_groups__group_id=group_id)
    if on is not None:
        upcoming = campaigns.filter(ends_on__gte=on).order_by("starts_on").first()
        if upcoming is not None:
            return upcoming
    return campaigns.order_by("-starts_on").first()


def notifications_list(*, access: CollegeAccess) -> QuerySet[Notification]:
    return Notification.objects.filter(college=access.college, user=access.user).order_by("-created_at", "-id")


def notifications_unread(*, access: CollegeAccess) -> int:
    return Notification.objects.filter(college=access.college, user=access.user, read_at__isnull=True).count()
