"""Every kind of document with the longest values a college gives it: the longest names (double surnames, Kazakh and
Russian patronymics), a college with its full official name, 40 students in a protocol, an order and a schedule,
every grade word and attendance status, long organisations and positions, long questions and reasons.

Data is written directly (fast, and free to hold every case at once); each document's content is then built by its
kind's own payload builder (``document_of``) and rendered by the pipeline's own code in tests/test_documents_tidy.py."""

from __future__ import annotations

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

    subjects = {"transcript": students[0].pk, "admission_order": order.pk, "commission_order": commission.pk,
                "schedule": schedule.pk, "protocol": protocol.pk, "protocol_extract": rows[1].pk,
                "diploma_decision": diploma.pk, "completion_certificate": certificate.pk, "appeal_protocol": appeal.pk,
                "tech_failure_act": act.pk}
    return LongCollege(college, admin, students, subjects)


def document_of(cast: LongCollege, kind_code: str, language: str) -> Document:
    """The document of that kind as the pipeline would store it (unsaved): its content built now by the kind."""
    kind = get_kind(kind_code)
    with scopes_disabled(), translation.override(language):
        payload = kind.build_payload(college=cast.college, subject_id=cast.subjects[kind_code], language=language)
    return Document(pk=900000 + len(kind_code), college=cast.college, kind=kind_code,
                    subject_id=cast.subjects[kind_code], language=language, payload=payload,
                    title=kind.title(payload, language), created_at=timezone.now())

