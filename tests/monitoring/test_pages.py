"""The monitoring in the browser's pages: the ministry runs a round with the buttons of its page, the college
administrator excuses and seats, the representative records acts on a phone with signatures drawn on the screen,
the ministry imports results and sees every error by row and column. Documents are read back from their PDFs."""

import io
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from attestation.models import Document
from monitoring.models import Act, Participant, Round, RoundCollege
from monitoring.services import acts as act_services
from monitoring.services import results as result_services
from monitoring.services import rounds as round_services
from tests.pdfs import pdf_text

from .builders import (
    AFTER_TESTING,
    BEFORE_THE_DAY,
    NOTICE_DAY,
    TESTING_ON,
    college_with_students,
    local,
    participants_of,
    representative,
    results_csv,
    round_college,
    selected_round,
)
from .test_api_flow import PDF, signature_png
from .test_draw import colleges_across_regions, frozen_and_seeded

pytestmark = pytest.mark.django_db


def flat(text: str) -> str:
    """The text of a PDF with its line breaks and justified spaces as single spaces."""
    return " ".join(text.split())


def admin_of(college):
    return college.memberships.model.objects.with_scopes_disabled().get(college=college, role="admin").user


def test_the_ministry_runs_a_round_with_the_buttons_of_its_page(page, ministry):
    colleges_across_regions(12)
    client = page(ministry)
    with time_machine.travel(NOTICE_DAY, tick=False):
        created = client.post("/monitoring/rounds/new/", {"year": 2026, "testing_on": "2026-10-28",
                                                          "cohorts": ["general", "professional"]}, follow=True)
        html = created.content.decode()
        assert "[MON-07]" in html  # a warning: not November
        round = Round.objects.get(year=2026)
        client.post(f"/monitoring/rounds/{round.pk}/edit/", {"year": 2026, "testing_on": "2026-11-16",
                                                             "cohorts": ["general", "professional"]})
        early = client.post(f"/monitoring/rounds/{round.pk}/do/seed/", {"seed": "x"}, follow=True).content.decode()
        assert "[MON-10]" in early  # the pool first
        client.post(f"/monitoring/rounds/{round.pk}/do/freeze/")
        client.post(f"/monitoring/rounds/{round.pk}/do/seed/", {"seed": "KZ lottery 2026-10-01: 7 12 19 33"})
        drawn = client.post(f"/monitoring/rounds/{round.pk}/do/draw/", follow=True).content.decode()
        assert "KZ lottery 2026-10-01: 7 12 19 33" in drawn and "drawn within the stratum" in drawn
        everything = client.get(f"/monitoring/rounds/{round.pk}/draw/").content.decode()
        assert "not drawn: after the stratum" in everything
        only = client.get(f"/monitoring/rounds/{round.pk}/draw/?show=selected").content.decode()
        assert only.count("<section") <= everything.count("<section")
        client.post(f"/monitoring/rounds/{round.pk}/do/notify/")
    round.refresh_from_db()
    assert round.status == "notified" and round.notice_on.isoformat() == "2026-10-01"
    with scopes_disabled():
        assert RoundCollege.objects.filter(round=round).count() == 3  # 25% of 12
    with time_machine.travel(local(TESTING_ON, 8), tick=False):
        started = client.post(f"/monitoring/rounds/{round.pk}/do/testing/", follow=True).content.decode()
    assert "The round is in testing." in started
    detail = client.get(f"/monitoring/rounds/{round.pk}/").content.decode()
    assert "19.11.2026" in detail  # results due: 3 working days after 16 November (MON-23)
    assert "sample drawn" in detail and "colleges notified" in detail  # the round's audit log, in words


def test_the_ministry_is_told_when_it_is_too_late_to_notify(page, ministry):
    college_with_students("late")
    client = page(ministry)
    round = selected_round(ministry, [college_with_students("late2")], status="draft")
    with time_machine.travel(local(TESTING_ON, 8).replace(month=10, day=20), tick=False):
        html = client.post(f"/monitoring/rounds/{round.pk}/do/notify/", follow=True).content.decode()
    assert "[MON-09]" in html and "16.10.2026" in html
    round.refresh_from_db()
    assert round.status == "draft"


