"""Bench data of the commissions benchmarks, in the demo college: an approved commission whose secretary is the demo
``secretary`` account, a published schedule, oral exams held today, each with an open protocol of N students (the
first students by name, the same rows as the bare view of bench/urls.py), results and questions filled in.

The schedule rules are tested elsewhere; here the rows are written directly (idempotent), and the protocols are
opened through the service, as the secretary opens them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

# Entries of a real protocol's length: 30 students fill three pages, as the figure assumes.
QUESTIONS = "1. Стерилизация әдістері. 2. Асептика мен антисептика ережелері. 3. Шұғыл көмек алгоритмі."
NOTES = "Жауабы толық."


def prepare(*, exams: int = 1, students: int = 30, small: int = 10) -> dict:
    """Returns {"college", "exams": [exam ids with ``students`` rows], "small_exam": an exam with ``small`` rows,
    "protocols": [protocol ids], "rows": [result ids of the first protocol]}."""
    from django.utils import timezone
    from django_scopes import scope, scopes_disabled

    from attestation.demo import DEMO_SLUG
    from attestation.models import Campaign, CampaignGroup, College, Discipline, Student, User, academic_year_of
    from commissions import services
    from commissions.demo import MEMBERS
    from commissions.models import Commission, CommissionMember, Exam, ExamSlot, ProtocolResult, Schedule

    with scopes_disabled():
        college = College.objects.get(slug=DEMO_SLUG)
        tz = ZoneInfo(college.timezone)
        today = timezone.now().astimezone(tz).date()
        secretary = User.objects.get(username="secretary")
        people = list(Student.objects.filter(college=college).select_related("group__program")
                      .order_by("full_name", "id")[:students])
        campaign = Campaign.objects.filter(college=college, name="bench-commissions").first()
        if campaign is None or not campaign.starts_on <= today <= campaign.ends_on:
            campaign = Campaign.objects.create(college=college, academic_year=academic_year_of(today),
                                               name="bench-commissions", starts_on=today - timedelta(days=1),
                                               ends_on=today + timedelta(days=30))
            for group_id in {s.group_id for s in people}:
                CampaignGroup.objects.create(college=college, campaign=campaign, group_id=group_id)
        commission, created = Commission.objects.get_or_create(
            college=college, kind="final", order_number=f"BENCH-{campaign.pk}",
            defaults={"campaign": campaign, "order_date": campaign.starts_on - timedelta(days=40),
                      "status": "approved", "approved_at": timezone.now()})
        if created:
            for name, role, affiliation, org, position in MEMBERS:  # the demo commission's people
                CommissionMember.objects.create(college=college, commission=commission, full_name=name, role=role,
                                                affiliation=affiliation, organization=org, position=position)
            CommissionMember.objects.create(college=college, commission=commission, full_name=secretary.full_name,
                                            role="secretary", affiliation="college", user=secretary)
        schedule, _ = Schedule.objects.get_or_create(college=college, campaign=campaign,
                                                     defaults={"status": "published", "published_at": timezone.now()})
        program = people[0].group.program
        component, _ = Discipline.objects.get_or_create(
            college=college, program=program, code="FA-BENCH",
            defaults={"name": "Final exam", "name_kk": "Қорытынды емтихан", "name_ru": "Итоговый экзамен",
                      "kind": "module", "is_final_attestation": True, "semester": 8})

        def exam_with(count: int, index: int) -> Exam:
            start = datetime.combine(today, time(8, 0), tzinfo=tz) + timedelta(minutes=index)
            exam = Exam.objects.filter(college=college, commission=commission, title=f"bench-{count}-{index}").first()
            if exam is None:
                exam = Exam.objects.create(college=college, schedule=schedule, commission=commission, form="oral",
                                           discipline=component, title=f"bench-{count}-{index}", starts_at=start,
                                           ends_at=start + timedelta(minutes=12 * count + 30), room="204",
                                           preparation_minutes=20, ticket_count=30)
                ExamSlot.objects.bulk_create([
                    ExamSlot(college=college, exam=exam, student=s, starts_at=start + timedelta(minutes=12 * i),
                             minutes=12) for i, s in enumerate(people[:count])])
            return exam

        exam_list = [exam_with(students, i) for i in range(exams)]
        small_exam = exam_with(small, 99)
        protocols = []
        with scope(college=college):
            for exam in exam_list + [small_exam]:
                protocol = services.protocol_open(college=college, by=secretary, exam=exam)
                protocols.append(protocol.pk)
                rows = list(ProtocolResult.objects.filter(protocol=protocol).order_by("id"))
                if rows and (rows[0].percent is None or rows[0].questions != QUESTIONS):
                    for n, row in enumerate(rows):
                        services.protocol_row_save(college=college, by=secretary, result=row, version=None,
                                                   fields={"percent": 55 + (n * 7) % 45, "questions": QUESTIONS,
                                                           "notes": NOTES})
                    for attendance in protocol.attendance.all():
                        services.protocol_attendance_save(college=college, by=secretary, attendance=attendance,
                                                          present=True, version=None)
        first_rows = list(ProtocolResult.objects.filter(protocol_id=protocols[0]).order_by("id")
                          .values_list("id", flat=True))
        return {"college": college, "exams": [e.pk for e in exam_list], "small_exam": small_exam.pk,
                "protocols": protocols[:-1], "rows": first_rows}
