"""The monitoring's part of the demo (``make run``): three dozen synthetic colleges across the regions of
data/kz_reference.json beside the demo colleges, a round of 2025 (analysed) and a round of 2026 (results received),
each drawn, notified, tested and imported through the services, with survey answers and, in 2026, the
representative's two acts at the demo college entered after the import (annulling two results), so that ``ministry`` and
``region`` see a real dashboard with charts and a year to compare. Deterministic (seeded) and a few seconds long: a
college has two small groups, a result is a row of a CSV imported in one go."""

from __future__ import annotations

import base64
import io
import random
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from PIL import Image, ImageDraw

from attestation.models import College, Group, Program, Student, User, kz_reference

from . import rules, survey
from .models import Participant, Round, RoundCollege, SurveyInvitation
from .services import acts as act_services
from .services import results as result_services
from .services import rounds as services
from .services import survey as survey_services

SYNTHETIC = 36
ROUNDS = ((2025, date(2025, 11, 18), date(2025, 10, 6)), (2026, date(2026, 11, 17), date(2026, 10, 5)))
SUBJECTS = {rules.COHORT_GENERAL: ("Математика", "Қазақ тілі"), rules.COHORT_PROFESSIONAL: ("Кәсіби модуль",)}
KINDS = (College.Kind.COLLEGE, College.Kind.HIGHER_COLLEGE, College.Kind.MEDICAL_COLLEGE, College.Kind.COLLEGE)
DEMO_COLLEGE = "almaty-mtc"


def _colleges(rng: random.Random) -> None:
    from attestation.demo import make_iin, make_name

    regions = kz_reference()["regions"]
    students = []
    for n in range(SYNTHETIC):
        region = regions[n % len(regions)]
        language = "ru" if n % 3 == 2 else "kk"
        number = n // len(regions) + 1
        college = College.objects.create(
            slug=f"demo-{region['code'].replace('_', '-')}-{number}", region=region["code"],
            name_kk=f"{region['kk']} №{number} политехникалық колледжі",
            name_ru=f"Политехнический колледж №{number} ({region['ru']})",
            name_en=f"Polytechnic College No. {number} ({region['en']})",
            territory=College.Territory.RURAL if n % 4 == 3 else College.Territory.CITY, kind=KINDS[n % len(KINDS)],
            language=language)
        program = Program.objects.create(college=college, code="07130100", name="Electrical engineering",
                                         name_kk="Электр техникасы", name_ru="Электротехника")
        for year in (2, 3):
            group = Group.objects.create(college=college, program=program, name=f"ЭТ-{26 - year}-1",
                                         year_of_study=year)
            for _s in range(rng.randint(10, 18)):
                female = rng.random() < 0.4
                birth = date(2009 - year, rng.randint(1, 12), rng.randint(1, 28))
                students.append(Student(college=college, group=group, iin=make_iin(rng, birth, female),
                                        full_name=make_name(rng, female, language == "ru")))
    Student.objects.bulk_create(students)


def _seed_selecting(round: Round, wanted: str | None) -> str:
    """A published seed whose draw selects ``wanted`` (the demo college, so its administrator has a round to see):
    found by trying the pure draw offline, so the round keeps one seed and one version, as a real round would."""
    pool = [rules.PoolCollege(row["code"], row["stratum"], tuple(row["took_part"])) for row in round.pool]
    for attempt in range(1, 500):
        seed = f"demo-{round.year}-{attempt}"
        if wanted is None or wanted in rules.draw(pool, seed=seed).selected:
            return seed
    return f"demo-{round.year}"


def _results_csv(rng: random.Random, round: Round) -> bytes:
    """A result per participant and subject: a college's level around the region's, scores out of 40."""
    lines = ["Personal code;Subject or module;Variant;Score;Maximum"]
    level: dict[int, float] = {}
    for participant in Participant.objects.filter(round=round, status="participant").order_by("code"):
        base = level.setdefault(participant.college_id, rng.gauss(24, 4))
        for subject in SUBJECTS[participant.cohort]:
            score = max(0, min(40, round_half(rng.gauss(base + (2 if subject == "Қазақ тілі" else 0), 6))))
            lines.append(f"{participant.code};{subject};{rng.randint(1, 6)};{score};40")
    return ("\n".join(lines) + "\n").encode("utf-8")


def round_half(value: float) -> int:
    return int(value + 0.5)


def _survey(rng: random.Random, round: Round, ministry: User) -> None:
    """Invitations for the testees and teachers of a few colleges, most of them answered."""
    for rc in RoundCollege.objects.filter(round=round).select_related("college").order_by("number")[:8]:
        for respondent, size, answered in (("student", 12, rng.randint(3, 11)), ("teacher", 6, rng.randint(2, 6))):
            batch = survey_services.invitations_issue(round_college=rc, by=ministry, respondent=respondent,
                                                      label="101" if respondent == "student" else "Оқытушылар",
                                                      size=size)
            codes = survey.question_codes(respondent)
            for token in SurveyInvitation.objects.filter(batch=batch).values_list("token", flat=True)[:answered]:
                survey_services.survey_answer(token=token, answers={c: rng.choice((2, 3, 4, 4, 5, 5)) for c in codes},
                                              today=round.testing_on)


