"""Appeals pages under load: the student's filing page (the form of one result, with its APP-01 deadline and APP-04
due date) and the administrator's queue (30 open appeals with their clock), served by gunicorn on PostgreSQL,
beside the bare Django view of bench/urls.py in the same run.

    .venv/bin/python bench/appeals_pages.py [--seconds 10]

Needs `wrk`. Own database (attestation_bench_appeals), Redis db 10, port 8791. Target: p95 < 100 ms at 32 clients on
2 gunicorn workers, 0 errors. The share of the bare view's requests per second is printed for context.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, setup_django, vacuum_analyze  # noqa: E402
from bench.load import Target, compare, gunicorn, signed_in  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = setup_django(DEBUG="0", DJANGO_SETTINGS_MODULE="bench.settings",
                       ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
                       DATABASE_URL=os.environ.get("BENCH_DATABASE_URL",
                                                   "postgres://postgres@127.0.0.1:5432/attestation_bench_appeals"),
                       REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"),
                       ATTESTATION_VAR_DIR=str(OUT / "appeals-var"))

    from django.conf import settings

    from attestation.demo import DEMO_PASSWORD, DEMO_SLUG
    from bench.appeals_data import prepare

    data = prepare(students=40, queue=30)
    vacuum_analyze()
    student_cookie, _ = signed_in("student", DEMO_PASSWORD)
    admin_cookie, _ = signed_in("admin", DEMO_PASSWORD)
    with gunicorn(env, args.port, args.workers, args.threads) as base:
        print(f"gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL, CONN_MAX_AGE="
              f"{settings.DATABASES['default']['CONN_MAX_AGE']}, {args.rounds} interleaved rounds of {args.seconds} s "
              f"(medians; the machine is shared, single runs vary)")
        bare = Target(f"{base}/bench/bare/")
        print("student (session of the demo student):")
        compare({"bare view (30 rows)": bare,
                 "filing page (one result)": Target(f"{base}/colleges/{DEMO_SLUG}/appeals/results/"
                                                    f"{data['student_entry']}/"),
                 "student's results and appeals": Target(f"{base}/colleges/{DEMO_SLUG}/appeals/")},
                "bare view (30 rows)", student_cookie, args.seconds, args.rounds)
        print("administrator:")
        compare({"bare view (30 rows)": bare,
                 "appeal queue (30 open)": Target(f"{base}/colleges/{DEMO_SLUG}/appeals/"),
                 "reference: student list (30 rows)": Target(f"{base}/colleges/{DEMO_SLUG}/students/")},
                "bare view (30 rows)", admin_cookie, args.seconds, args.rounds)
    print("target: p95 < 100 ms at 32 clients on 2 gunicorn workers, 0 errors; the share of the bare view is context")


if __name__ == "__main__":
    main()
