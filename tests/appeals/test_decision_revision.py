"""An appeal that changes a grade after the student's diploma decision was taken: "a changed grade replaces the
contested one everywhere it is used (results, honours, decisions)" (issue, APP-04). The decision is taken again from
the new grade, its PDF issued again, the earlier PDF kept; an upheld grade changes nothing."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from appeals import services as appeal_services
from attestation.models import AuditEntry, Document, TranscriptEntry
from grading import services as grading_services
from grading.models import DiplomaDecision

from ..grading.builders import fa_components, graduate
from .builders import appeal_commission

pytestmark = pytest.mark.django_db

# Results held on Tuesday 1 June 2027 (tests/grading/builders.py): the appeal window is open until 2 June 23:59.
DAY_AFTER = datetime(2027, 6, 2, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))


def exam_entry(cast) -> TranscriptEntry:
    exam = next(c for c in fa_components(cast) if c.code == "FA-EX")
    with scopes_disabled():
        return TranscriptEntry.objects.get(student=cast.student, discipline=exam)


def appeal_decided(cast, outcome: str, new_percent=None):
    commission = appeal_commission(cast)
    with time_machine.travel(DAY_AFTER, tick=False), scope(college=cast.college.pk):
        appeal = appeal_services.appeal_file(college=cast.college, by=cast.student_user, student=cast.student,
                                             entry=exam_entry(cast), reason="Бағаны қайта қарауды сұраймын.")
        appeal, _warnings = appeal_services.appeal_assign(college=cast.college, by=cast.admin, appeal=appeal,
                                                          commission=commission)
        return appeal_services.appeal_decide(college=cast.college, by=cast.chair, appeal=appeal, outcome=outcome,
                                             new_percent=new_percent, justification="Жауап толық берілген.")


def decision_taken(cast) -> DiplomaDecision:
    with time_machine.travel(DAY_AFTER.replace(hour=9), tick=False), scope(college=cast.college.pk):
        decision, created = grading_services.decision_take(college=cast.college, by=cast.admin, student=cast.student)
    assert created
    return decision


def pdf_text(document: Document) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.file.read())).pages)


def test_a_grade_raised_on_appeal_turns_the_certificate_into_a_diploma(api, cast_a,
                                                                       django_capture_on_commit_callbacks):
    graduate(cast_a, percents=(90, 40))  # the final exam failed (F): a certificate of completion (RET-04)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = decision_taken(cast_a)
        appeal = appeal_decided(cast_a, "grade_changed", new_percent=75)
    with scopes_disabled():
        old = DiplomaDecision.objects.select_related("document").get(pk=certificate.pk)
        decision = DiplomaDecision.objects.current().select_related("document").get(student=cast_a.student)
        superseded = AuditEntry.objects.get(action="decision.superseded", object_id=str(old.pk))
        taken = AuditEntry.objects.get(action="decision.diploma", object_id=str(decision.pk))
    # The new decision stands in for the old one, which keeps its figures and its PDF (never edited, QUA-01).
    assert (decision.kind, decision.supersedes_id) == ("diploma", old.pk)
    assert {r["code"]: r["percent"] for r in decision.fa_results} == {"FA-DP": 90, "FA-EX": 75}
    assert decision.document.kind == "diploma_decision" and decision.document.status == "ready"
    text = " ".join(pdf_text(decision.document).split())
    assert "75" in text and f"№ {old.pk}" in text  # the new PDF names the decision it replaces
    assert {"kk": "орнына шығарылды", "ru": "заменяет решение", "en": "replaces decision"}[
        decision.document.language] in text
    assert old.kind == "certificate" and old.superseded_at is not None
    assert {r["code"]: r["percent"] for r in old.fa_results}["FA-EX"] == 40
    assert old.document.kind == "completion_certificate" and old.document.status == "ready"
    assert superseded.data == {"appeal": appeal.pk, "by_decision": decision.pk}
    assert taken.data["appeal"] == appeal.pk and taken.data["supersedes"] == old.pk
    # The API lists the decision in force only.
    listed = api(cast_a.admin).get(f"/api/v1/colleges/{cast_a.college.slug}/decisions/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["id"], r["kind"], r["supersedes"]) for r in rows] == [(decision.pk, "diploma", old.pk)]


def test_an_upheld_grade_leaves_the_decision_and_its_pdf_alone(cast_a):
    graduate(cast_a, percents=(90, 80))
    decision = decision_taken(cast_a)
    appeal_decided(cast_a, "upheld")
    with scopes_disabled():
        again = DiplomaDecision.objects.get(pk=decision.pk)
        assert not AuditEntry.objects.filter(action="decision.superseded").exists()
        assert DiplomaDecision.objects.filter(student=cast_a.student).count() == 1
    assert (again.kind, again.document_id, again.fa_results) == (decision.kind, decision.document_id,
                                                                 decision.fa_results)


def test_a_grade_changed_before_any_decision_is_simply_read_by_the_decision(cast_a):
    graduate(cast_a, percents=(90, 40))
    appeal_decided(cast_a, "grade_changed", new_percent=75)
    with scopes_disabled():
        assert not DiplomaDecision.objects.filter(student=cast_a.student).exists()
    decision = decision_taken(cast_a)
    assert decision.kind == "diploma"
    assert {r["code"]: r["percent"] for r in decision.fa_results}["FA-EX"] == 75
