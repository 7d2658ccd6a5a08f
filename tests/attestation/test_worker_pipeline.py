"""The documents pipeline through real Celery worker processes and real brokers.

* a transcript requested over the API is rendered by a worker and read back (Kazakh letters);
* Redis stopped while documents are requested: the requests succeed, the documents wait and are
  produced once Redis is back (a private redis-server on a spare port);
* a worker process killed in the middle of a render: the document is still produced, exactly once.
"""

import hashlib
import io
import os
import signal
import time
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from attestation.documents.pipeline import documents_relay
from attestation.models import AuditEntry, Discipline, Document, TranscriptEntry
from attestation.services import transcript_grade

from ..worker import filesystem_broker, free_port, publisher, redis_server, wait_until, worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def documents_dir(tmp_path):
    return tmp_path / "documents"  # the folder the autouse fixture gives this test's storage


def document(pk) -> Document:
    with scopes_disabled():
        return Document.objects.get(pk=pk)


def request_transcript(api, cast, language="kk"):
    response = api(cast.student_user).post(f"/api/v1/colleges/{cast.college.slug}/documents/",
                                           {"kind": "transcript", "subject": cast.student.pk, "language": language})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def broker_for(kind, tmp_path):
    if kind == "filesystem":
        return filesystem_broker(tmp_path)
    return os.environ["REDIS_URL"], {"visibility_timeout": 30}


@pytest.mark.parametrize("broker", ["filesystem", pytest.param("redis", marks=pytest.mark.redis)])
def test_a_real_worker_renders_the_transcript(api, cast_a, tmp_path, broker):
    with scopes_disabled():
        every_letter = Discipline.objects.create(college=cast_a.college, program=cast_a.program, code="KZ-02",
                                                 name_kk="Әдіс: ғылыми өңдеу, үнем, һәм іс", name="Method")
        TranscriptEntry.objects.create(college=cast_a.college, student=cast_a.student, discipline=every_letter,
                                       held_on=date(2026, 1, 20), **transcript_grade(88))
    url, options = broker_for(broker, tmp_path)
    with publisher(url, options), worker(var_dir=tmp_path, documents_dir=documents_dir(tmp_path), broker_url=url):
        document_id = request_transcript(api, cast_a)
        wait_until(lambda: document(document_id).status == "ready", 90, what="the worker to render")
    ready = document(document_id)
    content = (documents_dir(tmp_path) / ready.file.name).read_bytes()
    assert hashlib.sha256(content).hexdigest() == ready.sha256
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    for letters in ("Әбілов Ерлан Серікұлы", "Қазақ тілі", *"әғқңөұүһі"):
        assert letters in text, letters
    assert ready.worker and ready.worker.split(":")[1] != str(os.getpid())  # rendered elsewhere
    assert ready.attempts == 1


@pytest.mark.redis
def test_documents_requested_while_redis_is_down_are_produced_when_it_returns(api, cast_a, tmp_path):
    with scopes_disabled():
        Document.objects.filter(pk=cast_a.document.pk).delete()  # only this test's documents are pending
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    options = {"visibility_timeout": 30, "socket_connect_timeout": 1, "socket_timeout": 2}
    data = tmp_path / "redis"
    data.mkdir()
    with publisher(url, options):
        with redis_server(port, data), worker(var_dir=tmp_path, documents_dir=documents_dir(tmp_path), broker_url=url):
            pass  # the worker starts, connects, stops: the broker works
        # Redis is down now. Requests still succeed; documents wait as pending and unsent.
        started = time.monotonic()
        first = request_transcript(api, cast_a, "kk")
        second = request_transcript(api, cast_a, "ru")
        elapsed = time.monotonic() - started
        for pk in (first, second):
            assert document(pk).status == "pending" and document(pk).enqueued_at is None
        print(f"two requests with Redis down took {elapsed:.2f}s")
        assert documents_relay() == 0  # nothing can be sent yet, nothing is lost

        with redis_server(port, data), worker(var_dir=tmp_path, documents_dir=documents_dir(tmp_path),
                                              broker_url=url, log_name="w2"):
            with scopes_disabled():  # the relay only takes what has waited a little
                Document.objects.filter(pk__in=[first, second]).update(
                        created_at=timezone.now() - timedelta(hours=1))
            assert documents_relay() == 2
            for pk in (first, second):
                wait_until(lambda pk=pk: document(pk).status == "ready", 90, what="render after Redis returns")
    assert {document(first).language, document(second).language} == {"kk", "ru"}


def _big_transcript(cast, rows=900):
    """Enough graded components for a render of several seconds, so a kill lands in the middle of it."""
    with scopes_disabled():
        disciplines = Discipline.objects.bulk_create([
            Discipline(college=cast.college, program=cast.program, code=f"X-{n:04d}", semester=1 + n % 8,
                       name=f"Пән {n}: әдістеме, құқық, ұйымдастыру және өндіріс", kind="subject")
            for n in range(rows)])
        TranscriptEntry.objects.bulk_create([
            TranscriptEntry(college=cast.college, student=cast.student, discipline=d, held_on=date(2025, 5, 20),
                            **transcript_grade(50 + n % 50))
            for n, d in enumerate(disciplines)])


def test_a_worker_killed_during_a_render_still_produces_the_document_exactly_once(api, cast_a, tmp_path):
    _big_transcript(cast_a)
    redis_url = os.environ.get("REDIS_URL")
    url, options = (redis_url, {"visibility_timeout": 30}) if redis_url else filesystem_broker(tmp_path)
    with publisher(url, options), worker(var_dir=tmp_path, documents_dir=documents_dir(tmp_path), broker_url=url):
        document_id = request_transcript(api, cast_a)
        rendering = wait_until(lambda: document(document_id).status == "rendering" and document(document_id),
                               90, interval=0.02, what="the render to start")
        child_pid = int(rendering.worker.rsplit(":", 1)[1])
        time.sleep(0.3)  # well inside WeasyPrint's layout of a long document
        os.kill(child_pid, signal.SIGKILL)
        ready = wait_until(lambda: document(document_id).status == "ready" and document(document_id), 120,
                           what="the redelivered task to finish")
    assert ready.attempts == 2  # the killed render and the one that finished
    assert int(ready.worker.rsplit(":", 1)[1]) != child_pid
    folder = documents_dir(tmp_path) / ready.file.name.rsplit("/", 1)[0]
    files = sorted(os.listdir(folder))
    assert files == [ready.file.name.rsplit("/", 1)[1]]  # one file, no temporary left behind
    content = (folder / files[0]).read_bytes()
    assert hashlib.sha256(content).hexdigest() == ready.sha256
    assert len(PdfReader(io.BytesIO(content)).pages) > 5
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="document.ready", object_id=str(document_id)).count() == 1
    assert connection.vendor in ("sqlite", "postgresql")