def _signature() -> str:
    """A signature as drawn on the phone's screen: a PNG data URL."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(12, 96), (70, 24), (120, 88), (190, 30), (286, 64)], fill=(16, 32, 96, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _acts(round: Round, rep: User) -> None:
    """The representative's two acts at the demo college, dated on the testing day and entered the day after, once
    the results are in (as a paper act often reaches the portal): each annuls its testee's results."""
    rc = RoundCollege.objects.filter(round=round, college__slug=DEMO_COLLEGE).select_related("college").first()
    if rc is None:
        return
    testees = list(Participant.objects.filter(round_college=rc, status="participant").order_by("code")[:2])
    if len(testees) < 2:
        return
    day = rc.college.local().replace(year=round.testing_on.year, month=round.testing_on.month,
                                     day=round.testing_on.day, hour=10, minute=42, second=0, microsecond=0)
    entered = day + timedelta(days=1)
    common = {"testee_signature": _signature(), "representative_signature": _signature(),
              "representative_signed_name": rep.full_name}
    act_services.act_record(round=round, by=rep, now=entered, data=act_services.ActInput(
        kind=rules.ACT_FORBIDDEN_ITEMS, participant=testees[0], occurred_at=day, room="204", seat=7, variant="3",
        items=[{"item": "Ұялы телефон", "make": "Samsung Galaxy A15", "count": 1},
               {"item": "Шпаргалка (қағаз парақ)", "make": "", "count": 2}],
        testee_signed_name=testees[0].full_name, **common))
    act_services.act_record(round=round, by=rep, now=entered, data=act_services.ActInput(
        kind=rules.ACT_OUTSIDER, participant=testees[1], occurred_at=day - timedelta(hours=1, minutes=30),
        stage=rules.STAGE_ENTRY, outsider_name="Серікбаев Арман Нұрланұлы",
        testee_signed_name="Серікбаев Арман Нұрланұлы", **common))


def demo_monitoring_landing(college: College) -> dict[str, str]:
    """Where the monitoring's demo logins land: the 2026 round's dashboard."""
    found = Round.objects.filter(year=2026).values_list("pk", flat=True).first()
    if found is None:
        return {}
    return {"ministry": f"/monitoring/rounds/{found}/analytics/ (ББЖМ 2026: the dashboard, its charts, the report)",
            "region": f"/monitoring/rounds/{found}/analytics/ (Almaty city's colleges only)",
            "representative": "/monitoring/representative/"}


def demo_monitoring_seed(college: College, *, admin: User, secretary: User) -> None:
    """The synthetic colleges and the two rounds, once, beside the freshly seeded demo college (a DemoPart)."""
    from attestation.demo import DEMO_PASSWORD

    password = DEMO_PASSWORD
    rng = random.Random(2027)
    with scopes_disabled():
        ministry = User.objects.get(username="ministry")
        rep, _created = User.objects.get_or_create(username="representative", defaults={
            "full_name": "Нұрланов Ерболат Сәкенұлы", "authority": User.Authority.REPRESENTATIVE})
        rep.set_password(password)
        rep.save()
        _colleges(rng)
        for year, testing_on, notice_on in ROUNDS:
            round, _warnings = services.round_create(by=ministry, year=year, testing_on=testing_on,
                                                     cohorts=[rules.COHORT_GENERAL, rules.COHORT_PROFESSIONAL])
            services.pool_freeze(round=round, by=ministry)
            round.refresh_from_db()
            services.seed_publish(round=round, by=ministry,
                                  seed=_seed_selecting(round, DEMO_COLLEGE if year == 2026 else None))
            services.round_draw(round=round, by=ministry)
            services.round_notify(round=round, by=ministry, today=notice_on)
            if year == 2026:
                rc = RoundCollege.objects.filter(round=round, college__slug=DEMO_COLLEGE).first()
                if rc is not None:
                    act_services.representative_assign(round=round, by=ministry, user=rep, round_college=rc)
            services.round_start_testing(round=round, by=ministry, today=testing_on)
            round.refresh_from_db()
            result_services.results_import(round=round, by=ministry, upload=SimpleUploadedFile(
                f"ntc-{year}.csv", _results_csv(rng, round)))
            round.refresh_from_db()
            if year == 2026:
                _acts(round, rep)
            _survey(rng, round, ministry)
            if year == 2025:
                services.round_mark_analysed(round=round, by=ministry)
