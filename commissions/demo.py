"""The demo's attestation session (``make run``, ``seed_demo``): the demo college's final commission, approved by
the head's order, with the demo ``secretary`` account as its secretary; the admission order; a published schedule;
today's final exam of the software group ПО-23-1, its protocol opened and the first rows recorded, so that the
secretary can go on recording at once and the administrator sees a session under way.

Every step goes through the services, as the administrator and the secretary take it: each one's rules are checked
(a demo that broke one would fail to seed) and each leaves its audit entries and documents. Seeded once, with the
rest of the demo.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from attestation.calendar import WorkingCalendar
from attestation.demo import DEMO_PASSWORD
from attestation.models import (
    Campaign,
    College,
    Discipline,
    Group,
    Membership,
    Role,
    User,
    academic_year_bounds,
    academic_year_of,
)
from attestation.services import campaign_save
from grading import rules as grading_rules
from grading import selectors as grading_selectors
from grading.services import admission_order_issue

from . import services
from .models import Commission, Exam

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


# --- A finished campaign -------------------------------------------------------------------------------------------
# Group ПО-23-2 held its final attestation in the days before today: the diploma works were submitted in time, the
# head admitted the students without debt, the schedule was published, the defences and the final exam were held
# and their protocols signed in the portal by the members present and closed. The administrator can issue the
# group's diploma decisions at once, and confirm the honours the rules propose. Every step goes through the services
# on the day it happened (time-machine sets the clock), so each rule of the regulation is checked as it would be.

FINISHED_GROUP = "ПО-23-2"
FINISHED_ORDER = "98-Б"
# (full name, role, affiliation, organisation, position, login): the voting members sign in the portal.
FINISHED_MEMBERS = [
    ("Сейітов Бақыт Ерланұлы", "chair", "employer", "«Kaspi.kz» АҚ", "Бағдарламалық қамтамасыз ету бөлімінің басшысы",
     "chair"),
    ("Жұмабаева Сәуле Маратқызы", "member", "employer", "«Kolesa Group» ЖШС", "Жетекші әзірлеуші", "member1"),
    ("Ким Алина Викторовна", "member", "employer", "«EPAM Kazakhstan» ЖШС", "Тестілеу жетекшісі", "member2"),
    ("Ахметов Нұрлан Серікұлы", "member", "employer", "«Air Astana» АҚ", "IT-инфрақұрылым менеджері", "member3"),
    ("Оспанова Гүлнар Әбдірахманқызы", "member", "college", "", "Арнайы пәндер оқытушысы", "member4"),
]
TOPICS = ["Колледждің электрондық кітапханасына арналған веб-қосымша", "Дәріхана қоймасын есепке алу жүйесі",
          "Автосервиске жазылуға арналған мобильді қосымша", "Мектеп асханасына тапсырыс беру сервисі",
          "Қонақүйді брондау жүйесінің серверлік бөлігі", "IT-компанияның өтінімдерді өңдеу жүйесі"]
DEFENCE_QUESTIONS = "1. Дерекқордың құрылымын неге осылай таңдадыңыз? 2. Жүйенің қауіпсіздігі қалай қамтамасыз етілген?"
EXAM_QUESTIONS = "1. Объектіге бағытталған бағдарламалаудың принциптері. 2. SQL JOIN түрлері. 3. REST API."


def _demo_files() -> dict[str, bytes]:
    """Small real PDFs standing for a student's work, its review and its presentation."""
    from attestation.documents.render import pdf_from_html

    return {name: pdf_from_html(f"<h1>{title}</h1><p>Демо файл / демонстрационный файл.</p>")
            for name, title in (("file", "Дипломдық жоба"), ("review", "Пікір"), ("presentation", "Презентация"))}


