"""Accounts: no self sign-up (colleges create accounts), TOTP enrollment enforced where required."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_scopes import scopes_disabled

from .cache import cache_is_shared
from .models import Membership, Role

MFA_SESSION_FLAG = "attestation.mfa_checked"
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/v/", "/healthz")


USER_CACHE_SECONDS = 300


def _user_key(user_id) -> str:
    return f"auth:user:{user_id}"


class CachedUserMixin:
    """The signed-in user of every request comes from the cache, not the database (one query less per page;
    bench/pages.py). Django still checks the session's password hash against it, so a password change signs the
    other sessions out as before: every save or deletion of a user drops the cached copy (signals.py). The copy
    holds the password hash, as the sessions beside it in the same Redis hold the user's id."""

    def get_user(self, user_id):
        if not cache_is_shared():
            # A per-process cache could keep a deactivated user or an old password hash alive in the other
            # processes: without a shared cache, read the database as Django does.
            return super().get_user(user_id)
        user = cache.get(_user_key(user_id))
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(_user_key(user_id), user, USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


class CachedModelBackend(CachedUserMixin, ModelBackend):
    pass


class CachedAllauthBackend(CachedUserMixin, AllauthBackend):
    pass


def user_forget(user_id) -> None:
    cache.delete(_user_key(user_id))


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by the operator, administrators and imports, never by visitors.
        return False


def mfa_required_for(user) -> bool:
    """Administrators, staff, operators and authorities must use TOTP when the setting is on."""
    if user.is_operator or user.is_authority:
        return True
    with scopes_disabled():
        return Membership.objects.filter(user=user, role__in=[Role.ADMIN, Role.STAFF]).exists()


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class MfaEnrollmentMiddleware:
    """Sends a signed-in administrator or staff member without TOTP to the enrollment page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.ATTESTATION_MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path_info.startswith(_EXEMPT_PREFIXES)
            and not request.session.get(MFA_SESSION_FLAG)
        ):
            if mfa_required_for(request.user) and not has_totp(request.user):
                return redirect("mfa_activate_totp")
            request.session[MFA_SESSION_FLAG] = True
        return self.get_response(request)
