"""Builders of monitoring data for the tests. Rounds go through the services with the clock where the regulation
wants it: the notice more than a month before the testing (MON-09), testing a month after the notice, acts on the
testing day. ``selected_round`` fixes which colleges the draw selected (a version written directly) so tests about
what comes after the draw know their colleges; the draw itself is tested through the services and the API."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django_scopes import scopes_disabled

from attestation.models import College, Group, Membership, Program, Role, Student
from attestation.rules import iin_control_digit
from monitoring import rules
from monitoring.models import DrawVersion, Participant, Round, RoundCollege
from monitoring.services import rounds as services
from tests.factories import user_make

ALMATY = ZoneInfo("Asia/Almaty")
YEAR = 2026
TESTING_ON = date(2026, 11, 16)  # a Monday in November (MON-07)
NOTICE_DAY = datetime(2026, 10, 1, 10, 0, tzinfo=ALMATY)  # more than a month before (MON-09)
TESTING_DAY = datetime(2026, 11, 16, 9, 0, tzinfo=ALMATY)
BEFORE_THE_DAY = datetime(2026, 11, 13, 12, 0, tzinfo=ALMATY)  # the Friday before
AFTER_TESTING = datetime(2026, 11, 18, 12, 0, tzinfo=ALMATY)
_serial = itertools.count(1)
_iins = itertools.count(1)


def unique_iin() -> str:
    """A valid IIN never given before in this process (random ones collide among thousands of students)."""
    while True:
        first = f"0701015{next(_iins):04d}"
        control = iin_control_digit(first)
        if control is not None:
            return first + str(control)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ALMATY)


def college_with_students(slug: str, *, region: str = "astana", territory: str = "city", kind: str = "college",
                          language: str = "kk", second_year: int = 2, third_year: int = 3,
                          admin: bool = True) -> College:
    """A college with a 2nd-year and a 3rd-year group (by the program's year of study) and an administrator."""
    with scopes_disabled():
        college = College.objects.create(slug=slug, name_kk=f"{slug} колледжі", name_ru=f"Колледж {slug}",
                                         name_en=f"{slug} college", region=region, territory=territory, kind=kind,
                                         language=language)
        program = Program.objects.create(college=college, code=f"M{next(_serial):07d}", name="Software")
        for year, count in ((2, second_year), (3, third_year)):
            group = Group.objects.create(college=college, program=program, name=f"{slug[:10]}-{year}",
                                         year_of_study=year)
            Student.objects.bulk_create([Student(college=college, group=group, iin=unique_iin(),
                                                 full_name=f"Студент {slug} {year}-{n:03d}") for n in range(count)])
        if admin:
            Membership.objects.create(college=college, role=Role.ADMIN,
                                      user=user_make(f"{slug}-admin", email=f"{slug}-admin@example.kz"))
    return college


def round_draft(ministry, *, cohorts=("general", "professional"), year: int = YEAR,
                testing_on: date = TESTING_ON) -> Round:
    with time_machine.travel(NOTICE_DAY.replace(year=year, month=9), tick=False):
        return services.round_create(by=ministry, year=year, testing_on=testing_on, cohorts=list(cohorts))[0]


def selected_round(ministry, colleges: list[College], *, cohorts=("general", "professional"), status: str = "notified",
                   year: int = YEAR, testing_on: date = TESTING_ON) -> Round:
    """A round whose (latest) draw selected exactly ``colleges``, moved on to ``status`` through the services."""
    round = round_draft(ministry, cohorts=cohorts, year=year, testing_on=testing_on)
    notice_day = NOTICE_DAY.replace(year=year)
    with time_machine.travel(notice_day, tick=False):
        services.pool_freeze(round=round, by=ministry)
        services.seed_publish(round=round, by=ministry, seed="builders")
        round.refresh_from_db()
        codes = sorted(c.slug for c in colleges)
        DrawVersion.objects.create(round=round, number=1, seed=round.seed, seed_published_at=round.seed_published_at,
                                   pool_sha256=round.pool_sha256,
                                   share=round.share, total=len(codes), pool_size=len(round.pool),
                                   result={"strata": [], "colleges": []}, selected=codes, drawn_by=ministry)
        if status == "draft":
            return round
        services.round_notify(round=round, by=ministry)
    round.refresh_from_db()
    if status in ("testing", "results"):
        with time_machine.travel(datetime(year, testing_on.month, testing_on.day, 8, 0, tzinfo=ALMATY), tick=False):
            services.round_start_testing(round=round, by=ministry)
        round.refresh_from_db()
    return round


def round_college(round: Round, college: College) -> RoundCollege:
    with scopes_disabled():
        return RoundCollege.objects.select_related("college", "round").get(round=round, college=college)


def participants_of(round: Round, college: College) -> list[Participant]:
    with scopes_disabled():
        return list(Participant.objects.filter(round=round, college=college).order_by("code"))


def representative(username: str = "rep-one"):
    return user_make(username, authority="representative", full_name=f"Өкіл {username}")


def regional(region: str, username: str | None = None):
    return user_make(username or f"{region}-department", authority="region", authority_region=region)


def results_csv(rows: list[tuple], header=("Personal code", "Subject or module", "Variant", "Score", "Maximum")
                ) -> bytes:
    lines = [";".join(header)] + [";".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


__all__ = ["rules"]