def _finished_days(college: College, calendar) -> tuple[date, date, date, date]:
    """The campaign's start, defence day, exam day and end: the exam three working days ago (its appeal window
    over), the defences two working days before it, all in one academic year."""
    exam_day = calendar.subtract_working_days(college.today(), 3)
    while True:
        defence_day = calendar.subtract_working_days(exam_day, 2)
        starts_on, ends_on = calendar.subtract_working_days(defence_day, 1), calendar.add_working_days(exam_day, 1)
        if academic_year_of(starts_on) == academic_year_of(ends_on):
            return starts_on, defence_day, exam_day, ends_on
        exam_day = calendar.subtract_working_days(exam_day, 1)


def _held(college: College, *, secretary: User, signers: list[User], exam: Exam, percents: dict[int, int],
          questions: str, closes_at: datetime) -> None:
    """A session held on its day: opened, everyone present, every admitted student graded, signed, closed."""
    with time_machine.travel(exam.starts_at - timedelta(minutes=10), tick=False):
        protocol = services.protocol_open(college=college, by=secretary, exam=exam)
        for attendance in protocol.attendance.all():
            services.protocol_attendance_save(college=college, by=secretary, attendance=attendance, present=True,
                                              version=None)
    for row in protocol.results.select_related("slot").order_by("slot__starts_at", "id"):
        with time_machine.travel(row.slot.starts_at + timedelta(minutes=row.slot.minutes - 1), tick=False):
            services.protocol_row_save(college=college, by=secretary, result=row, version=None,
                                       fields={"percent": percents[row.student_id], "questions": questions})
    with time_machine.travel(closes_at, tick=False):
        protocol.refresh_from_db()
        for user in signers:
            services.protocol_sign(college=college, by=user, protocol=protocol)
        services.protocol_close(college=college, by=secretary, protocol=protocol)


def demo_finished_landing(college: College) -> dict[str, str]:
    """The chair's login leads to the finished campaign's signed defence protocol, once it is seeded."""
    defence = Exam.objects.filter(college=college, commission__order_number=FINISHED_ORDER,
                                  form=Exam.Form.DEFENCE).first()
    if defence is None:
        return {}
    page = f"/colleges/{college.slug}/attestation/sessions/{defence.pk}/protocol/"
    return {"chair": f"{page} (ПО-23-2's defences, signed)"}


