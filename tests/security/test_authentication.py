"""Sign-in through the API follows the web's rules (issue 17, items 1–3): TOTP enrollment, one limiter for failed
passwords and one-time codes per account and per client address, tokens with a lifetime that end on a new password,
a deactivation or a sign-out, and that their owner lists and revokes."""

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled
from knox.models import AuthToken

from attestation.models import AuditEntry, User

from ..attestation.test_accounts import current_code
from ..factories import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


def students_url(cast) -> str:
    return f"/api/v1/colleges/{cast.college.slug}/students/"


def sign_in(api, username, password=PASSWORD, **extra):
    return api().post(TOKEN, {"username": username, "password": password, **extra}, **extra.pop("headers", {}))


def with_token(api, key):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def wrong_code(secret: str) -> str:
    return "000000" if current_code(secret) != "000000" else "111111"


# --- 1. MFA on the API ------------------------------------------------------------------------------------------


def test_the_token_endpoint_refuses_an_administrator_who_has_not_enrolled(settings, api, cast_a):
    settings.ATTESTATION_MFA_REQUIRED = True
    refused = sign_in(api, cast_a.admin.username)
    assert refused.status_code == 403, refused.content
    body = refused.json()
    assert body["detail"] == "Two-factor authentication is required."
    assert body["errors"][0]["field"] == "otp" and "/accounts/2fa/totp/activate/" in body["errors"][0]["message"]
    assert not AuthToken.objects.filter(user=cast_a.admin).exists()
    assert sign_in(api, cast_a.student_user.username).status_code == 200  # optional for students

    secret = generate_totp_secret()
    TOTP.activate(cast_a.admin, secret)
    assert sign_in(api, cast_a.admin.username, otp=current_code(secret)).status_code == 200


def test_a_wrong_password_does_not_tell_whether_enrollment_is_missing(settings, api, cast_a):
    settings.ATTESTATION_MFA_REQUIRED = True
    response = sign_in(api, cast_a.admin.username, "wrong")
    assert response.status_code == 400 and "Two-factor" not in response.content.decode()


def test_a_token_of_an_account_that_must_enroll_is_refused(settings, api, cast_a):
    key = sign_in(api, cast_a.staff.username).json()["token"]  # issued while TOTP was not required
    settings.ATTESTATION_MFA_REQUIRED = True
    for url in (students_url(cast_a), "/api/v1/colleges/", "/api/v1/auth/tokens/"):
        response = with_token(api, key).get(url)
        assert response.status_code == 403, (url, response.content)
        assert response.json()["errors"][0]["message"].startswith("Two-factor authentication is required")
    TOTP.activate(cast_a.staff, generate_totp_secret())
    assert with_token(api, key).get(students_url(cast_a)).status_code == 200


def test_the_session_api_follows_the_same_rule_as_pages(settings, page, cast_a):
    settings.ATTESTATION_MFA_REQUIRED = True
    browser = page(cast_a.admin)
    for url in (students_url(cast_a), "/api/v1/colleges/", "/api/v1/schema/"):
        response = browser.get(url)
        assert response.status_code == 403 and response["Content-Type"] == "application/json", url
        assert response.json()["detail"] == "Two-factor authentication is required."
    assert browser.get("/api/v1/verify/unknown/").status_code == 404  # the public API needs no account
    TOTP.activate(cast_a.admin, generate_totp_secret())
    assert page(cast_a.admin).get(students_url(cast_a)).status_code == 200


def test_totp_cannot_be_switched_off_by_who_must_use_it(settings, page, cast_a):
    settings.ATTESTATION_MFA_REQUIRED = True
    from allauth.mfa.adapter import get_adapter

    authenticator = TOTP.activate(cast_a.admin, generate_totp_secret()).instance
    assert not get_adapter().can_delete_authenticator(authenticator)
    page(cast_a.admin).post("/accounts/2fa/totp/deactivate/")
    assert cast_a.admin.authenticator_set.filter(type="totp").exists()
    settings.ATTESTATION_MFA_REQUIRED = False
    assert get_adapter().can_delete_authenticator(authenticator)


