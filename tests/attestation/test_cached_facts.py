"""Every page reads the college, the membership, the user's colleges and the unread notices from
the cache (a query and three round trips less per page; the signed-in user comes from the database). A change made
anywhere must show on the very next request: these tests warm the cache with a first request, change the fact,
and ask again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from attestation import services
from attestation.models import Membership, Role

from ..factories import PASSWORD


def _dashboard(cast) -> str:
    return f"/colleges/{cast.college.slug}/"


@pytest.mark.django_db
def test_a_warm_page_reads_neither_the_college_nor_the_membership_from_the_database(page, cast_a):
    client = page(cast_a.admin)
    assert client.get(_dashboard(cast_a)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_dashboard(cast_a)).status_code == 200
    sql = " ".join(q["sql"] for q in queries)
    assert '"attestation_membership"' not in sql
    assert 'FROM "attestation_college"' not in sql


def _user_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "attestation_user"."id"')]


@pytest.mark.django_db
def test_the_signed_in_user_is_read_from_the_database_on_every_page(page, cast_a):
    # A cached copy would keep a deactivated user or an old password hash alive (issue 17, item 3).
    client = page(cast_a.admin)
    client.get(_dashboard(cast_a))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_dashboard(cast_a)).status_code == 200
    assert len(_user_reads(queries)) == 1


@pytest.mark.django_db
def test_a_password_changed_elsewhere_signs_the_other_session_out(page, cast_a):
    client = page()
    assert client.login(username=cast_a.admin.username, password=PASSWORD)
    assert client.get(_dashboard(cast_a)).status_code == 200  # the user is now cached
    with scopes_disabled():
        admin = type(cast_a.admin).objects.get(pk=cast_a.admin.pk)
        admin.set_password("a-new-password-42")
        admin.save()
    response = client.get(_dashboard(cast_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_deactivated_account_is_signed_out_on_its_next_request(page, cast_a):
    client = page(cast_a.staff)
    assert client.get(_dashboard(cast_a)).status_code == 200
    with scopes_disabled():
        staff = type(cast_a.staff).objects.get(pk=cast_a.staff.pk)
        staff.is_active = False
        staff.save()
    response = client.get(_dashboard(cast_a))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_removed_membership_closes_the_college_at_once(page, cast_a):
    client = page(cast_a.staff)
    assert client.get(f"/colleges/{cast_a.college.slug}/students/").status_code == 200
    with scopes_disabled():
        Membership.objects.get(college=cast_a.college, user=cast_a.staff).delete()
    assert client.get(f"/colleges/{cast_a.college.slug}/students/").status_code == 404


@pytest.mark.django_db
def test_a_changed_role_takes_effect_at_once(page, cast_a):
    client = page(cast_a.staff)
    assert client.get(f"/colleges/{cast_a.college.slug}/students/").status_code == 200
    with scopes_disabled():
        membership = Membership.objects.get(college=cast_a.college, user=cast_a.staff)
        membership.role = Role.STUDENT
        membership.save()
    assert client.get(f"/colleges/{cast_a.college.slug}/students/").status_code == 403


@pytest.mark.django_db
def test_a_new_name_and_a_new_notice_show_on_the_next_page(page, cast_a, django_capture_on_commit_callbacks):
    client = page(cast_a.admin)
    html = client.get(_dashboard(cast_a)).content.decode()
    assert 'id="unread-count"' not in html
    with scopes_disabled():
        admin = type(cast_a.admin).objects.get(pk=cast_a.admin.pk)
        admin.full_name = "Жансая Төлегенова"
        admin.save()
    with scope(college=cast_a.college.pk), django_capture_on_commit_callbacks(execute=True):
        services.notify(college=cast_a.college, users=[admin], subject="Хабарлама", email=False)
    html = client.get(_dashboard(cast_a)).content.decode()
    assert "Жансая" in html
    assert 'id="unread-count">1<' in html


def _override_reads(queries) -> int:
    return sum('FROM "attestation_calendaroverride"' in q["sql"] for q in queries)


@pytest.mark.django_db
@pytest.mark.redis
def test_with_redis_calendar_overrides_are_read_once_and_a_change_shows_at_once(operator):
    from datetime import date

    from attestation.calendar import working_calendar

    saturday = date(2026, 3, 28)
    assert not working_calendar().is_working_day(saturday)
    with CaptureQueriesContext(connection) as queries:
        assert not working_calendar().is_working_day(saturday)
    assert _override_reads(queries) == 0  # from the cache
    override = services.calendar_override_set(by=operator, day=saturday, is_working_day=True, note="Ауыстыру")
    assert working_calendar().is_working_day(saturday)
    override.delete()  # as the operator's admin does
    assert not working_calendar().is_working_day(saturday)


@pytest.mark.django_db
def test_without_a_shared_cache_calendar_overrides_are_read_each_time(settings):
    from attestation.calendar import working_calendar

    settings.REDIS_URL = ""  # another process would never hear of a change kept in this one's memory
    working_calendar()
    with CaptureQueriesContext(connection) as queries:
        working_calendar()
    assert _override_reads(queries) == 1
