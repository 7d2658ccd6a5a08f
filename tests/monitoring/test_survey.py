"""The anonymous satisfaction survey (MON-21): invitations issued as lists of links (XLSX and printable), one answer
per invitation (a second is refused with the rule, and of many at once exactly one wins), answers kept only as
counts that nothing ties to an invitation (the schema and the audit log are inspected), and results shown only for
groups of at least five answers."""

import io
import threading
from datetime import date

import pytest
import time_machine
from django.db import connection
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from attestation.models import AuditEntry
from monitoring import rules, selectors, survey
from monitoring.models import SurveyInvitation, SurveyTally
from monitoring.services import survey as services

from .builders import AFTER_TESTING, TESTING_ON, college_with_students, round_college, selected_round

pytestmark = pytest.mark.django_db
ANSWERS = {"s1": 5, "s2": 4, "s3": 3, "s4": 4, "s5": 5}


@pytest.fixture
def issued(ministry):
    college = college_with_students("surveyed", second_year=0, third_year=6)
    round = selected_round(ministry, [college], cohorts=("professional",), status="testing")
    rc = round_college(round, college)
    batch = services.invitations_issue(round_college=rc, by=ministry, respondent="student", label="204", size=6)
    with scopes_disabled():
        tokens = list(SurveyInvitation.objects.filter(batch=batch).order_by("pk").values_list("token", flat=True))
    return round, college, rc, batch, tokens


def url(token: str) -> str:
    return f"/api/v1/monitoring/surveys/{token}/"


