"""Appeals through the REST API (API.md `appeals`, `appeals/{id}/decide`): filing within the APP-01 window, the
APP-04 clock, assignment to an approved appeal commission (APP-02/03), the decision (OQ-12), and every bad input
of the issue refused clearly with nothing stored."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import storages
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from appeals import services
from appeals.models import Appeal, AppealAttachment
from attestation.models import AuditEntry, Document, Notification, TranscriptEntry

from .builders import (
    FILING_TIME,
    JPEG,
    PDF,
    PNG,
    appeal_commission,
    final_protocol,
    local,
    result_of,
    upload,
)

pytestmark = pytest.mark.django_db


def base(cast):
    return f"/api/v1/colleges/{cast.college.slug}/appeals/"


def file_appeal(api, cast, entry, files=(), user=None, reason="Екінші сұраққа жауабым дұрыс бағаланбады."):
    data = {"transcript_entry": entry.pk, "reason": reason}
    if files:
        data["attachments"] = list(files)
    return api(user or cast.student_user).post(base(cast), data, format="multipart")


def nothing_stored(cast):
    with scopes_disabled():
        assert not Appeal.objects.filter(college=cast.college).exists()
        assert not AppealAttachment.objects.filter(college=cast.college).exists()
        assert not AuditEntry.objects.filter(college=cast.college, action="appeal.filed").exists()


def assert_error(response, status, rule, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"], body
    assert rule in [e["rule"] for e in body["errors"]], body
    if field:
        assert field in [e["field"] for e in body["errors"]], body


# --- Filing ------------------------------------------------------------------------------------------------------


def test_a_student_files_an_appeal_with_attachments_and_gets_the_clock(api, cast_a,
                                                                      django_capture_on_commit_callbacks):
    cast_a.student_user.email = "student@example.kz"
    cast_a.student_user.save()
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = file_appeal(api, cast_a, entry, [upload("scan.pdf", PDF), upload("photo.jpg", JPEG, "image/jpeg"),
                                                    upload("screen.png", PNG, "image/png")])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["filing_deadline"] == "2026-06-16"  # APP-01: the next working day after 15 June
    assert body["decision_due"] == "2026-06-19"  # APP-04: 3 working days from receipt on 16 June
    assert body["status"] == "submitted" and body["transcript_entry"] == entry.pk
    assert [a["content_type"] for a in body["attachments"]] == ["application/pdf", "image/jpeg", "image/png"]
    with scopes_disabled():
        appeal = Appeal.objects.get(pk=body["id"])
        stored = appeal.attachments.first()
        assert stored.file.read() == PDF and stored.file.name.startswith(f"appeals/{cast_a.college.pk}/")
        assert AuditEntry.objects.filter(action="appeal.filed", object_id=str(appeal.pk)).exists()
        assert Notification.objects.filter(user=cast_a.student_user, college=cast_a.college).exists()
        assert Notification.objects.filter(user=cast_a.admin, college=cast_a.college).exists()
    # The upload lives in the "uploads" storage (outside the web root), not under static or documents.
    assert storages["uploads"].exists(stored.file.name)
    assert any("student@example.kz" in m.to for m in mail.outbox)


def test_an_intermediate_attestation_grade_can_be_appealed_too(api, cast_a):
    entry = result_of(cast_a, final=False, held_on=date(2026, 6, 15))
    with time_machine.travel(FILING_TIME, tick=False):
        response = file_appeal(api, cast_a, entry)
    assert response.status_code == 201, response.json()


def test_oq11_the_window_runs_from_the_announcement_when_later(api, cast_a):
    entry = result_of(cast_a, held_on=date(2026, 6, 15), announced_on=date(2026, 6, 18))  # demo exam
    with time_machine.travel(local(date(2026, 6, 19), 23, 0), tick=False):
        response = file_appeal(api, cast_a, entry)
    assert response.status_code == 201
    assert response.json()["filing_deadline"] == "2026-06-19"


@pytest.mark.parametrize(("held_on", "late"), [
    (date(2026, 6, 15), local(date(2026, 6, 17), 0, 0, 1)),  # a minute after midnight, college time
    (date(2026, 3, 20), local(date(2026, 3, 27), 0, 0, 1)),  # Nauryz: deadline Thursday 26 March
    (date(2025, 1, 3), local(date(2025, 1, 6), 9, 0)),  # transferred day off: Sunday 5 January 2025 was working
])
def test_app01_filing_after_the_deadline_is_refused(api, cast_a, held_on, late):
    entry = result_of(cast_a, held_on=held_on)
    with time_machine.travel(late, tick=False):
        response = file_appeal(api, cast_a, entry, [upload()])
    assert_error(response, 422, "APP-01", "transcript_entry")
    nothing_stored(cast_a)


@pytest.mark.parametrize(("held_on", "last_moment", "deadline"), [
    (date(2026, 3, 20), local(date(2026, 3, 26), 23, 59), "2026-03-26"),  # across Nauryz (21–25 March)
    (date(2025, 1, 3), local(date(2025, 1, 5), 23, 59), "2025-01-05"),  # Sunday 5 January 2025, a working day
])
def test_app01_the_last_minute_of_the_window_across_holidays_is_accepted(api, cast_a, held_on, last_moment,
                                                                         deadline):
    entry = result_of(cast_a, held_on=held_on)
    with time_machine.travel(last_moment, tick=False):
        response = file_appeal(api, cast_a, entry)
    assert response.status_code == 201, response.json()
    assert response.json()["filing_deadline"] == deadline


def test_filing_against_another_students_result_is_refused(api, cast_a):
    theirs = result_of(cast_a, cast_a.other_student)
    with time_machine.travel(FILING_TIME, tick=False):
        response = file_appeal(api, cast_a, theirs)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "transcript_entry"
    nothing_stored(cast_a)


def test_filing_twice_for_one_result_is_refused(api, cast_a):
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False):
        assert file_appeal(api, cast_a, entry).status_code == 201
        again = file_appeal(api, cast_a, entry, [upload()])
    assert_error(again, 409, "APP-01", "transcript_entry")
    with scopes_disabled():
        assert Appeal.objects.filter(transcript_entry=entry).count() == 1
        assert not AppealAttachment.objects.exists()


def test_app05_a_monitoring_result_is_never_appealed(api, cast_a):
    entry = result_of(cast_a, final=False, source="monitoring:round-2026")
    with time_machine.travel(FILING_TIME, tick=False):
        response = file_appeal(api, cast_a, entry)
    assert_error(response, 422, "APP-05", "transcript_entry")
    nothing_stored(cast_a)


def test_a_reason_is_required(api, cast_a):
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False):
        response = file_appeal(api, cast_a, entry, reason="   ")
    assert response.status_code in (400, 422)
    assert "reason" in [e["field"] for e in response.json()["errors"]]
    nothing_stored(cast_a)


@pytest.mark.parametrize(("files", "status"), [
    ([upload("diploma.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)], 415),  # an executable renamed .pdf
    ([upload("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "text/html")], 415),
    ([upload("big.pdf", PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF)))], 413),  # 10 MB + 1 byte
    ([upload(f"scan{n}.pdf") for n in range(6)], 400),  # a sixth file
])
def test_bad_attachments_are_refused_and_nothing_is_stored(api, cast_a, files, status):
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False):
        response = file_appeal(api, cast_a, entry, files)
    assert response.status_code == status, response.json()
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"][0]["field"].startswith("attachments")
    nothing_stored(cast_a)


def test_ten_megabytes_exactly_is_accepted(api, cast_a):
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False):
        response = file_appeal(api, cast_a, entry, [upload("big.pdf", PDF + b"0" * (10 * 1024 * 1024 - len(PDF)))])
    assert response.status_code == 201


def test_only_students_file_and_students_see_only_their_own(api, cast_a):
    entry = result_of(cast_a)
    theirs = result_of(cast_a, cast_a.other_student, code="FA-EX")
    with time_machine.travel(FILING_TIME, tick=False):
        mine = file_appeal(api, cast_a, entry).json()
        other = file_appeal(api, cast_a, theirs, user=cast_a.other_student_user).json()
        assert api(cast_a.admin).post(base(cast_a), {"transcript_entry": entry.pk, "reason": "x"}).status_code == 403
    client = api(cast_a.student_user)
    assert [a["id"] for a in client.get(base(cast_a)).json()["results"]] == [mine["id"]]
    assert client.get(f"{base(cast_a)}{other['id']}/").status_code == 404
    assert {a["id"] for a in api(cast_a.admin).get(base(cast_a)).json()["results"]} == {mine["id"], other["id"]}


def test_attachments_are_served_only_through_permission_checks(api, cast_a):
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False):
        body = file_appeal(api, cast_a, entry, [upload("scan.pdf", PDF)]).json()
    url = body["attachments"][0]["url"]
    own = api(cast_a.student_user).get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF
    assert api(cast_a.admin).get(url).status_code == 200
    assert api(cast_a.other_student_user).get(url).status_code == 404
    assert api().get(url).status_code in (401, 403, 404)


# --- Assignment (APP-02, APP-03) ----------------------------------------------------------------------------------


def filed(api, cast, **kwargs):
    entry = result_of(cast, **kwargs)
    with time_machine.travel(FILING_TIME, tick=False):
        response = file_appeal(api, cast, entry)
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_administrator_assigns_an_approved_appeal_commission(api, cast_a):
    appeal = filed(api, cast_a)
    commission = appeal_commission(cast_a)
    response = api(cast_a.admin).patch(f"{base(cast_a)}{appeal['id']}/", {"commission": commission.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "under_review" and response.json()["commission"] == commission.pk
    assert response.json()["warnings"] == []
    with scopes_disabled():
        assert Notification.objects.filter(user=cast_a.chair).exists()
        assert AuditEntry.objects.filter(action="appeal.assigned", object_id=str(appeal["id"])).exists()


def test_app02_a_draft_or_final_commission_is_refused(api, cast_a, cast_b):
    appeal = filed(api, cast_a)
    draft = appeal_commission(cast_a, approve=False, order_number="8-А")
    response = api(cast_a.admin).patch(f"{base(cast_a)}{appeal['id']}/", {"commission": draft.pk}, format="json")
    assert_error(response, 422, "APP-02", "commission")
    protocol = final_protocol(cast_a, ("Examiner One",))
    with scopes_disabled():
        final = protocol.exam.commission
    response = api(cast_a.admin).patch(f"{base(cast_a)}{appeal['id']}/", {"commission": final.pk}, format="json")
    assert_error(response, 422, "APP-02", "commission")
    foreign = appeal_commission(cast_b)
    response = api(cast_a.admin).patch(f"{base(cast_a)}{appeal['id']}/", {"commission": foreign.pk}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "commission"
    with scopes_disabled():
        assert Appeal.objects.get(pk=appeal["id"]).status == "submitted"
    assert api(cast_a.student_user).patch(f"{base(cast_a)}{appeal['id']}/", {"commission": draft.pk},
                                          format="json").status_code == 403


def test_app02_a_warning_when_the_examiner_sits_on_the_appeal_commission(api, cast_a):
    protocol = final_protocol(cast_a, ("Ким Виктор", "Other Examiner"))
    appeal = filed(api, cast_a, source=f"protocol:{protocol.pk}")
    commission = appeal_commission(cast_a)  # Ким Виктор is one of its members
    response = api(cast_a.admin).patch(f"{base(cast_a)}{appeal['id']}/", {"commission": commission.pk}, format="json")
    assert response.status_code == 200
    assert [w["rule"] for w in response.json()["warnings"]] == ["APP-02"]
    assert response.json()["assign_warnings"][0]["rule"] == "APP-02"


# --- Decision (APP-04, OQ-12) -------------------------------------------------------------------------------------


def assigned(api, cast, **kwargs):
    appeal = filed(api, cast, **kwargs)
    commission = appeal_commission(cast)
    api(cast.admin).patch(f"{base(cast)}{appeal['id']}/", {"commission": commission.pk}, format="json")
    return appeal, commission


def decide(api, cast, appeal_id, user, **data):
    return api(user).post(f"{base(cast)}{appeal_id}/decide/", data, format="json")


def test_the_commission_upholds_the_grade_and_the_protocol_is_issued(api, cast_a, django_capture_on_commit_callbacks):
    appeal, commission = assigned(api, cast_a)
    with time_machine.travel(local(date(2026, 6, 18), 15, 0), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        response = decide(api, cast_a, appeal["id"], cast_a.chair, outcome="upheld")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["outcome"] == "upheld" and body["status"] == "communicated" and body["decided_overdue"] is False
    assert [m["present"] for m in body["attendance"] if m["role"] == "chair"] == [True]
    with scopes_disabled():
        documents = Document.objects.filter(college=cast_a.college, kind="appeal_protocol", subject_id=appeal["id"])
        assert sorted(documents.values_list("language", flat=True)) == ["kk", "ru"]
        assert all(d.status == "ready" and d.sha256 for d in documents)  # rendered (eager worker in tests)
        kk = documents.get(language="kk")
        text = "".join(p.extract_text() for p in PdfReader(kk.file.open("rb")).pages)
        assert TranscriptEntry.objects.get(pk=appeal["transcript_entry"]).percent == 62
        notice = Notification.objects.filter(user=cast_a.student_user).order_by("-id").first()
    assert str(appeal["id"]) in notice.subject
    assert cast_a.student.full_name in text and "Сейітов Бауыржан" in text and kk.verification_token in text


def test_a_changed_grade_replaces_the_contested_one_and_keeps_history(api, cast_a):
    appeal, commission = assigned(api, cast_a)
    with scopes_disabled():
        members = list(commission.members.order_by("id").values_list("pk", flat=True))
    with time_machine.travel(local(date(2026, 6, 19), 11, 0), tick=False):
        response = decide(api, cast_a, appeal["id"], cast_a.chair, outcome="grade_changed", new_percent="85",
                          justification="Екінші сұраққа жауап толық берілген.", present=members[:3])
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["previous_grade"]["percent"] == 62 and body["previous_grade"]["letter"] == "C-"
    with scopes_disabled():
        entry = TranscriptEntry.objects.get(pk=appeal["transcript_entry"])
        assert (entry.percent, entry.letter, entry.origin, entry.attempt) == (85, "B+", "appeal", 1)  # not a retake
        assert entry.source == f"appeal:{appeal['id']}"
        change = AuditEntry.objects.get(action="transcript.changed_by_appeal", object_id=str(entry.pk))
    assert change.data["from"]["percent"] == 62 and change.data["to"]["percent"] == "85"
    # The published results (grading) read the same entry: the changed grade is what everybody sees now.
    results = api(cast_a.student_user).get(f"/api/v1/colleges/{cast_a.college.slug}/results/").json()["results"]
    row = next(r for r in results if r["id"] == appeal["transcript_entry"])
    assert (row["percent"], row["origin"], row["attempt"]) == (85, "appeal", 1)


def test_oq12_a_lower_grade_is_allowed_with_a_justification(api, cast_a):
    appeal, _commission = assigned(api, cast_a)
    with time_machine.travel(local(date(2026, 6, 17), 11, 0), tick=False):
        response = decide(api, cast_a, appeal["id"], cast_a.chair, outcome="grade_changed", new_percent=40,
                          justification="Есептеулерде қате бар.")
    assert response.status_code == 200
    with scopes_disabled():
        assert TranscriptEntry.objects.get(pk=appeal["transcript_entry"]).percent == 40


def test_a_grade_change_without_justification_is_refused(api, cast_a):
    appeal, _commission = assigned(api, cast_a)
    response = decide(api, cast_a, appeal["id"], cast_a.chair, outcome="grade_changed", new_percent=85,
                      justification=" ")
    assert_error(response, 422, "APP-04", "justification")
    with scopes_disabled():
        stored = Appeal.objects.get(pk=appeal["id"])
        assert stored.status == "under_review" and stored.outcome == ""
        assert TranscriptEntry.objects.get(pk=appeal["transcript_entry"]).percent == 62
        assert not Document.objects.filter(kind="appeal_protocol").exists()


def test_a_bad_new_percent_is_refused_citing_grd01(api, cast_a):
    appeal, _commission = assigned(api, cast_a)
    response = decide(api, cast_a, appeal["id"], cast_a.chair, outcome="grade_changed", new_percent=101,
                      justification="x")
    assert_error(response, 422, "GRD-01", "new_percent")


def test_a_decision_by_someone_not_on_the_appeal_commission_is_refused(api, cast_a):
    appeal, _commission = assigned(api, cast_a)
    for user, rule in ((cast_a.admin, "APP-02"), (cast_a.staff, "APP-02"),  # not on the commission of the order
                       (cast_a.appeal_secretary, "APP-03")):  # on it, but the secretary has no vote
        response = decide(api, cast_a, appeal["id"], user, outcome="upheld")
        assert_error(response, 403, rule)
    assert decide(api, cast_a, appeal["id"], cast_a.student_user, outcome="upheld").status_code == 403
    with scopes_disabled():
        assert Appeal.objects.get(pk=appeal["id"]).status == "under_review"


def test_a_decision_on_an_already_decided_appeal_is_refused(api, cast_a):
    appeal, _commission = assigned(api, cast_a)
    assert decide(api, cast_a, appeal["id"], cast_a.chair, outcome="upheld").status_code == 200
    again = decide(api, cast_a, appeal["id"], cast_a.chair, outcome="grade_changed", new_percent=90,
                   justification="Again")
    assert_error(again, 409, "APP-04", "status")
    with scopes_disabled():
        assert Appeal.objects.get(pk=appeal["id"]).outcome == "upheld"
        assert TranscriptEntry.objects.get(pk=appeal["transcript_entry"]).percent == 62
    reassign = api(cast_a.admin).patch(f"{base(cast_a)}{appeal['id']}/", {"commission": _commission.pk},
                                       format="json")
    assert_error(reassign, 409, "APP-04")


def test_a_decision_without_a_commission_is_refused(api, cast_a):
    appeal = filed(api, cast_a)
    appeal_commission(cast_a)
    response = decide(api, cast_a, appeal["id"], cast_a.chair, outcome="upheld")
    assert response.status_code in (403, 422)
    with scopes_disabled():
        assert Appeal.objects.get(pk=appeal["id"]).status == "submitted"


def test_a_late_decision_is_recorded_marked_overdue_and_reported(api, cast_a):
    appeal, _commission = assigned(api, cast_a)
    with time_machine.travel(local(date(2026, 6, 22), 10, 0), tick=False):
        assert api(cast_a.admin).get(f"{base(cast_a)}{appeal['id']}/").json()["overdue"] is True
        response = decide(api, cast_a, appeal["id"], cast_a.chair, outcome="upheld")
    assert response.status_code == 200
    assert response.json()["decided_overdue"] is True
    with scopes_disabled():
        assert Notification.objects.filter(user=cast_a.admin, subject__contains="after the due date").exists() or \
            Notification.objects.filter(user=cast_a.admin).count() >= 2


def test_due_today_is_flagged(api, cast_a):
    appeal = filed(api, cast_a)
    with time_machine.travel(local(date(2026, 6, 19), 9, 0), tick=False):
        body = api(cast_a.admin).get(f"{base(cast_a)}{appeal['id']}/").json()
    assert (body["due_today"], body["overdue"]) == (True, False)


# --- Reminder the working day before the due date ---------------------------------------------------------------------


def test_the_commission_is_reminded_once_the_working_day_before_the_due_date(api, cast_a):
    appeal, _commission = assigned(api, cast_a)  # due Friday 19 June
    from appeals.tasks import appeals_remind_due

    with time_machine.travel(local(date(2026, 6, 17), 9, 0), tick=False):
        assert appeals_remind_due() == 0  # Wednesday: too early
    with time_machine.travel(local(date(2026, 6, 18), 9, 0), tick=False):
        assert appeals_remind_due() == 1
        assert appeals_remind_due() == 0  # once
    with scopes_disabled():
        reminders = Notification.objects.filter(user=cast_a.chair, subject__startswith="Reminder")
        assert reminders.count() == 1 or Notification.objects.filter(user=cast_a.chair).count() == 2
        assert Appeal.objects.get(pk=appeal["id"]).reminded_on == date(2026, 6, 18)


def test_services_refuse_a_result_of_another_student_directly(cast_a):
    entry = result_of(cast_a, cast_a.other_student)
    with scope(college=cast_a.college), time_machine.travel(FILING_TIME, tick=False), \
            pytest.raises(services.RulesBroken):
        services.appeal_file(college=cast_a.college, by=cast_a.student_user, student=cast_a.student, entry=entry,
                             reason="x")
