"""The round's state machine through the API (draft → notified → testing → results → analysed, or cancelled), the notice
(MON-09), the participants and their excusals (MON-05, MON-08), seating (MON-14), and cancellation for an emergency in
a territory (MON-11). Every refusal names its rule."""

from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from attestation.models import AuditEntry, Document, Notification, Student
from monitoring.models import Participant, Round, RoundCollege

from .builders import (
    ALMATY,
    BEFORE_THE_DAY,
    NOTICE_DAY,
    TESTING_ON,
    college_with_students,
    local,
    participants_of,
    regional,
    representative,
    results_csv,
    round_college,
    round_draft,
    selected_round,
    unique_iin,
)
from .test_api_flow import PDF, signature_png
from .test_draw import frozen_and_seeded

pytestmark = pytest.mark.django_db
BASE = "/api/v1/monitoring/rounds/"


def assert_refused(response, status: int, rule: str, field: str | None = None):
    assert response.status_code == status, response.json()
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["errors"], body
    assert body["errors"][0]["rule"] == rule, body
    if field:
        assert body["errors"][0]["field"] == field, body


def admin_of(college):
    return college.memberships.model.objects.with_scopes_disabled().get(college=college, role="admin").user


@pytest.mark.parametrize(("body", "status", "rule", "field"), [
    ({"year": 2026, "testing_on": "2026-11-16", "cohorts": []}, 422, "MON-05", "cohorts"),
    ({"year": 2026, "testing_on": "2027-11-16", "cohorts": ["general"]}, 422, "MON-07", "testing_on"),
    ({"year": 2026, "testing_on": "2026-11-16", "cohorts": ["general"], "share": "0.3"}, 422, "MON-10", "share"),
    ({"year": 2026, "testing_on": "2026-11-16", "cohorts": ["general"], "seed": "x"}, 422, "MON-10", "seed"),
])
def test_a_round_is_created_only_as_the_rules_say(api, ministry, body, status, rule, field):
    assert_refused(api(ministry).post(BASE, body, format="json"), status, rule, field)
    assert Round.objects.count() == 0


def test_one_round_a_year_and_a_warning_outside_november(api, ministry):
    client = api(ministry)
    created = client.post(BASE, {"year": 2026, "testing_on": "2026-10-20", "cohorts": ["general"]}, format="json")
    assert created.status_code == 201
    assert [w["rule"] for w in created.json()["warnings"]] == ["MON-07"]
    again = client.post(BASE, {"year": 2026, "testing_on": "2026-11-20", "cohorts": ["general"]}, format="json")
    assert_refused(again, 422, "MON-07", "year")


@pytest.mark.parametrize("who", ["region", "representative", "college"])
def test_only_the_ministry_creates_and_changes_rounds(api, ministry, who):
    college = college_with_students("someone")
    person = {"region": lambda: regional("abai"), "representative": representative,
              "college": lambda: admin_of(college)}[who]()
    client = api(person)
    created = client.post(BASE, {"year": 2026, "testing_on": "2026-11-16", "cohorts": ["general"]}, format="json")
    assert created.status_code == 403 and set(created.json()) == {"detail", "errors"}


@pytest.mark.parametrize(("notice_day", "ok"), [
    (datetime(2026, 10, 16, 18, 0, tzinfo=ALMATY), True),  # the last day: exactly one month before
    (datetime(2026, 10, 17, 9, 0, tzinfo=ALMATY), False),
])
def test_mon09_the_notice_goes_out_a_month_before(api, ministry, notice_day, ok):
    college_with_students("n1")
    round = frozen_and_seeded(ministry)
    client = api(ministry)
    client.post(f"{BASE}{round.pk}/draw/")
    with time_machine.travel(notice_day, tick=False):
        response = client.post(f"{BASE}{round.pk}/transition/", {"status": "notified"}, format="json")
    if ok:
        assert response.status_code == 200 and response.json()["notice_on"] == "2026-10-16"
    else:
        assert_refused(response, 422, "MON-09", "status")
        assert Round.objects.get(pk=round.pk).status == "draft"


