"""The operator creates the authorities' accounts (API.md ``/api/v1/authorities/``, and the Django admin): the
ministry, a regional department (with its region) and the ministry's authorized representatives (MON-13)."""

import pytest
from django_scopes import scopes_disabled

from attestation.models import AuditEntry, User

from .builders import representative

pytestmark = pytest.mark.django_db
URL = "/api/v1/authorities/"
STRONG = "Kelisim-Parol-2026!"


@pytest.mark.parametrize(("body", "authority", "region"), [
    ({"authority": "ministry"}, "ministry", ""),
    ({"authority": "region", "region": "turkistan"}, "region", "turkistan"),
    ({"authority": "representative"}, "representative", ""),
])
def test_the_operator_creates_each_kind_of_authority(api, operator, body, authority, region):
    response = api(operator).post(URL, {"username": f"new-{authority}", "password": STRONG,
                                        "email": f"{authority}@edu.gov.kz", "full_name": "Жаңа Қызметкер", **body},
                                  format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["authority"] == authority and response.json()["region"] == region
    assert "password" not in response.json()
    user = User.objects.get(username=f"new-{authority}")
    assert user.authority == authority and user.authority_region == region and user.check_password(STRONG)
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="authority.created", object_id=str(user.pk)).exists()
    listed = api(operator).get(URL).json()["results"]
    assert f"new-{authority}" in {row["username"] for row in listed}


@pytest.mark.parametrize(("body", "field"), [
    ({"authority": "region"}, "region"),  # a regional department needs its region
    ({"authority": "ministry", "region": "abai"}, "region"),
    ({"authority": "representative", "password": "123"}, "password"),
    ({"authority": "student"}, "authority"),
    ({"authority": "region", "region": "atlantis"}, "region"),
])
def test_an_authority_account_is_refused_with_the_field_named(api, operator, body, field):
    response = api(operator).post(URL, {"username": "someone", "password": STRONG, **body}, format="json")
    assert response.status_code == 400, response.json()
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not User.objects.filter(username="someone").exists()


def test_a_taken_username_is_refused(api, operator, ministry):
    response = api(operator).post(URL, {"username": ministry.username, "password": STRONG, "authority": "ministry"},
                                  format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "username"


def test_only_the_operator_manages_authorities(api, ministry, cast_a):
    for person in (ministry, cast_a.admin, representative()):
        assert api(person).get(URL).status_code == 403
        assert api(person).post(URL, {"username": "x", "password": STRONG, "authority": "ministry"},
                                format="json").status_code == 403


def test_removing_an_authority_deactivates_the_account_and_its_token(api, operator):
    rep = representative("leaving")
    client = api(rep)
    assert client.get("/api/v1/monitoring/rounds/").status_code == 200
    assert api(operator).delete(f"{URL}{rep.pk}/").status_code == 204
    rep.refresh_from_db()
    assert not rep.is_active
    assert rep.username not in {row["username"] for row in api(operator).get(URL).json()["results"]}
    assert client.get("/api/v1/monitoring/rounds/").status_code == 401  # the token no longer works


def test_the_admin_creates_a_representative(page, operator):
    client = page(operator)
    response = client.post("/admin/attestation/user/add/", {"username": "admin-rep", "password1": STRONG,
                                                             "password2": STRONG, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="admin-rep")
    change = client.get(f"/admin/attestation/user/{user.pk}/change/").content.decode()
    assert 'value="representative"' in change
