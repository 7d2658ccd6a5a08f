"""The commissions pages: commission with approval refusals shown with rule ids, the schedule, the secretary's
protocol page (rows saved as typed, a concurrent edit answered 409 with a clear message), signing, closing and
the student's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django_scopes import scopes_disabled

from commissions.models import ProtocolResult

from .builders import BEFORE, ON_THE_DAY, commission_of, exam_of, protocol_of

pytestmark = pytest.mark.django_db


def url(cast, path: str) -> str:
    return f"/colleges/{cast.college.slug}/attestation/{path}"


def test_commission_page_shows_every_violation_with_its_rule(page, cast_a):
    commission = commission_of(cast_a, approve=False, accounts=False)
    with scopes_disabled():
        commission.members.filter(affiliation="medical_org").delete()
    client = page(cast_a.admin)
    assert cast_a.college.slug in client.get(url(cast_a, "commissions/")).content.decode()
    with time_machine.travel(BEFORE, tick=False):
        response = client.post(url(cast_a, f"commissions/{commission.pk}/approve/"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "[COM-04]" in html and "[COM-06]" in html


def test_schedule_page_lists_sessions(page, cast_a):
    exam = exam_of(cast_a)
    html = page(cast_a.admin).get(url(cast_a, "schedule/")).content.decode()
    assert str(exam.room) in html and f"sessions/{exam.pk}/protocol/" in html


def test_secretary_saves_rows_as_typed_and_sees_a_concurrent_edit(page, cast_a):
    protocol = protocol_of(cast_a)
    secretary = page(cast_a.staff)
    response = secretary.get(url(cast_a, f"sessions/{protocol.exam_id}/protocol/"))
    assert response.status_code == 200
    assert 'hx-post="' in response.content.decode()
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.student)
    stale = row.version
    saved = secretary.post(url(cast_a, f"protocol-rows/{row.pk}/"), {"percent": "87", "version": stale},
                           HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert "B+" in saved.content.decode()
    # A second browser (the administrator) still holding the old version types another grade in the same row.
    other = page(cast_a.admin)
    conflict = other.post(url(cast_a, f"protocol-rows/{row.pk}/"), {"percent": "60", "version": stale},
                          HTTP_HX_REQUEST="true")
    assert conflict.status_code == 409
    html = conflict.content.decode()
    assert "your entry was not saved" in html and "87" in html
    with scopes_disabled():
        assert ProtocolResult.objects.get(pk=row.pk).percent == 87
    # A percent out of range: refused with a message, nothing stored.
    bad = secretary.post(url(cast_a, f"protocol-rows/{row.pk}/"), {"percent": "140"}, HTTP_HX_REQUEST="true")
    assert bad.status_code in (400, 422)
    with scopes_disabled():
        assert ProtocolResult.objects.get(pk=row.pk).percent == 87


def test_close_without_signatures_is_refused_on_the_page(page, cast_a):
    protocol = protocol_of(cast_a)
    secretary = page(cast_a.staff)
    with time_machine.travel(ON_THE_DAY, tick=False):
        response = secretary.post(url(cast_a, f"sessions/{protocol.exam_id}/protocol/close/"))
    assert response.status_code == 422 and "[PRO-01]" in response.content.decode()


def test_a_non_secretary_member_cannot_edit_rows(page, cast_a):
    protocol = protocol_of(cast_a)
    with scopes_disabled():
        from attestation.models import User

        chair = User.objects.get(username=f"{cast_a.college.slug}-chair")
        row = ProtocolResult.objects.filter(protocol=protocol).first()
    response = page(chair).post(url(cast_a, f"protocol-rows/{row.pk}/"), {"percent": "90"})
    assert response.status_code == 403
    # … but signs.
    response = page(chair).post(url(cast_a, f"sessions/{protocol.exam_id}/protocol/sign/"))
    assert response.status_code == 302


def test_student_sees_their_slots(page, cast_a):
    exam_of(cast_a)
    html = page(cast_a.student_user).get(url(cast_a, "my/")).content.decode()
    assert "204" in html
    assert page(cast_a.student_user).get(url(cast_a, "commissions/")).status_code == 403


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_protocol_page_renders_in_every_language(page, cast_a, language):
    protocol = protocol_of(cast_a)
    response = page(cast_a.staff, language=language).get(url(cast_a, f"sessions/{protocol.exam_id}/protocol/"))
    assert response.status_code == 200


def test_administrator_builds_a_session_and_sees_the_rule_refusals(page, cast_a):
    from tests.grading.builders import admit, fa_components

    commission = commission_of(cast_a)
    admit(cast_a, [cast_a.student])
    component = next(c for c in fa_components(cast_a) if c.code == "FA-EX")
    client = page(cast_a.admin)
    address = url(cast_a, f"schedule/campaigns/{commission.campaign_id}/sessions/new/")
    assert client.get(address).status_code == 200
    body = {"commission": commission.pk, "form": "oral", "mode": "onsite", "discipline": component.pk,
            "day": "2027-06-02", "starts": "09:00", "ends": "12:00", "room": "301", "preparation_minutes": "20",
            "deliberation_minutes": "0", "students": [cast_a.student.pk, cast_a.other_student.pk],
            "first_slot": "09:00", "slot_minutes": "20"}
    with time_machine.travel(BEFORE, tick=False):
        refused = client.post(address, body)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "[SCH-04]" in html and "[ADM-02]" in html
    body.update(students=[cast_a.student.pk], slot_minutes="15")
    with time_machine.travel(BEFORE, tick=False):
        saved = client.post(address, body)
    assert saved.status_code == 302
    with scopes_disabled():
        from commissions.models import Exam

        assert Exam.objects.filter(college=cast_a.college, room="301").exists()


def test_student_absent_for_a_valid_reason_applies_in_the_portal(page, api, cast_a,
                                                                  django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.grading.builders import PDF

    from .test_api import _get, _sign_all, base

    protocol = protocol_of(cast_a)
    secretary = api(cast_a.staff)
    current = _get(secretary, cast_a, protocol.exam_id)
    attendance = [{"member": a["member"], "present": True} for a in current["attendance"]]
    assert secretary.put(f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/", {
        "version": current["version"], "attendance": attendance,
        "results": [{"student": cast_a.student.pk, "status": "absent"},
                    {"student": cast_a.other_student.pk, "percent": 71}]}, format="json").status_code == 200
    _sign_all(api, cast_a, protocol.exam_id)
    with time_machine.travel(ON_THE_DAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert secretary.post(f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/close/").status_code == 200
    student = page(cast_a.student_user)
    html = student.get(url(cast_a, "my/")).content.decode()
    assert "readmission" in html
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.student)
        other_row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.other_student)
    # Not a PDF/JPEG/PNG: refused, nothing stored.
    fake = SimpleUploadedFile("note.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    response = student.post(url(cast_a, f"my/results/{row.pk}/readmission/"),
                            {"reason": "health", "application": "I was ill.", "document": fake})
    assert response.status_code == 400
    note = SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf")
    with time_machine.travel(ON_THE_DAY + timedelta(days=1), tick=False):
        response = student.post(url(cast_a, f"my/results/{row.pk}/readmission/"),
                                {"reason": "health", "application": "I was ill.", "document": note})
    assert response.status_code == 302
    # Another student's row does not exist for this student.
    assert student.get(url(cast_a, f"my/results/{other_row.pk}/readmission/")).status_code == 404


def test_force_majeure_decision_is_recorded_with_the_authorities_reference(page, cast_a):
    commission = commission_of(cast_a)
    client = page(cast_a.admin)
    address = url(cast_a, "force-majeure/")
    assert client.get(address).status_code == 200
    body = {"commission": commission.pk, "trigger": "quarantine", "authority_decision_ref": "",
            "authority_decision_date": "2027-05-30", "decision_ref": "P-3", "decided_on": "2027-05-31"}
    refused = client.post(address, body)
    assert refused.status_code == 400
    body.update(authority_decision_ref="Decree № 12", derives_results="on")
    assert client.post(address, body).status_code == 302
    assert "Decree № 12" in client.get(address).content.decode()
    assert page(cast_a.staff).get(address).status_code == 403


def test_the_sign_button_is_shown_to_whoever_the_service_lets_sign(page, cast_a):
    """PRO-01 / OQ-10: the chair and the members sign; the secretary's line is optional but theirs to sign; the
    administrator, not on the commission, has no button (and the service refuses them)."""
    protocol = protocol_of(cast_a)
    with scopes_disabled():
        from attestation.models import User

        chair = User.objects.get(username=f"{cast_a.college.slug}-chair")
    protocol_url = url(cast_a, f"sessions/{protocol.exam_id}/protocol/")
    for user, shown in ((chair, True), (cast_a.staff, True), (cast_a.admin, False)):
        html = page(user).get(protocol_url).content.decode()
        assert ('id="sign"' in html) is shown, user.username
        signed = page(user).post(url(cast_a, f"sessions/{protocol.exam_id}/protocol/sign/"))
        assert (signed.status_code == 302) is shown, (user.username, signed.status_code)