@pytest.mark.parametrize(("day", "ok"), [
    (datetime(2026, 10, 31, 23, 0, tzinfo=ALMATY), False),  # notice 1 October: not yet a month
    (datetime(2026, 11, 1, 0, 30, tzinfo=ALMATY), True),
])
def test_mon09_testing_starts_a_month_after_the_notice(api, ministry, day, ok):
    college = college_with_students("n2")
    round = selected_round(ministry, [college])
    with time_machine.travel(day, tick=False):
        response = api(ministry).patch(f"{BASE}{round.pk}/", {"status": "testing"}, format="json")
    if ok:
        assert response.status_code == 200 and response.json()["status"] == "testing"
    else:
        assert_refused(response, 422, "MON-09", "status")


def test_the_notice_reaches_the_colleges_with_its_pdf(ministry, django_capture_on_commit_callbacks):
    college = college_with_students("noticed", second_year=4, third_year=5)
    with django_capture_on_commit_callbacks(execute=True):
        round = selected_round(ministry, [college])
    with scopes_disabled():
        rc = RoundCollege.objects.get(round=round)
        notice = Notification.objects.get(college=college)
        document = Document.objects.get(pk=rc.notice_document_id)
        assert AuditEntry.objects.filter(college=college, action="monitoring.notice.sent").exists()
    assert notice.url == f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/"
    assert "16.11.2026" in notice.body and "9" in notice.body
    assert any(college.slug in m.to[0] for m in mail.outbox)
    assert document.kind == "monitoring_notice" and document.status == "ready" and document.language == "kk"
    from tests.pdfs import pdf_text

    text = pdf_text(document.file.read())
    assert "16.11.2026" in text and college.name_kk.upper() in text


def test_mon05_participants_come_from_the_cohorts_by_year_of_study_with_codes_never_the_iin(ministry):
    college = college_with_students("cohorts", second_year=3, third_year=4)
    round = selected_round(ministry, [college], cohorts=("general",))
    participants = participants_of(round, college)
    assert len(participants) == 3 and {p.cohort for p in participants} == {"general"}
    assert {p.year_of_study for p in participants} == {2}
    with scopes_disabled():
        iins = set(Student.objects.filter(college=college).values_list("iin", flat=True))
    assert not {p.code for p in participants} & iins
    assert [p.code for p in participants] == sorted(p.code for p in participants)
    assert len({p.code for p in participants}) == 3


