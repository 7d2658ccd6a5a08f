"""Data of the grading benchmarks: a college of graduates with a curriculum, transcripts, a campaign, admissions and
published final attestation results, built once in the benchmark database and reused while its size matches."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

FA_COMPONENTS = 2


def grading_college(*, slug: str, students: int, entries: int, group_size: int, admit: bool = True):
    """The college ``slug`` with ``students`` graduates of ``entries`` transcript entries each (``entries - 2``
    curriculum components and 2 final attestation results), half on the letter system and half on the traditional
    one, in groups of ``group_size``; every student admitted when ``admit``. Returns (college, groups)."""
    from django.db import transaction
    from django_scopes import scopes_disabled

    from attestation.demo import make_iin
    from attestation.models import (
        Campaign,
        CampaignGroup,
        College,
        Discipline,
        Group,
        Program,
        Student,
        TranscriptEntry,
    )
    from attestation.services import transcript_grade
    from grading.models import Admission, AdmissionOrder

    with scopes_disabled():
        college = College.objects.filter(slug=slug).first()
        if college is not None:
            count = Student.objects.filter(college=college).count()
            rows = TranscriptEntry.objects.filter(college=college).count()
            if count == students and rows == students * entries:
                return college, list(Group.objects.filter(college=college).order_by("id"))
            raise SystemExit(f"college {slug} exists with other figures ({count} students, {rows} entries): "
                             f"drop the benchmark database to rebuild it")
        rng = random.Random(20270601)
        with transaction.atomic():
            college = College.objects.create(slug=slug, name_kk=f"{slug} колледжі", name_ru=f"Колледж {slug}",
                                             name_en=f"{slug} college", region="almaty_city", language="kk")
            today = college.today()
            campaign = Campaign.objects.create(college=college, academic_year="2026-2027",
                                               starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=20))
            programs, curricula = [], {}
            for n, system in enumerate(("letter", "traditional")):
                program = Program.objects.create(
                    college=college, code=f"0{n + 1}130100", name=f"Program {n + 1}", name_kk=f"Мамандық {n + 1}",
                    grading_system=system, qualification="4S01130101 Техник", qualification_kk="4S01130101 Техник")
                programs.append(program)
                curricula[program.pk] = Discipline.objects.bulk_create([
                    Discipline(college=college, program=program, code=f"D{k:02d}", name=f"Subject {k}",
                               name_kk=f"Пән {k}", kind="subject", credits=Decimal(rng.choice((2, 3, 4, 5))),
                               semester=1 + k % 7)
                    for k in range(entries - FA_COMPONENTS)] + [
                    Discipline(college=college, program=program, code=code, name=name, name_kk=name_kk, kind=kind,
                               is_final_attestation=True, semester=8)
                    for code, name, name_kk, kind in (("FA-DP", "Diploma project defence", "Дипломдық жобаны қорғау",
                                                       "diploma"),
                                                      ("FA-EX", "Final exam", "Қорытынды емтихан", "module"))])
            groups = Group.objects.bulk_create([
                Group(college=college, program=programs[g % 2], name=f"G-{g + 1:03d}", year_of_study=4)
                for g in range(-(-students // group_size))])
            CampaignGroup.objects.bulk_create([CampaignGroup(college=college, campaign=campaign, group=g)
                                               for g in groups])
            iins: set[str] = set()
            people = []
            for n in range(students):
                female = n % 2 == 1
                iin = make_iin(rng, date(2006, 1 + n % 12, 1 + n % 28), female)
                while iin in iins:
                    iin = make_iin(rng, date(2006, 1 + n % 12, 1 + n % 28), female)
                iins.add(iin)
                people.append(Student(college=college, group=groups[n // group_size], iin=iin,
                                      full_name=f"Түлек {n:05d} Әлиұлы"))
            people = Student.objects.bulk_create(people)
            # Strong students: most grades 85–100 (a third of them earn honours), a few retakes and failures.
            grades = {p: transcript_grade(p) for p in range(0, 101)}
            held = today - timedelta(days=200)
            announced = today - timedelta(days=5)
            rows = []
            for n, student in enumerate(people):
                program_id = groups[n // group_size].program_id
                for discipline in curricula[program_id]:
                    if discipline.is_final_attestation:
                        percent = 30 if n % 97 == 0 else rng.randint(80, 100)
                        rows.append(TranscriptEntry(college=college, student=student, discipline=discipline,
                                                    held_on=announced, announced_on=announced,
                                                    is_final_attestation=True, **grades[percent]))
                    else:
                        percent = rng.randint(84, 100) if n % 3 else rng.randint(60, 100)
                        rows.append(TranscriptEntry(college=college, student=student, discipline=discipline,
                                                    held_on=held, **grades[percent]))
            TranscriptEntry.objects.bulk_create(rows, batch_size=5000)
            if admit:
                for group in groups:
                    order = AdmissionOrder.objects.create(college=college, campaign=campaign, group=group,
                                                          number=f"{group.name}-1",
                                                          order_date=today - timedelta(days=25))
                    Admission.objects.bulk_create([
                        Admission(college=college, campaign=campaign, student=s, order=order)
                        for s in people if s.group_id == group.pk])
        return college, groups
