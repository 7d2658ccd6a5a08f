"""Every kind of document with the longest values a college gives it: the longest names (double surnames, Kazakh and
Russian patronymics), a college with its full official name, 40 students in a protocol, an order and a schedule,
every grade word and attendance status, long organisations and positions, long questions and reasons.

Data is written directly (fast, and free to hold every case at once); each document's content is then built by its
kind's own payload builder (``document_of``) and rendered by the pipeline's own code in tests/test_documents_tidy.py."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django_scopes import scopes_disabled

from attestation.documents.kinds import get_kind
from attestation.models import (
    Campaign,
    CampaignGroup,
    College,
    Discipline,
    Document,
    Group,
    Program,
    Student,
    TranscriptEntry,
    User,
)
from attestation.services import transcript_grade

from .factories import user_make, valid_iin

ALMATY = ZoneInfo("Asia/Almaty")
EXAM_DAY = date(2027, 6, 8)
ORDER_DAY = date(2027, 4, 20)
STUDENTS = 40

COLLEGE_KK = ("Алматы облысы білім басқармасының шаруашылық жүргізу құқығындағы «Жетісу жоғары политехникалық және "
              "медициналық колледжі» мемлекеттік коммуналдық кәсіпорны")
COLLEGE_RU = ("Государственное коммунальное предприятие на праве хозяйственного ведения «Жетысуский высший "
              "политехнический и медицинский колледж» управления образования области Жетісу")
# The longest names a group holds: double surnames, long given names and patronymics, in both traditions.
LONG_NAMES = [
    "Әбдірахманова-Құрманғазиева Қарлығаш Нұрсұлтанқызы",
    "Константинопольская-Христорождественская Александра Вячеславовна",
    "Жақсыбеков-Иманғалиев Бауыржан-Темірлан Нұрсұлтанұлы",
    "Ғабдуллин Ержан Саятұлы",
    "Ким Ли",
]
PROGRAM_KK = "Ақпараттық жүйелер мен бағдарламалық қамтамасыз етуді әзірлеу, енгізу және сүйемелдеу (салалар бойынша)"
PROGRAM_RU = "Разработка, внедрение и сопровождение информационных систем и программного обеспечения (по отраслям)"
QUALIFICATION_KK = "4S06130105 Ақпараттық жүйелер мен бағдарламалық қамтамасыз етуді әзірлеу технигі-бағдарламашысы"
QUALIFICATION_RU = "4S06130105 Техник-программист по разработке информационных систем и программного обеспечения"
MEMBERS = [  # full name, role, affiliation, organisation, position
    ("Құрманғазиев Нұрсұлтан-Бауыржан Жақсыбекұлы", "chair", "employer",
     "«Қазақстан темір жолы» ұлттық компаниясы» акционерлік қоғамының Алматы өңірлік филиалы",
     "Ақпараттық технологиялар және цифрлық трансформация департаментінің бас маманы"),
    ("Константинопольская Александра Вячеславовна", "member", "employer",
     "Товарищество с ограниченной ответственностью «Международный центр информационных технологий и анализа»",
     "Руководитель отдела разработки и сопровождения корпоративных информационных систем"),
    ("Иманғалиева Салтанат Темірланқызы", "member", "employer", "«Kaspi.kz» АҚ", "Жетекші әзірлеуші"),
    ("Жақсыбекова Меруерт Бауыржанқызы", "member", "employer", "«EPAM Kazakhstan» ЖШС", "Тестілеу жетекшісі"),
    ("Оспанова Гүлнар Әбдірахманқызы", "member", "college", "", "Арнайы пәндер оқытушысы"),
    ("Христорождественский Вячеслав Александрович", "secretary", "college", "", ""),
]
QUESTIONS = ("1. Деректер құрылымдары: стек, кезек, байланысқан тізім және олардың қолданылуы. 2. SQL сұранысын "
             "индекстер арқылы оңтайландыру. 3. Git жүйесіндегі тармақтар мен біріктіру стратегиялары.")
# Every grade word and every attendance status a protocol prints, cycled over the 40 rows (the percent as
# entered, with the boundaries and a decimal).
PERCENTS = ["100", "95", "90", "89.5", "85", "80", "75", "70", "65", "60", "55", "50", "49", "30", "0"]
TRANSCRIPT_PERCENTS = ["0", "50", "70", "89.5", "90", "100"]
CURRICULUM = [  # semester, code, kind, credits, hours, name_kk, name_ru
    (1, "ҚТ-01", "subject", "4", 96, "Қазақ тілі", "Казахский язык"),
    (1, "ОООТ-01", "subject", "4.5", 108, "Орыс тілі және әдебиеті", "Русский язык и литература"),
    (3, "БМ-06.01", "module", "6", 144,
     "Кәсіби қызметте ақпараттық-коммуникациялық және цифрлық технологияларды қолдану",
     "Применение информационно-коммуникационных и цифровых технологий в профессиональной деятельности"),
    (5, "КМ-08.02", "module", "12", 288,
     "Объектіге бағытталған бағдарламалау тілдерінде бағдарламалық модульдерді әзірлеу және жөндеу",
     "Разработка и отладка программных модулей на объектно-ориентированных языках программирования"),
    (6, "ӨП-02", "practice", "6", 144, "Өндірістік практика", "Производственная практика"),
    (7, "ККЖ-01", "course_project", "2", 48, "Курстық жоба: дерекқоры бар клиент-серверлік қосымша",
     "Курсовой проект: клиент-серверное приложение с базой данных"),
]

# The monitoring (ББЖМ / МОДО): a second long-named college beside the first in the round, subjects and items as
# long as a testing centre's file and a representative write them, a seed with a long hash in it.
OTHER_COLLEGE_KK = ("Түркістан облысы білім басқармасының «Кентау көпсалалы жоғары колледжі» шаруашылық жүргізу "
                    "құқығындағы мемлекеттік коммуналдық кәсіпорны")
OTHER_COLLEGE_RU = ("Государственное коммунальное казённое предприятие «Павлодарский высший политехнический колледж "
                    "имени академика Шафика Чокина» управления образования Павлодарской области")
MONITORING_YEAR = 2027
MONITORING_DAY = date(2027, 11, 16)
MONITORING_SEED = ("KASE 2027-10-01 18:00 · sha256 "
                   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
MONITORING_SUBJECTS = ["Математика",
                       "Кәсіптік модуль: объектіге бағытталған тілдерде бағдарламалық модульдерді әзірлеу және жөндеу"]
MONITORING_ROOMS = [("Бас ғимарат, 305-аудитория", 19), ("Зертханалық корпус, 112-кабинет", 17)]
ACT_ITEMS = [
    {"item": "Ұялы телефон (смартфон), сенсорлық экранды, қорғаныш қабында, қосулы күйде", "make": "Samsung Galaxy "
     "A54 5G (SM-A546E/DS)", "count": 1},
    {"item": "Сымсыз құлаққап (Bluetooth-гарнитура) зарядтау қорабымен", "make": "Apple AirPods Pro (2-буын)",
     "count": 2},
    {"item": "Ақылды сағат", "make": "Xiaomi Redmi Watch 3 Active", "count": 1},
    {"item": "Формулалар мен есептердің шешімдері жазылған шпаргалкалар (қағаз парақтар)", "make": "", "count": 14},
    {"item": "Бағдарламаланатын инженерлік калькулятор", "make": "Casio fx-9860GIII", "count": 1},
    {"item": "Анықтамалық әдебиет: «Жоғары математика есептерінің жинағы», 2-басылым", "make": "", "count": 1},
]
REPRESENTATIVE = "Христорождественская-Константинопольская Валентина-Александра Вячеславовна"
OUTSIDER = "Жақсыбеков-Құрманғазиев Нұрсұлтан-Бауыржан Темірланұлы"


@dataclass
class LongCollege:
    college: College
    admin: User
    students: list[Student]
    subjects: dict[str, int]  # document kind → subject id


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ALMATY)


def long_college(slug: str = "long-values") -> LongCollege:
    """A college with one subject of every document kind, each as long as it gets."""
    from appeals.models import Appeal
    from commissions.models import (
        Commission,
        CommissionMember,
        Exam,
        ExamSlot,
        Protocol,
        ProtocolAmendment,
        ProtocolAttendance,
        ProtocolResult,
        ProtocolSignature,
        Schedule,
        TechnicalFailureAct,
    )
    from grading.models import Admission, AdmissionOrder, DiplomaDecision

    with scopes_disabled():
        college = College.objects.create(slug=slug, name_kk=COLLEGE_KK, name_ru=COLLEGE_RU, name_en=COLLEGE_RU,
                                         region="jetisu", language="kk")
        admin = user_make(f"{slug}-admin")
        program = Program.objects.create(college=college, code="06130100", name=PROGRAM_RU, name_kk=PROGRAM_KK,
                                         name_ru=PROGRAM_RU, qualification=QUALIFICATION_RU,
                                         qualification_kk=QUALIFICATION_KK, qualification_ru=QUALIFICATION_RU,
                                         fa_scheme=Program.FaScheme.PROJECT_PLUS_EXAM)
        group = Group.objects.create(college=college, program=program, name="АЖБҚЕ-23-1к", year_of_study=4,
                                     study_form="correspondence")
        names = [LONG_NAMES[i % len(LONG_NAMES)] if i < len(LONG_NAMES) else
                 f"{LONG_NAMES[i % 3].split()[0]} {LONG_NAMES[(i + 1) % 3].split(' ', 1)[1]}" for i in range(STUDENTS)]
        students = Student.objects.bulk_create([Student(college=college, group=group, full_name=name,
                                                         iin=valid_iin(female=i % 2 == 0))
                                                for i, name in enumerate(names)])
        disciplines = [Discipline.objects.create(college=college, program=program, semester=sem, code=code, kind=kind,
                                                 credits=Decimal(credits), hours=hours, name=ru, name_kk=kk,
                                                 name_ru=ru)
                       for sem, code, kind, credits, hours, kk, ru in CURRICULUM]
        exam_component, defence_component = (
            Discipline.objects.create(college=college, program=program, semester=8, code=code, kind=kind,
                                      is_final_attestation=True, name=ru, name_kk=kk, name_ru=ru)
            for code, kind, kk, ru in [
                ("ҚА-ЕМТ", "module", "Қорытынды емтихан: бағдарламалау және дерекқорларды жобалау",
                 "Итоговый экзамен: программирование и проектирование баз данных"),
                ("ҚА-ДЖ", "diploma", "Дипломдық жобаны қорғау", "Защита дипломного проекта")])
        # The transcript: one component at each boundary of the scale (0 retaken, 50, 70, 89.5, 90, 100).
        entries = []
        for discipline, percent in zip(disciplines, TRANSCRIPT_PERCENTS, strict=True):
            held_on = date(2024 + discipline.semester // 2, 6 if discipline.semester % 2 == 0 else 12, 20)
            entries.append(TranscriptEntry(college=college, student=students[0], discipline=discipline,
                                           held_on=held_on, **transcript_grade(Decimal(percent))))
            if Decimal(percent) < 50:
                entries.append(TranscriptEntry(college=college, student=students[0], discipline=discipline,
                                               held_on=held_on + timedelta(days=14), attempt=2,
                                               attempt_reason="retake_after_fail", **transcript_grade("72.5")))
        TranscriptEntry.objects.bulk_create(entries)

        campaign = Campaign.objects.create(college=college, academic_year="2026-2027", starts_on=date(2027, 5, 25),
                                           ends_on=date(2027, 6, 30), name="Қорытынды аттестаттау")
        CampaignGroup.objects.create(college=college, campaign=campaign, group=group)
        order = AdmissionOrder.objects.create(college=college, campaign=campaign, group=group, number="127-Қ/ҚА",
                                              order_date=date(2027, 5, 20), issued_by=admin)
        Admission.objects.bulk_create([Admission(college=college, campaign=campaign, student=s, order=order)
                                       for s in students])

        commission = Commission.objects.create(college=college, kind="final", campaign=campaign,
                                               order_number="112-Б/ҚА", order_date=ORDER_DAY, status="approved",
                                               name="Бағдарламалық қамтамасыз ету мамандығы бойынша")
        members = [CommissionMember.objects.create(college=college, commission=commission, full_name=full_name,
                                                   role=role, affiliation=affiliation, organization=organization,
                                                   position=position)
                   for full_name, role, affiliation, organization, position in MEMBERS]
        schedule = Schedule.objects.create(college=college, campaign=campaign, status="published",
                                           published_at=_local(date(2027, 5, 24), 9))
        exam = Exam.objects.create(college=college, schedule=schedule, commission=commission, form="oral",
                                   discipline=exam_component, title=exam_component.name_kk,
                                   starts_at=_local(EXAM_DAY, 9), ends_at=_local(EXAM_DAY, 17, 30),
                                   room="Бас ғимарат, 305-аудитория (информатика кабинеті)", preparation_minutes=20,
                                   ticket_count=25)
        slots = ExamSlot.objects.bulk_create([
            ExamSlot(college=college, exam=exam, student=student, starts_at=_local(EXAM_DAY, 9) + timedelta(
                minutes=12 * i), minutes=12) for i, student in enumerate(students)])
        protocol = Protocol.objects.create(college=college, exam=exam, number="112-Б/ҚА-1",
                                           opened_at=_local(EXAM_DAY, 8, 50), language="kk", opened_by=admin,
                                           notes="Комиссия емтихан нәтижелерін бекітті. " * 3)
        ProtocolAttendance.objects.bulk_create([
            ProtocolAttendance(college=college, protocol=protocol, member=m, present=m.role != "member"
                               or m.affiliation == "employer") for m in members])
        ProtocolSignature.objects.bulk_create([
            ProtocolSignature(college=college, protocol=protocol, member=m, user=admin,
                              protocol_version=protocol.version) for m in members[:3]])
        rows = []
        for index, (student, slot) in enumerate(zip(students, slots, strict=True)):
            if index in (7, 19):
                rows.append(ProtocolResult(college=college, protocol=protocol, slot=slot, student=student,
                                           status="absent"))
                continue
            if index == 23:
                rows.append(ProtocolResult(college=college, protocol=protocol, slot=slot, student=student,
                                           status="tech_failure"))
                continue
            grade = transcript_grade(Decimal(PERCENTS[index % len(PERCENTS)]))
            rows.append(ProtocolResult(
                college=college, protocol=protocol, slot=slot, student=student, status="present",
                ticket_number=index % 25 + 1, questions=QUESTIONS,
                notes="Екінші сұраққа жауабы толық емес, қосымша сұрақтарға дұрыс жауап берді." if index % 4 else "",
                **{k: grade[k] for k in ("percent_raw", "percent", "letter", "points", "traditional")}))
        rows = ProtocolResult.objects.bulk_create(rows)
        for row in rows:
            if row.status == "present":
                entry = TranscriptEntry.objects.create(
                    college=college, student=row.student, discipline=exam_component, held_on=EXAM_DAY,
                    announced_on=EXAM_DAY, is_final_attestation=True, source=f"protocol:{protocol.pk}",
                    **transcript_grade(row.percent_raw))
                ProtocolResult.objects.filter(pk=row.pk).update(transcript_entry=entry)
        Protocol.objects.filter(pk=protocol.pk).update(status="closed", closed_at=_local(EXAM_DAY, 18),
                                                       announced_on=EXAM_DAY, closed_by=admin)
        ProtocolAmendment.objects.create(college=college, protocol=protocol, result=rows[1], field="percent",
                                         old_value="95", new_value="89.5", created_by=admin,
                                         reason="Есептеу қатесі: екінші сұрақтың баллы қайта есептелді (хаттама "
                                                "комиссия төрағасының өкімімен түзетілді).")
        defended = TranscriptEntry.objects.create(
            college=college, student=students[0], discipline=defence_component, held_on=EXAM_DAY - timedelta(days=3),
            announced_on=EXAM_DAY - timedelta(days=3), is_final_attestation=True, **transcript_grade("94.5"))
        failed = next(r for r in rows if r.status == "present" and r.percent is not None and r.percent < 50)

        # A technical failure act of a distance session.
        distance = Exam.objects.create(college=college, schedule=schedule, commission=commission, form="oral",
                                       mode="distance", discipline=exam_component, starts_at=_local(EXAM_DAY, 14),
                                       ends_at=_local(EXAM_DAY, 15), room="https://meet.college.kz/ka-exam-2027-06-08")
        distance_slot = ExamSlot.objects.create(college=college, exam=distance, student=students[1],
                                                starts_at=_local(EXAM_DAY, 14), minutes=15)
        distance_protocol = Protocol.objects.create(college=college, exam=distance, number="112-Б/ҚА-2",
                                                    language="kk")
        failure_row = ProtocolResult.objects.create(college=college, protocol=distance_protocol, slot=distance_slot,
                                                    student=students[1], status="tech_failure")
        act = TechnicalFailureAct.objects.create(
            college=college, protocol=distance_protocol, result=failure_row, occurred_at=_local(EXAM_DAY, 14, 7),
            drawn_up_by=admin, description=("Студенттің интернет байланысы 14:07-де үзілді; қайта қосылу әрекеттері "
                                            "(14:09, 14:12, 14:15) нәтиже бермеді. ") * 3)

        # Decisions: a diploma with honours for the first student, a certificate for a failed one.
        results = [{"code": c.code, "name": c.name_kk, "kind": c.kind, "percent": e.percent, "letter": e.letter,
                    "points": str(e.points), "traditional": e.traditional, "held_on": e.held_on.isoformat(),
                    "origin": "regular"}
                   for c, e in ((defence_component, defended), (exam_component, TranscriptEntry.objects.get(
                       student=students[0], discipline=exam_component)))]
        diploma = DiplomaDecision.objects.create(
            college=college, campaign=campaign, student=students[0], kind="diploma", honours=True,
            qualification=QUALIFICATION_KK, qualification_level="mid_level", gpa=Decimal("3.8333"),
            fa_results=results, decided_on=date(2027, 6, 15))
        certificate = DiplomaDecision.objects.create(
            college=college, campaign=campaign, student=failed.student, kind="certificate",
            fa_results=[{**results[1], "percent": failed.percent, "letter": failed.letter,
                         "points": str(failed.points), "traditional": failed.traditional}],
            decided_on=date(2027, 6, 15))

        # An appeal whose grade was changed, with its commission.
        appeal_commission = Commission.objects.create(college=college, kind="appeal", order_number="113-Б/АПП",
                                                      order_date=ORDER_DAY, status="approved")
        appeal_members = [CommissionMember.objects.create(college=college, commission=appeal_commission,
                                                          full_name=full_name, role=role, affiliation="college")
                          for full_name, role, *_rest in MEMBERS[:3] + MEMBERS[-1:]]
        contested = TranscriptEntry.objects.get(student=students[2], discipline=exam_component)
        appeal = Appeal.objects.create(
            college=college, student=students[2], transcript_entry=contested, status="decided",
            received_at=_local(EXAM_DAY + timedelta(days=1), 10, 30), filing_deadline=_local(EXAM_DAY + timedelta(
                days=1), 23, 59), decision_due=EXAM_DAY + timedelta(days=4), commission=appeal_commission,
            outcome="grade_changed", new_percent=Decimal("89.5"),
            reason=("Екінші сұраққа берілген жауап толық бағаланбады деп есептеймін: " * 4).strip(),
            justification=("Комиссия жауаптың толықтығын қайта қарап, бағаны өзгертуді шешті. " * 3).strip(),
            previous_grade={"percent": contested.percent, "letter": contested.letter},
            attendance=[{"member": m.pk, "full_name": m.full_name, "role": m.role, "present": True}
                        for m in appeal_members],
            decided_at=_local(EXAM_DAY + timedelta(days=3), 16))
        contested.percent_raw, contested.percent, contested.letter = Decimal("89.5"), 90, "A-"
        contested.save()

        monitored = _monitoring(college, students)

    subjects = {"transcript": students[0].pk, "admission_order": order.pk, "commission_order": commission.pk,
                "schedule": schedule.pk, "protocol": protocol.pk, "protocol_extract": rows[1].pk,
                "diploma_decision": diploma.pk, "completion_certificate": certificate.pk, "appeal_protocol": appeal.pk,
                "tech_failure_act": act.pk, **monitored}
    return LongCollege(college, admin, students, subjects)


def _signature_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (280, 30)], fill=(10, 20, 60, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _monitoring(college: College, students: list[Student]) -> dict[str, int]:
    """A monitoring round with results over the long college and another long-named one (and the year before, for
    the year-over-year table): 40 participants in two rooms (two of them not seated yet, one excused), an act of
    each annex with long names and items, results in two subjects, the survey's tallies. Returns the subjects of the
    monitoring kinds (``violation_act_annex2``: the second annex, a form of ``violation_act``)."""
    from monitoring import rules
    from monitoring.models import (
        DrawVersion,
        Participant,
        Result,
        ResultImport,
        Round,
        RoundCollege,
        SurveyBatch,
        SurveyTally,
    )
    from monitoring.services.results import summaries_rebuild
    from monitoring.survey import question_codes

    other = College.objects.create(slug=f"{college.slug}-other", name_kk=OTHER_COLLEGE_KK, name_ru=OTHER_COLLEGE_RU,
                                   name_en=OTHER_COLLEGE_RU, region="pavlodar", language="ru")
    representative = user_make(f"{college.slug}-representative", authority=User.Authority.REPRESENTATIVE,
                               full_name=REPRESENTATIVE)
    subjects = {}
    for year, status, testing_on in ((MONITORING_YEAR - 1, Round.Status.ANALYSED, date(MONITORING_YEAR - 1, 11, 17)),
                                     (MONITORING_YEAR, Round.Status.RESULTS, MONITORING_DAY)):
        current = year == MONITORING_YEAR
        round = Round.objects.create(year=year, testing_on=testing_on, cohorts=["general", "professional"],
                                     status=status, pool_sha256="0" * 64, seed=MONITORING_SEED,
                                     notice_on=testing_on - timedelta(days=45))
        draw = DrawVersion.objects.create(round=round, number=3, seed=MONITORING_SEED, pool_sha256="0" * 64,
                                          share=rules.SHARE_DECIMAL, total=2, pool_size=8,
                                          selected=sorted([college.slug, other.slug]))
        batch = ResultImport.objects.create(round=round, file_sha256="1" * 64, rows=0, colleges=2)
        for number, (where, people) in enumerate(((college, students), (other, students[:12])), start=1):
            rc = RoundCollege.objects.create(
                college=where, round=round, number=number, draw=draw, region=where.region, territory="city",
                kind="college", language=where.language, band="medium",
                stratum=rules.stratum_key(region=where.region, territory="city", kind="college",
                                          language=where.language, band="medium"),
                notified_at=_local(testing_on - timedelta(days=45), 10), results_imported_at=_local(
                    testing_on + timedelta(days=2), 10))
            people = people if current else people[:8]
            seats = [(room, seat) for room, count in MONITORING_ROOMS for seat in range(1, count + 1)]
            participants = Participant.objects.bulk_create([Participant(
                college=where, round=round, round_college=rc, student=student if where == college else None,
                code=rules.personal_code(year=year, college_number=number, sequence=index + 1),
                full_name=student.full_name, group_name="АЖБҚЕ-23-1к" if index % 2 else "ПОИС-24-2р",
                year_of_study=3 if index % 2 else 2, cohort="professional" if index % 2 else "general",
                language=where.language, room=seats[index][0] if index < len(seats) else "",
                seat=seats[index][1] if index < len(seats) else None,
                status="excused" if index == 30 else "participant", excusal_reason="sanatorium" if index == 30 else "")
                for index, student in enumerate(people)])
            results = [Result(college=where, round=round, participant=p, subject=subject, variant=f"{2700 + i % 9}",
                              score=Decimal(str(12 + (i * 7 + k * 5) % 28)) + (Decimal("0.5") if i % 3 else 0),
                              maximum=Decimal(40), batch=batch)
                       for i, p in enumerate(participants) if p.status == "participant"
                       for k, subject in enumerate(MONITORING_SUBJECTS)]
            if current and where == college:
                acts = _acts(college, round, rc, participants, representative)
                for result in results:
                    act = acts.get(result.participant_id)
                    if act is not None:
                        result.annulled, result.annulled_by = True, act
                subjects.update({"monitoring_notice": rc.pk, "monitoring_seating": rc.pk,
                                 "monitoring_analysis": rc.pk, "violation_act": acts[participants[5].pk].pk,
                                 "violation_act_annex2": acts[participants[12].pk].pk})
                # The survey: 12 testees answered (shown), 3 teachers (fewer than 5: hidden).
                SurveyBatch.objects.create(college=where, round=round, round_college=rc, respondent="student",
                                           label="305", size=20)
                for respondent, answers in (("student", 12), ("teacher", 3)):
                    SurveyTally.objects.create(college=where, round=round, respondent=respondent, question="",
                                               option=0, count=answers)
                    SurveyTally.objects.bulk_create([
                        SurveyTally(college=where, round=round, respondent=respondent, question=code, option=option,
                                    count=answers // 5 + (1 if option > 5 - answers % 5 else 0))
                        for code in question_codes(respondent) for option in range(1, 6)])
            Result.objects.bulk_create(results)
        summaries_rebuild(round=round, keys={(c.pk, subject, cohort) for c in (college, other)
                                             for subject in MONITORING_SUBJECTS for cohort in round.cohorts})
    return subjects


def _acts(college: College, round, rc, participants: list, representative: User) -> dict:
    """An act of each annex, drawn up on the testing day by the representative and signed on the screen."""
    from django.core.files.base import ContentFile

    from monitoring.models import Act

    acts = {}
    for participant, kind in ((participants[5], "forbidden_items"), (participants[12], "outsider")):
        act = Act(college=college, round=round, round_college=rc, participant=participant, kind=kind,
                  occurred_at=_local(MONITORING_DAY, 10, 47), room=participant.room, seat=participant.seat,
                  variant="2741-Б", representative=representative, representative_name=REPRESENTATIVE,
                  representative_signed_name=REPRESENTATIVE, testee_name=participant.full_name,
                  testee_code=participant.code, testee_signed_name=participant.full_name)
        if kind == "forbidden_items":
            act.items, act.decision = ACT_ITEMS, "removed"
            act.drawn_up_by = [REPRESENTATIVE, LONG_NAMES[1], LONG_NAMES[2]]
        else:
            act.stage, act.outsider_name, act.decision = "testing", OUTSIDER, "removed"
            act.testee_signed_name = OUTSIDER
        act.testee_signature.save("testee.png", ContentFile(_signature_png()), save=False)
        act.representative_signature.save("representative.png", ContentFile(_signature_png()), save=False)
        act.save()
        participant.status = "removed" if kind == "forbidden_items" else "outsider"
        participant.save(update_fields=["status"])
        acts[participant.pk] = act
    return acts


# Kinds printed in more than one form: each further form is a case of its own (the case → its kind).
FORMS = {"violation_act_annex2": "violation_act"}


def kind_of(case: str) -> str:
    return FORMS.get(case, case)


def document_of(cast: LongCollege, case: str, language: str) -> Document:
    """The document of that kind (or form of a kind, ``FORMS``) as the pipeline would store it (unsaved): its content
    built now by the kind."""
    kind = get_kind(kind_of(case))
    with scopes_disabled(), translation.override(language):
        payload = kind.build_payload(college=cast.college, subject_id=cast.subjects[case], language=language)
    return Document(pk=900000 + len(case), college=cast.college, kind=kind.code, subject_id=cast.subjects[case],
                    language=language, payload=payload, title=kind.title(payload, language), created_at=timezone.now())

