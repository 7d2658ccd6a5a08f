"""Builders of commissions data for the tests: an approved commission with members who have accounts, a
published schedule with an oral exam, an open protocol. Everything goes through the services, with the clock
set where the regulation wants it (order a month before, schedule before the exam, protocol on the day)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django_scopes import scope, scopes_disabled

from attestation.models import Membership, Role
from commissions import services
from commissions.models import Commission, Exam, Protocol
from tests.factories import user_make
from tests.grading.builders import CAMPAIGN_START, admit, campaign_of, fa_components

ORDER_DATE = date(2027, 4, 1)
EXAM_DAY = date(2027, 6, 1)
BEFORE = datetime(2027, 4, 2, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))
ON_THE_DAY = datetime(2027, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Almaty"))

__all__ = ["CAMPAIGN_START", "EXAM_DAY", "ON_THE_DAY", "BEFORE", "member_user", "commission_of", "exam_of",
           "protocol_of", "local"]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Asia/Almaty"))


def member_user(cast, name: str, role: str = Role.STAFF):
    """A staff account of the college (a commission member who signs in the portal)."""
    with scopes_disabled():
        user = user_make(f"{cast.college.slug}-{name}")
        Membership.objects.create(college=cast.college, user=user, role=role)
        return user


MEMBERS = [  # name, role, affiliation, organisation
    ("chair", "chair", "employer", "KazMunayGas"),
    ("member1", "member", "employer", "Air Astana"),
    ("member2", "member", "medical_org", "National Centre of Independent Examination"),
    ("member3", "member", "employer", "City Hospital 1"),
    ("member4", "member", "college", ""),
]


def commission_of(cast, *, approve: bool = True, order_number: str = "15-Ө", accounts: bool = True) -> Commission:
    """An approved final attestation commission of five voting members (4 employer-side, 1 college) and the cast's
    staff user as its secretary; members linked to accounts ``<slug>-chair``, ``<slug>-member1`` …"""
    campaign = campaign_of(cast)
    with scopes_disabled():
        existing = Commission.objects.filter(college=cast.college, kind="final", order_number=order_number).first()
        if existing is not None:
            return existing
    with scope(college=cast.college), time_machine.travel(BEFORE, tick=False):
        commission = services.commission_create(college=cast.college, by=cast.admin, campaign=campaign,
                                                order_number=order_number, order_date=ORDER_DATE)
        for name, role, affiliation, organization in MEMBERS:
            username = member_user(cast, name).username if accounts else None
            services.member_add(college=cast.college, by=cast.admin, commission=commission,
                                full_name=f"{name.title()} Test", role=role, affiliation=affiliation,
                                organization=organization, user=username)
        services.member_add(college=cast.college, by=cast.admin, commission=commission, full_name="Secretary Test",
                            role="secretary", affiliation="college", user=cast.staff.username)
        if approve:
            commission, _warnings = services.commission_approve(college=cast.college, by=cast.admin,
                                                                commission=commission)
    return commission


def exam_of(cast, *, students=None, publish: bool = True, mode: str = "onsite", form: str = "oral",
            minutes: int = 15) -> Exam:
    """An oral exam of the commission on EXAM_DAY 10:00 with 15-minute slots for the students (admitted)."""
    commission = commission_of(cast)
    students = students if students is not None else [cast.student, cast.other_student]
    with scopes_disabled():
        existing = Exam.objects.filter(college=cast.college, commission=commission, form=form, mode=mode).first()
        if existing is not None:
            return existing
        from grading.models import Admission

        if not Admission.objects.filter(college=cast.college, student__in=students).exists():
            admit(cast, students)
    component = next(c for c in fa_components(cast) if c.code == "FA-EX")
    start = local(EXAM_DAY, 10)
    slots = [services.SlotInput(student, start + timedelta(minutes=minutes * i), minutes)
             for i, student in enumerate(students)]
    data = services.ExamInput(commission=commission, form=form, mode=mode, discipline=component, starts_at=start,
                              ends_at=start + timedelta(minutes=minutes * len(students) + 30), room="204",
                              preparation_minutes=20, ticket_count=25, slots=slots)
    with scope(college=cast.college), time_machine.travel(BEFORE, tick=False):
        exam, _warnings = services.exam_save(college=cast.college, by=cast.admin, data=data)
        if publish:
            services.schedule_publish(college=cast.college, by=cast.admin, schedule=exam.schedule)
    return exam


def protocol_of(cast, **exam_kwargs) -> Protocol:
    """The exam's protocol, opened by the secretary on the day."""
    exam = exam_of(cast, **exam_kwargs)
    with scope(college=cast.college), time_machine.travel(ON_THE_DAY, tick=False):
        return services.protocol_open(college=cast.college, by=cast.staff, exam=exam)
