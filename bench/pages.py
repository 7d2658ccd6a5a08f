"""Pages under load: the student list (30 rows) and a transcript page, served by gunicorn on PostgreSQL,
beside a bare Django view rendering the same 30 rows from the same database, in the same run.

    .venv/bin/python bench/pages.py [--seconds 10]

Needs `wrk` (Debian package) and Redis (db 3, or BENCH_REDIS_URL). Target: p95 < 100 ms at 32 concurrent clients on
2 gunicorn workers, no errors; queries per page constant in the number of rows. The share of the bare view's requests
per second is printed for context.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, vacuum_analyze  # noqa: E402
from bench.load import Target, compare, gunicorn, signed_in  # noqa: E402


def query_counts(client, college: str) -> list[tuple[str, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scopes_disabled

    from attestation.models import Student

    rows = []
    for label, url in (("students, search → 1 row", f"/colleges/{college}/students/?q=Әбілов"),
                       ("students, 30 rows", f"/colleges/{college}/students/")):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        rows.append((label, len(queries)))
    with scopes_disabled():
        few = Student.objects.filter(college__slug=college, group__year_of_study=3).first()
        many = Student.objects.filter(college__slug=college, group__year_of_study=4).first()
    for label, student in (("transcript, year 3 (≈14 entries)", few), ("transcript, year 4 (≈21+ entries)", many)):
        url = f"/colleges/{college}/students/{student.pk}/"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        rows.append((label, len(queries)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # Redis as in production (docker-compose.yml), like the other page benches: the same page without a shared
    # cache reads the signed-in user from the database on every request (attestation.accounts).
    env = setup_django(DEBUG="0", DJANGO_SETTINGS_MODULE="bench.settings",
                       ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
                       REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"))

    vacuum_analyze()
    from django.conf import settings
    from django.test import Client
    from django_scopes import scopes_disabled

    from attestation.demo import DEMO_PASSWORD, DEMO_SLUG
    from attestation.models import Student

    cookie, _csrf = signed_in("admin", DEMO_PASSWORD)
    with scopes_disabled():
        student = Student.objects.filter(college__slug=DEMO_SLUG, group__year_of_study=4).first()
    with gunicorn(env, args.port, args.workers, args.threads) as base:
        print(f"gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL, CONN_MAX_AGE="
              f"{settings.DATABASES['default']['CONN_MAX_AGE']}, {args.rounds} interleaved rounds of {args.seconds} s "
              f"(medians; the machine is shared, single runs vary)")
        compare({
            "bare view (30 rows)": Target(f"{base}/bench/bare/"),
            "student list (30 rows)": Target(f"{base}/colleges/{DEMO_SLUG}/students/"),
            "transcript page": Target(f"{base}/colleges/{DEMO_SLUG}/students/{student.pk}/"),
        }, "bare view (30 rows)", cookie, args.seconds, args.rounds)
    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    assert client.login(username="admin", password=DEMO_PASSWORD)
    print("queries per page (must not grow with rows):")
    for label, count in query_counts(client, DEMO_SLUG):
        print(f"  {label:36} {count}")
    print("target: p95 < 100 ms at 32 clients on 2 gunicorn workers, 0 errors; the share of the bare view is context")


if __name__ == "__main__":
    main()
