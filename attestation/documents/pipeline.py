"""The documents pipeline (DESIGN.md): outbox row → relay / on_commit → idempotent render task.

* ``document_request`` writes the Document row in the caller's transaction (the outbox) and asks
  for it to be enqueued after commit. Nothing touches the broker before commit, and a broker that is
  down only delays the document: the relay enqueues it later.
* ``document_render`` locks the row, returns at once when it is already done, renders outside the
  lock, then stores the file atomically under a fixed name and records the sha256. A redelivered
  task (worker killed mid-render) therefore produces the same single file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from ..audit import audit_entry, audit_log
from ..celery import app as celery_app
from ..models import AuditEntry, College, Document, User
from .kinds import DocumentKind, get_kind
from .render import html_render, pdf_from_html, qr_data_uri

log = logging.getLogger(__name__)

# A pending document whose publish failed (broker down) is retried by the relay after this long, and one sent but
# never picked up (its message lost with a Redis that restarted empty) after the longer wait. A render whose worker
# died hard is sent again as soon as its lease lapses (lease_until).
RELAY_UNSENT_AFTER = timedelta(seconds=10)
RELAY_STALE_AFTER = timedelta(minutes=10)


def lease_end():
    return timezone.now() + timedelta(seconds=settings.ATTESTATION_LEASE_SECONDS)


def payload_hash(kind: str, payload: dict) -> str:
    canonical = json.dumps({"kind": kind, "payload": payload}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def document_request(
    *, college: College, kind: DocumentKind, subject_id: int, language: str, by: User | None,
    batch_key: str = "",
) -> tuple[Document, bool]:
    """The document of this kind, subject, language and content: the existing one, or a new pending
    row enqueued after commit. Returns (document, created)."""
    with translation.override(language):
        payload = kind.build_payload(college=college, subject_id=subject_id, language=language)
        title = kind.title(payload, language)
    digest = payload_hash(kind.code, payload)
    existing = Document.objects.filter(college=college, kind=kind.code, subject_id=subject_id,
                                       language=language, input_hash=digest).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            document = Document.objects.create(
                college=college, kind=kind.code, subject_id=subject_id, title=title[:500], language=language,
                payload=payload, input_hash=digest, requested_by=by if by and by.is_authenticated else None,
                student_id=kind.student_of(college=college, subject_id=subject_id), batch_key=batch_key,
            )
            audit_log(action="document.requested", college=college, actor=by, obj=document,
                      data={"kind": kind.code, "subject": subject_id, "language": language})
    except IntegrityError:
        # The same request raced us to the unique constraint: theirs is ours.
        existing = Document.objects.get(college=college, kind=kind.code, subject_id=subject_id,
                                        language=language, input_hash=digest)
        return existing, False
    college_id, document_id = college.pk, document.pk
    transaction.on_commit(lambda: document_enqueue(college_id=college_id, document_id=document_id))
    return document, True


@dataclass(frozen=True)
class BatchDocument:
    """One document of a batch request: its kind, subject, content (built by the caller for the whole batch at
    once, with the kind's own payload builder) and student."""

    kind: DocumentKind
    subject_id: int
    payload: dict
    student_id: int | None


def documents_request_many(*, college: College, documents: list[BatchDocument], language: str, by: User | None,
                           batch_key: str = "", batch_end: bool = False) -> list[Document]:
    """``document_request`` for the new subjects of a batch (none has a document yet): the outbox rows and their
    audit entries in two inserts, all sent to the broker after commit, a few per task (``documents_enqueue``;
    ``batch_end``: these are the batch's last documents)."""
    requested_by = by if by is not None and by.is_authenticated else None
    rows = []
    with translation.override(language):
        for item in documents:
            rows.append(Document(
                college=college, kind=item.kind.code, subject_id=item.subject_id, language=language,
                title=item.kind.title(item.payload, language)[:500], payload=item.payload,
                input_hash=payload_hash(item.kind.code, item.payload), requested_by=requested_by,
                student_id=item.student_id, batch_key=batch_key))
    Document.objects.bulk_create(rows)
    AuditEntry.objects.bulk_create([
        audit_entry(action="document.requested", college=college, actor=by, obj=row,
                    data={"kind": row.kind, "subject": row.subject_id, "language": language}) for row in rows])
    college_id, document_ids = college.pk, [row.pk for row in rows]
    transaction.on_commit(lambda: documents_enqueue(college_id=college_id, document_ids=document_ids,
                                                    batch_end=batch_end))
    return rows


def enqueue(task: str, *args) -> bool:
    """Send the task named ``task`` (``app.tasks.function``) with ``args`` to the broker: the one way the services
    start a task, by its name, so that no service imports a task module (the tasks import the services). A broker
    outage is logged, not raised: what was not sent is still pending in the database, and its relay sends it again.
    Returns whether it was sent."""
    try:
        celery_app.signature(task, args=args).apply_async(retry=False)
    except Exception as exc:  # kombu raises a variety of connection errors
        log.warning("task %s%s not enqueued, it is sent again later: %s", task, args, exc)
        return False
    return True


RENDER_DOCUMENT = "attestation.tasks.render_document"
RENDER_DOCUMENTS = "attestation.tasks.render_documents"


def document_enqueue(*, college_id: int, document_id: int) -> bool:
    """Hand the document to the broker. A broker outage is logged, not raised: the relay retries."""
    if not enqueue(RENDER_DOCUMENT, college_id, document_id):
        return False
    with scopes_disabled():
        Document.objects.filter(pk=document_id, status=Document.Status.PENDING).update(enqueued_at=timezone.now())
    return True


# A batch's documents go to the broker a few per task: one task, one transaction to start them and one to store
# them, instead of one of each per document. Each task's end leaves a core idle for a few milliseconds (the commit,
# the files' fsync, the next task's hand-over), so twenty per task rather than ten (bench/grading_decisions.py) …
DOCUMENT_CHUNK = 20
# … except the batch's last forty, in tasks that shrink towards its end. Chunks of twenty end up to twenty renders
# apart, and while the last one renders the other cores would sit idle with nothing left to take. Each tail task
# takes a quarter of what is left (a half per core on two cores), down to a pair: the last tasks end close together
# on every core, in nine tasks for the forty where pairs took twenty, each with its fixed few milliseconds.
DOCUMENT_TAIL_SHARE = 4
DOCUMENT_TAIL_CHUNK = 2


def document_chunks(document_ids: list[int], *, batch_end: bool = False) -> list[list[int]]:
    """The documents in the order given, DOCUMENT_CHUNK per task; at the batch's end its last 2 × DOCUMENT_CHUNK or
    more (what whole chunks leave) in tasks of a DOCUMENT_TAIL_SHARE-th of what is left, never fewer than
    DOCUMENT_TAIL_CHUNK."""
    ids = list(document_ids)
    head = max(len(ids) - 2 * DOCUMENT_CHUNK, 0) // DOCUMENT_CHUNK * DOCUMENT_CHUNK if batch_end else len(ids)
    chunks = [ids[i:i + DOCUMENT_CHUNK] for i in range(0, head, DOCUMENT_CHUNK)]
    start = head
    while start < len(ids):
        size = max(-(-(len(ids) - start) // DOCUMENT_TAIL_SHARE), DOCUMENT_TAIL_CHUNK)
        chunks.append(ids[start:start + size])
        start += size
    return chunks


def documents_enqueue(*, college_id: int, document_ids: list[int], batch_end: bool = False) -> int:
    """Many documents of one college (a batch) to the broker a few per task (``document_chunks``), then the sent
    ones marked in one statement. A broker outage stops it and is logged, not raised: the relay sends the rest one
    by one. Returns how many were sent."""
    sent: list[int] = []
    for chunk in document_chunks(document_ids, batch_end=batch_end):
        if not enqueue(RENDER_DOCUMENTS, college_id, chunk):
            break  # the broker is down: the relay sends the rest
        sent.extend(chunk)
    if sent:
        with scopes_disabled():
            Document.objects.filter(pk__in=sent, status=Document.Status.PENDING).update(enqueued_at=timezone.now())
    return len(sent)


def documents_relay() -> int:
    """Enqueue what fell through: pending documents never sent (or sent long ago) and renders whose
    worker vanished. Returns how many were sent."""
    now = timezone.now()
    with scopes_disabled():
        unsent = Document.objects.filter(status=Document.Status.PENDING, enqueued_at__isnull=True,
                                         created_at__lt=now - RELAY_UNSENT_AFTER)
        stale_pending = Document.objects.filter(status=Document.Status.PENDING,
                                                enqueued_at__lt=now - RELAY_STALE_AFTER)
        stale_rendering = Document.objects.filter(status=Document.Status.RENDERING, lease_until__lt=now)
        due = list((unsent | stale_pending | stale_rendering).values_list("college_id", "pk")[:1000])
    sent = 0
    for college_id, document_id in due:
        if not document_enqueue(college_id=college_id, document_id=document_id):
            break  # the broker is down: stop, the next run tries again
        sent += 1
    return sent


def _worker_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_alive(document: Document) -> bool:
    """Whether the process that holds the render's lease may still be alive: on another machine it is presumed to be
    until the lease lapses; on this one (a render process the worker lost, its task handed back at once) we look."""
    host, _sep, pid = (document.worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def document_render(*, document_id: int) -> Document:
    """Render and store one document; a no-op when it is already ready (idempotent)."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status == Document.Status.READY:
            return document
        if document.status == Document.Status.RENDERING and not document.lease_expired() and _holder_alive(document):
            return document  # another worker renders it now (a duplicate delivery); its lease says it is alive
        _transient_commit()
        document.status = Document.Status.RENDERING
        document.attempts += 1
        document.started_at = timezone.now()
        document.lease_until = lease_end()
        document.worker = _worker_label()
        document.save(update_fields=["status", "attempts", "started_at", "lease_until", "worker"])

    try:
        pdf = document_pdf(document)
    except Exception:
        lease_release([document_id])  # its retry (or the relay) may start again at once
        raise
    digest = hashlib.sha256(pdf).hexdigest()

    with transaction.atomic():
        document = Document.objects.select_for_update().defer("payload").get(pk=document_id)
        if document.status == Document.Status.READY:
            return document  # another delivery of the same task finished first; keep its file
        document.file.save(f"{document.pk}.pdf", ContentFile(pdf), save=False)
        document.sha256 = digest
        document.status = Document.Status.READY
        document.rendered_at = timezone.now()
        document.last_error = ""
        document.save(update_fields=["file", "sha256", "status", "rendered_at", "last_error"])
        audit_log(action="document.ready", college=document.college_id, actor=None, obj=document,
                  data={"sha256": digest, "attempts": document.attempts})
    return document


def documents_render(*, college_id: int, document_ids: list[int]) -> list[int]:
    """Render and store a chunk of a college's documents: the steps of ``document_render`` with one statement to mark
    the chunk started and one transaction to store it. Documents already ready are skipped (idempotent). A document
    whose render raises is left out and its id returned: the caller sends it through ``document_render``'s task,
    which has the retries and the failed state.

    Each PDF is written to a temporary file (and flushed to disk) on a thread while the next one renders: the flush
    is a wait, not work, and done in line it left the core idle for a fifth of a millisecond a document
    (bench/grading_decisions.py). Only under the rows' locks, for the documents still not ready, do the files get
    their names; the others' are removed."""
    with transaction.atomic():
        _transient_commit()
        documents = documents_start(college_id=college_id, document_ids=document_ids)
    if not documents:
        return []
    storage = Document._meta.get_field("file").storage
    failed, staged, pages = [], [], []

    def left_out(document: Document) -> None:
        log.exception("document %s failed in a chunk; it is sent on its own", document.pk)
        failed.append(document.pk)

    # Every HTML of the chunk first, then every PDF. Done in turn, per document, the template's code came back to a
    # core whose caches the render had just filled with its own: the page took 1.0 ms of CPU in the worker against
    # 0.4 ms in a loop of them (bench/grading_decisions.py).
    for document in documents:
        try:
            pages.append((document, document_html(document)))
        except Exception:
            left_out(document)
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-stage") as writer:  # its end waits for all
            for document, html in pages:
                try:
                    pdf = pdf_from_html(html, get_kind(document.kind).stylesheet)
                except Exception:
                    left_out(document)
                    continue
                name = document.file.field.generate_filename(document, f"{document.pk}.pdf")
                staged.append(StagedPdf(document, name, hashlib.sha256(pdf).hexdigest(),
                                        writer.submit(storage.stage, name, pdf)))
        if staged:
            _documents_store(staged, storage)
    except Exception:
        lease_release([document.pk for document in documents])
        raise
    finally:
        for item in staged:
            if item.written.exception() is None:  # not placed (already ready, or the store failed); gone if placed
                storage.discard(item.written.result())
    lease_release(failed)
    return failed


def lease_release(document_ids: list[int]) -> None:
    """The renders given up here (they go on through render_document's retries): their leases end now."""
    if document_ids:
        with scopes_disabled():
            Document.objects.filter(pk__in=document_ids, status=Document.Status.RENDERING).update(lease_until=None)


class StagedPdf(NamedTuple):
    """A rendered document whose PDF is being written to a temporary file (``written``: its path, or the error)."""

    document: Document
    name: str
    sha256: str
    written: Future


def _documents_store(staged: list[StagedPdf], storage) -> None:
    """The store's transaction: the staged files of the documents still not ready get their names and the rows say
    ready, with one audit entry each. A write that failed raises here, and the chunk goes on one by one."""
    with transaction.atomic():
        # Another delivery of the same chunk (or the document's own task) may have finished some: keep their files.
        open_ids = set(Document.objects.select_for_update().filter(pk__in=[item.document.pk for item in staged])
                       .exclude(status=Document.Status.READY).values_list("pk", flat=True))
        stored, entries, rendered_at = [], [], timezone.now()
        for document, name, digest, written in staged:
            tmp_path = written.result()  # raises what the write raised
            if document.pk not in open_ids:
                continue
            storage.place(tmp_path, name)
            document.file = name
            document.sha256, document.status, document.rendered_at, document.last_error = (
                digest, Document.Status.READY, rendered_at, "")
            stored.append(document)
            entries.append(audit_entry(action="document.ready", college=document.college_id, actor=None,
                                       obj=document, data={"sha256": digest, "attempts": document.attempts}))
        update_each(Document, stored, ["file", "sha256", "status", "rendered_at", "last_error"])
        AuditEntry.objects.bulk_create(entries)


def documents_start(*, college_id: int, document_ids: list[int]) -> list[Document]:
    """The chunk's documents of this college that are not ready (nor rendered by another worker under a live lease),
    locked until commit and marked rendering (one attempt more, when, by which worker, its lease), in order."""
    started_at = timezone.now()
    # Not the documents another worker renders under a live lease (a duplicate delivery of the chunk).
    documents = list(Document.objects.select_for_update().filter(college_id=college_id, pk__in=document_ids)
                     .exclude(status=Document.Status.READY)
                     .exclude(status=Document.Status.RENDERING, lease_until__gt=started_at).order_by("pk"))
    if not documents:
        return []
    worker, lease_until = _worker_label(), lease_end()
    Document.objects.filter(college_id=college_id, pk__in=[d.pk for d in documents]).update(
        status=Document.Status.RENDERING, attempts=F("attempts") + 1, started_at=started_at, lease_until=lease_until,
        worker=worker)
    for document in documents:
        document.status, document.attempts = Document.Status.RENDERING, document.attempts + 1
        document.started_at, document.lease_until, document.worker = started_at, lease_until, worker
    return documents


def update_each(model: type[Model], objects: Sequence[Model], names: Sequence[str]) -> None:
    """Write these fields of each object of a batch (documents marked ready, decisions linked to their documents),
    values prepared as the ORM prepares them for saving: on PostgreSQL one ``UPDATE … FROM (VALUES …)``, elsewhere
    one short ``UPDATE … WHERE id = …`` per object (``executemany``). Why not ``bulk_update``: its CASE expression
    per field cost 8 ms of CPU for a chunk's twenty documents against 0.4 ms (a chunk renders in about 0.5 s, so
    1.5% of the worker's CPU), which the decisions' target (≥ 90% of direct WeasyPrint) cannot spare. Like
    ``bulk_update`` it sends no signals and calls no ``save()``; row-level security and the database's guards apply."""
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in names]
    pk, quote = model._meta.pk, connection.ops.quote_name
    table = quote(model._meta.db_table)
    rows = [[*(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields), obj.pk]
            for obj in objects]  # the values in the fields' order, then the primary key
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VALUES guesses no column types: each value is cast to its column's type.
            casts = ", ".join(f"%s::{field.db_type(connection)}" for field in (*fields, pk))
            aliases = ", ".join(f"c{i}" for i in range(len(fields) + 1))
            assignments = ", ".join(f"{quote(field.column)} = v.c{i}" for i, field in enumerate(fields))
            values = ", ".join([f"({casts})"] * len(rows))
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v({aliases}) "  # noqa: S608
                f"WHERE t.{quote(pk.column)} = v.c{len(fields)}", [value for row in rows for value in row])
            return
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s", rows)  # noqa: S608


def _transient_commit() -> None:
    """Marking a render as started need not wait for the disk: if the database loses that mark in a
    crash, the document is simply pending again and the relay sends it once more."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def document_pdf(document: Document) -> bytes:
    """The PDF bytes of a document, in the document's own language."""
    return pdf_from_html(document_html(document), get_kind(document.kind).stylesheet)


def document_html(document: Document) -> str:
    """The HTML of a document, in its own language, for its kind's print stylesheet."""
    kind = get_kind(document.kind)
    if kind is None:
        raise ValueError(f"unknown document kind {document.kind}")
    with translation.override(document.language):
        return html_render(kind.template, document_context(document))


def document_context(document: Document) -> dict:
    return {
        "document": document,
        "payload": document.payload,
        "verify_url": document.verify_url,
        "qr": qr_data_uri(document.verify_url),
        "issued_at": timezone.localtime(document.created_at),
    }


def document_mark_failed(*, document_id: int, error: str) -> None:
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status == Document.Status.READY:
            return
        document.status = Document.Status.FAILED
        document.last_error = error[:4000]
        document.save(update_fields=["status", "last_error"])
        audit_log(action="document.failed", college=document.college_id, actor=None, obj=document,
                  data={"error": error[:500], "attempts": document.attempts})


def document_retry(*, document: Document, by: User) -> Document:
    """Administrator: send a failed document through the pipeline again."""
    if document.status != Document.Status.FAILED:
        raise ValidationError({"status": [_("Only a failed document can be retried.")]})
    with transaction.atomic():
        document.status = Document.Status.PENDING
        document.enqueued_at = None
        document.save(update_fields=["status", "enqueued_at"])
        audit_log(action="document.retried", college=document.college, actor=by, obj=document)
        college_id, document_id = document.college_id, document.pk
        transaction.on_commit(lambda: document_enqueue(college_id=college_id, document_id=document_id))
    return document
