"""Reads, always given the college (and the access of the user, where visibility depends on it).

A student sees only their own record, transcript and documents; what they may not see does not exist
for them (404), exactly like another college's objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
from .scale import gpa
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


# What a row of the student list shows (templates/attestation/students_table.html); the other columns are not read.
STUDENT_ROW_FIELDS = ("full_name", "iin", "group__name", "group__program__code", "user__username")


def student_get(*, access: CollegeAccess, pk: int) -> Student:
    student = _visible_students(access).select_related("group__program").filter(pk=pk).first()
    if student is None:
        raise Http404
    return student


@dataclass(frozen=True)
class TranscriptPage:
    """A student's transcript as its page shows it: the entries in the curriculum's order (every attempt), and the
    GPA of the latest attempt of each component (GRD-03)."""

    student: Student
    entries: list[TranscriptEntry]
    gpa: Decimal | None


def transcript_page(*, access: CollegeAccess, student_id: int) -> TranscriptPage:
    """The transcript page of a student the user may see (404 otherwise), in two queries whatever its length."""
    student = student_get(access=access, pk=student_id)
    entries = list(TranscriptEntry.objects.filter(college=access.college, student=student).select_related("discipline")
                   .order_by("discipline__semester", "discipline__code", "attempt"))
    latest = {entry.discipline_id: (entry.points, entry.discipline.credits) for entry in entries}  # the last attempt
    return TranscriptPage(student, entries, gpa(latest.values()))


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


def transcript_documents(*, access: CollegeAccess, student_id: int, limit: int = 5) -> list[Document]:
    """The student's latest transcript PDFs, as the transcript page lists them."""
    return list(documents_list(access=access, kind="transcript", subject_id=student_id)[:limit])


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
    campaign = Campaign.objects.filter(college=college, pk=pk).first()
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
