"""Thin Celery tasks of the grading app: they take ids, run in the college's scope and call services."""

from __future__ import annotations

import logging

from celery import shared_task

from attestation.tasks import CollegeTask

from .models import DecisionBatch
from .services import decision_batch_fail, decision_batch_run

log = logging.getLogger(__name__)

BATCH_MAX_RETRIES = 3


@shared_task(acks_late=True)
def decision_batches_relay() -> int:
    """Beat: resume the decision batches whose worker died (services.decision_batches_relay)."""
    from django_scopes import scopes_disabled

    from .services import decision_batches_relay as relay

    with scopes_disabled():
        return relay()


@shared_task(bind=True, base=CollegeTask, acks_late=True, reject_on_worker_lost=True, max_retries=BATCH_MAX_RETRIES)
def run_decision_batch(self, college_id: int, batch_id: int) -> None:
    """The diploma decisions and certificates of a group (grading.services.decision_batch_run)."""
    try:
        decision_batch_run(batch_id=batch_id)
    except DecisionBatch.DoesNotExist:
        log.warning("decision batch %s of college %s no longer exists", batch_id, college_id)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            log.exception("decision batch %s failed after %s retries", batch_id, self.request.retries)
            decision_batch_fail(batch_id=batch_id, error=f"{type(exc).__name__}: {exc}")
            return
        raise self.retry(exc=exc, countdown=5 * 4**self.request.retries) from exc
