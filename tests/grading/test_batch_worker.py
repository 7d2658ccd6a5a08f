"""A group's decision batch rendered by a real Celery worker: the PDFs go a few per task (render_documents), each
ends ready exactly once with its file, and the worker keeps one database connection across its tasks instead of
the new connection per task that Celery's Django fixup would make (settings.CELERY_DB_REUSE_MAX,
attestation.celery.close_old_database_connections)."""

import hashlib
import re

import pytest
import time_machine
from django.db import connection
from django_scopes import scopes_disabled

from attestation.documents.pipeline import document_chunks
from attestation.models import Document

from ..worker import filesystem_broker, publisher, wait_until, worker
from .builders import graduates
from .test_api import AFTER_RESULTS
from .test_batch_concurrency import pending_batch, run_in_scope

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KINDS = ("diploma_decision", "completion_certificate")


def other_backends() -> set[tuple]:
    """The PostgreSQL sessions on the test database other than this test's own."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, backend_start FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return set(cursor.fetchall())


def test_a_batch_renders_in_chunks_each_document_once_on_one_connection(cast_a, tmp_path):
    with time_machine.travel(AFTER_RESULTS, tick=False):
        students = graduates(cast_a, 12)
        batch = pending_batch(cast_a, students)
    documents_dir = tmp_path / "documents"
    url, options = filesystem_broker(tmp_path)

    def documents():
        with scopes_disabled():
            return list(Document.objects.filter(college=cast_a.college, kind__in=KINDS))

    with publisher(url, options), worker(var_dir=tmp_path, documents_dir=documents_dir, broker_url=url) as (_p, log):
        before = other_backends()
        with time_machine.travel(AFTER_RESULTS, tick=False):
            run_in_scope(cast_a, batch.pk)  # decided here; each chunk of documents goes to the worker after commit
        wait_until(lambda: [d.status for d in documents()].count("ready") == len(students), 120,
                   what="the worker to render the batch")
        worker_connections = other_backends() - before
    rendered = documents()
    assert len(rendered) == len(students) and {d.attempts for d in rendered} == {1}
    for document in rendered:
        assert hashlib.sha256((documents_dir / document.file.name).read_bytes()).hexdigest() == document.sha256
    received = re.findall(r"Task (attestation\.tasks\.render_documents?)\[[^\]]+\] received", log.read_text())
    # The first ten students decided alone, their documents in one task; the last two, the batch's end, in a pair.
    tasks = document_chunks(list(range(10))) + document_chunks(list(range(2)), batch_end=True)
    assert received == ["attestation.tasks.render_documents"] * len(tasks) == ["attestation.tasks.render_documents"] * 2
    assert len(worker_connections) == 1, worker_connections  # one connection for all of the worker's tasks
