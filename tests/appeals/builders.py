"""Builders for the appeals tests: a result (transcript entry) with its dates, an approved appeal commission made
through the commissions services (APP-02/APP-03 validated there), the final commission's protocol a result came
from. Data is written directly; the behaviour under test goes through the appeals services, API and pages."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from attestation.models import Campaign, CampaignGroup, Discipline, Membership, Role, TranscriptEntry
from attestation.services import transcript_grade
from commissions import services as commission_services
from commissions.models import Commission, CommissionMember, Exam, Protocol, Schedule

from ..factories import user_make

ALMATY = ZoneInfo("Asia/Almaty")
HELD_ON = date(2026, 6, 15)  # Monday: deadline Tuesday 16 June 23:59, decision due Friday 19 June if filed on 16th
FILING_TIME = datetime(2026, 6, 16, 10, 0, tzinfo=ALMATY)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=ALMATY)


def upload(name: str = "scan.pdf", content: bytes = PDF, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def fa_discipline(cast, code: str = "FA-EX") -> Discipline:
    with scopes_disabled():
        discipline = Discipline.objects.filter(college=cast.college, program=cast.program, code=code).first()
        return discipline or Discipline.objects.create(
            college=cast.college, program=cast.program, code=code, name="Final exam", name_kk="Қорытынды емтихан",
            name_ru="Итоговый экзамен", kind="module", is_final_attestation=True, semester=8)


def intermediate_discipline(cast) -> Discipline:
    with scopes_disabled():
        discipline = Discipline.objects.filter(college=cast.college, program=cast.program, code="INT-01").first()
        return discipline or Discipline.objects.create(
            college=cast.college, program=cast.program, code="INT-01", name="Pharmacology", name_kk="Фармакология",
            kind="subject", semester=6)


def result_of(cast, student=None, *, percent=62, held_on: date = HELD_ON, announced_on: date | None = None,
              final: bool = True, source: str = "", code: str = "FA-EX", attempt: int = 1) -> TranscriptEntry:
    """A published result of a student: a final attestation result (as a closed protocol writes it) or an
    intermediate attestation grade (final=False)."""
    student = student or cast.student
    with scopes_disabled():
        discipline = fa_discipline(cast, code) if final else intermediate_discipline(cast)
        return TranscriptEntry.objects.create(
            college=cast.college, student=student, discipline=discipline, held_on=held_on, attempt=attempt,
            announced_on=announced_on or (held_on if final else None), is_final_attestation=final, source=source,
            **transcript_grade(percent))


def member_user(cast, name: str, role: str = Role.STAFF):
    with scopes_disabled():
        user = user_make(f"{cast.college.slug}-{name}", full_name=name.title(), email=f"{name}@example.kz")
        Membership.objects.create(college=cast.college, user=user, role=role)
        return user


def appeal_commission(cast, *, approve: bool = True, order_number: str = "7-А", voting: int = 3,
                      extra_names: tuple[str, ...] = ()) -> Commission:
    """An appeal commission formed through the commissions services: a chair and members with portal accounts (the
    chair is ``cast.chair``), a secretary without a vote, approved by the head's order when ``approve``."""
    with scope(college=cast.college):
        commission = commission_services.commission_create(
            college=cast.college, by=cast.admin, kind=Commission.Kind.APPEAL, order_number=order_number,
            order_date=date(2026, 6, 1), name="Апелляциялық комиссия")
        chair = getattr(cast, "chair", None) or member_user(cast, "chair")
        cast.chair = chair
        commission_services.member_add(college=cast.college, by=cast.admin, commission=commission,
                                       full_name="Сейітов Бауыржан", role="chair", affiliation="college",
                                       user=chair.username)
        names = list(extra_names) + ["Омарова Гүлнар", "Ким Виктор", "Жұмабаев Нұрлан", "Ахметова Дана"]
        for index in range(voting - 1):
            commission_services.member_add(college=cast.college, by=cast.admin, commission=commission,
                                           full_name=names[index], role="member", affiliation="college")
        secretary = getattr(cast, "appeal_secretary", None) or member_user(cast, "appealsecretary")
        cast.appeal_secretary = secretary
        commission_services.member_add(college=cast.college, by=cast.admin, commission=commission,
                                       full_name="Байжанова Әсел", role="secretary", affiliation="college",
                                       user=secretary.username)
        if approve:
            commission, _warnings = commission_services.commission_approve(college=cast.college, by=cast.admin,
                                                                           commission=commission)
        return commission


def final_protocol(cast, examiner_names: tuple[str, ...]) -> Protocol:
    """The protocol of a final exam session whose commission has these members (for the examiner warning)."""
    with scopes_disabled():
        campaign = Campaign.objects.create(college=cast.college, academic_year="2025-2026",
                                           starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30))
        CampaignGroup.objects.create(college=cast.college, campaign=campaign, group=cast.group)
        commission = Commission.objects.create(college=cast.college, kind="final", campaign=campaign,
                                               order_number="3-Қ", order_date=date(2026, 4, 1), status="approved")
        for index, name in enumerate(examiner_names):
            CommissionMember.objects.create(college=cast.college, commission=commission, full_name=name,
                                            role="chair" if index == 0 else "member", affiliation="employer")
        schedule = Schedule.objects.create(college=cast.college, campaign=campaign)
        exam = Exam.objects.create(college=cast.college, schedule=schedule, commission=commission, form="oral",
                                   discipline=fa_discipline(cast), starts_at=local(HELD_ON, 9),
                                   ends_at=local(HELD_ON, 13))
        return Protocol.objects.create(college=cast.college, exam=exam, number="1")