# --- 2. One limiter -----------------------------------------------------------------------------------------------


def test_a_locked_account_gets_no_token_even_with_the_right_password(api, page, cast_a):
    web = page()
    for _attempt in range(5):
        web.post("/accounts/login/", {"login": cast_a.admin.username, "password": "wrong"})
    locked = sign_in(api, cast_a.admin.username)
    assert locked.status_code == 429, locked.content
    assert int(locked["Retry-After"]) > 0 and locked.json()["detail"].startswith("Too many failed sign-in")
    assert not AuthToken.objects.filter(user=cast_a.admin).exists()


def test_failed_token_requests_lock_web_sign_in_of_the_account(api, page, cast_a):
    cast_a.admin.email = "alice@college-a.kz"
    cast_a.admin.save()
    statuses = [sign_in(api, login, "wrong").status_code
                for login in ["alice@college-a.kz", cast_a.admin.username.upper(), cast_a.admin.username,
                              "alice@college-a.kz", cast_a.admin.username]]
    assert statuses == [400] * 5  # by e-mail or username, any case: one account, one counter
    assert sign_in(api, cast_a.admin.username).status_code == 429
    web = page()
    response = web.post("/accounts/login/", {"login": cast_a.admin.username, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in web.session
    assert sign_in(api, cast_a.staff.username).status_code == 200  # another account of the same address is not locked


def test_wrong_one_time_codes_count_and_lock_the_account(api, cast_a):
    secret = generate_totp_secret()
    TOTP.activate(cast_a.admin, secret)
    for _attempt in range(5):
        assert sign_in(api, cast_a.admin.username, otp=wrong_code(secret)).status_code == 400
    assert sign_in(api, cast_a.admin.username, otp=current_code(secret)).status_code == 429


def test_x_forwarded_for_is_not_trusted_by_default(api, cast_a):
    statuses = [api().post(TOKEN, {"username": f"nobody-{n}", "password": "x"},
                           HTTP_X_FORWARDED_FOR=f"10.0.{n}.1").status_code for n in range(30)]
    assert statuses[:20] == [400] * 20 and set(statuses[20:]) == {429}  # 20 failures per address per minute
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="auth.sign_in_failed").order_by("-pk").first()
    assert entry.ip == "127.0.0.1"


def test_the_configured_trusted_proxy_gives_the_client_address(settings, api, cast_a):
    settings.ATTESTATION_TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    statuses = [api().post(TOKEN, {"username": f"nobody-{n}", "password": "x"},
                           HTTP_X_FORWARDED_FOR=f"6.6.6.6, 10.0.{n // 10}.1").status_code for n in range(30)]
    assert set(statuses) == {400}  # three clients behind the proxy, ten failures each: none over 20
    with scopes_disabled():
        entry = AuditEntry.objects.filter(action="auth.sign_in_failed").order_by("-pk").first()
    assert entry.ip == "10.0.2.1"  # what the proxy saw, not what the client wrote before it


# --- 3. Tokens with a lifetime, revoked ----------------------------------------------------------------------------


def test_a_token_expires_after_its_lifetime(settings, api, cast_a):
    response = sign_in(api, cast_a.admin.username)
    key, expires = response.json()["token"], response.json()["expires"]
    lifetime = timezone.datetime.fromisoformat(expires) - timezone.now()
    days = settings.ATTESTATION_TOKEN_DAYS
    assert timedelta(days=days - 1) < lifetime <= timedelta(days=days)
    assert with_token(api, key).get(students_url(cast_a)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=settings.ATTESTATION_TOKEN_DAYS, minutes=1)):
        assert with_token(api, key).get(students_url(cast_a)).status_code == 401
    assert not AuthToken.objects.filter(user=cast_a.admin).exists()