def test_the_college_administrator_excuses_and_seats_and_gets_the_sheets(page, ministry):
    college = college_with_students("college-page", second_year=3, third_year=4)
    round = selected_round(ministry, [college])
    client = page(admin_of(college))
    base = f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/"
    participants = participants_of(round, college)
    with time_machine.travel(BEFORE_THE_DAY, tick=False):
        listing = client.get(f"/colleges/{college.slug}/monitoring/").content.decode()
        assert base in listing
        html = client.get(base).content.decode()
        assert participants[0].code in html and "16.11.2026" in html
        client.post(f"{base}excuse/", {"participant": participants[0].pk, "reason": "home_study", "note": "",
                                       "file": SimpleUploadedFile("cert.pdf", PDF)})
        refused = client.post(f"{base}excuse/", {"participant": participants[1].pk, "reason": "home_study"},
                              follow=True).content.decode()
        assert "[MON-08]" in refused
        seated = client.post(f"{base}seating/", {"rooms": "204: 4\n305 — 10"}, follow=True).content.decode()
        assert "6 testees are seated." in seated
        too_small = client.post(f"{base}seating/", {"rooms": "204: 2"}, follow=True).content.decode()
        assert "[MON-14]" in too_small
        sheet = client.get(f"{base}seating.xlsx")
        client.post(f"{base}seating.pdf")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    by_code = {row[2]: row for row in rows[2:]}
    assert by_code[participants[1].code][:2] == ("204", 1) and by_code[participants[5].code][:2] == ("305", 1)
    assert by_code[participants[0].code][0] in ("", None)  # the excused one has no seat
    with scopes_disabled():
        seating = Document.objects.get(college=college, kind="monitoring_seating")
        excused = Participant.objects.get(pk=participants[0].pk)
    assert excused.status == "excused" and excused.excusal_reason == "home_study"
    assert client.get(f"{base}participants/{excused.pk}/file/").status_code == 200
    assert seating.payload["total"] == 6 and [r["room"] for r in seating.payload["rooms"]] == ["204", "305"]


def test_the_representative_records_both_acts_on_the_phone_and_their_pdfs_follow_the_annexes(
        page, ministry, django_capture_on_commit_callbacks):
    college = college_with_students("phone", second_year=2, third_year=2)
    round = selected_round(ministry, [college], status="testing")
    rep = representative("phone-rep")
    act_services.representative_assign(round=round, by=ministry, user=rep, round_college=round_college(round, college))
    client = page(rep, language="kk")
    participants = participants_of(round, college)
    with scopes_disabled():
        Participant.objects.filter(pk=participants[0].pk).update(room="204", seat=7)
    home = client.get("/monitoring/").url
    assert home == "/monitoring/representative/"
    assert college.name_kk in client.get(home).content.decode()
    url = f"/monitoring/rounds/{round.pk}/colleges/{college.pk}/acts/new/"
    with time_machine.travel(local(TESTING_ON, 10, 50), tick=False), django_capture_on_commit_callbacks(execute=True):
        form = client.get(f"{url}?kind=forbidden_items&participant={participants[0].pk}").content.decode()
        assert 'data-signature="id_testee_signature"' in form and "js/signature.js" in form
        assert 'value="204"' in form and 'value="7"' in form  # room and seat from the seating sheet
        response = client.post(url, {
            "kind": "forbidden_items", "participant": participants[0].pk, "occurred_on": "2026-11-16",
            "occurred_time": "10:47", "room": "204", "seat": 7, "variant": "15", "item_0": "Ұялы телефон",
            "make_0": "iPhone 13", "count_0": 1, "item_1": "Шпаргалка", "count_1": 3,
            "drawn_up_by": "Сейітқалиев Нұрлан\n", "testee_signed_name": participants[0].full_name,
            "representative_signed_name": rep.full_name, "testee_signature": signature_png(),
            "representative_signature": signature_png()})
        assert response.status_code == 302, response.content.decode()[:3000]
        outsider = client.post(url, {
            "kind": "outsider", "participant": participants[1].pk, "occurred_on": "2026-11-16",
            "occurred_time": "09:05", "stage": "entry", "outsider_name": "Бөгдеұлы Бөгде",
            "testee_signed_name": "Бөгдеұлы Бөгде", "representative_signed_name": rep.full_name,
            "signed_scan": SimpleUploadedFile("act.pdf", PDF)})
        assert outsider.status_code == 302
    with scopes_disabled():
        annex1 = Act.objects.get(participant=participants[0])
        annex2 = Act.objects.get(participant=participants[1])
        assert annex1.occurred_at.astimezone(college.zone).strftime("%H:%M") == "10:47"
        assert annex1.drawn_up_by == [rep.full_name, "Сейітқалиев Нұрлан"]
        pdfs = {(d.subject_id, d.language): d for d in Document.objects.filter(college=college, kind="violation_act")}
    assert {key[1] for key in pdfs} == {"kk", "ru"} and all(d.status == "ready" for d in pdfs.values())
    kk = flat(pdf_text(pdfs[(annex1.pk, "kk")].file.read()))
    ru = flat(pdf_text(pdfs[(annex1.pk, "ru")].file.read()))
    for text in (kk, ru):
        assert participants[0].code in text and "iPhone 13" in text and "10" in text and "47" in text
    assert "Тыйым салынған заттардың тәркіленуі" in kk and "қараша" in kk and "Шпаргалка" in kk
    assert "Акт об изъятии запрещённых предметов" in ru and "ноября" in ru and "Сейітқалиев Нұрлан" in ru
    kk2 = flat(pdf_text(pdfs[(annex2.pk, "kk")].file.read()))
    ru2 = flat(pdf_text(pdfs[(annex2.pk, "ru")].file.read()))
    assert "бөгде тұлғаның анықталуы" in kk2 and "ғимаратына кіргізбеу" in kk2 and "Бөгдеұлы Бөгде" in kk2
    assert "постороннего лица" in ru2 and "не допускать в здание" in ru2
    detail = client.get(f"/monitoring/rounds/{round.pk}/acts/{annex1.pk}/").content.decode()
    assert "iPhone 13" in detail


