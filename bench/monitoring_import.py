"""The results import of the monitoring (MON-22) on PostgreSQL: 100,000 rows (50,000 participants × 2 subjects in 200
colleges) from a CSV on disk, checked whole and stored in one transaction with the summary rows rewritten. Prints the
time, the peak of Python's allocations (tracemalloc) for files of 20,000 and 100,000 rows against the files' sizes,
the growth of the process's resident memory, and the proof of one transaction (every stored row has the same xmin).
Target: under 30 s, memory that does not hold the file.

    .venv/bin/python bench/monitoring_import.py [--colleges 200 --per 250]

Own database (attestation_bench_monitoring; BENCH_DATABASE_URL overrides it), Redis db 11 (BENCH_REDIS_URL).

The round is moved to testing directly in the database (the bench does not wait a month after the notice, MON-09).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django, vacuum_analyze  # noqa: E402


class _Rollback(Exception):
    pass


def seed(colleges: int, per: int):
    """A round in testing with ``colleges`` selected colleges of ``per`` 2nd-year participants each."""
    from django.db import transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from attestation.models import College, Group, Program, Student, User
    from monitoring.models import DrawVersion, Round
    from monitoring.services import rounds as services

    ministry = User.objects.filter(authority="ministry").first()
    year = max(2200, (Round.objects.order_by("-year").values_list("year", flat=True).first() or 2200) + 1)
    slugs = [f"bench-imp-{n:04d}" for n in range(colleges)]
    with scopes_disabled(), transaction.atomic():
        existing = set(College.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        for n, slug in enumerate(slugs):
            if slug in existing:
                continue
            college = College.objects.create(slug=slug, name_kk=f"Импорт колледжі {n}", name_ru=f"Колледж {n}",
                                             region="astana")
            program = Program.objects.create(college=college, code="I001", name="Import")
            group = Group.objects.create(college=college, program=program, name="I-2", year_of_study=2)
            Student.objects.bulk_create([Student(college=college, group=group, iin=f"0801{n:04d}{k:04d}",
                                                 full_name=f"Импорт {n}-{k}") for k in range(per)], batch_size=2000)
    testing_on = timezone.localdate().replace(year=year, month=11, day=16)
    round = services.round_create(by=ministry, year=year, testing_on=testing_on, cohorts=["general"])[0]
    round = services.pool_freeze(round=round, by=ministry)
    round = services.seed_publish(round=round, by=ministry, seed="import bench")
    DrawVersion.objects.create(round=round, number=1, seed=round.seed, pool_sha256=round.pool_sha256,
                               share=round.share, total=colleges, pool_size=len(round.pool), result={},
                               selected=sorted(slugs), drawn_by=ministry)
    Round.objects.filter(pk=round.pk).update(testing_on=date(year, 11, 16))
    started = time.perf_counter()
    services.round_notify(round=round, by=ministry, today=date(year, 10, 1))
    print(f"notice of {colleges} colleges with {colleges * per} participants: {time.perf_counter() - started:.1f} s")
    Round.objects.filter(pk=round.pk).update(status="testing")
    round.refresh_from_db()
    return round, ministry


def results_file(round, rows: int) -> Path:
    from django_scopes import scopes_disabled

    from monitoring.models import Participant

    with scopes_disabled():
        codes = list(Participant.objects.filter(round=round).order_by("code").values_list("code", flat=True))
    path = Path(tempfile.mkstemp(suffix=".csv")[1])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Personal code", "Subject or module", "Variant", "Score", "Maximum"])
        written = 0
        for subject in ("Математика", "Қазақ тілі"):
            for index, code in enumerate(codes):
                if written == rows:
                    break
                writer.writerow([code, subject, str(1 + index % 4), f"{(index * 7) % 40}.5" if index % 3 else "40",
                                 "40"])
                written += 1
    return path


def upload_of(path: Path):
    from django.core.files.uploadedfile import UploadedFile

    return UploadedFile(file=path.open("rb"), name=path.name, size=path.stat().st_size)


def run(round, ministry, path: Path, *, keep: bool, trace: bool):
    """One import of the file; rolled back unless ``keep``. → (seconds, report, tracemalloc peak or None)."""
    from django.db import transaction

    from monitoring.services.results import results_import

    upload = upload_of(path)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    report = None
    try:
        with transaction.atomic():
            report = results_import(round=round, by=ministry, upload=upload)
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else None
        if trace:
            tracemalloc.stop()
        upload.close()
    return elapsed, report, peak


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--colleges", type=int, default=200)
    parser.add_argument("--per", type=int, default=250)
    args = parser.parse_args()
    setup_django(DATABASE_URL=os.environ.get("BENCH_DATABASE_URL",
                                             "postgres://postgres@127.0.0.1:5432/attestation_bench_monitoring"),
                 REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"))
    print("(a shared 2-core machine: the figures are noisy)")
    round, ministry = seed(args.colleges, args.per)
    vacuum_analyze()
    rows = args.colleges * args.per * 2
    small, big = results_file(round, 20000), results_file(round, rows)
    for path, count in ((small, 20000), (big, rows)):
        _elapsed, report, peak = run(round, ministry, path, keep=False, trace=True)
        assert report is not None and report.ok, report.errors[:3] if report else None
        print(f"{count} rows ({path.stat().st_size / 2**20:.1f} MB file): peak of Python allocations "
              f"{peak / 2**20:.1f} MB (rolled back)")
    before = rss_mb()
    elapsed, report, _peak = run(round, ministry, big, keep=True, trace=False)
    after = rss_mb()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT xmin::text) FROM monitoring_result WHERE batch_id = %s",
                       [report.batch.pk])
        stored, transactions = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM monitoring_resultsummary WHERE round_id = %s", [round.pk])
        summaries = cursor.fetchone()[0]
    print(f"import of {report.rows} rows from {report.colleges} colleges: {elapsed:.1f} s; stored {stored} in "
          f"{transactions} transaction(s); {summaries} summary rows")
    print(f"resident memory high-water mark: {before:.0f} MB before, {after:.0f} MB after the import")
    small.unlink()
    big.unlink()


if __name__ == "__main__":
    main()
