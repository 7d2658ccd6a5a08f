"""Data of the appeals benchmarks on the demo college: one exam's results (a final attestation component held
today, so the appeal window is open) for N students with accounts and API tokens, and a queue of open appeals."""

from __future__ import annotations

import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

BENCH_GROUP = "AP-BENCH-1"
EXAM_CODE = "AP-FA-EX"  # the exam whose results are appealed at once
QUEUE_CODE = "AP-FA-Q"  # results with open appeals for the administrator's queue


def _today(college) -> date:
    from django.utils import timezone

    return timezone.localtime(timezone.now(), ZoneInfo(college.timezone)).date()


def prepare(*, students: int = 200, queue: int = 30) -> dict:
    """Idempotent: (college slug, [(username, token, entry id)], the demo student's open entry id)."""
    from django.db import transaction
    from django_scopes import scopes_disabled
    from knox.models import AuthToken

    from appeals.models import Appeal
    from attestation.demo import DEMO_PASSWORD, DEMO_SLUG, make_iin
    from attestation.models import College, Discipline, Group, Membership, Student, TranscriptEntry, User
    from attestation.services import transcript_grade

    rng = random.Random(5)
    with scopes_disabled(), transaction.atomic():
        college = College.objects.get(slug=DEMO_SLUG)
        today = _today(college)
        demo_student = Student.objects.select_related("group__program").get(college=college, user__username="student")
        program = demo_student.group.program
        group, _ = Group.objects.get_or_create(college=college, name=BENCH_GROUP,
                                               defaults={"program": program, "year_of_study": 4})
        disciplines = {}
        for code in (EXAM_CODE, QUEUE_CODE):
            disciplines[code], _ = Discipline.objects.get_or_create(
                college=college, program=program, code=code,
                defaults={"name": "Final exam (bench)", "name_kk": "Қорытынды емтихан (bench)", "kind": "module",
                          "is_final_attestation": True, "semester": 8})
        used = set(Student.objects.filter(college=college).values_list("iin", flat=True))
        people = []
        for index in range(students):
            username = f"ap-bench-{index:03d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, full_name=f"Bench Student {index:03d}")
                user.set_password(DEMO_PASSWORD)
                user.save()
                Membership.objects.create(college=college, user=user, role="student")
            student = Student.objects.filter(college=college, user=user).first()
            if student is None:
                while True:
                    iin = make_iin(rng, date(2006, 1 + index % 12, 1 + index % 28), index % 2 == 0)
                    if iin not in used:
                        used.add(iin)
                        break
                student = Student.objects.create(college=college, group=group, iin=iin, user=user,
                                                 full_name=f"Bench Student {index:03d}")
            people.append((username, AuthToken.objects.create(user=user)[1], student))
        entries = {}
        for code, owners in ((EXAM_CODE, [p[2] for p in people]), (QUEUE_CODE, [p[2] for p in people[:queue]]
                                                                    + [demo_student])):
            for student in owners:
                entry, _ = TranscriptEntry.objects.update_or_create(
                    college=college, student=student, discipline=disciplines[code], attempt=1,
                    defaults={"held_on": today, "announced_on": today, "is_final_attestation": True,
                              "source": "bench", **transcript_grade(55 + student.pk % 40)})
                entries[(code, student.pk)] = entry
        # The queue: open appeals of the first students (received today, due in 3 working days).
        from attestation.calendar import working_calendar

        due = working_calendar().add_working_days(today, 3)
        for _username, _token, student in people[:queue]:
            entry = entries[(QUEUE_CODE, student.pk)]
            if not Appeal.objects.filter(college=college, transcript_entry=entry).exists():
                from django.utils import timezone

                Appeal.objects.create(college=college, student=student, transcript_entry=entry, reason="bench",
                                      received_at=timezone.now() - timedelta(minutes=5), filing_deadline=today,
                                      decision_due=due)
        # The exam's results start without appeals in every run.
        Appeal.objects.filter(college=college, transcript_entry__discipline=disciplines[EXAM_CODE]).delete()
        own = entries[(QUEUE_CODE, demo_student.pk)]
        Appeal.objects.filter(college=college, transcript_entry=own).delete()
    return {"college": DEMO_SLUG, "people": [(u, t, entries[(EXAM_CODE, s.pk)].pk) for u, t, s in people],
            "student_entry": own.pk}
