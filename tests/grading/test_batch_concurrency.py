"""Two decision batches for the same group at once, on PostgreSQL with real transactions in two threads: one batch
runs, the other request joins it, and every student has one decision and one document, never two."""

import threading
from collections import Counter

import pytest
import time_machine
from django.db import connection
from django_scopes import scopes_disabled

from attestation.models import Document, Student
from grading import services
from grading.models import DecisionBatch, DiplomaDecision

from .builders import graduates
from .test_api import AFTER_RESULTS, base

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls):
    """Run the calls in threads released together; their results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 — reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def assert_one_decision_and_document_each(cast, students):
    with scopes_disabled():
        decisions = list(DiplomaDecision.objects.filter(college=cast.college).values_list("student_id", "document_id"))
        assert sorted(s for s, _d in decisions) == sorted(s.pk for s in students)
        assert all(d is not None for _s, d in decisions)
        subjects = Counter(Document.objects.filter(
            college=cast.college, kind__in=["diploma_decision", "completion_certificate"]).values_list(
            "subject_id", flat=True))
        assert set(subjects.values()) == {1} and len(subjects) == len(students)
        assert Counter(DiplomaDecision.objects.filter(college=cast.college).values_list("kind", flat=True)) == {
            "diploma": len(students) - 1, "certificate": 1}


def test_two_batch_requests_at_once_make_one_batch_and_no_duplicate_documents(api, cast_a):
    with time_machine.travel(AFTER_RESULTS, tick=False):
        students = graduates(cast_a, 12)
        url = f"{base(cast_a)}/decisions/"
        clients = [api(cast_a.admin), api(cast_a.admin)]
        first, second = at_once(*[lambda c=c: c.post(url, {"group": cast_a.group.pk}, format="json")
                                  for c in clients])
    assert first.status_code == second.status_code == 202, (first.json(), second.json())
    with scopes_disabled():
        batches = list(DecisionBatch.objects.filter(college=cast_a.college))
    # Either the second request joined the active batch, or it came after the first one had finished and found
    # every student decided: in both cases no student is decided twice.
    assert {first.json()["id"], second.json()["id"]} == {b.pk for b in batches}
    assert sum(1 for r in (first, second) if r.json()["joined"]) == 2 - len(batches)
    assert_one_decision_and_document_each(cast_a, students)
    assert all(b.status == "done" for b in batches)


def test_a_redelivered_batch_task_running_twice_at_once_decides_each_student_once(cast_a):
    with time_machine.travel(AFTER_RESULTS, tick=False):
        students = graduates(cast_a, 30)
        batch = pending_batch(cast_a, students)
        results = at_once(lambda: run_in_scope(cast_a, batch.pk), lambda: run_in_scope(cast_a, batch.pk))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert_one_decision_and_document_each(cast_a, students)
    with scopes_disabled():
        batch.refresh_from_db()
    assert batch.status == "done" and batch.processed == len(students)


def admit_campaign(cast) -> int:
    with scopes_disabled():
        from grading.models import Admission

        return Admission.objects.filter(college=cast.college).values_list("campaign_id", flat=True).first()


def run_in_scope(cast, batch_id: int):
    from django_scopes import scope

    with scope(college=cast.college.pk):
        return services.decision_batch_run(batch_id=batch_id)


def pending_batch(cast, students: list[Student]) -> DecisionBatch:
    """A group's batch as the request creates it, not yet run (its task is run by the test)."""
    with scopes_disabled():
        return DecisionBatch.objects.create(college=cast.college, campaign_id=admit_campaign(cast), group=cast.group,
                                            language="kk", total=len(students), started_by=cast.admin)
