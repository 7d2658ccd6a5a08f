"""The appeals pages: the student's results with the window and the mobile-first filing form (deadline and due date
in the college's time zone, kk/ru/en), the administrator's queue with the clock, assignment and the commission's
decision on the appeal page, attachments only after a permission check."""

from datetime import date

import pytest
import time_machine
from django_scopes import scope, scopes_disabled

from appeals.models import Appeal, AppealAttachment
from attestation.models import TranscriptEntry

from .builders import FILING_TIME, PDF, appeal_commission, local, result_of, upload

pytestmark = pytest.mark.django_db


def url(cast, path=""):
    return f"/colleges/{cast.college.slug}/appeals/{path}"


def test_the_student_sees_results_with_their_window(page, cast_a):
    open_entry = result_of(cast_a)
    closed = result_of(cast_a, held_on=date(2026, 6, 1), code="FA-DP")
    with time_machine.travel(FILING_TIME, tick=False):
        html = page(cast_a.student_user).get(url(cast_a)).content.decode()
    assert url(cast_a, f"results/{open_entry.pk}/") in html
    assert url(cast_a, f"results/{closed.pk}/") not in html  # the window of 1 June is over: no button
    assert "The appeal period ended on" in html


def test_the_students_page_lists_an_appeal_and_links_its_result_reading_appeals_once(page, cast_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entry = result_of(cast_a)
    client = page(cast_a.student_user)
    with time_machine.travel(FILING_TIME, tick=False):
        client.post(url(cast_a, f"results/{entry.pk}/"), {"reason": "Бағаммен келіспеймін."})
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url(cast_a)).content.decode()
    with scopes_disabled():
        appeal = Appeal.objects.get(transcript_entry=entry)
    assert html.count(url(cast_a, f"{appeal.pk}/")) == 2  # in "My appeals" and on its result ("Appeal filed")
    assert url(cast_a, f"results/{entry.pk}/") not in html  # one open appeal per result: no second form
    assert len(_reads(queries, '"appeals_appeal"')) == 1


@pytest.mark.parametrize(("language", "word"), [("en", "Filing deadline"), ("ru", "<html lang=\"ru\""),
                                                ("kk", "<html lang=\"kk\"")])
def test_the_filing_form_shows_the_deadline_and_the_due_date_in_college_time(page, cast_a, language, word):
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False):
        response = page(cast_a.student_user, language=language).get(url(cast_a, f"results/{entry.pk}/"))
    html = response.content.decode()
    assert response.status_code == 200 and word in html
    assert "16.06.2026 23:59" in html and "Asia/Almaty" in html  # APP-01 / OQ-27
    assert "19.06.2026" in html  # APP-04
    assert 'name="viewport"' in html and 'type="file"' in html and "multiple" in html