def test_a_list_of_invitations_reads_back_and_names_nobody(issued, ministry, page):
    round, college, rc, batch, tokens = issued
    assert len(tokens) == len(set(tokens)) == 6 and all(len(t) >= 22 for t in tokens)  # 128 random bits each
    response = page(ministry).get(f"/monitoring/rounds/{round.pk}/survey/{batch.pk}/links/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r[1].rsplit("/", 2)[-2] for r in rows] == tokens
    html = page(ministry).get(f"/monitoring/rounds/{round.pk}/survey/{batch.pk}/links/").content.decode()
    assert html.count("data:image/png;base64,") == 6 and tokens[0] in html
    admin = college.memberships.model.objects.with_scopes_disabled().get(college=college, role="admin").user
    html = page(admin).get(f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/survey/{batch.pk}/links/")
    assert html.status_code == 200
    # The college's administrator issues the teachers' list on their page.
    response = page(admin).post(f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/survey/",
                                {"respondent": "teacher", "label": "Оқытушылар", "size": "12"})
    assert response.status_code == 302
    with scopes_disabled():
        assert SurveyInvitation.objects.filter(batch__round_college=rc, batch__respondent="teacher").count() == 12
        entry = AuditEntry.objects.filter(action="monitoring.survey.issued").latest("id")
    assert entry.data["size"] == 12 and not any(t in str(entry.data) for t in tokens)


def test_one_answer_per_invitation(issued, api, page):
    _round, _college, _rc, _batch, tokens = issued
    form = api(None).get(url(tokens[0])).json()
    assert form["open"] is True and [q["code"] for q in form["questions"]] == list(ANSWERS)
    assert api(None).post(url(tokens[0]), {"answers": ANSWERS}, format="json").status_code == 201
    again = api(None).post(url(tokens[0]), {"answers": ANSWERS}, format="json")
    assert again.status_code == 409
    assert again.json()["errors"] == [{"field": "token", "rule": "MON-21", "message": again.json()["errors"][0][
        "message"]}] and "one answer per invitation" in again.json()["errors"][0]["message"]
    assert api(None).get(url(tokens[0])).json()["answered"] is True
    # The page refuses it too, with the rule.
    html = page(None).post(f"/monitoring/survey/{tokens[0]}/", {k: str(v) for k, v in ANSWERS.items()})
    assert "[MON-21]" in html.content.decode()
    with scopes_disabled():
        answers = SurveyTally.objects.get(question="", option=0).count
    assert answers == 1


def test_an_incomplete_answer_or_an_unknown_link_is_refused(issued, api):
    _round, _college, _rc, _batch, tokens = issued
    response = api(None).post(url(tokens[1]), {"answers": {"s1": 5, "s2": 9}}, format="json")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"s2", "s3", "s4", "s5"}
    assert {e["rule"] for e in response.json()["errors"]} == {"MON-21"}
    assert api(None).get(url("not-a-token")).status_code == 404
    with scopes_disabled():
        assert not SurveyInvitation.objects.get(token=tokens[1]).used  # nothing taken


def test_a_link_names_its_college_and_is_found_only_with_it(issued, ministry, api):
    """The invitation's key includes the college (DESIGN.md "Tenancy"): its token is ``<college id>.<random>``, unique
    with the college, and a link whose college part is changed finds nothing, even where the random part is that of a
    real invitation of the other college."""
    _round, college, _rc, _batch, tokens = issued
    other = college_with_students("surveyed-too", second_year=0, third_year=5)
    round = selected_round(ministry, [other], cohorts=("professional",), status="testing",
                           year=2027, testing_on=TESTING_ON.replace(year=2027))
    batch = services.invitations_issue(round_college=round_college(round, other), by=ministry, respondent="student",
                                       label="101", size=1)
    with scopes_disabled():
        theirs = batch.invitations.get().token
        constraint = {c.name: c.fields for c in SurveyInvitation._meta.constraints}
    assert constraint == {"survey_invitation_token_once": ("college", "token")}
    assert all(t.split(".")[0] == str(college.pk) and len(t.split(".")[1]) == 22 for t in tokens)
    assert theirs.startswith(f"{other.pk}.")
    secret, their_secret = tokens[0].split(".", 1)[1], theirs.split(".", 1)[1]
    for token in (f"{other.pk}.{secret}", secret, f"x{tokens[0]}", f"{college.pk}.", f"٣.{their_secret}"):
        assert api(None).get(url(token)).status_code == 404, token
    assert api(None).get(url(tokens[0])).status_code == 200 and api(None).get(url(theirs)).status_code == 200


def test_the_survey_opens_on_the_testing_day_and_closes_when_the_analysis_is_due(ministry, api):
    college = college_with_students("early", second_year=0, third_year=2)
    round = selected_round(ministry, [college], cohorts=("professional",), status="notified")
    batch = services.invitations_issue(round_college=round_college(round, college), by=ministry,
                                       respondent="teacher", label="T", size=1)
    with scopes_disabled():
        token = batch.invitations.get().token
    answers = {"t1": 3, "t2": 3, "t3": 3, "t4": 3, "t5": 3}
    response = api(None).post(url(token), {"answers": answers}, format="json")
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "MON-21"
    with scopes_disabled():
        round.status = "results"
        round.save()
    with time_machine.travel(date(2027, 2, 17), tick=False):  # the day after the analysis was due (MON-25)
        assert api(None).post(url(token), {"answers": answers}, format="json").status_code == 422
    with time_machine.travel(AFTER_TESTING, tick=False):
        assert api(None).post(url(token), {"answers": answers}, format="json").status_code == 201


def test_nothing_ties_an_answer_to_an_invitation(issued, api):
    """MON-21: the schema has no column that could join an answer to its invitation (no key, no id, no time, no
    address, no user), and answering writes nothing to the audit log."""
    _round, _college, _rc, _batch, tokens = issued
    with connection.cursor() as cursor:
        tally = {c.name: c for c in connection.introspection.get_table_description(cursor, "monitoring_surveytally")}
        invitation = {c.name for c in connection.introspection.get_table_description(cursor,
                                                                                     "monitoring_surveyinvitation")}
        relations = connection.introspection.get_relations(cursor, "monitoring_surveytally")
    assert set(tally) == {"id", "college_id", "round_id", "respondent", "question", "option", "count"}
    assert {target for _column, (_field, target) in relations.items()} == {"attestation_college", "monitoring_round"}
    assert invitation == {"id", "college_id", "batch_id", "token", "used"}  # used: a flag, never a time
    before = AuditEntry.objects.with_scopes_disabled().count()
    assert api(None).post(url(tokens[2]), {"answers": ANSWERS}, format="json").status_code == 201
    assert AuditEntry.objects.with_scopes_disabled().count() == before
    assert not AuditEntry.objects.with_scopes_disabled().filter(data__icontains=tokens[2]).exists()
    with scopes_disabled():
        # Only counts changed: one answer, and one option per question.
        assert sorted(SurveyTally.objects.filter(count__gt=0).values_list("question", "option", "count")) == [
            ("", 0, 1), ("s1", 5, 1), ("s2", 4, 1), ("s3", 3, 1), ("s4", 4, 1), ("s5", 5, 1)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_clients_one_invitation_exactly_one_answer(ministry):
    from rest_framework.test import APIClient

    college = college_with_students("race", second_year=0, third_year=2)
    round = selected_round(ministry, [college], cohorts=("professional",), status="testing")
    batch = services.invitations_issue(round_college=round_college(round, college), by=ministry,
                                       respondent="student", label="1", size=1)
    with scopes_disabled():
        token = batch.invitations.get().token
    barrier = threading.Barrier(8)
    statuses = []

    def answer():
        try:
            barrier.wait()
            statuses.append(APIClient().post(url(token), {"answers": ANSWERS}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 7
    with scopes_disabled():
        assert SurveyTally.objects.get(college=college, question="", option=0).count == 1
        assert SurveyTally.objects.get(college=college, question="s1", option=5).count == 1


@pytest.mark.parametrize("answered, shown", [(4, False), (5, True)])
def test_results_are_shown_only_for_groups_of_five(issued, api, page, ministry, answered, shown):
    round, college, _rc, _batch, tokens = issued
    for token in tokens[:answered]:
        assert api(None).post(url(token), {"answers": ANSWERS}, format="json").status_code == 201
    for viewer in (None, selectors.viewer_for(ministry)):
        section = survey.results(viewer, round).sections[0]
        assert section.total.suppressed is (not shown)
        assert [g.suppressed for g in section.groups] == [not shown]
    assert api(None).get(f"/api/v1/monitoring/public/{round.year}/").status_code == 404  # no results yet
    with scopes_disabled():
        round.status = "results"
        round.save()
    body = api(None).get(f"/api/v1/monitoring/public/{round.year}/").json()
    students = body["survey"][0]["groups"]
    assert all(g["suppressed"] is (not shown) for g in students)
    if shown:
        assert students[-1]["answers"] == 5 and students[-1]["satisfied"]["s1"] == 100.0
    else:
        assert all("answers" not in g and "satisfied" not in g for g in students)
    admin = college.memberships.model.objects.with_scopes_disabled().get(college=college, role="admin").user
    html = page(admin).get(f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/survey/").content.decode()
    assert ("fewer than 5 answers: not shown" in html) is (not shown)
    assert rules.MIN_GROUP == 5
