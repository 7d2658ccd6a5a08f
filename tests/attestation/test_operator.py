"""The operator creates colleges and their first administrators, through the API and the Django admin."""

import pytest
from django_scopes import scopes_disabled

from attestation.models import College, Membership, User

NEW_COLLEGE = {"slug": "turkistan-agro", "name_kk": "Түркістан аграрлық колледжі",
               "name_ru": "Туркестанский аграрный колледж", "name_en": "Turkistan Agrarian College",
               "region": "turkistan", "territory": "rural", "kind": "college", "language": "kk",
               "timezone": "Asia/Almaty", "is_correctional": False}


@pytest.mark.django_db
def test_operator_creates_a_college_with_its_first_administrator_over_the_api(api, operator):
    body = {**NEW_COLLEGE, "admin": {"username": "turkistan-admin", "email": "admin@agro.kz",
                                     "full_name": "Байжанов Серік", "password": "Agro-College-2026!"}}
    response = api(operator).post("/api/v1/colleges/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "turkistan-agro" and "admin" not in response.json()
    with scopes_disabled():
        membership = Membership.objects.get(college__slug="turkistan-agro")
    assert (membership.user.username, membership.role) == ("turkistan-admin", "admin")
    token = api().post("/api/v1/auth/token/", {"username": "turkistan-admin", "password": "Agro-College-2026!"})
    assert token.status_code == 200


@pytest.mark.django_db
def test_only_the_operator_creates_colleges(api, cast_a):
    response = api(cast_a.admin).post("/api/v1/colleges/", NEW_COLLEGE, format="json")
    assert response.status_code == 403
    assert not College.objects.filter(slug="turkistan-agro").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), [("region", "atlantis"), ("timezone", "Mars/Olympus"),
                                              ("language", "de"), ("slug", "no spaces")])
def test_bad_college_fields_are_field_errors(api, operator, field, value):
    response = api(operator).post("/api/v1/colleges/", {**NEW_COLLEGE, field: value}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.django_db
def test_operator_adds_an_administrator_through_the_members_endpoint(api, operator, cast_a):
    response = api(operator).post(f"/api/v1/colleges/{cast_a.college.slug}/members/", {
        "username": "second-admin", "password": "Kokshetau-Steppe-77", "role": "admin"})
    assert response.status_code == 201
    # The operator manages members but is not a college member: the registry is not theirs.
    assert api(operator).get(f"/api/v1/colleges/{cast_a.college.slug}/students/").status_code == 403


@pytest.mark.django_db
def test_operator_creates_a_college_in_the_django_admin(page, operator):
    client = page(operator)
    assert client.get("/admin/attestation/college/add/").status_code == 200
    response = client.post("/admin/attestation/college/add/", {
        **NEW_COLLEGE, "is_correctional": "", "admin_username": "agro-admin", "admin_full_name": "Ахметова Дана",
        "admin_email": "dana@agro.kz", "admin_password": "Agro-College-2026!"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="agro-admin")
    with scopes_disabled():
        assert Membership.objects.get(user=user).college.slug == "turkistan-agro"


@pytest.mark.django_db
def test_the_django_admin_is_closed_to_college_administrators(page, cast_a):
    response = page(cast_a.admin).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_changes_in_the_django_admin_are_audited(page, operator, cast_a):
    from attestation.models import AuditEntry

    client = page(operator)
    url = f"/admin/attestation/college/{cast_a.college.pk}/change/"
    form = {**NEW_COLLEGE, "slug": cast_a.college.slug, "name_kk": "Жаңа атауы", "is_correctional": "",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        entry = AuditEntry.objects.get(action="college.updated")
    assert entry.actor == operator and "name_kk" in entry.data
