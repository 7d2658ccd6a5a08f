"""Accounts: no self sign-up (colleges create accounts), TOTP enrollment enforced where required (pages and API),
failed sign-ins counted per account."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from .models import Membership, Role, User

MFA_SESSION_FLAG = "attestation.mfa_checked"
_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/v/", "/healthz")
# The public API needs no account; everything else under /api/ follows the same rule as pages.
_API_PUBLIC_PREFIXES = ("/api/v1/verify/",)


class CachedModelBackend(ModelBackend):
    """Django's backend. The signed-in user is read from the database on every request, so a user deactivated or
    given a new password by any path (a form, the admin, a queryset update, SQL) is signed out at their next
    request. (The class keeps its name: sessions store the backend's path.)"""


class CachedAllauthBackend(AllauthBackend):
    """allauth's backend (sign-in by e-mail), the user read from the database as above."""


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created by the operator, administrators and imports, never by visitors.
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        from .audit import client_ip

        return client_ip(request) or "0.0.0.0"  # noqa: S104 (a label, not an address to bind)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        """The failed sign-ins of an account are counted per account, whether the login typed was its username or
        its e-mail, on the web and through the token endpoint alike (both call ``authenticate`` of this adapter)."""
        login = (credentials.get("email") or credentials.get("username") or "").strip()
        user = User.objects.filter(username__iexact=login).only("pk").first()
        if user is None and "@" in login:
            user = User.objects.filter(email__iexact=login).only("pk").first()
        return f"account:{user.pk}" if user is not None else f"login:{login.lower()}"


class MfaAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Where TOTP is required, the person who must use it cannot switch it off (they may set up a new one).
        if authenticator.type == Authenticator.Type.TOTP and settings.ATTESTATION_MFA_REQUIRED:
            return not mfa_required_for(authenticator.user)
        return super().can_delete_authenticator(authenticator)


def mfa_required_for(user) -> bool:
    """Administrators, staff, operators and authorities must use TOTP when the setting is on."""
    if user.is_operator or user.is_authority:
        return True
    with scopes_disabled():
        return Membership.objects.filter(user=user, role__in=[Role.ADMIN, Role.STAFF]).exists()


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def must_enroll_mfa(user) -> bool:
    """True when TOTP is required of this user (the setting is on and they are an administrator, staff, operator or
    authority) and they have not enrolled yet: one query."""
    if not settings.ATTESTATION_MFA_REQUIRED or not user.is_authenticated:
        return False
    with scopes_disabled():
        staff = Membership.objects.filter(user=OuterRef("pk"), role__in=[Role.ADMIN, Role.STAFF])
        totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        row = User.objects.filter(pk=user.pk).values_list(Exists(staff), Exists(totp)).first()
    if row is None:
        return False
    required = user.is_operator or user.is_authority or row[0]
    return required and not row[1]


def enrollment_required_message() -> str:
    return _("Two-factor authentication is required for this account. Sign in on the web and set up an "
             "authenticator app (%(url)s) first.") % {"url": reverse("mfa_activate_totp")}


class MfaEnrollmentMiddleware:
    """Sends a signed-in administrator or staff member without TOTP to the enrollment page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if (
            settings.ATTESTATION_MFA_REQUIRED
            and request.user.is_authenticated
            and not path.startswith(_EXEMPT_PREFIXES)
            and not path.startswith(_API_PUBLIC_PREFIXES)
            and not request.session.get(MFA_SESSION_FLAG)
        ):
            if must_enroll_mfa(request.user):
                if path.startswith("/api/"):
                    # The API answers in its error shape, never with a redirect to a page.
                    return JsonResponse({"detail": _("Two-factor authentication is required."), "errors": [
                        {"field": None, "rule": None, "message": enrollment_required_message()}]}, status=403)
                return redirect("mfa_activate_totp")
            request.session[MFA_SESSION_FLAG] = True
        return self.get_response(request)
