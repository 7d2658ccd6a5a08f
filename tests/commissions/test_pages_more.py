"""The commissions pages added over the API's flows: diploma works (DEF-06), re-admission (RET-01/02), the technical
failure act of a distance session (DIST-07), the distance procedure with read confirmation (DIST-09) and the
amendment of a closed protocol. Each page's happy path and a refusal shown with its rule id."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from commissions import services
from commissions.models import DiplomaWork, ExamSlot, ProtocolResult, ReAdmission, TechnicalFailureAct
from commissions.services import diploma_works
from tests.grading.builders import PDF, campaign_of

from .builders import BEFORE, EXAM_DAY, ON_THE_DAY, exam_of, local, protocol_of
from .test_api import _fill, _get, _sign_all, base
from .test_flows import _close

pytestmark = pytest.mark.django_db


def url(cast, path: str) -> str:
    return f"/colleges/{cast.college.slug}/attestation/{path}"


def _pdfs(*names: str) -> dict:
    return {name: SimpleUploadedFile(f"{name}.pdf", PDF, content_type="application/pdf") for name in names}


def _resit(cast, exam, day_offset: int = 2):
    """A re-sitting session of the same commission and component, on another day."""
    later = local(EXAM_DAY + timedelta(days=day_offset), 10)
    with scopes_disabled(), time_machine.travel(ON_THE_DAY, tick=False):
        resit, _w = services.exam_save(college=cast.college, by=cast.admin, data=services.ExamInput(
            commission=exam.commission, form=exam.form, mode=exam.mode, discipline=exam.discipline,
            starts_at=later, ends_at=later + timedelta(hours=1), preparation_minutes=20, ticket_count=25,
            is_resit=True))
    return resit, later


# --- Diploma works ------------------------------------------------------------------------------------------------


def test_a_campaign_chosen_by_id_is_the_colleges_own_or_a_404(page, cast_a, cast_b):
    client = page(cast_a.admin)
    address = url(cast_a, "diploma-works/")
    assert client.get(f"{address}?campaign={campaign_of(cast_a).pk}").status_code == 200
    for chosen in (campaign_of(cast_b).pk, "abc", 10**9):
        assert client.get(f"{address}?campaign={chosen}").status_code == 404, chosen


def test_diploma_works_are_submitted_replaced_and_listed(page, cast_a):
    campaign = campaign_of(cast_a)
    client = page(cast_a.admin)
    address = url(cast_a, "diploma-works/")
    response = client.get(address)
    assert response.status_code == 200 and "save-work" in response.content.decode()
    body = {"student": cast_a.student.pk, "topic": "Asepsis in the ward", "kind": "work", "supervisor": "Dr Test"}
    with time_machine.travel(BEFORE, tick=False):
        saved = client.post(f"{address}?campaign={campaign.pk}", {**body, **_pdfs("file", "review", "presentation")})
    assert saved.status_code == 302
    html = client.get(address).content.decode()
    assert "Asepsis in the ward" in html and "incomplete" not in html
    # Sent again: the same student's work is replaced, not duplicated.
    with time_machine.travel(BEFORE, tick=False):
        again = client.post(f"{address}?campaign={campaign.pk}", {**body, "topic": "Asepsis, revised",
                                                                   **_pdfs("file")})
    assert again.status_code == 302
    with scopes_disabled():
        works = list(DiplomaWork.objects.filter(college=cast_a.college, student=cast_a.student))
    assert len(works) == 1 and works[0].topic == "Asepsis, revised"
    assert page(cast_a.staff).get(address).status_code == 200
    assert page(cast_a.student_user).get(address).status_code == 403


def test_late_diploma_work_is_refused_on_the_page_with_its_rule(page, cast_a):
    campaign = campaign_of(cast_a)
    client = page(cast_a.admin)
    body = {"student": cast_a.student.pk, "topic": "Infection control", "kind": "work",
            **_pdfs("file", "review", "presentation")}
    with time_machine.travel(local(campaign.starts_on - timedelta(days=10), 10), tick=False):
        refused = client.post(url(cast_a, f"diploma-works/?campaign={campaign.pk}"), body)
    assert refused.status_code == 422 and "[DEF-06]" in refused.content.decode()
    with scopes_disabled():
        assert not DiplomaWork.objects.filter(college=cast_a.college).exists()


def test_a_file_that_is_not_what_it_claims_is_refused_on_the_form(page, cast_a):
    campaign = campaign_of(cast_a)
    fake = SimpleUploadedFile("work.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    with time_machine.travel(BEFORE, tick=False):
        refused = page(cast_a.admin).post(url(cast_a, f"diploma-works/?campaign={campaign.pk}"), {
            "student": cast_a.student.pk, "topic": "Asepsis", "kind": "work", "file": fake})
    assert refused.status_code == 415 and "invalid-feedback" in refused.content.decode()


def test_a_file_too_large_is_refused_with_413_on_the_form(page, cast_a, monkeypatch):
    campaign = campaign_of(cast_a)
    monkeypatch.setattr(diploma_works, "WORK_MAX_BYTES", 16)
    with time_machine.travel(BEFORE, tick=False):
        refused = page(cast_a.admin).post(url(cast_a, f"diploma-works/?campaign={campaign.pk}"), {
            "student": cast_a.student.pk, "topic": "Asepsis", "kind": "work", **_pdfs("file")})
    assert refused.status_code == 413 and "invalid-feedback" in refused.content.decode()
    with scopes_disabled():
        assert not DiplomaWork.objects.filter(college=cast_a.college).exists()


def test_another_colleges_campaign_is_not_found(page, cast_a, cast_b):
    other = campaign_of(cast_b)
    assert page(cast_a.admin).get(url(cast_a, f"diploma-works/?campaign={other.pk}")).status_code == 404


# --- Re-admission -------------------------------------------------------------------------------------------------


def _absent_and_applied(api, cast, capture) -> ReAdmission:
    protocol = protocol_of(cast)
    secretary = api(cast.staff)
    current = _get(secretary, cast, protocol.exam_id)
    attendance = [{"member": a["member"], "present": True} for a in current["attendance"]]
    assert secretary.put(f"{base(cast)}/exams/{protocol.exam_id}/protocol/", {
        "version": current["version"], "attendance": attendance,
        "results": [{"student": cast.student.pk, "status": "absent"},
                    {"student": cast.other_student.pk, "percent": 71}]}, format="json").status_code == 200
    _sign_all(api, cast, protocol.exam_id)
    _close(api, cast, protocol.exam_id, capture)
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast.student)
        with time_machine.travel(ON_THE_DAY + timedelta(days=1), tick=False):
            return services.readmission_apply(
                college=cast.college, by=cast.student_user, student=cast.student, result=row, reason="health",
                application="I was ill.", document=SimpleUploadedFile("note.pdf", PDF,
                                                                      content_type="application/pdf"))


def test_administrator_decides_and_schedules_a_readmission(page, api, cast_a, django_capture_on_commit_callbacks):
    readmission = _absent_and_applied(api, cast_a, django_capture_on_commit_callbacks)
    client = page(cast_a.admin)
    listing = client.get(url(cast_a, "readmissions/")).content.decode()
    assert cast_a.student.full_name in listing
    detail = client.get(url(cast_a, f"readmissions/{readmission.pk}/"))
    assert detail.status_code == 200 and "readmission-document" in detail.content.decode()
    document = client.get(url(cast_a, f"readmissions/{readmission.pk}/document/"))
    assert document.status_code == 200 and b"".join(document.streaming_content).startswith(b"%PDF")
    decided = client.post(url(cast_a, f"readmissions/{readmission.pk}/decide/"),
                          {"approve": "yes", "note": "Documented illness."})
    assert decided.status_code == 302
    with scopes_disabled():
        readmission.refresh_from_db()
    assert readmission.status == "approved"
    resit, later = _resit(cast_a, readmission.result.protocol.exam)
    with time_machine.travel(ON_THE_DAY + timedelta(days=1), tick=False):
        scheduled = client.post(url(cast_a, f"readmissions/{readmission.pk}/schedule/"), {
            "exam": resit.pk, "starts_at": later.strftime("%Y-%m-%dT%H:%M"), "minutes": "15"})
    assert scheduled.status_code == 302, scheduled.content.decode()
    with scopes_disabled():
        readmission.refresh_from_db()
        assert readmission.status == "scheduled" and readmission.new_slot.exam_id == resit.pk
    assert "new-slot" in client.get(url(cast_a, f"readmissions/{readmission.pk}/")).content.decode()
    # The secretary sees the application of their commission but does not decide.
    assert page(cast_a.staff).post(url(cast_a, f"readmissions/{readmission.pk}/decide/"),
                                   {"approve": "no"}).status_code == 403


def test_staff_outside_the_commission_see_no_readmission_on_the_pages_or_the_api(page, api, cast_a,
                                                                                  django_capture_on_commit_callbacks):
    from attestation.models import Membership, Role
    from tests.factories import user_make

    readmission = _absent_and_applied(api, cast_a, django_capture_on_commit_callbacks)
    with scopes_disabled():
        outsider = user_make("methodist", full_name="Әдіскер Айгүл")
        Membership.objects.create(college=cast_a.college, user=outsider, role=Role.STAFF)
    listing = page(outsider).get(url(cast_a, "readmissions/")).content.decode()
    assert cast_a.student.full_name not in listing
    assert page(outsider).get(url(cast_a, f"readmissions/{readmission.pk}/")).status_code == 404
    listed = api(outsider).get(f"{base(cast_a)}/readmissions/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows == []
    assert api(outsider).get(f"{base(cast_a)}/readmissions/{readmission.pk}/").status_code == 404
    # The commission's secretary (staff, a member) still sees it through both.
    mine = api(cast_a.staff).get(f"{base(cast_a)}/readmissions/").json()
    assert [r["id"] for r in (mine["results"] if isinstance(mine, dict) else mine)] == [readmission.pk]


def test_a_new_slot_outside_the_academic_year_is_refused_with_its_rule(page, api, cast_a,
                                                                       django_capture_on_commit_callbacks):
    readmission = _absent_and_applied(api, cast_a, django_capture_on_commit_callbacks)
    client = page(cast_a.admin)
    assert client.post(url(cast_a, f"readmissions/{readmission.pk}/decide/"),
                       {"approve": "yes", "note": "Documented."}).status_code == 302
    resit, later = _resit(cast_a, readmission.result.protocol.exam)
    with scopes_disabled():  # the college's academic year ends the day before the re-sitting
        services.policy_save(college=cast_a.college, by=cast_a.admin, academic_year_end_month=6,
                             academic_year_end_day=2)
    with time_machine.travel(ON_THE_DAY + timedelta(days=1), tick=False):
        refused = client.post(url(cast_a, f"readmissions/{readmission.pk}/schedule/"), {
            "exam": resit.pk, "starts_at": later.strftime("%Y-%m-%dT%H:%M"), "minutes": "15"})
    assert refused.status_code == 422 and "[RET-01]" in refused.content.decode()
    with scopes_disabled():
        readmission.refresh_from_db()
        assert readmission.status == "approved" and readmission.new_slot_id is None


# --- Technical failure (DIST-07) ----------------------------------------------------------------------------------


def _distance_protocol(cast):
    exam = exam_of(cast, mode="distance")
    with scopes_disabled(), time_machine.travel(ON_THE_DAY, tick=False):
        return services.protocol_open(college=cast.college, by=cast.staff, exam=exam)


def test_secretary_records_a_technical_failure_and_the_student_is_rescheduled(
        page, cast_a, django_capture_on_commit_callbacks):
    protocol = _distance_protocol(cast_a)
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.other_student)
    secretary = page(cast_a.staff)
    html = secretary.get(url(cast_a, f"sessions/{protocol.exam_id}/protocol/")).content.decode()
    assert f"protocol-rows/{row.pk}/tech-failure/" in html
    address = url(cast_a, f"protocol-rows/{row.pk}/tech-failure/")
    assert secretary.get(address).status_code == 200
    with time_machine.travel(ON_THE_DAY + timedelta(hours=2), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        recorded = secretary.post(address, {"occurred_at": "2027-06-01T10:20",
                                            "description": "The connection was lost."})
    assert recorded.status_code == 302
    with scopes_disabled():
        act = TechnicalFailureAct.objects.get(result=row)
        assert ProtocolResult.objects.get(pk=row.pk).status == "tech_failure"
    assert "act-pdf" in secretary.get(address).content.decode()
    assert f"Technical failure act № {act.pk}" in secretary.get(
        url(cast_a, f"sessions/{protocol.exam_id}/protocol/")).content.decode()
    # The administrator gives the student another day.
    resit, later = _resit(cast_a, protocol.exam)
    with time_machine.travel(ON_THE_DAY + timedelta(hours=3), tick=False):
        moved = page(cast_a.admin).post(f"{address}reschedule/", {
            "exam": resit.pk, "starts_at": later.strftime("%Y-%m-%dT%H:%M"), "minutes": "15"})
    assert moved.status_code == 302, moved.content.decode()
    with scopes_disabled():
        act.refresh_from_db()
        assert act.new_slot.attempt_reason == "tech_failure"


def test_technical_failure_is_refused_for_an_onsite_session(page, cast_a):
    protocol = protocol_of(cast_a)
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.student)
    secretary = page(cast_a.staff)
    assert "tech-failure/" not in secretary.get(url(cast_a, f"sessions/{protocol.exam_id}/protocol/")).content.decode()
    refused = secretary.post(url(cast_a, f"protocol-rows/{row.pk}/tech-failure/"),
                             {"occurred_at": "2027-06-01T10:20", "description": "The light went out."})
    assert refused.status_code == 422 and "[DIST-07]" in refused.content.decode()


# --- The distance procedure (DIST-09) -----------------------------------------------------------------------------


def test_procedure_is_sent_and_the_student_confirms_reading_it(page, cast_a):
    exam = exam_of(cast_a, mode="distance")
    client = page(cast_a.admin)
    assert f"sessions/{exam.pk}/procedure/" in client.get(url(cast_a, "schedule/")).content.decode()
    address = url(cast_a, f"sessions/{exam.pk}/procedure/")
    assert client.get(address).status_code == 200
    with time_machine.travel(BEFORE, tick=False):
        sent = client.post(address, {"procedure": "Show your ID to the camera."})
    assert sent.status_code == 302
    assert "not yet" in client.get(address).content.decode()
    student = page(cast_a.student_user)
    with scopes_disabled():
        slot = ExamSlot.objects.get(exam=exam, student=cast_a.student)
    html = student.get(url(cast_a, "my/")).content.decode()
    assert "Show your ID to the camera." in html and "confirm-procedure" in html
    assert student.post(url(cast_a, f"my/slots/{slot.pk}/confirm-procedure/")).status_code == 302
    with scopes_disabled():
        slot.refresh_from_db()
        assert slot.procedure_confirmed_at is not None
    assert "procedure-read" in student.get(url(cast_a, "my/")).content.decode()
    # Another student's slot does not exist for this student.
    with scopes_disabled():
        other = ExamSlot.objects.get(exam=exam, student=cast_a.other_student)
    assert student.post(url(cast_a, f"my/slots/{other.pk}/confirm-procedure/")).status_code == 404


def test_procedure_sent_late_is_warned_with_its_rule_and_onsite_is_refused(page, cast_a):
    with scopes_disabled():
        services.policy_save(college=cast_a.college, by=cast_a.admin, online_profile=True)
    exam = exam_of(cast_a, mode="distance")
    client = page(cast_a.admin)
    with time_machine.travel(ON_THE_DAY - timedelta(days=3), tick=False):
        sent = client.post(url(cast_a, f"sessions/{exam.pk}/procedure/"), {"procedure": "Show your ID."},
                           follow=True)
    assert sent.status_code == 200 and "[DIST-09]" in sent.content.decode()
    onsite = exam_of(cast_a, mode="onsite", form="written", publish=False)
    refused = client.post(url(cast_a, f"sessions/{onsite.pk}/procedure/"), {"procedure": "Show your ID."})
    assert refused.status_code == 422 and "refusal" in refused.content.decode()


def test_student_cannot_confirm_a_procedure_never_sent(page, cast_a):
    exam = exam_of(cast_a, mode="distance")
    with scopes_disabled():
        slot = ExamSlot.objects.get(exam=exam, student=cast_a.student)
    refused = page(cast_a.student_user).post(url(cast_a, f"my/slots/{slot.pk}/confirm-procedure/"))
    assert refused.status_code == 422 and "No procedure has been sent" in refused.content.decode()
    with scopes_disabled():
        slot.refresh_from_db()
        assert slot.procedure_confirmed_at is None


# --- Amendments of a closed protocol --------------------------------------------------------------------------------


def test_administrator_amends_a_closed_protocol_with_a_reason(page, api, cast_a, django_capture_on_commit_callbacks):
    protocol = protocol_of(cast_a)
    _fill(api(cast_a.staff), cast_a, protocol.exam_id)
    _sign_all(api, cast_a, protocol.exam_id)
    _close(api, cast_a, protocol.exam_id, django_capture_on_commit_callbacks)
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.student)
    client = page(cast_a.admin)
    page_url = url(cast_a, f"sessions/{protocol.exam_id}/protocol/")
    assert 'id="amend"' in client.get(page_url).content.decode()
    assert 'id="amend"' not in page(cast_a.staff).get(page_url).content.decode()
    address = url(cast_a, f"sessions/{protocol.exam_id}/protocol/amend/")
    refused = client.post(address, {"result": row.pk, "field": "percent", "value": "140", "reason": "Typo"})
    assert refused.status_code == 422 and "[GRD-01]" in refused.content.decode()
    no_reason = client.post(address, {"result": row.pk, "field": "percent", "value": "95", "reason": ""})
    assert no_reason.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        amended = client.post(address, {"result": row.pk, "field": "percent", "value": "95",
                                        "reason": "Arithmetic error in the sum of points"})
    assert amended.status_code == 302
    assert "Arithmetic error in the sum of points" in client.get(page_url).content.decode()
    with scopes_disabled():
        row.refresh_from_db()
        assert row.percent == 92 and row.transcript_entry.percent == 95
    assert page(cast_a.staff).post(address, {"result": row.pk, "field": "notes", "value": "x",
                                             "reason": "y"}).status_code == 403


# --- Every new page in every language -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_new_pages_render_in_every_language(page, api, cast_a, language, django_capture_on_commit_callbacks):
    campaign_of(cast_a)
    readmission = _absent_and_applied(api, cast_a, django_capture_on_commit_callbacks)
    client = page(cast_a.admin, language=language)
    for path in ("diploma-works/", "readmissions/", f"readmissions/{readmission.pk}/",
                 f"sessions/{readmission.result.protocol.exam_id}/procedure/",
                 f"protocol-rows/{readmission.result_id}/tech-failure/",
                 f"sessions/{readmission.result.protocol.exam_id}/protocol/"):
        assert client.get(url(cast_a, path)).status_code == 200, path