def test_the_representative_is_offered_the_acts_after_the_import_until_the_results_are_due(page, ministry):
    """The phone page offers the act forms while acts are taken: after the results' import too (the round in
    «results»), until the day the results are due to the colleges (MON-23, 19.11.2026); not the day after."""
    college = college_with_students("late-act", second_year=1, third_year=2)
    round = selected_round(ministry, [college], status="testing")
    rep = representative("late-rep")
    act_services.representative_assign(round=round, by=ministry, user=rep, round_college=round_college(round, college))
    rows = [(p.code, "Математика", "1", "30", "40") for p in participants_of(round, college)]
    with time_machine.travel(AFTER_TESTING, tick=False):
        assert result_services.results_import(round=round, by=ministry,
                                              upload=SimpleUploadedFile("r.csv", results_csv(rows))).ok
    client = page(rep, language="ru")
    form = f"/monitoring/rounds/{round.pk}/colleges/{college.pk}/acts/new/"
    with time_machine.travel(local(date(2026, 11, 19), 15), tick=False):
        home = client.get("/monitoring/representative/").content.decode()
        assert form in home and college.name_ru in home
        assert 'type="submit">' in client.get(f"{form}?kind=outsider").content.decode()
    with time_machine.travel(local(date(2026, 11, 20), 9), tick=False):
        home = client.get("/monitoring/representative/").content.decode()
        assert form not in home and college.name_ru in home
        closed = client.get(f"{form}?kind=outsider").content.decode()
        assert 'type="submit" disabled' in closed and "19.11.2026" in closed


def test_an_act_form_with_mistakes_keeps_what_was_typed_and_names_the_rules(page, ministry):
    college = college_with_students("phone2", second_year=1, third_year=1)
    round = selected_round(ministry, [college], status="testing")
    rep = representative("phone-rep2")
    act_services.representative_assign(round=round, by=ministry, user=rep, round_college=round_college(round, college))
    participant = participants_of(round, college)[0]
    with time_machine.travel(local(TESTING_ON, 11), tick=False):
        html = page(rep).post(f"/monitoring/rounds/{round.pk}/colleges/{college.pk}/acts/new/", {
            "kind": "forbidden_items", "participant": participant.pk, "occurred_on": "2026-11-16",
            "occurred_time": "10:30", "room": "101", "variant": "", "testee_signed_name": "Тест",
            "representative_signed_name": "Өкіл"}).content.decode()
    assert "[MON-16]" in html and "Give the test variant number." in html and "Both signatures are required" in html
    assert 'value="101"' in html
    with scopes_disabled():
        assert not Act.objects.exists()


