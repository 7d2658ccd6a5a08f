"""Analytics of the monitoring (MON-24 … MON-26) on PostgreSQL: a round of 800 colleges × 300 participants × 2
subjects (480,000 results) with their summary rows, then each dashboard view and export asked by 4 clients at once.
Prints p50 / p95 per URL and the number of queries of each at two sizes of the round. Target: p95 under 1 s at 4
clients, the same number of queries whatever the number of colleges.

    .venv/bin/python bench/monitoring_analytics.py [--colleges 800 --per 300 --requests 40]

Own database (attestation_bench_monitoring; BENCH_DATABASE_URL overrides it), Redis db 11 (BENCH_REDIS_URL). The
rows are written directly in bulk (the import has its own bench, bench/monitoring_import.py); the summaries are
rewritten by the service the import uses. The clients are threads with Django's test client in this process (the
view, the ORM and PostgreSQL, without gunicorn in front); the machine is shared, so figures vary between runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, vacuum_analyze  # noqa: E402

REGIONS = ("abai", "akmola", "aktobe", "almaty_region", "atyrau", "east_kazakhstan", "jambyl", "jetisu", "karaganda",
           "kostanay", "kyzylorda", "mangystau", "north_kazakhstan", "pavlodar", "turkistan", "ulytau",
           "west_kazakhstan", "astana", "almaty_city", "shymkent")


def seed(colleges: int, per: int, year: int):
    """A round with results: ``colleges`` selected colleges of ``per`` participants, two results each."""
    import random
    from datetime import date

    from django.db import transaction
    from django_scopes import scopes_disabled

    from attestation.models import College, User
    from monitoring.models import DrawVersion, Participant, Result, ResultImport, Round, RoundCollege
    from monitoring.services.results import summaries_rebuild

    rng = random.Random(year)
    ministry = User.objects.filter(authority="ministry").first() or User.objects.create(
        username="bench-ministry", authority="ministry")
    with scopes_disabled(), transaction.atomic():
        existing = Round.objects.filter(year=year).first()
        if existing is not None and existing.national:
            return existing
        round = Round.objects.create(year=year, testing_on=date(year, 11, 16), cohorts=["general"], status="results",
                                     seed="bench", created_by=ministry)
        draw = DrawVersion.objects.create(round=round, number=1, seed="bench", pool_sha256="0" * 64,
                                          share="0.25", total=colleges, pool_size=colleges * 4, selected=[])
        batch = ResultImport.objects.create(round=round, file_sha256="0" * 64, rows=0, colleges=colleges)
        for n in range(colleges):
            slug = f"bench-an-{year}-{n:04d}"
            region = REGIONS[n % len(REGIONS)]
            college = College.objects.create(slug=slug, name_kk=f"Талдау колледжі {n}", name_ru=f"Колледж {n}",
                                             region=region, territory="rural" if n % 4 == 3 else "city",
                                             language="ru" if n % 3 == 2 else "kk")
            rc = RoundCollege.objects.create(college=college, round=round, number=n + 1, draw=draw, region=region,
                                             territory=college.territory, kind=college.kind,
                                             language=college.language, band="small", stratum="bench")
            participants = Participant.objects.bulk_create([Participant(
                college=college, round=round, round_college=rc, code=f"{year % 100:02d}{n + 1:04d}{k:04d}0",
                full_name=f"Қатысушы {k}", group_name="G", year_of_study=2, cohort="general",
                language=college.language) for k in range(per)])
            level = rng.gauss(24, 4)
            Result.objects.bulk_create([Result(
                college=college, round=round, participant=p, subject=subject, variant="1",
                score=max(0, min(40, int(rng.gauss(level, 6)))), maximum=40, batch=batch)
                for p in participants for subject in ("Математика", "Қазақ тілі")], batch_size=5000)
        summaries_rebuild(round=round, keys={(c, "", "") for c in RoundCollege.objects.filter(round=round)
                                             .values_list("college_id", flat=True)})
        round.refresh_from_db()
    return round


def measure(urls: list[str], requests: int, clients: int, user) -> dict[str, list[float]]:
    from django.db import connection
    from django.test import Client

    times: dict[str, list[float]] = {url: [] for url in urls}
    lock = threading.Lock()

    def worker(number: int) -> None:
        client = Client()
        client.force_login(user, backend="attestation.accounts.CachedModelBackend")
        for i in range(requests // clients):
            url = urls[(i + number) % len(urls)]
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (url, response.status_code)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            with lock:
                times[url].append(elapsed)
        connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def queries(urls: list[str], user) -> list[list[str]]:
    """The SQL of each URL, asked right after a first request of the same URL. The layout reads a few things through
    short-lived caches (the user's colleges for the switcher: 30 s, attestation.tenancy); counted after a slow export
    they would have expired and show up as one more query, which has nothing to do with the number of colleges."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user, backend="attestation.accounts.CachedModelBackend")
    found = []
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        found.append([query["sql"] for query in captured.captured_queries])
    return found


def urls_of(round) -> list[str]:
    base = f"/monitoring/rounds/{round.pk}/analytics/"
    api = f"/api/v1/monitoring/rounds/{round.pk}/results/"
    return [base, f"{base}?group_by=college", f"{base}?group_by=subject", f"{base}?group_by=region&format=xlsx",
            f"{base}?group_by=college&format=csv", f"{api}?group_by=college", f"{api}?group_by=region&format=xlsx",
            f"/monitoring/public/{round.year}/", f"{base}report.pdf?language=kk"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--colleges", type=int, default=800)
    parser.add_argument("--per", type=int, default=300)
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    setup_django(DATABASE_URL=os.environ.get("BENCH_DATABASE_URL",
                                             "postgres://postgres@127.0.0.1:5432/attestation_bench_monitoring"),
                 REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from attestation.models import User

    started = time.perf_counter()
    small = seed(max(args.colleges // 10, 20), 20, 2301)
    big = seed(args.colleges, args.per, 2300)
    print(f"seeded in {time.perf_counter() - started:.0f} s")
    vacuum_analyze()
    ministry = User.objects.get(username="bench-ministry") if User.objects.filter(
        username="bench-ministry").exists() else User.objects.filter(authority="ministry").first()
    from monitoring.models import Result

    print(f"results in the big round: {Result.objects.with_scopes_disabled().filter(round=big).count():,}")
    print("queries per URL (small round → big round):")
    for _small, url_big, a, b in zip(urls_of(small), urls_of(big), queries(urls_of(small), ministry),
                                        queries(urls_of(big), ministry), strict=True):
        print(f"  {len(a):3d} → {len(b):3d}  {'same' if len(a) == len(b) else 'DIFFERENT'}  {url_big}")
        if len(a) != len(b):
            for sql in sorted(set(b).symmetric_difference(a)):
                print(f"        {'+' if sql in b else '-'} {sql[:160]}")
    times = measure(urls_of(big), args.requests, args.clients, ministry)
    print(f"{args.clients} clients, {args.requests} requests (p50 / p95 / max, ms):")
    for url, values in times.items():
        if not values:
            continue
        values.sort()
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        print(f"  {statistics.median(values) * 1000:7.0f} {p95 * 1000:7.0f} {values[-1] * 1000:7.0f}  {url}")


if __name__ == "__main__":
    main()
