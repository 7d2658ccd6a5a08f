"""Small builders for test data. They write through the ORM directly (fast); behaviour under test goes
through services, the API and pages."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django_scopes import scopes_disabled
from knox.models import AuthToken

from attestation.demo import make_iin
from attestation.models import (
    College,
    Discipline,
    Document,
    Group,
    Membership,
    Program,
    Role,
    Student,
    TranscriptEntry,
    User,
)
from attestation.services import transcript_grade

PASSWORD = "correct-horse-battery-staple"
_rng = random.Random(7)
_serial = itertools.count(1)


def valid_iin(female: bool = False) -> str:
    return make_iin(_rng, date(2007, _rng.randint(1, 12), _rng.randint(1, 28)), female)


def user_make(username: str, **fields) -> User:
    user = User.objects.create(username=username, full_name=fields.pop("full_name", username.title()), **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


_tokens: dict[int, str] = {}


def token_for(user: User) -> str:
    """An API token of the user (one per user and test: the same key again while it exists)."""
    key = _tokens.get(user.pk)
    if key is None or not AuthToken.objects.filter(user=user, token_key=key[:15]).exists():
        # Without an expiry: many tests travel months ahead to a session day.
        key = _tokens[user.pk] = AuthToken.objects.create(user=user, expiry=None)[1]
    return key


@dataclass
class CollegeCast:
    """One college with an administrator, a staff member (secretary), two students with accounts, a
    program with a curriculum, grades and a transcript document."""

    college: College
    admin: User
    staff: User
    student_user: User
    other_student_user: User
    program: Program
    group: Group
    disciplines: list[Discipline]
    student: Student
    other_student: Student
    entries: list[TranscriptEntry] = field(default_factory=list)
    document: Document | None = None
    membership_admin: Membership | None = None


def college_cast(slug: str, *, medical: bool = False, language: str = "kk") -> CollegeCast:
    with scopes_disabled():
        college = College.objects.create(slug=slug, name_kk=f"{slug} колледжі", name_ru=f"Колледж {slug}",
                                         name_en=f"{slug} college", region="astana", language=language)
        admin = user_make(f"{slug}-admin")
        staff = user_make(f"{slug}-secretary")
        student_user = user_make(f"{slug}-student")
        other_student_user = user_make(f"{slug}-student2")
        membership_admin = Membership.objects.create(college=college, user=admin, role=Role.ADMIN)
        Membership.objects.create(college=college, user=staff, role=Role.STAFF)
        Membership.objects.create(college=college, user=student_user, role=Role.STUDENT)
        Membership.objects.create(college=college, user=other_student_user, role=Role.STUDENT)
        program = Program.objects.create(college=college, code=f"P{next(_serial):07d}", name="Nursing",
                                         name_kk="Мейіргер ісі", name_ru="Сестринское дело", is_medical=medical)
        group = Group.objects.create(college=college, program=program, name=f"{slug.upper()}-1", year_of_study=3)
        disciplines = [
            Discipline.objects.create(college=college, program=program, code=code, name=name, name_kk=kk,
                                      kind=kind, credits=Decimal(credits), semester=semester)
            for code, name, kk, kind, credits, semester in [
                ("ANF-01", "Anatomy", "Анатомия", "module", 5, 1),
                ("KZ-01", "Kazakh", "Қазақ тілі", "subject", 3, 1),
                ("PR-01", "Practice", "Өндірістік практика", "practice", 4, 2),
            ]
        ]
        student = Student.objects.create(college=college, group=group, iin=valid_iin(),
                                         full_name="Әбілов Ерлан Серікұлы", user=student_user)
        other = Student.objects.create(college=college, group=group, iin=valid_iin(True),
                                       full_name="Қасымова Айгерім Нұрланқызы", user=other_student_user)
        entries = []
        for person, percents in ((student, (94.5, 81, 67)), (other, (55, 90, 100))):
            for discipline, percent in zip(disciplines, percents, strict=True):
                entries.append(TranscriptEntry.objects.create(
                    college=college, student=person, discipline=discipline, held_on=date(2026, 1, 15),
                    **transcript_grade(percent)))
        document = Document.objects.create(college=college, kind="transcript", subject_id=student.pk,
                                           student=student, title="Transcript", language="kk", payload={},
                                           input_hash=f"{slug}-hash")
        return CollegeCast(college, admin, staff, student_user, other_student_user, program, group, disciplines,
                           student, other, entries, document, membership_admin)