def demo_finished_campaign_seed(college: College, *, admin: User, secretary: User,
                                password: str = DEMO_PASSWORD) -> Campaign:
    """The finished campaign of group ПО-23-2 (idempotent): returns its campaign."""
    existing = Commission.objects.filter(college=college, order_number=FINISHED_ORDER).select_related("campaign")
    if existing.exists():
        return existing.first().campaign
    calendar = WorkingCalendar()
    starts_on, defence_day, exam_day, ends_on = _finished_days(college, calendar)
    zone = ZoneInfo(college.timezone)

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    group = Group.objects.get(college=college, name=FINISHED_GROUP)
    exam_component = Discipline.objects.get(college=college, program=group.program, code="FA-EX")
    signers = []
    for full_name, *_details, username in FINISHED_MEMBERS:
        user, _created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
        user.set_password(password)
        user.save()
        Membership.objects.get_or_create(college=college, user=user, defaults={"role": Role.STAFF})
        signers.append(user)
    rng = random.Random(2027)
    with scope(college=college):
        # Six weeks before: the campaign and the head's order forming the commission (COM-05: a month ahead).
        with time_machine.travel(at(starts_on - timedelta(days=45), 9), tick=False):
            campaign = campaign_save(college=college, by=admin, academic_year=academic_year_of(starts_on),
                                     name="Қорытынды аттестаттау: ПО-23-2", starts_on=starts_on, ends_on=ends_on,
                                     groups=[group])
            commission = services.commission_create(college=college, by=admin, campaign=campaign,
                                                    order_number=FINISHED_ORDER,
                                                    order_date=starts_on - timedelta(days=40))
            for (full_name, role, affiliation, organization, position, _login), user in zip(
                    FINISHED_MEMBERS, signers, strict=True):
                services.member_add(college=college, by=admin, commission=commission, full_name=full_name, role=role,
                                    affiliation=affiliation, organization=organization, position=position,
                                    user=user.username)
            services.member_add(college=college, by=admin, commission=commission, full_name=secretary.full_name,
                                role="secretary", affiliation="college", user=secretary.username)
            commission, _warnings = services.commission_approve(college=college, by=admin, commission=commission)
        evaluations = grading_selectors.evaluate(college=college, students=group.students.all())
        students = [s for s in group.students.order_by("full_name", "pk")
                    if s.pk in {e.student_id for e in evaluations if e.eligible}]
        # Whom the rules would propose for honours once their final attestation is excellent (HON-01).
        best = {e.student_id for e in evaluations if e.eligible and e.honours is not None
                and set(e.honours.reasons) <= {grading_rules.FA_INCOMPLETE, grading_rules.FA_BELOW_A_MINUS,
                                               grading_rules.FA_NOT_EXCELLENT, grading_rules.NOT_ADMITTED}}
        # Three weeks before: the diploma projects with their reviews and presentations (DEF-06: two weeks ahead).
        files = _demo_files()
        with time_machine.travel(at(starts_on - timedelta(days=21), 15), tick=False):
            for index, student in enumerate(students):
                services.diploma_work_save(
                    college=college, by=admin, campaign=campaign, student=student, topic=TOPICS[index % len(TOPICS)],
                    supervisor="Оспанова Г. Ә.", **{name: SimpleUploadedFile(f"{name}.pdf", data, "application/pdf")
                                                    for name, data in files.items()})
        # A week before: the head's order on admission (ADM-02), the two sessions, the schedule published (SCH-05).
        published_on = calendar.subtract_working_days(defence_day, 5)
        with time_machine.travel(at(published_on, 10), tick=False):
            admission_order_issue(college=college, by=admin, group=group, students=students, number="19-Қ",
                                  order_date=published_on, campaign=campaign)
            defence, _warnings = services.exam_save(college=college, by=admin, data=services.ExamInput(
                commission=commission, form="defence", starts_at=at(defence_day, 9),
                ends_at=at(defence_day, 9) + timedelta(minutes=15 * len(students)), room="305",
                slots=[services.SlotInput(s, at(defence_day, 9) + timedelta(minutes=15 * n), 15, report_minutes=7)
                       for n, s in enumerate(students)]))
            exam, _warnings = services.exam_save(college=college, by=admin, data=services.ExamInput(
                commission=commission, form="oral", discipline=exam_component, title=exam_component.name_kk,
                starts_at=at(exam_day, 9), ends_at=at(exam_day, 9) + timedelta(minutes=15 * len(students)),
                room="305", preparation_minutes=20, ticket_count=25,
                slots=[services.SlotInput(s, at(exam_day, 9) + timedelta(minutes=15 * n), 15)
                       for n, s in enumerate(students)]))
            services.schedule_publish(college=college, by=admin, schedule=exam.schedule)
        # The results: the best students excellent at the final attestation too (honours proposed), one
        # unsatisfactory at the exam (the certificate of completion, RET-04), the rest spread.
        defence_percents, exam_percents = {}, {}
        failing = next(s.pk for s in students if s.pk not in best)
        for student in students:
            excellent = student.pk in best
            defence_percents[student.pk] = (rng.randint(95, 100) if excellent
                                            else max(55, min(98, round(rng.gauss(81, 8)))))
            exam_percents[student.pk] = (rng.randint(95, 100) if excellent else 42 if student.pk == failing
                                         else max(55, min(98, round(rng.gauss(79, 9)))))
        _held(college, secretary=secretary, signers=signers, exam=defence, percents=defence_percents,
              questions=DEFENCE_QUESTIONS, closes_at=at(defence_day, 16))
        _held(college, secretary=secretary, signers=signers, exam=exam, percents=exam_percents,
              questions=EXAM_QUESTIONS, closes_at=at(exam_day, 16))
    return campaign
