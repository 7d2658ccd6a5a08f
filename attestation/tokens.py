"""API tokens (django-rest-knox): hashed in the database, with a lifetime (``ATTESTATION_TOKEN_DAYS``), several per
person, listed and revoked by their owner, and revoked on a password change, a deactivation or a sign-out.

``POST /api/v1/auth/token/`` signs in through allauth's adapter, so the web's limiter counts its failures: per
account and per client address, one-time codes included (``ACCOUNT_RATE_LIMITS["login_failed"]``). A locked
account gets no token, even with the right password and code.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.app_settings import RATE_LIMITS
from allauth.core.internal.ratelimit import parse_rates
from allauth.mfa.base.internal.flows import check_rate_limit
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .accounts import enrollment_required_message, must_enroll_mfa
from .audit import audit_log, client_ip
from .authentication import TokenAuthentication
from .errors import ApiError, error_item

TOKEN_ID_LENGTH = 16  # the start of a token's digest names it in lists and URLs; the token itself is never stored


def token_id(token: AuthToken) -> str:
    return token.digest[:TOKEN_ID_LENGTH]


def tokens_revoke(*, user, by=None, token_ids: list[str] | None = None, reason: str, ip: str | None = None) -> int:
    """Revoke a person's tokens (all of them, or those named by id). Returns how many."""
    tokens = AuthToken.objects.filter(user_id=user.pk)
    if token_ids is not None:
        named = Q(pk__in=[])
        for value in token_ids:
            if len(value) == TOKEN_ID_LENGTH:
                named |= Q(digest__startswith=value)
        tokens = tokens.filter(named)
    count, _rows = tokens.delete()
    if count:
        audit_log(action="auth.tokens_revoked", college=None, actor=by, obj=user, data={"count": count,
                                                                                         "reason": reason}, ip=ip)
    return count


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(style={"input_type": "password"}, max_length=4096)
    otp = serializers.CharField(required=False, allow_blank=True, max_length=16)


def _locked(request) -> exceptions.Throttled:
    longest = max((rate.duration for rate in parse_rates(RATE_LIMITS.get("login_failed"))), default=60)
    return exceptions.Throttled(wait=longest, detail=_("Too many failed sign-in attempts. Try again later."))


def _token_body(token: AuthToken, current: AuthToken | None = None) -> dict:
    return {"id": token_id(token), "created": token.created, "expires": token.expiry,
            "current": current is not None and token.digest == current.digest}


TOKEN_INFO = inline_serializer("TokenInfo", many=True, fields={
    "id": serializers.CharField(), "created": serializers.DateTimeField(), "expires": serializers.DateTimeField(),
    "current": serializers.BooleanField()})


class TokenView(APIView):
    """``POST``: exchange username, password and (once enrolled) the current TOTP code for a token with a lifetime.
    ``DELETE``: sign out, revoking the token of the request."""

    permission_classes = [AllowAny]
    authentication_classes = [TokenAuthentication]

    def perform_authentication(self, request):
        if request.method != "POST":  # a stale token sent along with a sign-in is no reason to refuse it
            super().perform_authentication(request)

    @extend_schema(request=TokenRequestSerializer,
                   responses=inline_serializer("Token", {"token": serializers.CharField(),
                                                         "expires": serializers.DateTimeField()}))
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        try:
            user = get_account_adapter(django_request).authenticate(
                django_request, username=data.validated_data["username"], password=data.validated_data["password"])
        except DjangoValidationError as exc:  # allauth's limiter: too many failures for the account or the address
            raise _locked(request) from exc
        if user is None:
            raise ApiError(_("Sign-in failed."), [error_item(None, _("The username or password is not correct."))])
        if must_enroll_mfa(user):
            raise ApiError(_("Two-factor authentication is required."),
                           [error_item("otp", enrollment_required_message())], status_code=403)
        authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if authenticator is not None:
            try:
                clear_failures = check_rate_limit(user)  # the web's counter of wrong codes of this account
            except DjangoValidationError as exc:
                raise _locked(request) from exc
            code = data.validated_data.get("otp", "")
            if not code or not TOTP(authenticator).validate_code(code):
                raise ApiError(_("Sign-in failed."), [error_item("otp", _("The one-time code is missing or wrong."))])
            clear_failures()
        token, key = AuthToken.objects.create(user=user)
        audit_log(action="auth.token_issued", college=None, actor=user, obj=user, ip=client_ip(request),
                  data={"token": token_id(token)})
        return Response({"token": key, "expires": token.expiry})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if not isinstance(request.auth, AuthToken):
            raise exceptions.NotAuthenticated()
        tokens_revoke(user=request.user, by=request.user, token_ids=[token_id(request.auth)], reason="sign_out",
                      ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The signed-in person's tokens (never the tokens themselves)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TOKEN_INFO)
    def get(self, request):
        tokens = AuthToken.objects.filter(user_id=request.user.pk).order_by("-created")
        current = request.auth if isinstance(request.auth, AuthToken) else None
        return Response([_token_body(token, current) for token in tokens])


class TokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, token: str):
        if not tokens_revoke(user=request.user, by=request.user, token_ids=[token], reason="revoked",
                             ip=client_ip(request)):
            raise exceptions.NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    """The account's API tokens: when each was issued and expires; revoke one or all."""
    if request.method == "POST":
        revoke = request.POST.get("revoke", "")
        count = tokens_revoke(user=request.user, by=request.user, token_ids=None if revoke == "all" else [revoke],
                              reason="revoked", ip=client_ip(request))
        messages.success(request, _("Tokens revoked: %(count)s.") % {"count": count})
        return redirect("account_tokens")
    tokens = AuthToken.objects.filter(user_id=request.user.pk).order_by("-created")
    return render(request, "account/tokens.html", {"tokens": [_token_body(t) for t in tokens]})
