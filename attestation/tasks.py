"""Thin Celery tasks: they take ids, open the college's scope and call services."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django_scopes import scope, scopes_disabled

from .documents.pipeline import document_enqueue, document_mark_failed, document_render, documents_render
from .documents.pipeline import documents_relay as relay  # the task below has the name
from .models import Document

log = logging.getLogger(__name__)

RENDER_MAX_RETRIES = 3


class CollegeTask(Task):
    """A task whose first argument is a college id; it runs inside that college's scope."""

    def __call__(self, college_id, *args, **kwargs):
        with scope(college=college_id):
            return super().__call__(college_id, *args, **kwargs)


@shared_task(bind=True, base=CollegeTask, acks_late=True, reject_on_worker_lost=True,
             max_retries=RENDER_MAX_RETRIES)
def render_document(self, college_id: int, document_id: int) -> None:
    try:
        document_render(document_id=document_id)
    except Document.DoesNotExist:
        log.warning("document %s of college %s no longer exists", document_id, college_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            log.exception("document %s failed after %s retries", document_id, self.request.retries)
            document_mark_failed(document_id=document_id, error=f"{type(exc).__name__}: {exc}")
            return
        # Back off 5 s, 20 s, 80 s: a full disk or a database restart gets time to pass.
        raise self.retry(exc=exc, countdown=5 * 4**self.request.retries) from exc


@shared_task(bind=True, base=CollegeTask, acks_late=True, reject_on_worker_lost=True)
def render_documents(self, college_id: int, document_ids: list[int]) -> None:
    """A batch's chunk of documents (pipeline.documents_render). What fails here is sent through
    ``render_document`` one by one, which retries and ends failed: one bad document never holds up the others."""
    try:
        failed = documents_render(college_id=college_id, document_ids=document_ids)
    except Exception:
        log.exception("chunk %s of college %s failed; its documents are sent one by one", document_ids, college_id)
        failed = document_ids
    for document_id in failed:
        document_enqueue(college_id=college_id, document_id=document_id)


@shared_task(acks_late=True)
def documents_relay() -> int:
    with scopes_disabled():
        return relay()
