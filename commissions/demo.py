"""The demo's attestation session (``make run``, ``seed_demo``): the demo college's final commission, approved by
the head's order, with the demo ``secretary`` account as its secretary; the admission order; a published schedule;
today's final exam of the software group ПО-23-1, its protocol opened and the first rows recorded, so that the
secretary can go on recording at once and the administrator sees a session under way.

Every step goes through the services, as the administrator and the secretary take it: each one's rules are checked
(a demo that broke one would fail to seed) and each leaves its audit entries and documents. Seeded once, with the
rest of the demo.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django_scopes import scope

from attestation.models import College, Discipline, Group, User, academic_year_bounds, academic_year_of
from attestation.services import campaign_save
from grading import selectors as grading_selectors
from grading.services import admission_order_issue

from . import services
from .models import Exam

DEMO_ORDER = "112-Б"
# (full name, role, affiliation, organisation, position): five voting members, four of them employers (COM-02,
# COM-04: an odd number, one chair), and the secretary without a vote added below.
MEMBERS = [
    ("Сейітов Бақыт Ерланұлы", "chair", "employer", "«Kaspi.kz» АҚ", "Бағдарламалық қамтамасыз ету бөлімінің басшысы"),
    ("Жұмабаева Сәуле Маратқызы", "member", "employer", "«Kolesa Group» ЖШС", "Жетекші әзірлеуші"),
    ("Ким Алина Викторовна", "member", "employer", "«EPAM Kazakhstan» ЖШС", "Тестілеу жетекшісі"),
    ("Ахметов Нұрлан Серікұлы", "member", "employer", "«Air Astana» АҚ", "IT-инфрақұрылым менеджері"),
    ("Оспанова Гүлнар Әбдірахманқызы", "member", "college", "", "Арнайы пәндер оқытушысы"),
]
QUESTIONS = "1. Деректер құрылымдары: стек пен кезек. 2. SQL сұранысын оңтайландыру. 3. Git-тегі тармақтар."
RECORDED = [(92, "Жауабы толық, мысалдары дұрыс."), (78, ""), (85, ""), (64, "Екінші сұраққа жауабы толық емес."),
            (71, ""), (88, "")]


def demo_session_landing(college: College) -> dict[str, str]:
    """The secretary's login leads to today's session of the demo, once it is seeded."""
    session = Exam.objects.filter(college=college, commission__order_number=DEMO_ORDER).first()
    if session is None:
        return {}
    return {"secretary": f"/colleges/{college.slug}/attestation/sessions/{session.pk}/protocol/ (today's session)"}


def demo_session_seed(college: College, *, admin: User, secretary: User) -> Exam:
    """The demo session (idempotent): returns today's exam of the demo, creating it with everything before it."""
    existing = Exam.objects.filter(college=college, commission__order_number=DEMO_ORDER).first()
    if existing is not None:
        return existing
    today = college.today()
    group = Group.objects.get(college=college, name="ПО-23-1")
    exam_component = Discipline.objects.get(college=college, program=group.program, code="FA-EX")
    year = academic_year_of(today)
    first_day, last_day = academic_year_bounds(year)
    with scope(college=college):
        campaign = campaign_save(college=college, by=admin, academic_year=year, name="Қорытынды аттестаттау (демо)",
                                 starts_on=max(today - timedelta(days=1), first_day),
                                 ends_on=min(today + timedelta(days=45), last_day), groups=[group])
        commission = services.commission_create(college=college, by=admin, campaign=campaign, order_number=DEMO_ORDER,
                                                order_date=campaign.starts_on - timedelta(days=40))
        for full_name, role, affiliation, organization, position in MEMBERS:
            services.member_add(college=college, by=admin, commission=commission, full_name=full_name, role=role,
                                affiliation=affiliation, organization=organization, position=position)
        services.member_add(college=college, by=admin, commission=commission, full_name=secretary.full_name,
                            role="secretary", affiliation="college", user=secretary.username)
        commission, _warnings = services.commission_approve(college=college, by=admin, commission=commission)
        # ADM-01 / ADM-02: the head's order admits the students without academic debt; only they sit the exam.
        evaluations = grading_selectors.evaluate(college=college, students=group.students.all())
        admitted = {e.student_id for e in evaluations if e.eligible}
        students = [s for s in group.students.order_by("full_name", "pk") if s.pk in admitted]
        admission_order_issue(college=college, by=admin, group=group, students=students, number="27-Қ",
                              order_date=campaign.starts_on, campaign=campaign)
        starts_at = datetime.combine(today, time(10, 0), tzinfo=ZoneInfo(college.timezone))
        exam, _warnings = services.exam_save(college=college, by=admin, data=services.ExamInput(
            commission=commission, form="oral", discipline=exam_component, title=exam_component.name_kk,
            starts_at=starts_at, ends_at=starts_at + timedelta(minutes=15 * len(students)), room="305",
            preparation_minutes=20, ticket_count=25,
            slots=[services.SlotInput(student, starts_at + timedelta(minutes=15 * n), 15)
                   for n, student in enumerate(students)]))
        services.schedule_publish(college=college, by=admin, schedule=exam.schedule)
        protocol = services.protocol_open(college=college, by=secretary, exam=exam)
        for attendance in protocol.attendance.all():
            services.protocol_attendance_save(college=college, by=secretary, attendance=attendance, present=True,
                                              version=None)
        rows = list(protocol.results.order_by("slot__starts_at", "id"))
        for row, (percent, notes) in zip(rows, RECORDED, strict=False):
            services.protocol_row_save(college=college, by=secretary, result=row, version=None,
                                       fields={"percent": percent, "questions": QUESTIONS, "notes": notes})
    return exam
