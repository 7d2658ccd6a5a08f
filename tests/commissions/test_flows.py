"""Distance sessions (DIST-01/07/09/15), re-admission (RET-01, RET-02, RET-04), force majeure with derived results
(EXE-01, DIST-17), amendments of a closed protocol, diploma works (DEF-06), through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from pypdf import PdfReader

from attestation.models import AuditEntry, Notification, TranscriptEntry
from commissions.models import ProtocolResult, TechnicalFailureAct
from tests.grading.builders import PDF, campaign_of

from .builders import BEFORE, EXAM_DAY, ON_THE_DAY, exam_of, local, protocol_of
from .test_api import _fill, _get, _sign_all, base, rules_of

pytestmark = pytest.mark.django_db


def _close(api, cast, exam_id, capture):
    with time_machine.travel(ON_THE_DAY + timedelta(hours=6), tick=False), capture(execute=True):
        response = api(cast.staff).post(f"{base(cast)}/exams/{exam_id}/protocol/close/")
    assert response.status_code == 200, response.json()
    return response


def test_distance_session_needs_identity_check_and_records_a_technical_failure(
        api, cast_a, django_capture_on_commit_callbacks):
    exam = exam_of(cast_a, mode="distance")
    client = api(cast_a.admin)
    # DIST-09: the procedure sent to the students, who confirm reading it.
    with time_machine.travel(BEFORE, tick=False):
        sent = client.post(f"{base(cast_a)}/exams/{exam.pk}/procedure/", {"procedure": "Show your ID."},
                           format="json")
    assert sent.status_code == 200 and sent.json()["students_notified"] == 2
    slot = api(cast_a.student_user).get(f"{base(cast_a)}/slots/").json()["results"][0]
    confirmed = api(cast_a.student_user).post(f"{base(cast_a)}/slots/{slot['id']}/confirm-procedure/")
    assert confirmed.status_code == 200
    with scopes_disabled(), time_machine.travel(ON_THE_DAY, tick=False):
        from commissions import services

        protocol = services.protocol_open(college=cast_a.college, by=cast_a.staff, exam=exam)
    secretary = api(cast_a.staff)
    url = f"{base(cast_a)}/exams/{exam.pk}/protocol/"
    # DIST-01: no grade without the identity check.
    version = _get(secretary, cast_a, exam.pk)["version"]
    refused = secretary.put(url, {"version": version, "results": [{"student": cast_a.student.pk, "percent": 80}]},
                            format="json")
    assert refused.status_code == 422 and "DIST-01" in rules_of(refused)
    accepted = secretary.put(url, {"version": version, "results": [
        {"student": cast_a.student.pk, "percent": 80, "id_checked": True, "id_document_tail": "1234"}]},
        format="json")
    assert accepted.status_code == 200, accepted.json()
    # DIST-07: a technical failure for the other student: the act, sent to every member with an account.
    with django_capture_on_commit_callbacks(execute=True):
        act = secretary.post(f"{url}tech-failure/", {"student": cast_a.other_student.pk,
                                                     "description": "The connection was lost at 10:20."},
                             format="json")
    assert act.status_code == 201, act.json()
    assert len(act.json()["deliveries"]) == 6  # five voting members and the secretary have accounts
    with scopes_disabled():
        record = TechnicalFailureAct.objects.get(pk=act.json()["act"])
        assert record.document.status == "ready"
        text = PdfReader(record.document.file.open("rb")).pages[0].extract_text()
        assert cast_a.other_student.full_name in text
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.other_student)
        assert row.status == "tech_failure"
    # The student is rescheduled on another day (a re-sitting, not a retake).
    later = local(EXAM_DAY + timedelta(days=2), 10)
    with scopes_disabled(), time_machine.travel(ON_THE_DAY, tick=False):
        from commissions import services

        resit, _w = services.exam_save(college=cast_a.college, by=cast_a.admin, data=services.ExamInput(
            commission=exam.commission, form="oral", mode="distance", discipline=exam.discipline, starts_at=later,
            ends_at=later + timedelta(hours=1), preparation_minutes=20, ticket_count=25, is_resit=True))
    moved = client.post(f"{url}reschedule/", {"student": cast_a.other_student.pk, "exam": resit.pk,
                                              "starts_at": later.isoformat(), "minutes": 15}, format="json")
    assert moved.status_code == 201, moved.json()
    assert moved.json()["attempt_reason"] == "tech_failure"
    # Closing: the distance statement (DIST-15) is printed in the protocol.
    with time_machine.travel(ON_THE_DAY, tick=False):
        _sign_all(api, cast_a, exam.pk)
    attendance = [{"member": a["member"], "present": True} for a in _get(secretary, cast_a, exam.pk)["attendance"]]
    version = _get(secretary, cast_a, exam.pk)["version"]
    assert secretary.put(url, {"version": version, "attendance": attendance}, format="json").status_code == 200
    _sign_all(api, cast_a, exam.pk)
    _close(api, cast_a, exam.pk, django_capture_on_commit_callbacks)
    with scopes_disabled():
        protocol.refresh_from_db()
        text = "".join(p.extract_text() for p in PdfReader(protocol.document.file.open("rb")).pages)
    assert "ҚБТ" in text or "ДОТ" in text


def test_readmission_after_a_valid_absence_and_not_after_a_fail(api, cast_a, django_capture_on_commit_callbacks):
    protocol = protocol_of(cast_a)
    secretary = api(cast_a.staff)
    current = _get(secretary, cast_a, protocol.exam_id)
    attendance = [{"member": a["member"], "present": True} for a in current["attendance"]]
    response = secretary.put(f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/", {
        "version": current["version"], "attendance": attendance,
        "results": [{"student": cast_a.student.pk, "status": "absent"},
                    {"student": cast_a.other_student.pk, "percent": 30}]}, format="json")
    assert response.status_code == 200, response.json()
    _sign_all(api, cast_a, protocol.exam_id)
    _close(api, cast_a, protocol.exam_id, django_capture_on_commit_callbacks)
    slots = {s["exam"]["id"]: s for s in api(cast_a.student_user).get(f"{base(cast_a)}/slots/").json()["results"]}
    slot_id = slots[protocol.exam_id]["id"]
    note = SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf")
    with time_machine.travel(ON_THE_DAY + timedelta(days=1), tick=False):
        applied = api(cast_a.student_user).post(f"{base(cast_a)}/readmissions/", {
            "slot": slot_id, "reason": "health", "application": "I was ill.", "document": note},
            format="multipart")
    assert applied.status_code == 201, applied.json()
    # RET-02: the other student, unsatisfactory, brings a health certificate afterwards: not considered.
    other_slot = api(cast_a.other_student_user).get(f"{base(cast_a)}/slots/").json()["results"][0]["id"]
    note = SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf")
    with time_machine.travel(ON_THE_DAY + timedelta(days=1), tick=False):
        refused = api(cast_a.other_student_user).post(f"{base(cast_a)}/readmissions/", {
            "slot": other_slot, "reason": "health", "application": "I was ill.", "document": note},
            format="multipart")
    assert refused.status_code == 422 and "RET-02" in rules_of(refused)
    # The commission decides (its chair, with an account).
    with scopes_disabled():
        from attestation.models import User

        chair = User.objects.get(username=f"{cast_a.college.slug}-chair")
    decided = api(chair).post(f"{base(cast_a)}/readmissions/{applied.json()['id']}/decide/",
                              {"approve": True, "note": "Documented illness."}, format="json")
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] in ("approved", "scheduled")


def test_force_majeure_derived_results_are_marked(api, cast_a, django_capture_on_commit_callbacks):
    protocol = protocol_of(cast_a)
    client = api(cast_a.admin)
    decision = client.post(f"{base(cast_a)}/force-majeure/", {
        "commission": protocol.exam.commission_id, "trigger": "quarantine",
        "authority_decision_ref": "Decree of the chief sanitary doctor № 12", "authority_decision_date": "2027-05-30",
        "decision_ref": "Protocol 3", "decided_on": "2027-05-31", "derives_results": True}, format="json")
    assert decision.status_code == 201, decision.json()
    secretary = api(cast_a.staff)
    url = f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/"
    derived = secretary.post(f"{url}derive/", {"student": cast_a.student.pk, "decision": decision.json()["id"]},
                             format="json")
    assert derived.status_code == 200, derived.json()
    row = next(r for r in derived.json()["results"] if r["student"] == cast_a.student.pk)
    assert row["origin"] == "derived" and row["percent"] is not None
    current = _get(secretary, cast_a, protocol.exam_id)
    attendance = [{"member": a["member"], "present": True} for a in current["attendance"]]
    assert secretary.put(url, {"version": current["version"], "attendance": attendance, "results": [
        {"student": cast_a.other_student.pk, "percent": 75}]}, format="json").status_code == 200
    _sign_all(api, cast_a, protocol.exam_id)
    _close(api, cast_a, protocol.exam_id, django_capture_on_commit_callbacks)
    with scopes_disabled():
        entry = TranscriptEntry.objects.get(source=f"protocol:{protocol.pk}", student=cast_a.student)
        assert entry.origin == "derived"
        protocol.refresh_from_db()
        text = "".join(p.extract_text() for p in PdfReader(protocol.document.file.open("rb")).pages)
    assert "Decree of the chief sanitary doctor" in text


def test_a_closed_protocol_is_corrected_only_by_an_amendment_with_reason(
        api, cast_a, django_capture_on_commit_callbacks):
    protocol = protocol_of(cast_a)
    secretary = api(cast_a.staff)
    _fill(secretary, cast_a, protocol.exam_id)
    _sign_all(api, cast_a, protocol.exam_id)
    _close(api, cast_a, protocol.exam_id, django_capture_on_commit_callbacks)
    url = f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/amend/"
    no_reason = secretary.post(url, {"student": cast_a.student.pk, "field": "percent", "value": "95", "reason": ""},
                               format="json")
    assert no_reason.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        amended = secretary.post(url, {"student": cast_a.student.pk, "field": "percent", "value": "95",
                                       "reason": "Arithmetic error in the sum of points"}, format="json")
    assert amended.status_code == 201, amended.json()
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.student)
        assert row.percent == 92  # the original row stays
        assert row.transcript_entry.percent == 95 and row.transcript_entry.letter == "A"
        assert AuditEntry.objects.filter(action="protocol.amended").exists()


def test_results_are_announced_to_students_when_the_protocol_closes(api, cast_a, django_capture_on_commit_callbacks):
    protocol = protocol_of(cast_a)
    _fill(api(cast_a.staff), cast_a, protocol.exam_id)
    _sign_all(api, cast_a, protocol.exam_id)
    _close(api, cast_a, protocol.exam_id, django_capture_on_commit_callbacks)
    with scopes_disabled():
        assert Notification.objects.filter(user=cast_a.student_user, subject__icontains="").count() >= 2


def test_late_diploma_work_is_refused(api, cast_a):
    campaign = campaign_of(cast_a)
    files = {name: SimpleUploadedFile(f"{name}.pdf", PDF, content_type="application/pdf")
             for name in ("file", "review", "presentation")}
    with time_machine.travel(local(campaign.starts_on - timedelta(days=10), 10), tick=False):
        response = api(cast_a.admin).post(f"{base(cast_a)}/diploma-works/", {
            "student": cast_a.student.pk, "topic": "Infection control", "kind": "work", **files},
            format="multipart")
    assert response.status_code == 422 and "DEF-06" in rules_of(response)
