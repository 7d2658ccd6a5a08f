"""Protocol PDFs (30 students, about 3 pages) per second through the whole pipeline (request → outbox → broker →
worker → stored file), beside WeasyPrint rendering the same HTML directly, interleaved in the same run, on both
cores (the method of bench/pipeline.py).

    .venv/bin/python bench/commissions_protocol_pdf.py [--passes 4]

Own database (attestation_bench_commissions), Redis db 8 as the broker. Targets: pipeline ≥ 90% of the direct
rate, and at least 5 protocols per second.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, children, python, setup_django, start, wait_until  # noqa: E402
from bench.pipeline import direct_process_counts, direct_time  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocols", type=int, default=12, help="distinct protocols (× kk, ru per pass)")
    parser.add_argument("--passes", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--worker-processes", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    env = setup_django(DATABASE_URL=os.environ.get("BENCH_DATABASE_URL",
                                                   "postgres://postgres@127.0.0.1:5432/attestation_bench_commissions"),
                       REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, CELERY_TASK_ALWAYS_EAGER="0",
                       ATTESTATION_VAR_DIR=str(OUT / "commissions-var"))

    from django.db import transaction
    from django.utils import translation
    from django_scopes import scope, scopes_disabled
    from pypdf import PdfReader

    from attestation.celery import app as celery_app
    from attestation.documents.kinds import get_kind
    from attestation.documents.pipeline import document_context, document_request
    from attestation.documents.render import html_render, pdf_from_html
    from attestation.models import Document
    from bench.commissions_data import prepare

    celery_app.conf.task_always_eager = False
    data = prepare(exams=args.protocols, students=30)
    college = data["college"]
    kind = get_kind("protocol")
    jobs = [(pk, language) for language in ("kk", "ru") for pk in data["protocols"]]

    def clear():
        with scopes_disabled():
            Document.objects.filter(college=college, kind="protocol", subject_id__in=data["protocols"]).delete()

    htmls = []
    with scope(college=college.pk):
        for pk, language in jobs:
            with translation.override(language):
                payload = kind.build_payload(college=college, subject_id=pk, language=language)
                document = Document(college=college, kind="protocol", subject_id=pk, language=language,
                                    payload=payload, title="bench")
                htmls.append(html_render(kind.template, document_context(document)))
    pages = len(PdfReader(io.BytesIO(pdf_from_html(htmls[0], kind.stylesheet))).pages)
    print(f"protocols: {len(jobs)} per pass × {args.passes} passes, 30 students, {pages} pages each; cores: "
          f"{os.cpu_count()}; broker: redis; database: PostgreSQL")

    clear()
    worker = start([python(), "-m", "celery", "-A", "attestation", "worker", "--concurrency",
                    str(args.worker_processes), "--loglevel", "WARNING", "--without-mingle", "--without-gossip"],
                   env, "bench-commissions-worker")
    direct_seconds = pipeline_seconds = 0.0
    try:
        def request(batch):
            ids = []
            with scope(college=college.pk):
                for pk, language in batch:
                    with transaction.atomic():
                        ids.append(document_request(college=college, kind=kind, subject_id=pk, language=language,
                                                    by=None, batch_key="bench")[0].pk)
            return ids

        def ready_count(ids):
            with scopes_disabled():
                return Document.objects.filter(pk__in=ids, status=Document.Status.READY).count()

        warm = request(jobs[:2])
        wait_until(lambda: ready_count(warm) == len(warm), 180)
        wait_until(lambda: len(children(worker.pid)) > 0, 30)
        for _pass in range(args.passes):
            clear()
            counts = direct_process_counts(args.concurrency, args.worker_processes)
            timings = {n: direct_time(htmls, n, kind.stylesheet) for n in counts}
            direct_seconds += min(timings.values())
            started = time.perf_counter()
            ids = request(jobs)
            wait_until(lambda ids=ids: ready_count(ids) == len(ids), 600, interval=0.1)
            pipeline_seconds += time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)

    total = len(jobs) * args.passes
    direct, pipeline = total / direct_seconds, total / pipeline_seconds
    print(f"direct WeasyPrint at nice 10: {direct:6.2f} protocols/s  ({direct_seconds:.1f} s)")
    print(f"pipeline (request → broker → worker → stored file): {pipeline:6.2f} protocols/s  "
          f"({pipeline_seconds:.1f} s)")
    print(f"pipeline / direct: {100 * pipeline / direct:5.1f}%   (targets: ≥ 90%, ≥ 5 protocols/s)")
    print(f"logs: {OUT}")


if __name__ == "__main__":
    main()
