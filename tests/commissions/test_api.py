"""The commissions API end to end: approval with every violation at once, schedule refusals, the protocol with
concurrent edits (409), signing by members only, closing (quorum, signatures, scan), the lock by every route,
published results and the protocol PDF read back."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from attestation.models import TranscriptEntry
from commissions.models import Exam, Protocol, ProtocolLocked, ProtocolResult
from tests.grading.builders import PDF, admit, campaign_of, fa_components

from .builders import BEFORE, EXAM_DAY, ON_THE_DAY, commission_of, exam_of, local, member_user, protocol_of

pytestmark = pytest.mark.django_db


def base(cast) -> str:
    return f"/api/v1/colleges/{cast.college.slug}"


def rules_of(response) -> list[str]:
    return [e["rule"] for e in response.json()["errors"]]


# --- Commission approval (COM-02, COM-04, COM-05, COM-06; APP-03) ---------------------------------------------------


def test_approve_reports_every_violation_at_once(api, cast_a):
    campaign = campaign_of(cast_a)
    client = api(cast_a.admin)
    with time_machine.travel(BEFORE, tick=False):
        # Order dated later than a month before the start (COM-05).
        created = client.post(f"{base(cast_a)}/commissions/", {"kind": "final", "campaign": campaign.pk,
                                                               "order_number": "7", "order_date": "2027-05-10"},
                              format="json")
        assert created.status_code == 201, created.json()
        pk = created.json()["id"]
        # Two college members and one employer: even voting count without a chair, employers 1 of 2 (COM-02,
        # COM-04), no accredited medical organisation on a medical program (COM-06).
        for name, role, affiliation, org in (("A", "member", "college", ""), ("B", "member", "employer", "KEGOC"),
                                             ("S", "secretary", "college", "")):
            response = client.post(f"{base(cast_a)}/commissions/{pk}/members/",
                                   {"full_name": name, "role": role, "affiliation": affiliation,
                                    "organization": org}, format="json")
            assert response.status_code == 201, response.json()
        response = client.post(f"{base(cast_a)}/commissions/{pk}/approve/", {}, format="json")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert {"COM-02", "COM-04", "COM-05", "COM-06"} <= set(rules_of(response))
    with scopes_disabled():
        from commissions.models import Commission

        assert Commission.objects.get(pk=pk).status == "draft"


def test_approving_a_valid_commission_issues_its_order_pdf(api, cast_a, django_capture_on_commit_callbacks):
    commission = commission_of(cast_a, approve=False)
    with time_machine.travel(BEFORE, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = api(cast_a.admin).post(f"{base(cast_a)}/commissions/{commission.pk}/approve/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    with scopes_disabled():
        commission.refresh_from_db()
        document = commission.order_document
        assert document.status == "ready"
        text = "".join(page.extract_text() for page in PdfReader(document.file.open("rb")).pages)
    assert "Chair Test" in text


def test_appeal_commission_is_checked_by_app_rules_only(api, cast_a):
    client = api(cast_a.admin)
    pk = client.post(f"{base(cast_a)}/commissions/", {"kind": "appeal", "order_number": "A-1",
                                                      "order_date": "2027-06-01"}, format="json").json()["id"]
    for name, role in (("Chair", "chair"), ("Member", "member")):
        client.post(f"{base(cast_a)}/commissions/{pk}/members/", {"full_name": name, "role": role,
                                                                  "affiliation": "college"}, format="json")
    response = client.post(f"{base(cast_a)}/commissions/{pk}/approve/", {}, format="json")
    assert response.status_code == 422
    assert set(rules_of(response)) == {"APP-03"}
    client.post(f"{base(cast_a)}/commissions/{pk}/members/", {"full_name": "Third", "role": "member",
                                                              "affiliation": "college"}, format="json")
    assert client.post(f"{base(cast_a)}/commissions/{pk}/approve/", {}, format="json").status_code == 200


# --- The schedule (SCH-02/03/04, DEF-04/05, ADM, COM-01) -------------------------------------------------------------


def _exam_body(cast, commission, *, form="oral", slots=None, day=EXAM_DAY, hour=9, hours=8, discipline=True):
    component = next(c for c in fa_components(cast) if c.code == "FA-EX")
    start = local(day, hour)
    return {"commission": commission.pk, "form": form, "mode": "onsite",
            "discipline": component.pk if discipline else None, "preparation_minutes": 20, "room": "101",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=hours)).isoformat(),
            "slots": slots if slots is not None else []}


def test_schedule_refusals_cite_their_rules(api, cast_a):
    commission = commission_of(cast_a)
    admit(cast_a, [cast_a.student])
    client = api(cast_a.admin)
    start = local(EXAM_DAY, 9)
    with time_machine.travel(BEFORE, tick=False):
        # An oral answer over 15 minutes (SCH-04); a student not admitted (ADM-02).
        body = _exam_body(cast_a, commission, slots=[
            {"student": cast_a.student.pk, "starts_at": start.isoformat(), "minutes": 20},
            {"student": cast_a.other_student.pk, "starts_at": (start + timedelta(minutes=20)).isoformat(),
             "minutes": 15}])
        response = client.post(f"{base(cast_a)}/exams/", body, format="json")
        assert response.status_code == 422
        assert {"SCH-04", "ADM-02"} <= set(rules_of(response))
        # A date outside the campaign (SCH-02).
        body = _exam_body(cast_a, commission, day=EXAM_DAY + timedelta(days=60), slots=[])
        response = client.post(f"{base(cast_a)}/exams/", body, format="json")
        assert response.status_code == 422 and "SCH-02" in rules_of(response)
        # More than 6 hours of the commission's sittings that day (SCH-03): 25 slots of 15 minutes = 375.
        many = [{"student": cast_a.student.pk, "starts_at": start.isoformat(), "minutes": 15}]
        body = _exam_body(cast_a, commission, slots=many)
        first = client.post(f"{base(cast_a)}/exams/", body, format="json")
        assert first.status_code == 201, first.json()
        long_day = _exam_body(cast_a, commission, hour=10, hours=7, slots=[
            {"student": cast_a.student.pk, "starts_at": local(EXAM_DAY, 10).isoformat(), "minutes": 15}])
        long_day["deliberation_minutes"] = 350
        response = client.post(f"{base(cast_a)}/exams/", long_day, format="json")
        assert response.status_code == 422 and "SCH-03" in rules_of(response)
        # A defence over 30 minutes with a report over 10 (DEF-04, DEF-05), and without a submitted work (DEF-06).
        defence = _exam_body(cast_a, commission, form="defence", discipline=False, day=EXAM_DAY + timedelta(days=1),
                             slots=[{"student": cast_a.student.pk, "minutes": 35, "report_minutes": 12,
                                     "starts_at": local(EXAM_DAY + timedelta(days=1), 9).isoformat()}])
        response = client.post(f"{base(cast_a)}/exams/", defence, format="json")
        assert response.status_code == 422
        assert {"DEF-04", "DEF-05", "ADM-03"} <= set(rules_of(response))  # ADM-03/DEF-06: no work submitted


def test_an_unapproved_commission_cannot_hold_sessions(api, cast_a):
    commission = commission_of(cast_a, approve=False, order_number="99")
    admit(cast_a, [cast_a.student])
    with time_machine.travel(BEFORE, tick=False):
        response = api(cast_a.admin).post(f"{base(cast_a)}/exams/", _exam_body(cast_a, commission, slots=[
            {"student": cast_a.student.pk, "starts_at": local(EXAM_DAY, 9).isoformat(), "minutes": 15}]),
            format="json")
    assert response.status_code == 422 and "COM-01" in rules_of(response)


def test_publishing_notifies_students_and_they_see_their_slots(api, cast_a):
    exam_of(cast_a, publish=True)
    response = api(cast_a.student_user).get(f"{base(cast_a)}/slots/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1 and rows[0]["exam"]["id"]
    with scopes_disabled():
        from attestation.models import Notification

        assert Notification.objects.filter(user=cast_a.student_user).exists()
        assert Notification.objects.filter(user=cast_a.other_student_user).exists()


# --- The protocol ----------------------------------------------------------------------------------------------------


def _protocol(api, cast):
    protocol = protocol_of(cast)
    exam_id = protocol.exam_id
    return protocol, exam_id, api(cast.staff)


def _get(client, cast, exam_id):
    return client.get(f"{base(cast)}/exams/{exam_id}/protocol/").json()


def test_percent_outside_0_100_is_refused(api, cast_a):
    protocol, exam_id, client = _protocol(api, cast_a)
    current = _get(client, cast_a, exam_id)
    for bad in (101, -1, "abc"):
        response = client.put(f"{base(cast_a)}/exams/{exam_id}/protocol/", {
            "version": current["version"], "results": [{"student": cast_a.student.pk, "percent": bad}]},
            format="json")
        assert response.status_code in (400, 422), (bad, response.status_code)
        assert response.json()["errors"]
    with scopes_disabled():
        assert ProtocolResult.objects.get(protocol=protocol, student=cast_a.student).percent is None


def test_concurrent_edit_of_the_same_row_answers_409_and_keeps_both_entries_visible(api, cast_a):
    _protocol_obj, exam_id, client = _protocol(api, cast_a)
    other = api(cast_a.admin)
    version = _get(client, cast_a, exam_id)["version"]
    url = f"{base(cast_a)}/exams/{exam_id}/protocol/"
    first = other.put(url, {"version": version, "results": [{"student": cast_a.student.pk, "percent": 80}]},
                      format="json")
    assert first.status_code == 200
    # The secretary, still at the old version, saves another row: no conflict.
    second = client.put(url, {"version": version, "results": [{"student": cast_a.other_student.pk, "percent": 70}]},
                        format="json")
    assert second.status_code == 200
    # … and the same row with a different value: 409, nothing saved, the message says what is stored.
    third = client.put(url, {"version": version, "results": [{"student": cast_a.student.pk, "percent": 60}]},
                       format="json")
    assert third.status_code == 409
    assert "80" in third.json()["errors"][0]["message"]
    rows = {r["student"]: r for r in _get(client, cast_a, exam_id)["results"]}
    assert float(rows[cast_a.student.pk]["percent"]) == 80 and float(rows[cast_a.other_student.pk]["percent"]) == 70


def _fill(client, cast, exam_id, percents=(92, 40)):
    current = _get(client, cast, exam_id)
    attendance = [{"member": a["member"], "present": True} for a in current["attendance"]]
    results = [{"student": s.pk, "percent": p, "questions": "Q1; Q2"}
               for s, p in zip((cast.student, cast.other_student), percents, strict=True)]
    response = client.put(f"{base(cast)}/exams/{exam_id}/protocol/",
                          {"version": current["version"], "attendance": attendance, "results": results},
                          format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def _member(cast, name):
    from attestation.models import User

    return User.objects.get(username=f"{cast.college.slug}-{name}")


def test_signing_by_a_non_member_or_another_commissions_member_is_refused(api, cast_a, cast_b):
    _p, exam_id, client = _protocol(api, cast_a)
    url = f"{base(cast_a)}/exams/{exam_id}/protocol/sign/"
    outsider = member_user(cast_a, "outsider")
    assert api(outsider).post(url).status_code == 403
    # A member of another commission of the same college.
    with scopes_disabled(), time_machine.travel(BEFORE, tick=False), scope(college=cast_a.college):
        from commissions import services

        other = commission_of(cast_a, approve=False, order_number="16", accounts=False)
        services.member_add(college=cast_a.college, by=cast_a.admin, commission=other, full_name="Other chair",
                            role="chair", affiliation="employer", organization="X", user=outsider.username)
    assert api(outsider).post(url).status_code == 403
    # A member of college B's commission: not even visible.
    protocol_of(cast_b)
    with scopes_disabled():
        b_chair = _member(cast_b, "chair")
    assert api(b_chair).post(url).status_code == 404
    # A student has no rights on protocols at all.
    assert api(cast_a.student_user).post(url).status_code in (403, 404)


def test_closing_without_quorum_or_signatures_is_refused(api, cast_a):
    protocol = protocol_of(cast_a, form="oral")
    exam_id = protocol.exam_id
    client = api(cast_a.staff)
    _fill(client, cast_a, exam_id)
    with time_machine.travel(ON_THE_DAY, tick=False):
        response = client.post(f"{base(cast_a)}/exams/{exam_id}/protocol/close/", {}, format="json")
    assert response.status_code == 422
    assert "PRO-01" in rules_of(response)
    with scopes_disabled():
        assert Protocol.objects.get(pk=protocol.pk).status == "open"


def test_a_defence_below_quorum_does_not_close(api, cast_a):
    """DEF-03: a defence closes only with two thirds of the voting members present: 3 of 5 is refused (nothing
    changes), 4 of 5 is enough for the quorum."""
    protocol = protocol_of(cast_a, form="oral")
    exam_id = protocol.exam_id
    with scopes_disabled():
        Exam.objects.filter(pk=exam_id).update(form="defence")  # the same session, held as a defence
    client = api(cast_a.staff)
    with scopes_disabled():
        entries_before = TranscriptEntry.objects.filter(college=cast_a.college).count()
    current = _get(client, cast_a, exam_id)
    present_names = {"Chair Test", "Member1 Test", "Member2 Test"}
    attendance = [{"member": a["member"], "present": a["role"] == "secretary" or a["full_name"] in present_names}
                  for a in current["attendance"]]
    results = [{"student": s.pk, "percent": p, "questions": "Q1; Q2"}
               for s, p in zip((cast_a.student, cast_a.other_student), (92, 75), strict=True)]
    saved = client.put(f"{base(cast_a)}/exams/{exam_id}/protocol/",
                       {"version": current["version"], "attendance": attendance, "results": results}, format="json")
    assert saved.status_code == 200, saved.json()
    for name in ("chair", "member1", "member2"):
        with scopes_disabled():
            user = _member(cast_a, name)
        assert api(user).post(f"{base(cast_a)}/exams/{exam_id}/protocol/sign/").status_code == 200
    with time_machine.travel(ON_THE_DAY, tick=False):
        refused = client.post(f"{base(cast_a)}/exams/{exam_id}/protocol/close/", {}, format="json")
    assert refused.status_code == 422
    assert "DEF-03" in rules_of(refused)
    with scopes_disabled():
        assert Protocol.objects.get(pk=protocol.pk).status == "open"
        assert TranscriptEntry.objects.filter(college=cast_a.college).count() == entries_before  # nothing published

    # A fourth member arrives: the quorum is met (whatever else the close still needs).
    current = _get(client, cast_a, exam_id)
    attendance = [{"member": a["member"], "present": a["present"] or a["full_name"] == "Member3 Test"}
                  for a in current["attendance"]]
    saved = client.put(f"{base(cast_a)}/exams/{exam_id}/protocol/",
                       {"version": current["version"], "attendance": attendance}, format="json")
    assert saved.status_code == 200, saved.json()
    with time_machine.travel(ON_THE_DAY, tick=False):
        again = client.post(f"{base(cast_a)}/exams/{exam_id}/protocol/close/", {}, format="json")
    assert "DEF-03" not in (rules_of(again) if again.status_code == 422 else [])


def _sign_all(api, cast, exam_id):
    for name in ("chair", "member1", "member2", "member3", "member4"):
        with scopes_disabled():
            user = _member(cast, name)
        response = api(user).post(f"{base(cast)}/exams/{exam_id}/protocol/sign/")
        assert response.status_code == 200, response.json()


def test_the_whole_protocol_closes_locks_publishes_and_renders(api, cast_a, django_capture_on_commit_callbacks):
    protocol = protocol_of(cast_a)
    exam_id = protocol.exam_id
    client = api(cast_a.staff)
    _fill(client, cast_a, exam_id)
    _sign_all(api, cast_a, exam_id)
    with time_machine.travel(ON_THE_DAY + timedelta(hours=5), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base(cast_a)}/exams/{exam_id}/protocol/close/", {"language": "kk"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    # Results are official and published the same day (PRO-03); the student sees their own.
    with scopes_disabled():
        entries = TranscriptEntry.objects.filter(college=cast_a.college, source=f"protocol:{protocol.pk}")
        assert {(e.student_id, e.percent, e.letter) for e in entries} == {
            (cast_a.student.pk, 92, "A-"), (cast_a.other_student.pk, 40, "F")}
        assert all(e.announced_on == EXAM_DAY for e in entries)
        # RET-04: the unsatisfactory result brings the certificate of course completion (grading's document).
        from attestation.models import Document

        assert Document.objects.filter(college=cast_a.college, kind="completion_certificate",
                                       student=cast_a.other_student).exists()
        assert not Document.objects.filter(college=cast_a.college, kind="completion_certificate",
                                           student=cast_a.student).exists()
        protocol.refresh_from_db()
        document = protocol.document
        assert document.status == "ready"
        reader = PdfReader(document.file.open("rb"))
        text = "".join(page.extract_text() for page in reader.pages)
    assert cast_a.student.full_name in text and "A-" in text
    page = __import__("django.test", fromlist=["Client"]).Client()
    page.force_login(cast_a.student_user, backend="attestation.accounts.CachedModelBackend")
    html = page.get(f"/colleges/{cast_a.college.slug}/attestation/my/").content.decode()
    assert "92" in html and "A-" in html

    # Locked for good: the API, the page, the model, a queryset update and raw SQL all refuse.
    url = f"{base(cast_a)}/exams/{exam_id}/protocol/"
    version = _get(client, cast_a, exam_id)["version"]
    response = client.put(url, {"version": version, "results": [{"student": cast_a.student.pk, "percent": 50}]},
                          format="json")
    assert response.status_code == 409
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.student)
    page.force_login(cast_a.staff, backend="attestation.accounts.CachedModelBackend")
    response = page.post(f"/colleges/{cast_a.college.slug}/attestation/protocol-rows/{row.pk}/",
                         {"percent": "50", "version": str(row.version)})
    assert response.status_code in (403, 409)
    with scopes_disabled():
        row.percent = 50
        with pytest.raises(ProtocolLocked):
            row.save()
        with pytest.raises(ProtocolLocked):
            ProtocolResult.objects.filter(pk=row.pk).update(percent=50)
        with pytest.raises(ProtocolLocked):
            Protocol.objects.filter(pk=protocol.pk).update(notes="changed")
        assert ProtocolResult.objects.get(pk=row.pk).percent == 92


@pytest.mark.postgres
def test_closed_protocol_refuses_raw_sql(api, cast_a):
    protocol = protocol_of(cast_a)
    client = api(cast_a.staff)
    _fill(client, cast_a, protocol.exam_id)
    _sign_all(api, cast_a, protocol.exam_id)
    with time_machine.travel(ON_THE_DAY, tick=False):
        assert client.post(f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/close/").status_code == 200
    from django.db import DatabaseError

    for sql in ("UPDATE commissions_protocolresult SET percent = 10 WHERE protocol_id = %s",
                "DELETE FROM commissions_protocolresult WHERE protocol_id = %s",
                "UPDATE commissions_protocol SET notes = 'x' WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [protocol.pk])


def test_scan_must_be_pdf_jpeg_or_png_and_at_most_20_mb(api, cast_a):
    protocol = protocol_of(cast_a)
    client = api(cast_a.staff)
    url = f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/scan/"
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post(url, {"signed_scan": fake}, format="multipart")
    assert response.status_code == 415 and response.json()["errors"][0]["field"] == "signed_scan"
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (20 * 1024 * 1024), content_type="application/pdf")
    response = client.post(url, {"signed_scan": big}, format="multipart")
    assert response.status_code == 413
    good = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"signed_scan": good}, format="multipart")
    assert response.status_code == 200, response.json()


def test_the_paper_scan_replaces_portal_signatures_on_close(api, cast_a):
    protocol = protocol_of(cast_a)
    client = api(cast_a.staff)
    _fill(client, cast_a, protocol.exam_id)
    scan = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    with time_machine.travel(ON_THE_DAY, tick=False):
        response = client.post(f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/close/", {"signed_scan": scan},
                               format="multipart")
    assert response.status_code == 200, response.json()


def test_ticket_draw_is_random_and_recorded(api, cast_a):
    protocol = protocol_of(cast_a)
    client = api(cast_a.staff)
    url = f"{base(cast_a)}/exams/{protocol.exam_id}/protocol/draw/"
    response = client.post(url, {"student": cast_a.student.pk}, format="json")
    assert response.status_code in (200, 201), response.json()
    again = client.post(url, {"student": cast_a.student.pk}, format="json")
    assert again.status_code == 422 and "DIST-13" in rules_of(again)
    with scopes_disabled():
        row = ProtocolResult.objects.get(protocol=protocol, student=cast_a.student)
        assert 1 <= row.ticket_number <= 25
        assert row.ticket_draws.count() == 1


def test_session_protocol_cannot_be_opened_before_its_day(api, cast_a):
    exam = exam_of(cast_a)
    with time_machine.travel(BEFORE, tick=False):
        response = api(cast_a.staff).post(f"{base(cast_a)}/exams/{exam.pk}/protocol/open/")
    assert response.status_code == 400
    with scopes_disabled():
        assert not Protocol.objects.filter(exam=exam).exists()
        assert Exam.objects.filter(pk=exam.pk).exists()


def test_percents_are_read_back_io(api, cast_a):
    # Guard for the helpers used above.
    assert io.BytesIO(PDF).read(4) == b"%PDF"


def test_defence_needs_the_submitted_work_and_the_schedule_three_working_days_before(api, cast_a):
    """DEF-06/ADM-03: a defence is scheduled for a work submitted with its review and presentation; SCH-05: the
    schedule of defences reaches students at least 3 working days before the first defence."""
    commission = commission_of(cast_a)
    admit(cast_a, [cast_a.student])
    fa_components(cast_a)  # the curriculum's diploma component, on which the defence is recorded
    client = api(cast_a.admin)
    files = {name: SimpleUploadedFile(f"{name}.pdf", PDF, content_type="application/pdf")
             for name in ("file", "review", "presentation")}
    with time_machine.travel(BEFORE, tick=False):
        work = client.post(f"{base(cast_a)}/diploma-works/", {"student": cast_a.student.pk, "topic": "Asepsis",
                                                              "kind": "work", **files}, format="multipart")
        assert work.status_code == 201, work.json()
        start = local(EXAM_DAY, 9)  # Tuesday 1 June 2027
        defence = client.post(f"{base(cast_a)}/exams/", {
            "commission": commission.pk, "form": "defence", "mode": "onsite", "room": "101",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "slots": [{"student": cast_a.student.pk, "starts_at": start.isoformat(), "minutes": 30,
                       "report_minutes": 10}]}, format="json")
        assert defence.status_code == 201, defence.json()
    schedule = defence.json().get("schedule")
    with scopes_disabled():
        schedule = schedule or Exam.objects.get(pk=defence.json()["id"]).schedule_id
    url = f"{base(cast_a)}/schedules/{schedule}/publish/"
    with time_machine.travel(local(EXAM_DAY - timedelta(days=4), 10), tick=False):  # Friday 28 May: too late
        late = client.post(url)
    assert late.status_code == 422 and rules_of(late) == ["SCH-05"]
    with time_machine.travel(local(EXAM_DAY - timedelta(days=5), 10), tick=False):  # Thursday 27 May
        published = client.post(url)
    assert published.status_code == 200, published.json()


def test_late_publication_is_only_warned_when_the_college_chose_so(api, cast_a):
    """SCH-05 configurable: refused by default, a warning (kept with the schedule) when the college's setting says
    warn."""
    from commissions import services as commission_services

    with scopes_disabled():
        commission_services.policy_save(college=cast_a.college, by=cast_a.admin, late_schedule="warn")
    commission = commission_of(cast_a)
    admit(cast_a, [cast_a.student])
    fa_components(cast_a)
    client = api(cast_a.admin)
    files = {name: SimpleUploadedFile(f"{name}.pdf", PDF, content_type="application/pdf")
             for name in ("file", "review", "presentation")}
    start = local(EXAM_DAY, 9)
    with time_machine.travel(BEFORE, tick=False):
        assert client.post(f"{base(cast_a)}/diploma-works/", {"student": cast_a.student.pk, "topic": "Asepsis",
                                                              "kind": "work", **files},
                           format="multipart").status_code == 201
        defence = client.post(f"{base(cast_a)}/exams/", {
            "commission": commission.pk, "form": "defence", "mode": "onsite", "room": "101",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "slots": [{"student": cast_a.student.pk, "starts_at": start.isoformat(), "minutes": 30,
                       "report_minutes": 10}]}, format="json")
        assert defence.status_code == 201, defence.json()
    with scopes_disabled():
        schedule = Exam.objects.get(pk=defence.json()["id"]).schedule
    with time_machine.travel(local(EXAM_DAY - timedelta(days=1), 10), tick=False):
        published = client.post(f"{base(cast_a)}/schedules/{schedule.pk}/publish/")
    assert published.status_code == 200, published.json()
    with scopes_disabled():
        schedule.refresh_from_db()
        assert [w["rule"] for w in schedule.publish_warnings] == ["SCH-05"]
