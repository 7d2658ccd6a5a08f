"""CPU per request, in this process, of the pages the load benchmarks measure: what gunicorn's worker spends on a
request before the database and the network are counted. The load figures of a 2-core machine follow these closely
(a page costing twice the bare view's CPU serves about half its requests per second), and these are repeatable
where a load run is not.

    .venv/bin/python bench/request_cpu.py [commissions|registry|appeals] [--repeat 300] [--profile "saving"]

The pages of bench/commissions_protocol_page.py, bench/pages.py or bench/appeals_pages.py, on the same database
and data (BENCH_DATABASE_URL and BENCH_REDIS_URL choose others). ``--profile`` prints the functions that cost the
most for one of the requests (cProfile, cumulative time) and the statements it sends with their mean wall time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from itertools import cycle, repeat
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, setup_django, vacuum_analyze  # noqa: E402


def _call(app, environ: dict, bodies) -> int:
    body = next(bodies)
    environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    status: list[str] = []
    chunks = app(environ, lambda s, h, exc_info=None: status.append(s))
    for _ in chunks:
        pass
    if hasattr(chunks, "close"):
        chunks.close()
    return int(status[0].split()[0])


BASE = {"REQUEST_METHOD": "GET", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "kk", "wsgi.errors": sys.stderr, "QUERY_STRING": ""}


# Each set of pages runs on the database of its load benchmark, with the same data.
DATABASES = {"commissions": ("attestation_bench_commissions", 8, "commissions-var"),
             "registry": ("attestation_bench", 3, "var"),
             "appeals": ("attestation_bench_appeals", 10, "appeals-var")}


def _requests(pages: str) -> dict[str, tuple[dict, object]]:
    """label → (WSGI environ, bodies) of the set's requests, each signed in as its load benchmark signs in."""
    from django_scopes import scopes_disabled

    from attestation.demo import DEMO_PASSWORD, DEMO_SLUG
    from attestation.models import Student
    from bench.load import signed_in

    def get(user: str, path: str) -> tuple[dict, object]:
        cookie, _token = signed_in(user, DEMO_PASSWORD)
        return {**BASE, "HTTP_COOKIE": cookie, "PATH_INFO": path}, repeat(b"")

    requests = {"bare view (30 rows)": get("admin", "/bench/bare/")}
    if pages == "commissions":
        from bench.commissions_data import prepare

        data = prepare(exams=1, students=30, small=10)
        requests["protocol page (30 students)"] = get(
            "secretary", f"/colleges/{DEMO_SLUG}/attestation/sessions/{data['exams'][0]}/protocol/")
        cookie, token = signed_in("secretary", DEMO_PASSWORD)
        # As the load benchmark: each save types a new percent, so every request really writes the row.
        requests["saving one row"] = (
            {**BASE, "HTTP_COOKIE": cookie, "REQUEST_METHOD": "POST", "HTTP_X_CSRFTOKEN": token,
             "HTTP_HX_REQUEST": "true", "CONTENT_TYPE": "application/x-www-form-urlencoded",
             "PATH_INFO": f"/colleges/{DEMO_SLUG}/attestation/protocol-rows/{data['rows'][0]}/"},
            cycle(f"percent={p}&questions=Q".encode() for p in range(50, 101)))
    elif pages == "registry":
        with scopes_disabled():
            student = Student.objects.filter(college__slug=DEMO_SLUG, group__year_of_study=4).first()
        requests["student list (30 rows)"] = get("admin", f"/colleges/{DEMO_SLUG}/students/")
        requests["transcript page"] = get("admin", f"/colleges/{DEMO_SLUG}/students/{student.pk}/")
    else:
        from bench.appeals_data import prepare

        data = prepare(students=40, queue=30)
        requests["filing page (one result)"] = get("student",
                                                   f"/colleges/{DEMO_SLUG}/appeals/results/{data['student_entry']}/")
        requests["student's results and appeals"] = get("student", f"/colleges/{DEMO_SLUG}/appeals/")
        requests["appeal queue (30 open)"] = get("admin", f"/colleges/{DEMO_SLUG}/appeals/")
    return requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pages", nargs="?", choices=sorted(DATABASES), default="commissions")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--profile", default="", help="the beginning of a request's label")
    args = parser.parse_args()
    database, redis_db, var = DATABASES[args.pages]
    setup_django(DEBUG="0", DJANGO_SETTINGS_MODULE="bench.settings", ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
                 DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}"),
                 REDIS_URL=os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}"),
                 ATTESTATION_VAR_DIR=str(OUT / var))
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    requests = _requests(args.pages)
    vacuum_analyze()  # as the load benchmarks do: planner statistics for the freshly prepared data
    app = get_wsgi_application()
    print(f"{'request':32} {'CPU ms':>8} {'wall ms':>8} {'queries':>8}")
    for label, (environ, body) in requests.items():
        for _ in range(20):  # warm caches, connections, templates
            assert _call(app, environ, body) == 200, label
        queries: list[list] = []  # the test runner's query log is reset by every request: count at the cursor

        def log(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append([sql, time.perf_counter() - started])

        with connection.execute_wrapper(log):
            for _ in range(50):
                _call(app, environ, body)
        count = len(queries) // 50
        timings = [[sql, sum(q[1] for q in queries[i::count]) / 50] for i, (sql, _t) in enumerate(queries[:count])]
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.repeat):
            _call(app, environ, body)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{label:32} {cpu * 1000 / args.repeat:8.2f} {wall * 1000 / args.repeat:8.2f} {count:8}")
        if args.profile and label.startswith(args.profile):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.repeat):
                _call(app, environ, body)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(45)
            print("statements (mean wall ms, the database's round trip included):")
            for sql, seconds in timings:
                print(f"  {seconds * 1000:6.3f}  {sql[:150]}")


if __name__ == "__main__":
    main()
