"""Accounts: no self sign-up (colleges create accounts), TOTP enrollment enforced where required."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_scopes import scopes_disabled

from .models import Membership, Role

MFA_SESSION_FLAG = "attestation.mfa_checked"
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/v/", "/healthz")


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