def test_the_student_files_through_the_form_and_reads_the_decision(page, cast_a, api):
    entry = result_of(cast_a)
    client = page(cast_a.student_user)
    with time_machine.travel(FILING_TIME, tick=False):
        response = client.post(url(cast_a, f"results/{entry.pk}/"),
                               {"reason": "Бағаммен келіспеймін.", "attachments": [upload("scan.pdf", PDF)]})
    assert response.status_code == 302
    with scopes_disabled():
        appeal = Appeal.objects.get(transcript_entry=entry)
        attachment = AppealAttachment.objects.get(appeal=appeal)
    detail = client.get(response["Location"]).content.decode()
    assert "19.06.2026" in detail and "Бағаммен келіспеймін." in detail
    download = client.get(url(cast_a, f"attachments/{attachment.pk}/"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert page(cast_a.other_student_user).get(url(cast_a, f"attachments/{attachment.pk}/")).status_code == 404
    assert page(cast_a.other_student_user).get(url(cast_a, f"{appeal.pk}/")).status_code == 404
    # Filing again for the same result: refused, the page says why.
    with time_machine.travel(FILING_TIME, tick=False):
        again = client.post(url(cast_a, f"results/{entry.pk}/"), {"reason": "Again"})
    assert again.status_code == 409 and "already open" in again.content.decode()
    with scopes_disabled():
        assert Appeal.objects.filter(transcript_entry=entry).count() == 1


def test_after_the_deadline_the_form_is_gone_and_a_post_is_refused(page, cast_a):
    entry = result_of(cast_a)
    client = page(cast_a.student_user)
    with time_machine.travel(local(date(2026, 6, 17), 9, 0), tick=False):
        html = client.get(url(cast_a, f"results/{entry.pk}/")).content.decode()
        assert 'id="file-appeal"' not in html and "[APP-01]" in html
        response = client.post(url(cast_a, f"results/{entry.pk}/"), {"reason": "Late"})
    assert response.status_code == 422 and "[APP-01]" in response.content.decode()
    with scopes_disabled():
        assert not Appeal.objects.exists()


def test_a_bad_file_on_the_form_is_refused(page, cast_a):
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False):
        response = page(cast_a.student_user).post(url(cast_a, f"results/{entry.pk}/"), {
            "reason": "x", "attachments": [upload("cv.pdf", b"<html><body>hi</body></html>", "application/pdf")]})
    assert response.status_code == 415 and "judged by its content" in response.content.decode()
    with scopes_disabled():
        assert not Appeal.objects.exists()


def test_another_students_result_has_no_form(page, cast_a):
    theirs = result_of(cast_a, cast_a.other_student)
    assert page(cast_a.student_user).get(url(cast_a, f"results/{theirs.pk}/")).status_code == 404
    assert page(cast_a.admin).get(url(cast_a, f"results/{theirs.pk}/")).status_code == 404


def test_the_queue_row_shows_the_appeal_escaped_in_college_time(page, cast_a):
    with scopes_disabled():
        cast_a.student.full_name = "Әбілов <b>Ерлан</b>"
        cast_a.student.save()
    entry = result_of(cast_a, percent=62)
    with time_machine.travel(FILING_TIME, tick=False):
        page(cast_a.student_user).post(url(cast_a, f"results/{entry.pk}/"), {"reason": "Бір"})
    with scopes_disabled():
        appeal = Appeal.objects.get(transcript_entry=entry)
    commission = appeal_commission(cast_a)
    admin = page(cast_a.admin)
    with time_machine.travel(local(date(2026, 6, 17), 9, 0), tick=False):
        admin.post(url(cast_a, f"{appeal.pk}/"), {"action": "assign", "commission": commission.pk})
        queue = admin.get(url(cast_a)).content.decode()
    (row,) = [r for r in queue.split("<tr") if f'<a href="{url(cast_a)}{appeal.pk}/">{appeal.pk}</a>' in r]
    assert "Әбілов &lt;b&gt;Ерлан&lt;/b&gt;" in row and "<b>Ерлан" not in row
    assert cast_a.group.name in row and "FA-EX · 62%" in row
    assert "16.06.2026 10:00" in row and "19.06.2026" in row  # received in Almaty time; APP-04 due date
    assert str(commission) in row and "under review" in row  # assigned: the commission and the status label
    assert "table-danger" not in row and "table-warning" not in row  # due on the 19th: neither overdue nor today


def test_queue_assignment_and_decision_on_the_pages(page, cast_a):
    entry = result_of(cast_a)
    late_entry = result_of(cast_a, cast_a.other_student)
    with time_machine.travel(FILING_TIME, tick=False):
        page(cast_a.student_user).post(url(cast_a, f"results/{entry.pk}/"), {"reason": "Один"})
    with time_machine.travel(local(date(2026, 6, 12), 10, 0), tick=False):
        # Filed on Friday 12 June (held on 11 June): due Wednesday 17 June, overdue on the 19th.
        late_entry.held_on = date(2026, 6, 11)
        with scopes_disabled():
            late_entry.save()
        page(cast_a.other_student_user).post(url(cast_a, f"results/{late_entry.pk}/"), {"reason": "Два"})
    with scopes_disabled():
        appeal = Appeal.objects.get(transcript_entry=entry)
        assert Appeal.objects.count() == 2
    commission = appeal_commission(cast_a)
    admin = page(cast_a.admin)
    with time_machine.travel(local(date(2026, 6, 19), 9, 0), tick=False):
        queue = admin.get(url(cast_a)).content.decode()
        assert "table-danger" in queue and "table-warning" in queue  # overdue and due today
        detail = admin.get(url(cast_a, f"{appeal.pk}/")).content.decode()
        assert 'value="assign"' in detail and str(commission) in detail
        assigned = admin.post(url(cast_a, f"{appeal.pk}/"), {"action": "assign", "commission": commission.pk})
        assert assigned.status_code == 302
        # The administrator is not on the appeal commission: no decision form, a decision POST is forbidden.
        assert 'id="decide-form"' not in admin.get(url(cast_a, f"{appeal.pk}/")).content.decode()
        assert admin.post(url(cast_a, f"{appeal.pk}/"), {"action": "decide", "outcome": "upheld"}).status_code == 403
        chair = page(cast_a.chair)
        review = chair.get(url(cast_a, f"{appeal.pk}/")).content.decode()
        assert 'id="decide-form"' in review and "Один" in review
        refused = chair.post(url(cast_a, f"{appeal.pk}/"), {"action": "decide", "outcome": "grade_changed",
                                                            "new_percent": "90", "justification": ""})
        assert refused.status_code == 422 and "[APP-04]" in refused.content.decode()
        done = chair.post(url(cast_a, f"{appeal.pk}/"), {"action": "decide", "outcome": "grade_changed",
                                                         "new_percent": "90", "justification": "Жауап толық."})
        assert done.status_code == 302
    with scopes_disabled():
        assert TranscriptEntry.objects.get(pk=entry.pk).percent == 90
    mine = page(cast_a.student_user).get(url(cast_a, f"{appeal.pk}/")).content.decode()
    assert 'id="appeal-decision"' in mine and "90%" in mine and "Жауап толық." in mine


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_queue_and_appeal_pages_render_in_every_language(page, cast_a, language):
    entry = result_of(cast_a)
    with time_machine.travel(FILING_TIME, tick=False):
        page(cast_a.student_user).post(url(cast_a, f"results/{entry.pk}/"), {"reason": "Тест"})
    with scopes_disabled():
        appeal = Appeal.objects.get()
    client = page(cast_a.admin, language=language)
    for path in ("", "?status=all", f"{appeal.pk}/"):
        response = client.get(url(cast_a, path))
        assert response.status_code == 200 and f'lang="{language}"' in response.content.decode()
    assert page(cast_a.student_user, language=language).get(url(cast_a)).status_code == 200


def test_the_queue_reads_what_the_appeals_list_reads(page, cast_a, cast_b):
    """appeals_queue reads its rows as values: the same appeals, in the same order, as ``appeals_list`` for each
    status filter; never another college's; nothing for a student."""
    from appeals import selectors
    from attestation.tenancy import CollegeAccess

    for cast in (cast_a, cast_b):
        for student, user in ((cast.student, cast.student_user), (cast.other_student, cast.other_student_user)):
            entry = result_of(cast, student)
            with time_machine.travel(FILING_TIME, tick=False):
                page(user).post(url(cast, f"results/{entry.pk}/"), {"reason": "Келіспеймін"})
    commission = appeal_commission(cast_a)
    with scopes_disabled():
        Appeal.objects.filter(student=cast_a.other_student).update(
            commission=commission, status=Appeal.Status.DECIDED, outcome=Appeal.Outcome.UPHELD,
            decided_at=local(date(2026, 6, 17), 9))
        admin = CollegeAccess(cast_a.college, cast_a.admin, cast_a.admin.memberships.get(college=cast_a.college))
        for status in ("open", "", Appeal.Status.DECIDED):
            rows = selectors.appeals_queue(access=admin, status=status, today=date(2026, 6, 17))
            expected = list(selectors.appeals_list(access=admin, status=status).values_list("pk", flat=True))
            assert [r.pk for r in rows] == expected and expected
        (decided,) = selectors.appeals_queue(access=admin, status=Appeal.Status.DECIDED, today=date(2026, 6, 17))
        assert decided.commission == str(commission)
        (row,) = selectors.appeals_queue(access=admin, status="open", today=date(2026, 6, 17))
        assert (row.student, row.group, row.percent, row.status) == (
            cast_a.student.full_name, cast_a.student.group.name, 62, Appeal.Status.SUBMITTED)
        assert row.received_at.utcoffset() is not None  # in the college's zone, on SQLite too
        student = CollegeAccess(cast_a.college, cast_a.student_user,
                                cast_a.student_user.memberships.get(college=cast_a.college))
        assert selectors.appeals_queue(access=student, status="", today=date(2026, 6, 17)) == []


def _reads(queries, tables: str | tuple[str, ...]) -> list[str]:
    """The statements that read these tables."""
    tables = (tables,) if isinstance(tables, str) else tables
    return [q["sql"] for q in queries.captured_queries if any(name in q["sql"] for name in tables)]


def test_the_filing_page_reads_the_result_in_one_query(page, cast_a, cast_b):
    """student_result reads the student's own result in one query: the entry as the ORM loads it, its discipline,
    the open appeal (a decided one does not count); nobody else's result; the page then reads no field of them
    again."""
    from django.db import connection
    from django.http import Http404
    from django.test.utils import CaptureQueriesContext

    from appeals import selectors
    from attestation.tenancy import CollegeAccess

    entry, theirs = result_of(cast_a), result_of(cast_a, cast_a.other_student)
    with scopes_disabled():
        own = CollegeAccess(cast_a.college, cast_a.student_user,
                            cast_a.student_user.memberships.get(college=cast_a.college))
        orm = TranscriptEntry.objects.select_related("discipline").get(pk=entry.pk)
        with time_machine.travel(FILING_TIME, tick=False), CaptureQueriesContext(connection) as queries:
            row = selectors.student_result(access=own, pk=entry.pk)
        assert len(_reads(queries, "attestation_transcriptentry")) == 1
        for field in TranscriptEntry._meta.concrete_fields:
            assert getattr(row.entry, field.attname) == getattr(orm, field.attname), field.name
        assert isinstance(row.entry.is_final_attestation, bool)
        assert (row.entry.discipline.code, row.entry.discipline.display_name) == (
            orm.discipline.code, orm.discipline.display_name)
        assert row.open_appeal_id is None and row.window.is_open and not row.monitoring
        for other in (theirs.pk, 10**9):  # another student's result, a result that does not exist
            with pytest.raises(Http404):
                selectors.student_result(access=own, pk=other)
    with time_machine.travel(FILING_TIME, tick=False):
        page(cast_a.student_user).post(url(cast_a, f"results/{entry.pk}/"), {"reason": "Келіспеймін"})
        with scopes_disabled():
            appeal = Appeal.objects.get(transcript_entry=entry)
            assert selectors.student_result(access=own, pk=entry.pk).open_appeal_id == appeal.pk
            Appeal.objects.filter(pk=appeal.pk).update(
                commission=appeal_commission(cast_a), status=Appeal.Status.DECIDED, outcome=Appeal.Outcome.UPHELD,
                decided_at=FILING_TIME)
            assert selectors.student_result(access=own, pk=entry.pk).open_appeal_id is None
        with CaptureQueriesContext(connection) as queries:
            html = page(cast_a.student_user).get(url(cast_a, f"results/{entry.pk}/")).content.decode()
    assert orm.discipline.code in html
    # The page's own read only: no field of the entry or its discipline loaded afterwards.
    assert len(_reads(queries, ("attestation_transcriptentry", "attestation_discipline"))) == 1
    with scopes_disabled():
        access = CollegeAccess(cast_b.college, cast_b.student_user,
                               cast_b.student_user.memberships.get(college=cast_b.college))
    with scope(college=cast_b.college), pytest.raises(Http404):  # a student of another college, in its own scope
        selectors.student_result(access=access, pk=entry.pk)


def test_the_students_page_reads_only_their_own_appeals_and_results(page, cast_a, cast_b):
    """student_appeals and student_results read the student's own appeals and results through the account: the same
    rows, in the same order, as appeals_list and the transcript; nothing of another student or college; nothing
    for an administrator."""
    from appeals import selectors
    from attestation.tenancy import CollegeAccess

    entries = [result_of(cast_a), result_of(cast_a, code="FA-DP")]
    theirs = result_of(cast_a, cast_a.other_student)
    with time_machine.travel(FILING_TIME, tick=False):
        for entry in entries:
            page(cast_a.student_user).post(url(cast_a, f"results/{entry.pk}/"), {"reason": "Келіспеймін"})
        page(cast_a.other_student_user).post(url(cast_a, f"results/{theirs.pk}/"), {"reason": "Келіспеймін"})
        with scopes_disabled():
            own = CollegeAccess(cast_a.college, cast_a.student_user,
                                cast_a.student_user.memberships.get(college=cast_a.college))
            appeals = selectors.student_appeals(access=own)
            orm = list(selectors.appeals_list(access=own))
            assert len(appeals) == len(entries) and [a.pk for a in appeals] == [a.pk for a in orm]
            for mine, expected in zip(appeals, orm, strict=True):
                assert (mine.status, mine.outcome, mine.decision_due, mine.received_at, mine.transcript_entry_id) == (
                    expected.status, expected.outcome, expected.decision_due, expected.received_at,
                    expected.transcript_entry_id)
                assert (mine.transcript_entry.discipline.code, mine.transcript_entry.discipline.display_name) == (
                    expected.transcript_entry.discipline.code, expected.transcript_entry.discipline.display_name)
            rows = selectors.student_results(access=own, appeals=appeals)
            expected_entries = list(TranscriptEntry.objects.filter(student=cast_a.student)
                                    .order_by("-held_on", "discipline__code"))
            shown = [r.entry.pk for r in rows]
            assert shown == [e.pk for e in expected_entries if e.pk in shown]
            assert {e.pk for e in entries} <= set(shown)
            assert theirs.pk not in shown and all(r.open_appeal_id for r in rows if r.entry.pk in
                                                  {e.pk for e in entries})
            admin = CollegeAccess(cast_a.college, cast_a.admin, cast_a.admin.memberships.get(college=cast_a.college))
            assert selectors.student_appeals(access=admin) == [] and selectors.student_results(access=admin,
                                                                                                 appeals=[]) == []
            other = CollegeAccess(cast_b.college, cast_b.student_user,
                                  cast_b.student_user.memberships.get(college=cast_b.college))
            assert selectors.student_appeals(access=other) == []
            assert not {r.entry.pk for r in selectors.student_results(access=other, appeals=[])} & set(shown)
