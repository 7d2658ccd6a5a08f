"""The results import (MON-20, MON-22, MON-23): the testing centre's CSV or XLSX checked whole before anything is
stored, every error by row and column, all rows or none; the summary rows analytics read; results that never become
grades."""

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from openpyxl import Workbook

from attestation.models import Notification, TranscriptEntry
from monitoring.models import Participant, Result, ResultImport, ResultSummary, Round
from monitoring.services import acts as act_services
from monitoring.services import results as services

from .builders import (
    AFTER_TESTING,
    TESTING_ON,
    college_with_students,
    local,
    participants_of,
    representative,
    results_csv,
    round_college,
    selected_round,
)
from .test_api_flow import signature_png

pytestmark = pytest.mark.django_db
URL = "/api/v1/monitoring/rounds/{}/results/"


def upload(content: bytes, name: str = "results.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def tested(ministry):
    """A round in testing with one college of 40 participants (20 per cohort)."""
    college = college_with_students("tested", second_year=20, third_year=20)
    round = selected_round(ministry, [college], status="testing")
    return round, college, participants_of(round, college)


def stored(round) -> int:
    with scopes_disabled():
        return Result.objects.filter(round=round).count()


def test_one_bad_row_among_ten_thousand_stores_nothing(api, ministry):
    college = college_with_students("big", second_year=2500, third_year=2500, admin=False)
    round = selected_round(ministry, [college], status="testing")
    codes = [p.code for p in participants_of(round, college)]
    rows = [(code, subject, "4", "25.5", "40") for code in codes for subject in ("Математика", "Қазақ тілі")]
    assert len(rows) == 10000
    rows[6123] = (rows[6123][0], rows[6123][1], "4", "41", "40")  # above the maximum, in spreadsheet row 6125
    with time_machine.travel(AFTER_TESTING, tick=False):
        response = api(ministry).post(URL.format(round.pk), {"file": upload(results_csv(rows))}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "score", "rule": "MON-22", "row": 6125, "value": "41",
                                          "message": "The score 41.00 is above the maximum 40.00."}]
    assert stored(round) == 0
    with scopes_disabled():
        assert ResultImport.objects.count() == 0 and ResultSummary.objects.count() == 0
        assert Round.objects.get(pk=round.pk).status == "testing"
    # The same file mended goes in whole.
    rows[6123] = (rows[6123][0], rows[6123][1], "4", "40", "40")
    with time_machine.travel(AFTER_TESTING, tick=False):
        response = api(ministry).post(URL.format(round.pk), {"file": upload(results_csv(rows))}, format="multipart")
    assert response.status_code == 201 and response.json()["rows"] == 10000
    assert stored(round) == 10000


def _refusals(tested, ministry):
    """Participants in the states a results row must not name: excused, removed by an act, released."""
    round, college, participants = tested
    with scopes_disabled():
        Participant.objects.filter(pk=participants[0].pk).update(status="excused")
        Participant.objects.filter(pk=participants[1].pk).update(status="removed")
        Participant.objects.filter(pk=participants[2].pk).update(status="outsider")
        Participant.objects.filter(pk=participants[3].pk).update(status="released")
    return [p.code for p in participants]


@pytest.mark.parametrize(("row", "column", "rule", "words"), [
    (("26999999993", "Математика", "1", "10", "40"), "code", "MON-22", "No participant"),  # valid, not issued
    (("12345", "Математика", "1", "10", "40"), "code", "MON-22", "is not a personal code"),
    (("{0}", "Математика", "1", "10", "40"), "code", "MON-08", "excused"),
    (("{1}", "Математика", "1", "10", "40"), "code", "MON-16", "annulled"),
    (("{2}", "Математика", "1", "10", "40"), "code", "MON-17", "annulled"),
    (("{3}", "Математика", "1", "10", "40"), "code", "MON-11", "cancelled"),
    (("{5}", "", "1", "10", "40"), "subject", "MON-22", "required"),
    (("{5}", "Математика", "", "10", "40"), "variant", "MON-22", "required"),
    (("{5}", "Математика", "1", "ten", "40"), "score", "MON-22", "number"),
    (("{5}", "Математика", "1", "10.125", "40"), "score", "MON-22", "2 decimals"),
    (("{5}", "Математика", "1", "-1", "40"), "score", "MON-22", "from 0"),
    (("{5}", "Математика", "1", "40.5", "40"), "score", "MON-22", "above the maximum"),
    (("{5}", "Математика", "1", "10", "0"), "maximum", "MON-22", "above 0"),
    (("{4}", "Математика", "1", "10", "40"), "subject", "MON-22", "already in row 2"),  # duplicate of row 2
])
def test_every_error_is_named_by_row_column_and_rule(api, ministry, tested, row, column, rule, words):
    round = tested[0]
    codes = _refusals(tested, ministry)
    first = (codes[4], "Математика", "1", "30", "40")
    bad = tuple(value.format(*codes) for value in row)
    with time_machine.travel(AFTER_TESTING, tick=False):
        response = api(ministry).post(URL.format(round.pk), {"file": upload(results_csv([first, bad]))},
                                      format="multipart")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert [(e["row"], e["field"], e["rule"]) for e in errors] == [(3, column, rule)], errors
    assert words in errors[0]["message"]
    assert stored(round) == 0


