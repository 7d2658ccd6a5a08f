"""Honours and admission evaluation of a whole college on PostgreSQL: 2,000 graduates with 40 transcript entries each
(ADM-01 debts, GPA, HON-01/HON-02 with reason codes under both systems, confirmations and decisions), timed, with the
queries counted, and the same for a tenth of the students to show that the queries do not grow with them.

    .venv/bin/python bench/grading_evaluation.py [--students 2000] [--entries 40] [--repeat 5]

Uses DATABASE_URL (default: a PostgreSQL database `attestation_bench_grading` on 127.0.0.1); the college is built
once and reused. Target: the whole evaluation under 2 s, queries not growing with the number of students.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env, ensure_postgres_database, vacuum_analyze  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/attestation_bench_grading"


def setup() -> dict[str, str]:
    env = bench_env(DATABASE_URL=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    os.environ.update(env)
    ensure_postgres_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = setup()

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scope

    from attestation.models import Student
    from bench.grading_data import grading_college
    from grading import selectors

    started = time.perf_counter()
    college, groups = grading_college(slug=f"bench-eval-{args.students}-{args.entries}", students=args.students,
                                      entries=args.entries, group_size=25)
    # The database is shared with bench/grading_decisions.py, whose rounds insert and delete thousands of rows:
    # without fresh planner statistics (this machine's PostgreSQL runs with autovacuum off) the evaluation took
    # 4.7 s instead of 0.5, a tenth of the students 10 s.
    vacuum_analyze()
    print(f"database: {connection.vendor} ({env['DATABASE_URL'].rsplit('/', 1)[1]})  college: {college.slug}  "
          f"data ready in {time.perf_counter() - started:.1f} s")

    def run(students_qs) -> tuple[list[float], int, list]:
        timings, queries, evaluations = [], 0, []
        for _ in range(args.repeat):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                begun = time.perf_counter()
                evaluations = selectors.evaluate(college=college, students=students_qs)
                timings.append(time.perf_counter() - begun)
            queries = len(captured)
        return timings, queries, evaluations

    with scope(college=college.pk):
        everyone = Student.objects.filter(college=college)
        run(everyone.filter(group=groups[0]))  # warm the connection and the code
        timings, queries, evaluations = run(everyone)
        tenth_ids = list(everyone.order_by("id").values_list("id", flat=True)[: max(1, args.students // 10)])
        tenth_timings, tenth_queries, _ = run(Student.objects.filter(college=college, pk__in=tenth_ids))
        group_timings, group_queries, _ = run(everyone.filter(group=groups[0]))

    entries = sum(len(e.components) + len(e.fa) for e in evaluations)
    eligible = sum(1 for e in evaluations if e.eligible)
    honours = sum(1 for e in evaluations if e.honours.eligible)
    reasons: dict[str, int] = {}
    for evaluation in evaluations:
        for code in evaluation.honours.reasons:
            reasons[code] = reasons.get(code, 0) + 1
    best, median = min(timings), statistics.median(timings)
    print(f"students: {len(evaluations)}  transcript entries evaluated: {entries}  ({args.entries} each)")
    print(f"whole college evaluation (admission, GPA, honours under both systems): best {best:.3f} s, "
          f"median {median:.3f} s of {args.repeat}   (target < 2 s)  → {'OK' if median < 2 else 'OVER TARGET'}")
    print(f"queries: {queries} for {len(evaluations)} students, {tenth_queries} for {len(tenth_ids)}, "
          f"{group_queries} for one group of 25   (target: not growing with students) → "
          f"{'OK' if queries == tenth_queries == group_queries else 'GROWS'}")
    print(f"a tenth of the students: median {statistics.median(tenth_timings):.3f} s; one group: "
          f"median {1000 * statistics.median(group_timings):.1f} ms")
    print(f"admission: {eligible} eligible of {len(evaluations)};  honours due: {honours}")
    print("honours reasons: " + ", ".join(f"{code} {n}" for code, n in sorted(reasons.items())))


if __name__ == "__main__":
    main()
