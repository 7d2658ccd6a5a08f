"""Builders of final attestation data for the grading tests: FA components of the cast's program, a campaign,
published results written directly (as the commissions app writes them when a protocol closes), admissions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from attestation.models import Campaign, CampaignGroup, Discipline, Student, TranscriptEntry
from attestation.services import transcript_grade
from grading.models import DecisionBatch, DiplomaDecision, IndividualAttestation

from ..factories import valid_iin

CAMPAIGN_START = date(2027, 5, 25)
CAMPAIGN_END = date(2027, 6, 20)
HELD_ON = date(2027, 6, 1)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "certificate.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def campaign_of(cast, starts_on: date = CAMPAIGN_START, ends_on: date = CAMPAIGN_END) -> Campaign:
    with scopes_disabled():
        campaign = Campaign.objects.filter(college=cast.college, campaign_groups__group=cast.group).first()
        if campaign is None:
            campaign = Campaign.objects.create(college=cast.college, academic_year="2026-2027", starts_on=starts_on,
                                               ends_on=ends_on)
            CampaignGroup.objects.create(college=cast.college, campaign=campaign, group=cast.group)
        return campaign


def fa_components(cast) -> list[Discipline]:
    """The final attestation of the cast's program: a final exam and the diploma defence."""
    with scopes_disabled():
        existing = list(Discipline.objects.filter(college=cast.college, program=cast.program,
                                                  is_final_attestation=True).order_by("code"))
        if existing:
            return existing
        return [
            Discipline.objects.create(college=cast.college, program=cast.program, code=code, name=name, name_kk=kk,
                                      name_ru=ru, kind=kind, is_final_attestation=True, semester=8)
            for code, name, kk, ru, kind in [
                ("FA-DP", "Diploma project defence", "Дипломдық жобаны қорғау", "Защита дипломного проекта",
                 "diploma"),
                ("FA-EX", "Final exam", "Қорытынды емтихан", "Итоговый экзамен", "module"),
            ]
        ]


def fa_result(cast, student: Student, discipline: Discipline, percent, *, attempt: int = 1, announced: bool = True,
              held_on: date = HELD_ON, origin: str = "regular", reason: str = "first") -> TranscriptEntry:
    """A final attestation result as the commissions app writes it when a protocol closes."""
    with scopes_disabled():
        return TranscriptEntry.objects.create(
            college=cast.college, student=student, discipline=discipline, held_on=held_on, attempt=attempt,
            attempt_reason=reason, is_final_attestation=True, announced_on=held_on if announced else None,
            origin=origin, source="protocol:1", **transcript_grade(percent))


def grade(cast, student: Student, discipline: Discipline, percent, *, attempt: int = 1, reason: str = "first",
          held_on: date = date(2026, 1, 15)) -> TranscriptEntry:
    with scopes_disabled():
        return TranscriptEntry.objects.create(college=cast.college, student=student, discipline=discipline,
                                              held_on=held_on, attempt=attempt, attempt_reason=reason,
                                              **transcript_grade(percent))


def discipline(cast, code: str, *, credits=None, kind: str = "subject", name: str = "") -> Discipline:
    with scopes_disabled():
        return Discipline.objects.create(college=cast.college, program=cast.program, code=code,
                                         name=name or code, name_kk=name or code, kind=kind,
                                         credits=None if credits is None else Decimal(credits), semester=3)


def admit(cast, students=None, number: str | None = None) -> object:
    from grading.services import admission_order_issue

    campaign_of(cast)
    with scopes_disabled():
        students = students if students is not None else [cast.student, cast.other_student]
        return admission_order_issue(college=cast.college, by=cast.admin, group=cast.group, students=students,
                                     number=number or f"{cast.college.slug}-{len(students)}-{students[0].pk}",
                                     order_date=date(2027, 5, 10))


def graduate(cast, percents=(95, 92), student: Student | None = None, admitted: bool = True):
    """The cast's student admitted with published results in every FA component."""
    student = student or cast.student
    if admitted:
        with scopes_disabled():
            from grading.models import Admission

            if not Admission.objects.filter(college=cast.college, student=student).exists():
                admit(cast, [student], number=f"A-{student.pk}")
    for component, percent in zip(fa_components(cast), percents, strict=True):
        fa_result(cast, student, component, percent)
    return student


def decision_of(cast) -> DiplomaDecision:
    campaign = campaign_of(cast)
    with scopes_disabled():
        return DiplomaDecision.objects.get_or_create(
            college=cast.college, campaign=campaign, student=cast.student,
            defaults={"kind": "diploma", "decided_on": HELD_ON})[0]


def batch_of(cast) -> DecisionBatch:
    campaign = campaign_of(cast)
    with scopes_disabled():
        return DecisionBatch.objects.create(college=cast.college, campaign=campaign, group=cast.group, language="kk",
                                            status="done")


def individual_of(cast) -> IndividualAttestation:
    campaign = campaign_of(cast)
    with scopes_disabled():
        record = IndividualAttestation.objects.filter(college=cast.college, student=cast.student).first()
        if record is None:
            record = IndividualAttestation(college=cast.college, campaign=campaign, student=cast.student,
                                           kind="early", reason="health", planned_on=date(2027, 4, 1))
            record.document.save("health.pdf", pdf_upload(), save=False)
            record.save()
        return record


def published_result_of(cast) -> TranscriptEntry:
    components = fa_components(cast)
    with scopes_disabled():
        entry = TranscriptEntry.objects.filter(college=cast.college, discipline=components[0]).first()
    return entry or fa_result(cast, cast.student, components[0], 90)


def graduates(cast, count: int) -> list[Student]:
    """The cast's two students and ``count - 2`` more, all admitted with final attestation results (the fourth
    one unsatisfactory)."""
    with scopes_disabled():
        students = [cast.student, cast.other_student, *Student.objects.bulk_create([
            Student(college=cast.college, group=cast.group, iin=valid_iin(), full_name=f"Түлек {n:02d}")
            for n in range(count - 2)])]
    for student in students[2:]:
        for component in cast.disciplines:
            grade(cast, student, component, 88)
    admit(cast, students, number="ADM-1")
    components = fa_components(cast)
    for n, student in enumerate(students):
        for component in components:
            fa_result(cast, student, component, 40 if n == 3 else 85)
    return students