def test_a_result_imported_before_is_a_duplicate(api, ministry, tested):
    round, _college, participants = tested
    row = (participants[0].code, "Математика", "1", "30", "40")
    with time_machine.travel(AFTER_TESTING, tick=False):
        assert api(ministry).post(URL.format(round.pk), {"file": upload(results_csv([row]))},
                                  format="multipart").status_code == 201
        again = api(ministry).post(URL.format(round.pk), {"file": upload(results_csv([row]))}, format="multipart")
    assert again.status_code == 400 and again.json()["errors"][0]["message"].endswith("was imported before.")
    assert stored(round) == 1


@pytest.mark.parametrize(("content", "name", "status"), [
    (b"", "empty.csv", 400),
    (b"Personal code;Subject or module;Variant;Score\n1;2;3;4\n", "no-maximum.csv", 400),
    (b"Personal code;Subject or module;Variant;Score;Maximum\n", "header.csv", 400),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", 415),
    (b"%PDF-1.4 not a spreadsheet", "r.pdf", 415),
    ("Personal code;Subject or module;Variant;Score;Maximum\nқате;x;1;2;3\n".encode("cp1251", "replace"),
     "cp1251.csv", 415),
])
def test_a_file_that_cannot_be_read_is_refused_whole(api, ministry, tested, content, name, status):
    round = tested[0]
    with time_machine.travel(AFTER_TESTING, tick=False):
        response = api(ministry).post(URL.format(round.pk), {"file": upload(content, name)}, format="multipart")
    assert response.status_code == status, response.json()
    assert response.json()["errors"][0]["field"] == "file"
    assert stored(round) == 0


def test_a_file_larger_than_the_limit_is_refused(api, ministry, tested, settings):
    settings.MONITORING_RESULTS_MAX_BYTES = 100
    round, _college, participants = tested
    rows = [(p.code, "Математика", "1", "30", "40") for p in participants]
    with time_machine.travel(AFTER_TESTING, tick=False):
        response = api(ministry).post(URL.format(round.pk), {"file": upload(results_csv(rows))}, format="multipart")
    assert response.status_code == 413


def test_xlsx_and_utf16_csv_with_decimal_commas_are_read(api, ministry, tested):
    round, _college, participants = tested
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["СЖК", "Пән", "Нұсқа", "Балл", "Ең жоғары балл"])  # the headers in Kazakh
    for p in participants[:10]:
        sheet.append([p.code, "Физика", 3, 12.5, 20])
    buffer = io.BytesIO()
    workbook.save(buffer)
    utf16 = "\n".join(["Личный код\tПредмет\tВариант\tБалл\tМаксимум"]
                      + [f"{p.code}\tХимия\t2\t17,25\t20" for p in participants[10:20]]).encode("utf-16")
    with time_machine.travel(AFTER_TESTING, tick=False):
        xlsx = api(ministry).post(URL.format(round.pk), {"file": upload(buffer.getvalue(), "r.xlsx")},
                                  format="multipart")
        assert xlsx.status_code == 201, xlsx.json()
        text = api(ministry).post(URL.format(round.pk), {"file": upload(utf16, "r.txt")}, format="multipart")
        assert text.status_code == 201, text.json()
    with scopes_disabled():
        assert Result.objects.get(participant=participants[12]).score == Decimal("17.25")
        assert Result.objects.get(participant=participants[2]).score == Decimal("12.50")


@pytest.mark.parametrize("status", ["draft", "notified", "cancelled"])
def test_mon22_results_are_imported_only_once_the_testing_started(api, ministry, tested, status):
    round, _college, participants = tested
    Round.objects.filter(pk=round.pk).update(status=status)
    with time_machine.travel(AFTER_TESTING, tick=False):
        response = api(ministry).post(URL.format(round.pk), {
            "file": upload(results_csv([(participants[0].code, "Физика", "1", "1", "2")]))}, format="multipart")
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "MON-22"


