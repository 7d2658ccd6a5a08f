"""Sign-in, rate limits, TOTP enforcement for administrators and staff, API tokens."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

from ..factories import PASSWORD


def current_code(secret: str) -> str:
    import time

    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


@pytest.mark.django_db
def test_sign_in_takes_an_administrator_to_their_college(page, cast_a):
    client = page()
    response = client.post("/accounts/login/", {"login": cast_a.admin.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == f"/colleges/{cast_a.college.slug}/"


@pytest.mark.django_db
def test_sign_in_by_email_works(page, cast_a):
    cast_a.admin.email = "alice@college-a.kz"
    cast_a.admin.save()
    response = page().post("/accounts/login/", {"login": "alice@college-a.kz", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_login_is_rate_limited_per_account(page, cast_a):
    client = page()
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": cast_a.admin.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"login": cast_a.admin.username, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_visitors_cannot_sign_up(page):
    response = page().get("/accounts/signup/")
    assert response.status_code == 200 and b'name="password1"' not in response.content


@pytest.mark.django_db
def test_administrators_and_staff_must_enroll_totp_when_required(settings, page, cast_a):
    settings.ATTESTATION_MFA_REQUIRED = True
    dashboard = f"/colleges/{cast_a.college.slug}/"
    for user in (cast_a.admin, cast_a.staff):
        response = page(user).get(dashboard)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    assert page(cast_a.student_user).get(dashboard).status_code == 200  # optional for students
    TOTP.activate(cast_a.admin, generate_totp_secret())
    assert page(cast_a.admin).get(dashboard).status_code == 200


@pytest.mark.django_db
def test_embedded_demo_setting_does_not_force_totp(settings, page, cast_a):
    settings.ATTESTATION_MFA_REQUIRED = False
    assert page(cast_a.admin).get(f"/colleges/{cast_a.college.slug}/").status_code == 200


@pytest.mark.django_db
def test_api_token_requires_the_totp_code_once_enrolled(api, cast_a):
    client = api()
    plain = client.post("/api/v1/auth/token/", {"username": cast_a.staff.username, "password": PASSWORD})
    assert plain.status_code == 200 and len(plain.json()["token"]) == 64 and plain.json()["expires"]

    secret = generate_totp_secret()
    TOTP.activate(cast_a.admin, secret)
    missing = client.post("/api/v1/auth/token/", {"username": cast_a.admin.username, "password": PASSWORD})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "otp"
    wrong = client.post("/api/v1/auth/token/", {"username": cast_a.admin.username, "password": PASSWORD,
                                                "otp": "000000" if current_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    good = client.post("/api/v1/auth/token/", {"username": cast_a.admin.username, "password": PASSWORD,
                                               "otp": current_code(secret)})
    assert good.status_code == 200
    students = api().get(f"/api/v1/colleges/{cast_a.college.slug}/students/",
                         HTTP_AUTHORIZATION=f"Token {good.json()['token']}")
    assert students.status_code == 200


@pytest.mark.django_db
def test_api_token_endpoint_is_rate_limited(api, cast_a):
    client = api()
    statuses = [client.post("/api/v1/auth/token/", {"username": cast_a.admin.username, "password": "x"}).status_code
                for _n in range(12)]
    assert statuses[0] == 400 and statuses[-1] == 429
