"""Diploma decision PDFs per second for a group batch of 300 through the whole pipeline (the batch request → the
batch task deciding every student → outbox → broker → worker processes → stored files), beside WeasyPrint rendering
the same HTML directly, interleaved in the same run, on both cores (the method of bench/pipeline.py).

    .venv/bin/python bench/grading_decisions.py [--students 300] [--rounds 3]

Uses DATABASE_URL (default: a PostgreSQL database `attestation_bench_grading` on 127.0.0.1) and REDIS_URL as the
broker when set (else the filesystem broker). Targets: pipeline ≥ 90% of the direct rate and ≥ 25 PDF/s.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    OUT,
    bench_env,
    busy_share,
    cpu_times,
    ensure_postgres_database,
    process_cpu,
    process_cpu_spent,
    python,
    start,
    vacuum_analyze,
    wait_until,
)
from bench.pipeline import direct_process_counts, direct_time  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/attestation_bench_grading"
KINDS = ("diploma_decision", "completion_certificate")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--worker-processes", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL", "")
    env = bench_env(DATABASE_URL=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
                    CELERY_BROKER_URL=redis_url or "filesystem://localhost//", CELERY_TASK_ALWAYS_EAGER="0")
    os.environ.update(env)
    ensure_postgres_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone, translation
    from django_scopes import scope, scopes_disabled

    from attestation.celery import app as celery_app
    from attestation.documents.kinds import get_kind
    from attestation.documents.pipeline import document_context
    from attestation.documents.render import html_render
    from attestation.models import AuditEntry, Document, User
    from bench.grading_data import grading_college
    from grading import services
    from grading.models import DecisionBatch, DiplomaDecision

    celery_app.conf.task_always_eager = False
    college, groups = grading_college(slug=f"bench-decisions-{args.students}", students=args.students, entries=40,
                                      group_size=args.students)
    group = groups[0]
    with scopes_disabled():
        user, _created = User.objects.get_or_create(username="bench-grading-admin")

    def reset() -> None:
        with scopes_disabled(), transaction.atomic():
            documents = list(DiplomaDecision.objects.filter(college=college).values_list("document_id", flat=True))
            DiplomaDecision.objects.filter(college=college).delete()
            DecisionBatch.objects.filter(college=college).delete()
            Document.objects.filter(college=college, pk__in=[d for d in documents if d]).delete()

    def ready() -> int:
        with scopes_disabled():
            return Document.objects.filter(college=college, kind__in=KINDS, status=Document.Status.READY).count()

    def round_prepare() -> None:
        """No decisions of the group, as before its first batch."""
        reset()
        # As on a production server, where autovacuum runs: without it every round's deleted documents stay behind
        # as dead rows (this machine runs PostgreSQL with autovacuum off), and each poll of the progress below, and
        # the worker's reads, wade through tens of thousands of them (a count took 11 ms after a few runs).
        vacuum_analyze()

    def pipeline_round() -> tuple[float, float]:
        """Seconds from the batch request to the last PDF stored, and to every student decided. Both ends are read
        from the database once every PDF is there (the last `document.ready` audit entry, written as its chunk's
        files are stored, a millisecond or two before that chunk commits; the batch's `finished_at`), on the clock
        the request was timed by: not from when a poll noticed them. Polling every 0.1 s added 0.05 s a round on
        average (1% of it) to the pipeline, and its queries took 0.4 ms of CPU per document from it; a poll every 0.25 s
        still took 0.3 ms, hence one a second (the end read from the database does not depend on it)."""
        started = timezone.now()
        with scope(college=college.pk), transaction.atomic():
            batch, _created = services.decision_batch_start(college=college, by=user, group=group, language="kk")
        wait_until(lambda: ready() == args.students, 900, interval=1.0)
        with scopes_disabled():
            finished_at = DecisionBatch.objects.get(pk=batch.pk).finished_at
            documents = Document.objects.filter(college=college, kind__in=KINDS).values_list("pk", flat=True)
            last_stored = AuditEntry.objects.filter(
                college=college, action="document.ready", object_type="attestation.document",
                object_id__in=[str(pk) for pk in documents], created_at__gte=started).aggregate(
                last=Max("created_at"))["last"]
        return (last_stored - started).total_seconds(), (finished_at - started).total_seconds()

    print(f"load average before the run: {os.getloadavg()[0]:.2f} (other processes compete for the cores)")
    print(f"group batch: {args.students} students ({group.name})  rounds: {args.rounds}  cores: {os.cpu_count()}  "
          f"broker: {'redis' if redis_url else 'filesystem'}  database: {env['DATABASE_URL'].split(':')[0]}")
    worker = start([python(), "-m", "celery", "-A", "attestation", "worker", "--concurrency",
                    str(args.worker_processes), "--loglevel", "WARNING", "--without-mingle", "--without-gossip"],
                   env, "bench-grading-worker")
    direct_seconds = pipeline_seconds = decide_seconds = 0.0
    ratios = []
    try:
        time.sleep(3)
        round_prepare()
        pipeline_round()  # warm-up: worker processes load fonts; its documents give the HTML of the baseline
        jobs: list[str] = []
        stylesheets: set[str] = set()
        with scope(college=college.pk):
            for document in Document.objects.filter(college=college, kind__in=KINDS).order_by("pk"):
                kind = get_kind(document.kind)
                with translation.override(document.language):
                    jobs.append(html_render(kind.template, document_context(document)))
                    stylesheets.add(kind.stylesheet)
        assert len(jobs) == args.students, len(jobs)
        (stylesheet,) = stylesheets  # the decision and the certificate share the grading print stylesheet
        counts = direct_process_counts(args.concurrency, args.worker_processes)
        half = len(jobs) // 2

        def direct_part(part: list[str]) -> tuple[float, tuple[int, int]]:
            """Seconds of the fastest baseline for these documents, and the machine's busy and total ticks meanwhile."""
            before = cpu_times()
            seconds = min(direct_time(part, n, stylesheet) for n in counts)
            after = cpu_times()
            return seconds, (after[0] - before[0], after[1] - before[1])

        for _ in range(args.rounds):
            # The baseline renders half of the batch's HTML before the pipeline's round and half after it: this shared
            # machine speeds up and slows down by 10–30% over tens of seconds, and a baseline measured on one side only
            # would credit or charge the pipeline with that drift.
            first, first_ticks = direct_part(jobs[:half])
            round_prepare()
            before, processes_before = cpu_times(), process_cpu({worker.pid: "worker"})
            total, decided = pipeline_round()
            pipeline_busy = busy_share(before, cpu_times())
            spent = process_cpu_spent(processes_before, process_cpu({worker.pid: "worker"}))
            second, second_ticks = direct_part(jobs[half:])
            direct_round = first + second
            direct_seconds += direct_round
            direct_busy = (first_ticks[0] + second_ticks[0]) / max(first_ticks[1] + second_ticks[1], 1)
            pipeline_seconds += total
            decide_seconds += decided
            ratios.append(direct_round / total)
            print(f"  round {len(ratios)}: direct {args.students / direct_round:5.1f} PDF/s, pipeline "
                  f"{args.students / total:5.1f} PDF/s ({100 * ratios[-1]:.0f}%), decided in {decided:.1f} s; "
                  f"cores busy: direct {100 * direct_busy:.0f}%, pipeline {100 * pipeline_busy:.0f}%", flush=True)
            print("    CPU ms per document: " + ", ".join(
                f"{label} {1000 * seconds / args.students:.1f}" for label, seconds in sorted(spent.items())),
                flush=True)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)

    count = args.students * args.rounds
    direct, pipeline = count / direct_seconds, count / pipeline_seconds
    print(f"direct WeasyPrint (same HTML, warm processes at the worker's priority): {direct:6.1f} PDF/s "
          f"({direct_seconds:.1f} s)")
    print(f"pipeline, batch request → every PDF stored ({args.worker_processes} worker processes): "
          f"{pipeline:6.1f} PDF/s ({pipeline_seconds:.1f} s); every student decided after "
          f"{decide_seconds / args.rounds:.1f} s per batch")
    print(f"pipeline / direct: {100 * pipeline / direct:5.1f}% overall, median of rounds "
          f"{100 * sorted(ratios)[len(ratios) // 2]:.0f}%   (target ≥ 90%)   "
          f"rate target ≥ 25 PDF/s: {'OK' if pipeline >= 25 else 'BELOW'}")
    print(f"logs: {OUT}")


if __name__ == "__main__":
    main()