def test_mon08_the_college_refreshes_its_list_before_the_day(page, ministry):
    college = college_with_students("refresh", second_year=2, third_year=2)
    round = selected_round(ministry, [college], cohorts=("general",))
    with scopes_disabled():
        group = college.groups.model.objects.filter(college=college, year_of_study=2).first()
        Student.objects.create(college=college, group=group, iin=unique_iin(), full_name="Жаңа Студент")
        gone = Student.objects.filter(college=college, group=group).exclude(full_name="Жаңа Студент").first()
        gone.group = college.groups.model.objects.filter(college=college, year_of_study=3).first()
        gone.save()
    client = page(admin_of(college))
    with time_machine.travel(BEFORE_THE_DAY, tick=False):
        answer = client.post(f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/refresh/")
    assert answer.status_code == 302
    names = {p.full_name for p in participants_of(round, college)}
    assert "Жаңа Студент" in names and gone.full_name not in names
    with time_machine.travel(local(TESTING_ON, 8), tick=False):
        late = client.post(f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/refresh/", follow=True)
    assert "[MON-08]" in late.content.decode()


@pytest.mark.parametrize(("day", "status", "rule"), [
    (BEFORE_THE_DAY, 200, None),
    (local(TESTING_ON, 7, 0), 422, "MON-08"),  # the day itself
])
def test_mon08_excusals_with_a_reason_and_a_document_before_the_day(api, ministry, day, status, rule):
    college = college_with_students("excuse", second_year=2, third_year=2)
    round = selected_round(ministry, [college])
    participant = participants_of(round, college)[0]
    with time_machine.travel(day, tick=False):
        response = api(admin_of(college)).post(f"{BASE}{round.pk}/participants/", {
            "participant": participant.pk, "reason": "absent_competition",
            "file": SimpleUploadedFile("diploma.pdf", PDF)}, format="multipart")
    if rule is None:
        assert response.status_code == 200 and response.json()["status"] == "excused"
        download = api(ministry).get(f"{BASE}{round.pk}/participants/{participant.pk}/file/")
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    else:
        assert_refused(response, status, rule)


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"reason": "absent_health"}, 422, "file"),  # no document
    ({"reason": "absent_health", "file": SimpleUploadedFile("x.txt", b"plain text")}, 415, "file"),
    ({"reason": "tired", "file": SimpleUploadedFile("d.pdf", PDF)}, 400, "reason"),
])
def test_mon08_an_excusal_needs_its_reason_and_a_real_document(api, ministry, body, status, field):
    college = college_with_students("excuse2")
    round = selected_round(ministry, [college])
    participant = participants_of(round, college)[0]
    with time_machine.travel(BEFORE_THE_DAY, tick=False):
        response = api(admin_of(college)).post(f"{BASE}{round.pk}/participants/",
                                               {"participant": participant.pk, **body}, format="multipart")
    assert response.status_code == status, response.json()
    assert response.json()["errors"][0]["field"] == field
    assert participants_of(round, college)[0].status == "participant"


def test_mon14_seating_refused_when_the_rooms_are_too_small(api, ministry):
    college = college_with_students("small-rooms", second_year=3, third_year=3)
    round = selected_round(ministry, [college])
    with time_machine.travel(BEFORE_THE_DAY, tick=False):
        response = api(admin_of(college)).post(f"{BASE}{round.pk}/seating/", {
            "college": college.slug, "rooms": [{"room": "204", "seats": 5}]}, format="json")
    assert_refused(response, 422, "MON-14", "rooms")


def test_mon11_an_emergency_in_a_territory_releases_its_colleges(api, ministry):
    east = college_with_students("east", region="east_kazakhstan")
    west = college_with_students("west", region="west_kazakhstan")
    round = selected_round(ministry, [east, west])
    client = api(ministry)
    missing = client.post(f"{BASE}{round.pk}/emergency/", {"region": "east_kazakhstan", "basis": "emergencies_ministry",
                                                           "reason": " "}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "reason"
    nobody = client.post(f"{BASE}{round.pk}/emergency/", {"region": "abai", "basis": "emergencies_ministry",
                                                          "reason": "flood"}, format="json")
    assert_refused(nobody, 422, "MON-11", "region")
    done = client.post(f"{BASE}{round.pk}/emergency/", {
        "region": "east_kazakhstan", "basis": "emergencies_ministry",
        "reason": "Су тасқыны: ТЖМ шешімі № 12, 01.11.2026"}, format="json")
    assert done.status_code == 200, done.json()
    assert {p.status for p in participants_of(round, east)} == {"released"}
    assert {p.status for p in participants_of(round, west)} == {"participant"}
    colleges = {c["code"]: c for c in client.get(f"{BASE}{round.pk}/colleges/").json()["results"]}
    assert colleges["east"]["cancelled"] and colleges["east"]["cancel_basis"] == "emergencies_ministry"
    assert not colleges["west"]["cancelled"]
    # Nothing more happens there: no representative, no excusal.
    rep = representative()
    refused = client.post(f"{BASE}{round.pk}/representatives/", {"user": rep.username, "college": "east"},
                          format="json")
    assert_refused(refused, 422, "MON-11")
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="monitoring.territory.cancelled").count() == 1
        assert AuditEntry.objects.filter(college=east, action="monitoring.college.cancelled").count() == 1


