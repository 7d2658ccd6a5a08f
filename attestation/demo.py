"""Demo data: a medical-technical college with two programs (one medical), four groups, 84 students
with valid IINs, a curriculum and transcripts over the study period; a second, smaller college for
the college switcher. Deterministic (seeded), so the printed logins and the data are the same on
every machine.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django_scopes import scopes_disabled

from .audit import audit_log
from .calendar import WorkingCalendar
from .models import (
    AttemptReason,
    College,
    Discipline,
    Group,
    Membership,
    Program,
    Role,
    Student,
    TranscriptEntry,
    User,
    kz_reference,
)
from .rules import iin_control_digit
from .services import transcript_grade

DEMO_PASSWORD = "demo-attestation-2026"
DEMO_SLUG = "almaty-mtc"
SECOND_SLUG = "shymkent-poly"


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    password: str
    where: str


@dataclass(frozen=True)
class DemoPart:
    """A domain app's part of the demo (commissions: today's session), registered in its ``AppConfig.ready``: the
    foundation seeds the registry and imports no domain app. ``seed(college, *, admin, secretary)`` adds the part to
    the freshly seeded demo college, through the app's services; ``landing(college)`` gives the page a login is
    printed with (username → where), if the part has one."""

    seed: Callable[..., object]
    landing: Callable[[College], dict[str, str]]


_parts: list[DemoPart] = []


def demo_part_register(part: DemoPart) -> None:
    """Add a part to the demo, seeded in the order registered (the apps' order in INSTALLED_APPS)."""
    if part not in _parts:
        _parts.append(part)


# (semester, code, kind, credits, name_kk, name_ru, name_en)
GENERAL = [
    (1, "KT-01", "subject", 4, "Қазақ тілі", "Казахский язык", "Kazakh language"),
    (1, "RT-01", "subject", 4, "Орыс тілі және әдебиеті", "Русский язык и литература",
     "Russian language and literature"),
    (1, "MAT-01", "subject", 4, "Математика", "Математика", "Mathematics"),
    (1, "INF-01", "subject", 3, "Информатика", "Информатика", "Computer science"),
    (2, "HIS-01", "subject", 3, "Қазақстан тарихы", "История Казахстана", "History of Kazakhstan"),
    (2, "PHY-01", "subject", 3, "Физика", "Физика", "Physics"),
]
NURSING = GENERAL + [
    (2, "CHE-01", "subject", 4, "Химия", "Химия", "Chemistry"),
    (2, "BIO-01", "subject", 4, "Биология", "Биология", "Biology"),
    (3, "ANF-01", "module", 6, "Адам анатомиясы мен физиологиясы", "Анатомия и физиология человека",
     "Human anatomy and physiology"),
    (3, "LAT-01", "subject", 3, "Латын тілі және медициналық терминология",
     "Латинский язык и медицинская терминология", "Latin and medical terminology"),
    (3, "MIC-01", "subject", 3, "Микробиология негіздері", "Основы микробиологии", "Fundamentals of microbiology"),
    (4, "PHA-01", "module", 5, "Фармакология", "Фармакология", "Pharmacology"),
    (4, "MIN-01", "module", 6, "Мейіргер ісінің негіздері", "Основы сестринского дела", "Fundamentals of nursing"),
    (4, "PR-01", "practice", 4, "Оқу практикасы", "Учебная практика", "Training practice"),
    (5, "MKT-01", "module", 6, "Терапиядағы мейіргер күтімі", "Сестринский уход в терапии",
     "Nursing care in internal medicine"),
    (5, "MKH-01", "module", 6, "Хирургиядағы мейіргер күтімі", "Сестринский уход в хирургии",
     "Nursing care in surgery"),
    (5, "KZH-01", "course_project", 2, "Курстық жұмыс: мейіргер процесі", "Курсовая работа: сестринский процесс",
     "Course work: the nursing process"),
    (6, "MKP-01", "module", 5, "Педиатриядағы мейіргер күтімі", "Сестринский уход в педиатрии",
     "Nursing care in paediatrics"),
    (6, "MKA-01", "module", 5, "Акушерлік және гинекологиядағы мейіргер күтімі",
     "Сестринский уход в акушерстве и гинекологии", "Nursing care in obstetrics and gynaecology"),
    (6, "PR-02", "practice", 6, "Өндірістік практика", "Производственная практика", "Clinical placement"),
    (7, "SHM-01", "module", 5, "Шұғыл медициналық көмек", "Неотложная медицинская помощь", "Emergency medical care"),
    (7, "QDS-01", "subject", 3, "Қоғамдық денсаулық сақтау", "Общественное здравоохранение", "Public health"),
    (7, "PR-03", "practice", 6, "Диплом алдындағы практика", "Преддипломная практика", "Pre-graduation placement"),
]
NURSING_FA = [
    (8, "QA-01", "module", 0, "Біліктілік емтиханы: 1-кезең (тестілеу)",
     "Квалификационный экзамен: 1 этап (тестирование)", "Qualification exam, stage 1 (testing)"),
    (8, "QA-02", "module", 0, "Біліктілік емтиханы: 2-кезең (клиникалық станциялар)",
     "Квалификационный экзамен: 2 этап (клинические станции)", "Qualification exam, stage 2 (clinical stations)"),
]
SOFTWARE = GENERAL + [
    (2, "ENG-01", "subject", 3, "Ағылшын тілі", "Английский язык", "English"),
    (2, "ALG-01", "subject", 4, "Алгоритмдеу негіздері", "Основы алгоритмизации", "Fundamentals of algorithms"),
    (3, "PY-01", "module", 6, "Python тілінде бағдарламалау", "Программирование на Python", "Programming in Python"),
    (3, "NET-01", "module", 4, "Компьютерлік желілер", "Компьютерные сети", "Computer networks"),
    (3, "DB-01", "module", 5, "Дерекқорлар", "Базы данных", "Databases"),
    (4, "WEB-01", "module", 6, "Веб-бағдарламалау", "Веб-программирование", "Web programming"),
    (4, "OS-01", "subject", 3, "Операциялық жүйелер", "Операционные системы", "Operating systems"),
    (4, "PR-01", "practice", 4, "Оқу практикасы", "Учебная практика", "Training practice"),
    (5, "OOP-01", "module", 6, "Объектіге бағытталған бағдарламалау", "Объектно-ориентированное программирование",
     "Object-oriented programming"),
    (5, "QA-01", "module", 4, "Бағдарламалық қамтамасыз етуді тестілеу", "Тестирование программного обеспечения",
     "Software testing"),
    (5, "KZH-01", "course_project", 2, "Курстық жоба: дерекқоры бар қосымша",
     "Курсовой проект: приложение с базой данных", "Course project: a database application"),
    (6, "MOB-01", "module", 5, "Мобильді қосымшаларды әзірлеу", "Разработка мобильных приложений",
     "Mobile application development"),
    (6, "SEC-01", "subject", 3, "Ақпараттық қауіпсіздік", "Информационная безопасность", "Information security"),
    (6, "PR-02", "practice", 6, "Өндірістік практика", "Производственная практика", "Industrial placement"),
    (7, "PM-01", "module", 4, "Бағдарламалық жобаларды басқару", "Управление программными проектами",
     "Software project management"),
    (7, "BUS-01", "subject", 2, "Кәсіпкерлік негіздері", "Основы предпринимательства",
     "Fundamentals of entrepreneurship"),
    (7, "PR-03", "practice", 6, "Диплом алдындағы практика", "Преддипломная практика", "Pre-graduation placement"),
]
SOFTWARE_FA = [
    (8, "FA-DP", "diploma", 0, "Дипломдық жобаны қорғау", "Защита дипломного проекта", "Diploma project defence"),
    (8, "FA-EX", "module", 0, "Қорытынды емтихан: бағдарламалау", "Итоговый экзамен: программирование",
     "Final exam: programming"),
]

# When each semester's grades were held, by the year the group was admitted.
SEMESTER_END = {1: (0, 12, 18), 2: (1, 5, 27), 3: (1, 12, 17), 4: (2, 5, 26), 5: (2, 12, 16), 6: (3, 5, 25),
                7: (3, 11, 11)}


def make_iin(rng: random.Random, birth: date, female: bool) -> str:
    """A valid IIN: birth date YYMMDD, century-and-sex digit (5/6 for 2000–2099), 4 digits, control."""
    while True:
        first = f"{birth:%y%m%d}{6 if female else 5}{rng.randint(0, 9999):04d}"
        control = iin_control_digit(first)
        if control is not None:
            return first + str(control)


def make_name(rng: random.Random, female: bool, russian_style: bool) -> str:
    ref = kz_reference()
    surname = rng.choice(ref["surnames_female" if female else "surnames_male"])
    given = rng.choice(ref["given_names_female" if female else "given_names_male"])
    father = rng.choice(ref["given_names_male"])
    suffixes = ("овна", "ович") if russian_style else ("қызы", "ұлы")
    patronymic = father + (suffixes[0] if female else suffixes[1])
    return f"{surname} {given} {patronymic}"


def _held_on(calendar: WorkingCalendar, admitted: int, semester: int, offset: int) -> date:
    years, month, day = SEMESTER_END[semester]
    start = date(admitted + years, month, day)
    return calendar.add_working_days(calendar.subtract_working_days(start, 6), offset % 6)


def _curriculum(college: College, program: Program, rows: list, fa: bool) -> list[Discipline]:
    return [
        Discipline.objects.create(
            college=college, program=program, semester=sem, code=code, kind=kind,
            credits=Decimal(credits) if credits else None, hours=credits * 24 if credits else None,
            name=en, name_kk=kk, name_ru=ru, is_final_attestation=fa)
        for sem, code, kind, credits, kk, ru, en in rows
    ]


def _transcripts(rng: random.Random, calendar: WorkingCalendar, college: College, students: list[Student],
                 disciplines: list[Discipline], admitted: int, last_semester: int) -> list[TranscriptEntry]:
    entries = []
    for index, student in enumerate(students):
        # A few excellent students (honours candidates), a few with an unresolved debt, the rest spread.
        ability = 96 if index < 2 else rng.gauss(78, 9)
        debtor = index in (len(students) - 1, len(students) - 2)
        for offset, discipline in enumerate(disciplines):
            if discipline.semester > last_semester:
                continue
            percent = max(20, min(100, round(rng.gauss(ability, 4 if index < 2 else 8))))
            held_on = _held_on(calendar, admitted, discipline.semester, offset)
            if debtor and discipline.semester == last_semester and offset % 3 == 0:
                percent = rng.randint(30, 45)  # failed, no retake yet: academic debt (ADM-01)
            entries.append(TranscriptEntry(college=college, student=student, discipline=discipline, attempt=1,
                                           attempt_reason=AttemptReason.FIRST, held_on=held_on,
                                           **transcript_grade(percent)))
            if percent < 50 and not debtor:
                retake_on = calendar.add_working_days(held_on, 10)
                entries.append(TranscriptEntry(college=college, student=student, discipline=discipline, attempt=2,
                                               attempt_reason=AttemptReason.RETAKE_AFTER_FAIL, held_on=retake_on,
                                               **transcript_grade(rng.randint(55, 75))))
    return entries


def _user(username: str, full_name: str, **extra) -> User:
    user, _created = User.objects.get_or_create(username=username, defaults={"full_name": full_name, **extra})
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@transaction.atomic
def demo_seed(*, students_per_group: int = 21) -> list[Login]:
    """Create the demo colleges (once) and return the logins to print."""
    rng = random.Random(2026)
    calendar = WorkingCalendar()
    with scopes_disabled():
        if not College.objects.filter(slug=DEMO_SLUG).exists():
            _seed_main(rng, calendar, students_per_group)
            _seed_second(rng, calendar)
            for part in _parts:
                part.seed(College.objects.get(slug=DEMO_SLUG), admin=User.objects.get(username="admin"),
                          secretary=User.objects.get(username="secretary"))
        college = College.objects.get(slug=DEMO_SLUG)
        landing = {username: where for part in _parts for username, where in part.landing(college).items()}
    secretary_page = landing.get("secretary", f"/colleges/{DEMO_SLUG}/")
    chair_page = landing.get("chair", f"/colleges/{DEMO_SLUG}/")
    return [
        Login("operator", "operator", DEMO_PASSWORD, "/admin/"),
        Login("administrator", "admin", DEMO_PASSWORD, f"/colleges/{DEMO_SLUG}/ (and {SECOND_SLUG})"),
        Login("secretary", "secretary", DEMO_PASSWORD, secretary_page),
        Login("commission chair", "chair", DEMO_PASSWORD, chair_page),
        Login("student", "student", DEMO_PASSWORD, f"/colleges/{DEMO_SLUG}/me/"),
        Login("ministry", "ministry", DEMO_PASSWORD, landing.get("ministry", "/monitoring/")),
        Login("region", "region", DEMO_PASSWORD, landing.get("region", "/monitoring/ (Almaty city's colleges only)")),
        *([Login("representative", "representative", DEMO_PASSWORD, landing["representative"])]
          if "representative" in landing else []),
    ]


def _seed_main(rng: random.Random, calendar: WorkingCalendar, per_group: int) -> None:
    college = College.objects.create(
        slug=DEMO_SLUG, name_kk="Алматы медициналық-техникалық колледжі",
        name_ru="Алматинский медико-технический колледж", name_en="Almaty Medical and Technical College",
        region="almaty_city", territory=College.Territory.CITY, kind=College.Kind.COLLEGE,
        language="kk", timezone="Asia/Almaty")
    operator = _user("operator", "Платформа операторы", is_superuser=True, is_staff=True)
    admin = _user("admin", "Сәрсенова Гүлнар Ерланқызы")
    secretary = _user("secretary", "Омаров Дәурен Асқарұлы")
    _user("ministry", "Министрлік сарапшысы", authority=User.Authority.MINISTRY)
    Membership.objects.create(college=college, user=admin, role=Role.ADMIN)
    Membership.objects.create(college=college, user=secretary, role=Role.STAFF)

    nursing = Program.objects.create(
        college=college, code="09130100", name="Nursing", name_kk="Мейіргер ісі", name_ru="Сестринское дело",
        qualification="4S09130103 General practice nurse", qualification_kk="4S09130103 Жалпы практикадағы мейіргер",
        qualification_ru="4S09130103 Медицинская сестра общей практики", is_medical=True,
        grading_system=Program.GradingSystem.LETTER, fa_scheme=Program.FaScheme.MEDICAL_EXAM)
    software = Program.objects.create(
        college=college, code="06130100", name="Software engineering", name_kk="Бағдарламалық қамтамасыз ету",
        name_ru="Программное обеспечение", qualification="4S06130105 Software technician",
        qualification_kk="4S06130105 Бағдарламалық қамтамасыз ету технигі",
        qualification_ru="4S06130105 Техник-программист", is_medical=False,
        grading_system=Program.GradingSystem.LETTER, fa_scheme=Program.FaScheme.PROJECT_PLUS_EXAM)
    curricula = {
        nursing.pk: _curriculum(college, nursing, NURSING, False) + _curriculum(college, nursing, NURSING_FA, True),
        software.pk: _curriculum(college, software, SOFTWARE, False)
        + _curriculum(college, software, SOFTWARE_FA, True),
    }
    groups = [
        # (name, program, year of study, admitted, last completed semester)
        ("МІ-23-1", nursing, 4, 2023, 7), ("МІ-24-1", nursing, 3, 2024, 4),
        ("ПО-23-1", software, 4, 2023, 7), ("ПО-24-1", software, 3, 2024, 4),
        ("ПО-23-2", software, 4, 2023, 7),  # its final attestation held in the days before today
    ]
    entries: list[TranscriptEntry] = []
    demo_student = None
    for name, program, year, admitted, last_semester in groups:
        group = Group.objects.create(college=college, program=program, name=name, year_of_study=year)
        students = []
        for _n in range(per_group):
            female = rng.random() < (0.8 if program.is_medical else 0.35)
            birth = date(admitted - 16, 1, 1).replace(month=rng.randint(1, 12), day=rng.randint(1, 28))
            students.append(Student(college=college, group=group, full_name=make_name(rng, female, False),
                                    iin=make_iin(rng, birth, female)))
        students = Student.objects.bulk_create(students)
        students = list(Student.objects.filter(college=college, group=group).order_by("pk"))
        entries += _transcripts(rng, calendar, college, students, curricula[program.pk], admitted, last_semester)
        if name == "ПО-23-1":
            demo_student = students[0]
    TranscriptEntry.objects.bulk_create(entries, batch_size=1000)
    student_user = _user("student", demo_student.full_name)
    Membership.objects.create(college=college, user=student_user, role=Role.STUDENT)
    demo_student.user = student_user
    demo_student.save(update_fields=["user"])
    _user("region", "Алматы қаласы білім басқармасы", authority=User.Authority.REGION,
          authority_region="almaty_city")
    audit_log(action="demo.seeded", college=college, actor=operator,
              data={"students": Student.objects.filter(college=college).count(), "entries": len(entries)})


def _seed_second(rng: random.Random, calendar: WorkingCalendar) -> None:
    college = College.objects.create(
        slug=SECOND_SLUG, name_kk="Шымкент жоғары политехникалық колледжі",
        name_ru="Шымкентский высший политехнический колледж", name_en="Shymkent Higher Polytechnic College",
        region="shymkent", territory=College.Territory.CITY, kind=College.Kind.HIGHER_COLLEGE, language="ru")
    admin = User.objects.get(username="admin")
    Membership.objects.create(college=college, user=admin, role=Role.ADMIN)
    program = Program.objects.create(
        college=college, code="07140100", name="Electrical engineering", name_kk="Электр техникасы",
        name_ru="Электротехника", qualification_ru="Техник-электрик", grading_system=Program.GradingSystem.TRADITIONAL,
        fa_scheme=Program.FaScheme.DIPLOMA_WORK)
    disciplines = _curriculum(college, program, GENERAL, False)
    group = Group.objects.create(college=college, program=program, name="ЭТ-24-1", year_of_study=3)
    students = []
    for _n in range(10):
        female = rng.random() < 0.3
        students.append(Student(college=college, group=group, full_name=make_name(rng, female, True),
                                iin=make_iin(rng, date(2008, rng.randint(1, 12), rng.randint(1, 28)), female)))
    Student.objects.bulk_create(students)
    students = list(Student.objects.filter(college=college))
    TranscriptEntry.objects.bulk_create(_transcripts(rng, calendar, college, students, disciplines, 2024, 2))