def test_only_the_ministry_imports(api, ministry, tested):
    round, college, participants = tested
    admin = college.memberships.model.objects.with_scopes_disabled().get(college=college).user
    content = results_csv([(participants[0].code, "Физика", "1", "1", "2")])
    assert api(admin).post(URL.format(round.pk), {"file": upload(content)}, format="multipart").status_code == 403
    assert api(representative()).post(URL.format(round.pk), {"file": upload(content)},
                                      format="multipart").status_code == 404  # not one of their rounds


def test_the_summaries_hold_counts_sums_squares_and_the_distribution(ministry, tested):
    round, college, participants = tested
    scores = {p.code: score for p, score in zip(participants, [0, 3.99, 4, 20, 39.99, 40] * 10, strict=False)}
    with time_machine.travel(AFTER_TESTING, tick=False):
        report = services.results_import(round=round, by=ministry, upload=upload(results_csv(
            [(code, "Математика", "1", score, 40) for code, score in scores.items()])))
    assert report.ok
    cohort_of = {p.code: p.cohort for p in participants}
    with scopes_disabled():
        for summary in ResultSummary.objects.filter(round=round, college=college):
            mine = [Decimal(str(s)) for c, s in scores.items() if cohort_of[c] == summary.cohort]
            assert summary.count == len(mine) and summary.annulled == 0
            assert summary.score_sum == sum(mine) and summary.score_sq_sum == sum(s * s for s in mine)
            assert summary.maximum_sum == 40 * len(mine)
            assert summary.percent_sum == pytest.approx(float(sum(mine)) * 100 / 40)
            assert summary.percent_sq_sum == pytest.approx(sum((float(s) * 100 / 40) ** 2 for s in mine))
            expected = [0] * 10
            for s in mine:
                expected[min(int(s * 10 // 40), 9)] += 1
            assert summary.distribution == expected


def test_an_act_after_the_import_annuls_the_result_and_the_summary_leaves_it_out(ministry, tested):
    round, college, participants = tested
    target = next(p for p in participants if p.cohort == "general")
    rep = representative()
    act_services.representative_assign(round=round, by=ministry, user=rep, round_college=round_college(round, college))
    with time_machine.travel(local(TESTING_ON, 10, 0), tick=False):
        report = services.results_import(round=round, by=ministry, upload=upload(results_csv(
            [(p.code, "Математика", "1", "20", "40") for p in participants])))
    assert report.ok
    round.refresh_from_db()
    assert round.status == "results"  # the first import moved it on; an act of the day still comes in
    with time_machine.travel(local(TESTING_ON, 12, 0), tick=False):
        act_services.act_record(round=round, by=rep, data=act_services.ActInput(
            kind="outsider", participant=target, occurred_at=local(TESTING_ON, 11, 0), stage="testing", room="1",
            outsider_name="Бөгде Тұлға", testee_signed_name="Бөгде Тұлға", representative_signed_name=rep.full_name,
            testee_signature=signature_png(), representative_signature=signature_png()))
    with scopes_disabled():
        result = Result.objects.get(participant=target)
        assert result.annulled and result.annulled_by.participant_id == target.pk  # kept, marked
        summary = ResultSummary.objects.get(round=round, college=college, cohort="general")
        assert summary.count == 19 and summary.annulled == 1 and summary.score_sum == 20 * 19


def act_of_the_day(participant, **changes) -> dict:
    body = {"kind": "forbidden_items", "participant": participant.pk, "occurred_at": "2026-11-16T10:40:00+05:00",
            "room": "1", "seat": 3, "variant": "5", "items": [{"item": "Ұялы телефон", "make": "Redmi", "count": 1}],
            "testee_signed_name": participant.full_name, "representative_signed_name": "Өкіл Өкілұлы",
            "testee_signature": signature_png(), "representative_signature": signature_png()}
    return {**body, **changes}


def test_an_act_of_the_testing_day_reaching_the_portal_after_the_import_annuls_the_stored_result(api, ministry,
                                                                                                tested):
    """Issue 19 item 5 through the API, no status set by hand: the results are imported (the round moves to
    «results»); the representative's act dated on the testing day comes in two days later and annuls the result
    already stored, which is kept, marked and left out of the summaries, the national sums and every analytics view;
    a file naming the participant again is refused. The day after the results were due to the colleges (MON-23,
    19.11.2026) no act is taken, nor once the round is analysed."""
    round, college, participants = tested
    target, late = participants[0], participants[1]
    rep = representative()
    assert api(ministry).post(f"/api/v1/monitoring/rounds/{round.pk}/representatives/",
                              {"user": rep.username, "college": college.slug}, format="json").status_code == 201
    rows = [(p.code, "Математика", "1", "30", "40") for p in participants]
    with time_machine.travel(AFTER_TESTING, tick=False):  # 18.11.2026
        imported = api(ministry).post(URL.format(round.pk), {"file": upload(results_csv(rows))}, format="multipart")
        assert imported.status_code == 201, imported.json()
        assert api(ministry).get(f"/api/v1/monitoring/rounds/{round.pk}/").json()["status"] == "results"
        before = api(ministry).get(URL.format(round.pk), {"group_by": "college"}).json()
    assert before["total"]["count"] == 40 and before["national"]["count"] == 40

    acts = f"/api/v1/monitoring/rounds/{round.pk}/acts/"
    with time_machine.travel(local(date(2026, 11, 19), 16, 0), tick=False):  # the day the results are due
        recorded = api(rep).post(acts, act_of_the_day(target), format="json")
        assert recorded.status_code == 201, recorded.json()
        after = api(ministry).get(URL.format(round.pk), {"group_by": "college"}).json()
        listed = api(ministry).get(URL.format(round.pk), {"college": college.slug, "page_size": 100}).json()
    assert after["total"]["count"] == 39 and after["national"]["count"] == 39
    mine = next(r for r in listed["results"] if r["code"] == target.code)
    assert mine["annulled"] is True and mine["annulled_by"] == recorded.json()["id"]
    with scopes_disabled():
        result = Result.objects.get(participant=target)
        assert result.annulled and result.annulled_by_id == recorded.json()["id"]  # kept, marked
        summary = ResultSummary.objects.get(round=round, college=college, cohort=target.cohort)
        assert summary.annulled == 1 and summary.count == 19 and summary.score_sum == 30 * 19
        national = Round.objects.get(pk=round.pk).national
        assert sum(row[2] for row in national) == 39 and sum(row[3] for row in national) == 1
        assert Participant.objects.get(pk=target.pk).status == "removed"
    # A file naming the annulled participant again is refused whole (MON-16).
    with time_machine.travel(local(date(2026, 11, 19), 17, 0), tick=False):
        again = api(ministry).post(URL.format(round.pk), {"file": upload(results_csv(
            [(target.code, "Физика", "1", "10", "40")]))}, format="multipart")
    assert again.status_code == 400 and again.json()["errors"][0]["rule"] == "MON-16"

    # The day after the results were due, an act of the testing day is refused with its rule and the date.
    with time_machine.travel(local(date(2026, 11, 20), 9, 0), tick=False):
        refused = api(rep).post(acts, act_of_the_day(late, seat=4), format="json")
    assert refused.status_code == 422, refused.json()
    error = refused.json()["errors"][0]
    assert (error["rule"], error["field"]) == ("MON-16", "occurred_at") and "19.11.2026" in error["message"]
    # Once analysed, none either (on the last day of the window too).
    with time_machine.travel(local(date(2026, 11, 19), 18, 0), tick=False):
        analysed = api(ministry).post(f"/api/v1/monitoring/rounds/{round.pk}/transition/", {"status": "analysed"},
                                      format="json")
        assert analysed.status_code == 200, analysed.json()
        refused = api(rep).post(acts, act_of_the_day(late, seat=4), format="json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "status"
    with scopes_disabled():
        assert Participant.objects.get(pk=late.pk).status == "participant"
        assert not Result.objects.get(participant=late).annulled


def test_results_never_become_grades_and_the_colleges_are_told(ministry, tested, django_capture_on_commit_callbacks):
    round, college, participants = tested
    with scopes_disabled():
        before = TranscriptEntry.objects.count()
    with time_machine.travel(AFTER_TESTING, tick=False), django_capture_on_commit_callbacks(execute=True):
        report = services.results_import(round=round, by=ministry, upload=upload(results_csv(
            [(p.code, "Математика", "1", "20", "40") for p in participants])))
    assert report.ok
    with scopes_disabled():
        assert TranscriptEntry.objects.count() == before  # MON-23: no legal consequences, never a grade
        notice = Notification.objects.get(college=college, subject__contains="нәтижелеріңіз")  # the college's kk
    assert notice.url == f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/"
    assert any("нәтижелеріңіз" in message.subject for message in mail.outbox)