def test_mon11_the_whole_round_is_cancelled_with_its_basis(api, ministry):
    college = college_with_students("whole")
    round = selected_round(ministry, [college])
    client = api(ministry)
    assert_refused(client.post(f"{BASE}{round.pk}/transition/", {"status": "cancelled"}, format="json"), 422,
                   "MON-11")
    done = client.post(f"{BASE}{round.pk}/transition/", {"status": "cancelled", "basis": "health_ministry",
                                                         "reason": "Карантин, ДСМ шешімі"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert {p.status for p in participants_of(round, college)} == {"released"}
    assert_refused(client.post(f"{BASE}{round.pk}/transition/", {"status": "testing"}, format="json"), 422,
                   "MON-09")


def test_results_come_only_by_import_and_analysis_after_results(api, ministry):
    college = college_with_students("states")
    round = selected_round(ministry, [college], status="testing")
    client = api(ministry)
    assert_refused(client.post(f"{BASE}{round.pk}/transition/", {"status": "results"}, format="json"), 422, "MON-22")
    assert_refused(client.post(f"{BASE}{round.pk}/transition/", {"status": "analysed"}, format="json"), 422,
                   "MON-25")


def test_a_draft_round_is_deleted_but_a_drawn_one_is_kept(api, ministry):
    college_with_students("kept")
    draft = round_draft(ministry)
    assert api(ministry).delete(f"{BASE}{draft.pk}/").status_code == 204
    drawn = frozen_and_seeded(ministry)
    api(ministry).post(f"{BASE}{drawn.pk}/draw/")
    assert_refused(api(ministry).delete(f"{BASE}{drawn.pk}/"), 422, "MON-10")


# --- Acts (MON-13, MON-16, MON-17) ---------------------------------------------------------------------------------


def act_body(participant, **changes):
    body = {"kind": "outsider", "participant": participant.pk, "occurred_at": "2026-11-16T09:40:00+05:00",
            "stage": "entry", "outsider_name": "Бөгде Тұлға Тұлғаұлы", "testee_signed_name": "Бөгде Тұлға",
            "representative_signed_name": "Өкіл", "testee_signature": signature_png(),
            "representative_signature": signature_png()}
    body.update(changes)
    return body


@pytest.fixture
def testing_day(ministry):
    mine = college_with_students("mine", second_year=2, third_year=2)
    theirs = college_with_students("theirs", second_year=2, third_year=2)
    round = selected_round(ministry, [mine, theirs], status="testing")
    rep = representative()
    from monitoring.services import acts

    acts.representative_assign(round=round, by=ministry, user=rep, round_college=round_college(round, mine))
    return round, rep, participants_of(round, mine), participants_of(round, theirs)


@pytest.mark.parametrize(("changes", "status", "rule", "field"), [
    ({}, 201, None, None),
    ({"stage": "testing", "room": "305"}, 201, None, None),
    ({"occurred_at": "2026-11-17T09:40:00+05:00"}, 422, "MON-17", "occurred_at"),  # not the testing day
    ({"outsider_name": ""}, 422, "MON-17", "outsider_name"),
    ({"stage": "testing"}, 422, "MON-17", "room"),
    ({"testee_signature": ""}, 422, "MON-17", "signatures"),
    ({"testee_signature": signature_png(scribble=False)}, 422, None, "testee_signature"),  # nothing drawn
    ({"testee_signature": "data:image/png;base64,bm90IGEgcG5n"}, 415, None, "testee_signature"),
])
def test_mon17_an_outsider_act_has_every_field_of_annex2(api, testing_day, changes, status, rule, field):
    round, rep, mine, _theirs = testing_day
    with time_machine.travel(local(TESTING_ON, 10, 0), tick=False):
        response = api(rep).post(f"{BASE}{round.pk}/acts/", act_body(mine[0], **changes), format="json")
    assert response.status_code == status, response.json()
    if status == 201:
        assert response.json()["decision"] == ("refused_entry" if not changes else "removed")
        assert participants_of(round, mine[0].college)[0].status == "outsider"
    else:
        assert response.json()["errors"][0]["field"] == field and response.json()["errors"][0]["rule"] == rule
        assert participants_of(round, mine[0].college)[0].status == "participant"


def test_mon13_a_representative_records_acts_only_where_assigned(api, testing_day):
    round, rep, _mine, theirs = testing_day
    with time_machine.travel(local(TESTING_ON, 10, 0), tick=False):
        response = api(rep).post(f"{BASE}{round.pk}/acts/", act_body(theirs[0]), format="json")
    assert_refused(response, 422, "MON-13", "participant")
    assert participants_of(round, theirs[0].college)[0].status == "participant"


def test_an_act_with_a_signed_scan_instead_of_drawn_signatures(api, testing_day):
    round, rep, mine, _theirs = testing_day
    body = act_body(mine[1], testee_signature="", representative_signature="")
    body["signed_scan"] = SimpleUploadedFile("act.pdf", PDF)
    body.pop("testee_signature")
    body.pop("representative_signature")
    with time_machine.travel(local(TESTING_ON, 10, 0), tick=False):
        response = api(rep).post(f"{BASE}{round.pk}/acts/", body, format="multipart")
    assert response.status_code == 201, response.json()


def test_mon16_acts_only_while_the_round_is_in_testing(api, ministry, testing_day):
    round, rep, mine, _theirs = testing_day
    Round.objects.filter(pk=round.pk).update(status="notified")
    with time_machine.travel(local(TESTING_ON, 10, 0), tick=False):
        response = api(rep).post(f"{BASE}{round.pk}/acts/", act_body(mine[0], kind="forbidden_items", room="1",
                                                                   seat=1, variant="2",
                                                                   items=[{"item": "phone", "count": 1}]),
                                 format="json")
    assert_refused(response, 422, "MON-16", "status")


def test_the_excused_cannot_be_acted_upon(api, ministry, testing_day):
    round, rep, mine, _theirs = testing_day
    with scopes_disabled():
        Participant.objects.filter(pk=mine[0].pk).update(status="excused")
    with time_machine.travel(local(TESTING_ON, 10, 0), tick=False):
        response = api(rep).post(f"{BASE}{round.pk}/acts/", act_body(mine[0]), format="json")
    assert_refused(response, 409, "MON-17", "participant")


def test_the_notice_day_and_testing_day_helpers_are_consistent():
    assert NOTICE_DAY.date() < TESTING_ON and BEFORE_THE_DAY.date() < TESTING_ON


def test_mon23_overdue_rounds_are_flagged_for_those_still_waiting(api, ministry):
    north = college_with_students("due-north", region="north_kazakhstan")
    south = college_with_students("due-south", region="turkistan")
    round = selected_round(ministry, [north, south], status="testing")
    from monitoring.services import results

    with time_machine.travel(local(TESTING_ON, 18), tick=False):
        report = results.results_import(round=round, by=ministry, upload=SimpleUploadedFile("r.csv", results_csv(
            [(p.code, "Математика", "1", "10", "20") for p in participants_of(round, north)])))
    assert report.ok
    flags = {}
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=ALMATY), tick=False):  # due 19 November
        for who, person in (("ministry", ministry), ("north", regional("north_kazakhstan")),
                            ("south", regional("turkistan"))):
            flags[who] = api(person).get(f"{BASE}{round.pk}/").json()["results_overdue"]
            colleges = {c["code"]: c["results_late"] for c in api(person).get(f"{BASE}{round.pk}/colleges/")
                        .json()["results"]}
            expected = {"due-north": False, "due-south": True}
            assert colleges == (expected if who == "ministry" else {f"due-{who}": expected[f"due-{who}"]})
    assert flags == {"ministry": True, "north": False, "south": True}