def test_the_ministry_imports_results_and_sees_each_error_by_row_and_column(page, ministry):
    college = college_with_students("import-page", second_year=2, third_year=2)
    round = selected_round(ministry, [college], status="testing")
    codes = [p.code for p in participants_of(round, college)]
    client = page(ministry)
    bad = results_csv([(codes[0], "Математика", "1", "30", "40"), (codes[1], "Математика", "1", "45", "40"),
                       ("26999999993", "Математика", "1", "10", "40")])
    with time_machine.travel(AFTER_TESTING, tick=False):
        html = client.post(f"/monitoring/rounds/{round.pk}/results/",
                           {"file": SimpleUploadedFile("r.csv", bad)}).content.decode()
        assert "2 errors: nothing was imported" in html
        assert "<td class=\"num\">3</td><td>score</td>" in html and "<td class=\"num\">4</td><td>code</td>" in html
        good = results_csv([(code, "Математика", "1", "30", "40") for code in codes])
        done = client.post(f"/monitoring/rounds/{round.pk}/results/",
                           {"file": SimpleUploadedFile("r.csv", good)}, follow=True).content.decode()
    assert "4 results of 1 college(s) are imported." in done
    listing = page(admin_of(college)).get(f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/").content.decode()
    assert codes[0] in listing and "30" in listing and "never enter a transcript" in listing
    template = client.get(f"/monitoring/rounds/{round.pk}/results/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_the_emergency_page_cancels_a_territory(page, ministry):
    north = college_with_students("north", region="north_kazakhstan")
    south = college_with_students("south", region="turkistan")
    round = selected_round(ministry, [north, south])
    html = page(ministry).post(f"/monitoring/rounds/{round.pk}/emergency/", {
        "region": "north_kazakhstan", "basis": "regional_proposal",
        "reason": "Боран, облыстық білім басқармасының ұсынысы"}, follow=True).content.decode()
    assert "The testing is cancelled in 1 college(s)" in html
    assert {p.status for p in participants_of(round, north)} == {"released"}
    assert {p.status for p in participants_of(round, south)} == {"participant"}


def test_every_audit_action_of_the_monitoring_has_words_for_people():
    """The round page's audit log shows what happened in words, never a code such as «monitoring.survey.issued»:
    every action the monitoring writes (audit_log, audit_entry or the rounds' _audit, with a literal action) has its
    label."""
    import re
    from pathlib import Path

    from monitoring.views.rounds import audit_labels

    written = set()
    for path in (Path(__file__).resolve().parents[2] / "monitoring").rglob("*.py"):
        written |= set(re.findall(r'(?:action=|_audit\()"(monitoring\.[a-z_.]+)"', path.read_text("utf-8")))
    assert len(written) > 25
    assert written - set(audit_labels()) == set()


def test_strata_are_shown_in_words_beside_their_keys(page, ministry):
    """The college, pool and draw pages name a stratum in the reader's language (its key, the draw's verification
    material, beside it in small print), never only as «astana/city/college/kk/small»."""
    for n in range(4):  # one stratum of four colleges: one is drawn
        college_with_students(f"strata-words-{n}", second_year=2, third_year=2, admin=False)
    round = frozen_and_seeded(ministry)
    with time_machine.travel(NOTICE_DAY, tick=False):
        round_services.round_draw(round=round, by=ministry)
        round_services.round_notify(round=round, by=ministry)
    with scopes_disabled():
        college = RoundCollege.objects.get(round=round).college_id
    client = page(ministry, language="ru")
    for url in (f"/monitoring/rounds/{round.pk}/colleges/{college}/", f"/monitoring/rounds/{round.pk}/pool/",
                f"/monitoring/rounds/{round.pk}/draw/"):
        html = client.get(url).content.decode()
        assert "город Астана · город · колледж · Казахский · малый (до 500 обучающихся)" in html, url
        assert "astana/city/college/kk/small" in html
