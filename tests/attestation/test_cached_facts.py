"""Every page reads the signed-in user, the college, the membership, the user's colleges and the unread notices from
the cache (one query and four round trips less per page). A change made anywhere must show on the very next
request: these tests warm the cache with a first request, change the fact, and ask again."""

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
def test_a_warm_page_reads_neither_the_user_nor_the_membership_from_the_database(page, cast_a):
    client = page(cast_a.admin)
    assert client.get(_dashboard(cast_a)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_dashboard(cast_a)).status_code == 200
    tables = " ".join(q["sql"] for q in queries)
    assert "attestation_user" not in tables.split("FROM", 1)[-1].split("WHERE")[0]
    assert '"attestation_membership"' not in tables
    assert '"attestation_college"' not in tables


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