def test_a_new_password_revokes_every_token(api, page, cast_a):
    keys = [sign_in(api, cast_a.admin.username).json()["token"] for _n in range(2)]
    browser = page(cast_a.admin)
    response = browser.post("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": "N3w-pa55word-kz",
                                                           "password2": "N3w-pa55word-kz"})
    assert response.status_code == 302, response.content
    for key in keys:
        assert with_token(api, key).get(students_url(cast_a)).status_code == 401


@pytest.mark.parametrize("path", ["save", "queryset update"])
def test_a_deactivated_user_loses_access_at_the_next_request(api, page, cast_a, path):
    key = sign_in(api, cast_a.admin.username).json()["token"]
    browser = page(cast_a.admin)
    dashboard = f"/colleges/{cast_a.college.slug}/"
    assert browser.get(dashboard).status_code == 200
    assert with_token(api, key).get(students_url(cast_a)).status_code == 200
    if path == "save":
        cast_a.admin.is_active = False
        cast_a.admin.save()
    else:
        User.objects.filter(pk=cast_a.admin.pk).update(is_active=False)
    assert browser.get(dashboard).status_code == 302  # signed out: to the sign-in page
    assert with_token(api, key).get(students_url(cast_a)).status_code == 401
    if path == "save" or connection.vendor == "postgresql":  # the trigger of migration 0008 on PostgreSQL
        assert not AuthToken.objects.filter(user=cast_a.admin).exists()


@pytest.mark.postgres
def test_the_database_revokes_tokens_whatever_changed_the_password(api, cast_a):
    sign_in(api, cast_a.admin.username)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE attestation_user SET password = 'x' WHERE id = %s", [cast_a.admin.pk])
    assert not AuthToken.objects.filter(user=cast_a.admin).exists()


def test_signing_out_revokes_the_token(api, page, cast_a):
    first, second = (sign_in(api, cast_a.admin.username).json()["token"] for _n in range(2))
    assert with_token(api, first).delete(TOKEN).status_code == 204
    assert with_token(api, first).get(students_url(cast_a)).status_code == 401
    assert with_token(api, second).get(students_url(cast_a)).status_code == 200  # only the token of the request
    browser = page(cast_a.admin)
    assert browser.post("/accounts/logout/").status_code == 302  # signing out on the web ends the rest
    assert with_token(api, second).get(students_url(cast_a)).status_code == 401


def test_a_user_lists_and_revokes_their_own_tokens(api, cast_a):
    first, second = (sign_in(api, cast_a.admin.username).json()["token"] for _n in range(2))
    other = sign_in(api, cast_a.staff.username).json()["token"]
    listed = with_token(api, first).get("/api/v1/auth/tokens/").json()
    assert len(listed) == 2 and [t["current"] for t in listed].count(True) == 1
    assert all(first not in str(t) and second not in str(t) for t in listed)  # never the token itself
    other_id = with_token(api, other).get("/api/v1/auth/tokens/").json()[0]["id"]
    assert with_token(api, first).delete(f"/api/v1/auth/tokens/{other_id}/").status_code == 404
    assert with_token(api, other).get(students_url(cast_a)).status_code == 200
    second_id = next(t["id"] for t in listed if not t["current"])
    assert with_token(api, first).delete(f"/api/v1/auth/tokens/{second_id}/").status_code == 204
    assert with_token(api, second).get(students_url(cast_a)).status_code == 401
    assert with_token(api, first).get(students_url(cast_a)).status_code == 200
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="auth.tokens_revoked", actor=cast_a.admin).exists()


def test_the_account_page_lists_and_revokes_tokens(api, page, cast_a):
    keys = [sign_in(api, cast_a.admin.username).json()["token"] for _n in range(2)]
    browser = page(cast_a.admin)
    listing = browser.get("/accounts/tokens/")
    assert listing.status_code == 200 and listing.content.decode().count('name="revoke"') == 3  # two and "all"
    assert all(key[:8] not in listing.content.decode() for key in keys)
    assert browser.post("/accounts/tokens/", {"revoke": "all"}).status_code == 302
    assert not AuthToken.objects.filter(user=cast_a.admin).exists()
    assert page().get("/accounts/tokens/").status_code == 302  # signed-in people only
