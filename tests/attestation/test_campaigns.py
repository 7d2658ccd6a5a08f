"""Campaigns (final attestation periods of groups) and portal notifications."""

from datetime import date

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from attestation.models import AuditEntry, Group
from attestation.services import notify


def url(cast, path="campaigns/"):
    return f"/api/v1/colleges/{cast.college.slug}/{path}"


CAMPAIGN = {"academic_year": "2026-2027", "name": "Summer", "starts_on": "2027-05-25", "ends_on": "2027-06-20"}


@pytest.mark.django_db
def test_administrator_creates_and_changes_a_campaign(api, cast_a):
    client = api(cast_a.admin)
    created = client.post(url(cast_a), {**CAMPAIGN, "groups": [cast_a.group.pk]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["groups"] == [cast_a.group.pk]
    changed = client.patch(url(cast_a, f"campaigns/{created.json()['id']}/"), {"ends_on": "2027-06-25"}, format="json")
    assert changed.status_code == 200 and changed.json()["ends_on"] == "2027-06-25"
    with scopes_disabled():
        assert AuditEntry.objects.filter(action__startswith="campaign.").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"academic_year": "2026/27"}, "academic_year"),
    ({"academic_year": "2026-2028"}, "academic_year"),
    ({"starts_on": "2027-09-02", "ends_on": "2027-09-10"}, "starts_on"),
    ({"ends_on": "2027-05-01"}, "ends_on"),
    ({"groups": []}, "groups"),
])
def test_bad_campaigns_are_field_errors(api, cast_a, change, field):
    response = api(cast_a.admin).post(url(cast_a), {**CAMPAIGN, "groups": [cast_a.group.pk], **change}, format="json")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}


@pytest.mark.django_db
def test_a_group_is_in_one_campaign_at_a_time(api, cast_a):
    client = api(cast_a.admin)
    assert client.post(url(cast_a), {**CAMPAIGN, "groups": [cast_a.group.pk]}, format="json").status_code == 201
    overlap = client.post(url(cast_a), {**CAMPAIGN, "starts_on": "2027-06-10", "ends_on": "2027-06-30",
                                        "groups": [cast_a.group.pk]}, format="json")
    assert overlap.status_code == 400 and overlap.json()["errors"][0]["field"] == "groups"
    with scopes_disabled():
        other = Group.objects.create(college=cast_a.college, program=cast_a.program, name="OTHER-1")
    later = client.post(url(cast_a), {**CAMPAIGN, "starts_on": "2027-07-01", "ends_on": "2027-07-10",
                                      "groups": [cast_a.group.pk, other.pk]}, format="json")
    assert later.status_code == 201


@pytest.mark.django_db
def test_campaign_pages(page, cast_a):
    client = page(cast_a.admin)
    response = client.post(f"/colleges/{cast_a.college.slug}/campaigns/new/", {
        **CAMPAIGN, "groups": [str(cast_a.group.pk)]})
    assert response.status_code == 302
    listing = client.get(f"/colleges/{cast_a.college.slug}/campaigns/").content.decode()
    assert cast_a.group.name in listing and "25.05.2027" in listing
    assert page(cast_a.staff).get(f"/colleges/{cast_a.college.slug}/campaigns/new/").status_code == 403


@pytest.mark.django_db
def test_notifications_reach_the_portal_and_e_mail(api, page, cast_a, django_capture_on_commit_callbacks):
    cast_a.student_user.email = "student@college-a.kz"
    cast_a.student_user.save()
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        notify(college=cast_a.college, users=[cast_a.student_user], subject="Кесте жарияланды",
               body="Қорғау 2027-06-01", url=f"/colleges/{cast_a.college.slug}/me/")
    assert [m.subject for m in mail.outbox] == ["Кесте жарияланды"]
    client = page(cast_a.student_user)
    html = client.get(f"/colleges/{cast_a.college.slug}/").content.decode()
    assert 'id="unread-count">1<' in html
    listed = api(cast_a.student_user).get(url(cast_a, "notifications/")).json()["results"]
    assert [n["subject"] for n in listed] == ["Кесте жарияланды"] and listed[0]["read_at"] is None
    read = api(cast_a.student_user).post(url(cast_a, f"notifications/{listed[0]['id']}/read/"))
    assert read.status_code == 200 and read.json()["read_at"]
    assert 'id="unread-count"' not in client.get(f"/colleges/{cast_a.college.slug}/").content.decode()
    assert api(cast_a.admin).get(url(cast_a, "notifications/")).json()["results"] == []  # not theirs


@pytest.mark.parametrize(("day", "year"), [(date(2026, 8, 31), "2025-2026"), (date(2026, 9, 1), "2026-2027"),
                                           (date(2027, 1, 15), "2026-2027")])
def test_the_academic_year_of_a_day_runs_from_1_september_to_31_august(day, year):
    from attestation.models import academic_year_bounds, academic_year_of

    assert academic_year_of(day) == year
    first, last = academic_year_bounds(year)
    assert first <= day <= last
