"""API token authentication (django-rest-knox), kept apart from the views: DRF imports it while it loads."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication

from .accounts import enrollment_required_message, must_enroll_mfa
from .errors import ApiError, error_item


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's token check (expired tokens are refused and removed, an inactive user is refused at once, read from
    the database), plus the MFA rule of pages: where TOTP is required, an account that has not enrolled is refused.
    A request the tenant middleware already authenticated is not checked twice."""

    def authenticate(self, request):
        django_request = getattr(request, "_request", request)
        cached = getattr(django_request, "_token_auth", None)
        if cached is not None:
            return cached
        result = super().authenticate(request)
        if result is not None and must_enroll_mfa(result[0]):
            raise ApiError(_("Two-factor authentication is required."),
                           [error_item(None, enrollment_required_message())], status_code=403)
        return result


class TokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token: ``Authorization: Token <key>``."""

    target_class = "attestation.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
