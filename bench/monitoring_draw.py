"""The sample draw of the monitoring (MON-10) over 800 colleges: the pure function alone, ten times with the same seed
(identical every time), and through the services on PostgreSQL: freezing the pool of 800 colleges, publishing the
seed and ten draws, each a new version with the same selection. Prints the times; the target is under 1 s a draw.

    .venv/bin/python bench/monitoring_draw.py [--colleges 800]

Own database (attestation_bench_monitoring; BENCH_DATABASE_URL overrides it), Redis db 11 (BENCH_REDIS_URL).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

TERRITORIES = ("city", "rural")
KINDS = ("college", "higher_college", "medical_college", "other")
LANGUAGES = ("kk", "ru")


def synthetic_pool(count: int, regions: list[str], rng: random.Random):
    from monitoring import rules

    pool = []
    for n in range(count):
        band = rules.contingent_band(rng.choice((180, 420, 650, 900, 1300, 2100)))
        stratum = rules.stratum_key(region=rng.choice(regions), territory=rng.choice(TERRITORIES),
                                    kind=rng.choice(KINDS), language=rng.choice(LANGUAGES), band=band)
        took_part = tuple(sorted({rng.choice((2022, 2023, 2024, 2025)) for _ in range(rng.randint(0, 2))}))
        pool.append(rules.PoolCollege(f"bench-college-{n:04d}", stratum, took_part))
    return pool


def pure(count: int, regions: list[str]) -> None:
    from monitoring import rules

    pool = synthetic_pool(count, regions, random.Random(19))
    strata = len({c.stratum for c in pool})
    times, selections = [], set()
    for _run in range(10):
        started = time.perf_counter()
        result = rules.draw(pool, seed="bench seed 2026")
        times.append(time.perf_counter() - started)
        selections.add(hashlib.sha256(",".join(result.selected).encode()).hexdigest())
    shuffled = pool[:]
    random.Random(5).shuffle(shuffled)
    same_when_shuffled = rules.draw(shuffled, seed="bench seed 2026").selected == result.selected
    print(f"pure draw: {count} colleges in {strata} strata, {result.total} selected")
    print(f"  10 runs: min {min(times) * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms; identical selections: {len(selections) == 1}; "
          f"identical when the pool is shuffled: {same_when_shuffled}")


def through_services(count: int, regions: list[str]) -> None:
    from django.db import transaction
    from django_scopes import scopes_disabled

    from attestation.models import College, Group, Program, Student, User
    from monitoring.models import DrawVersion, Round
    from monitoring.services import rounds as services

    rng = random.Random(23)
    with scopes_disabled(), transaction.atomic():
        existing = set(College.objects.filter(slug__startswith="bench-mon-").values_list("slug", flat=True))
        for n in range(count):
            slug = f"bench-mon-{n:04d}"
            if slug in existing:
                continue
            college = College.objects.create(slug=slug, name_kk=f"Бенч колледжі {n}", name_ru=f"Бенч колледж {n}",
                                             region=rng.choice(regions), territory=rng.choice(TERRITORIES),
                                             kind=rng.choice(KINDS), language=rng.choice(LANGUAGES))
            program = Program.objects.create(college=college, code="B001", name="Bench")
            group = Group.objects.create(college=college, program=program, name="B-2", year_of_study=2)
            Student.objects.bulk_create([Student(college=college, group=group, iin=f"07010150{n:04d}"[:11] + str(k),
                                                 full_name=f"Бенч {n}-{k}") for k in range(rng.randint(1, 4))])
        ministry = User.objects.filter(authority="ministry").first()
        year = max(2100, (Round.objects.order_by("-year").values_list("year", flat=True).first() or 2100) + 1)
    from datetime import date

    round = services.round_create(by=ministry, year=year, testing_on=date(year, 11, 16), cohorts=["general"])[0]
    started = time.perf_counter()
    round = services.pool_freeze(round=round, by=ministry)
    frozen = time.perf_counter() - started
    services.seed_publish(round=round, by=ministry, seed="bench seed on PostgreSQL")
    times = []
    for _run in range(10):
        started = time.perf_counter()
        services.round_draw(round=round, by=ministry)
        times.append(time.perf_counter() - started)
    versions = list(DrawVersion.objects.filter(round=round).order_by("number"))
    same = len({tuple(v.selected) for v in versions}) == 1
    print(f"services on PostgreSQL: pool of {len(round.pool)} eligible colleges frozen in {frozen * 1000:.0f} ms")
    print(f"  10 draws (each a new version, locked round, audit entry): min {min(times) * 1000:.1f} ms, "
          f"median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms; "
          f"versions {[v.number for v in versions]}; identical selections: {same}; "
          f"selected {len(versions[0].selected)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--colleges", type=int, default=800)
    args = parser.parse_args()
    setup_django(DATABASE_URL=os.environ.get("BENCH_DATABASE_URL",
                                             "postgres://postgres@127.0.0.1:5432/attestation_bench_monitoring"),
                 REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    from attestation.models import kz_reference

    regions = [r["code"] for r in kz_reference()["regions"]]
    print("(a shared 2-core machine: the figures are noisy)")
    pure(args.colleges, regions)
    through_services(args.colleges, regions)


if __name__ == "__main__":
    main()
