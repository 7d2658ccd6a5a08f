"""Recovery after a hard worker crash (issue 17, item 8). A real worker, its main process and its children killed
with SIGKILL in the middle of a decisions batch and of a long render: the work is noticed through the leases on the
rows (short here: ATTESTATION_LEASE_SECONDS=3) and resumed by the relays, as beat runs them, by a new worker, without
a duplicate; a new request resumes the stuck batch instead of joining it, and the batch's page says so."""

import os
import signal
import subprocess
import time

import psycopg2
import pytest
from django.db import connection
from django_scopes import scopes_disabled

from attestation.documents.pipeline import documents_relay
from attestation.models import AuditEntry, Document
from grading.models import DecisionBatch, DiplomaDecision
from grading.services import decision_batch_enqueue, decision_batches_relay

from ..attestation.test_worker_pipeline import _big_transcript, request_transcript
from ..grading.builders import graduates
from ..grading.test_batch_concurrency import pending_batch
from ..worker import database_url_of_tests, free_port, publisher, redis_server, wait_until, worker

pytestmark = [pytest.mark.worker, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
LEASE = 3


def batch_row(pk) -> DecisionBatch:
    with scopes_disabled():
        return DecisionBatch.objects.get(pk=pk)


def document_row(pk) -> Document:
    with scopes_disabled():
        return Document.objects.get(pk=pk)


def kill_hard(process: subprocess.Popen) -> list[int]:
    children = [int(pid) for pid in subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                                   text=True).stdout.split()]
    for pid in [process.pid, *children]:
        os.kill(pid, signal.SIGKILL)
    process.wait()
    return children


def test_a_batch_and_a_render_killed_with_their_worker_resume_within_two_minutes(settings, page, api, cast_a,
                                                                                  tmp_path):
    settings.ATTESTATION_LEASE_SECONDS = LEASE
    students = graduates(cast_a, 100)
    batch = pending_batch(cast_a, students)
    _big_transcript(cast_a, rows=900)
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    options = {"visibility_timeout": 10, "socket_connect_timeout": 1, "socket_timeout": 2}
    env = {"ATTESTATION_LEASE_SECONDS": str(LEASE), "CELERY_VISIBILITY_TIMEOUT": "10"}
    documents = tmp_path / "documents"
    (tmp_path / "redis").mkdir()
    holder = psycopg2.connect(database_url_of_tests())  # holds the batch's row between two of its chunks

    with redis_server(port, tmp_path / "redis"), publisher(url, options):
        with worker(var_dir=tmp_path, documents_dir=documents, broker_url=url, concurrency=2, env=env,
                    log_name="w1") as (first, _log):
            transcript = request_transcript(api, cast_a)
            decision_batch_enqueue(college_id=cast_a.college.pk, batch_id=batch.pk)
            wait_until(lambda: batch_row(batch.pk).processed >= 10, 60, interval=0.01, what="the first chunk")
            with holder.cursor() as cursor:
                cursor.execute("SELECT id FROM grading_decisionbatch WHERE id = %s FOR UPDATE", [batch.pk])
            wait_until(lambda: document_row(transcript).status == "rendering", 60, interval=0.05,
                       what="the render to start")
            kill_hard(first)
        holder.rollback()
        holder.close()
        stuck = batch_row(batch.pk)
        assert stuck.status == "running" and stuck.processed < stuck.total  # killed mid-batch
        assert document_row(transcript).status == "rendering"  # killed mid-render

        time.sleep(LEASE + 0.5)  # the leases lapse
        browser = page(cast_a.admin)
        decisions = f"/colleges/{cast_a.college.slug}/attestation/decisions/"
        response = browser.post(f"{decisions}?group={cast_a.group.pk}", {"language": "kk"}, follow=True)
        assert response.status_code == 200
        resumed = batch_row(batch.pk)
        assert resumed.resumes == 1 and resumed.pk == batch.pk  # the request resumed the batch, it made no new one
        progress = browser.get(f"/colleges/{cast_a.college.slug}/attestation/decisions/batches/{batch.pk}/")
        assert "is resuming where it stopped" in progress.content.decode()

        with worker(var_dir=tmp_path, documents_dir=documents, broker_url=url, concurrency=2, env=env,
                    log_name="w2"):
            def recovered():
                with scopes_disabled():
                    decision_batches_relay()  # what beat does every 20 s
                    documents_relay()
                    return batch_row(batch.pk).status == "done" and document_row(transcript).status == "ready" and (
                        not Document.objects.filter(college=cast_a.college).exclude(status="ready").exists())

            started = time.monotonic()
            wait_until(recovered, 120, interval=1, what="recovery within two minutes")
            print(f"recovered {time.monotonic() - started:.1f} s after the new worker started")

    done = batch_row(batch.pk)
    assert done.processed == done.total == len(students)
    with scopes_disabled():
        decided = list(DiplomaDecision.objects.filter(college=cast_a.college).values_list("student_id", flat=True))
        assert len(decided) == len(set(decided))  # no student decided twice
        assert len(decided) + len(done.refusals) == len(students)
        assert len({r["student"] for r in done.refusals}) == len(done.refusals)
        for document in Document.objects.filter(college=cast_a.college):
            assert AuditEntry.objects.filter(action="document.ready", object_id=str(document.pk)).count() == 1
    # The killed render and the one that finished; a render longer than the test's 3 s lease may have been started
    # once more meanwhile (the lease is not renewed during a render), yet it stored one file, once (above).
    assert document_row(transcript).attempts >= 2
    assert connection.vendor == "postgresql"
