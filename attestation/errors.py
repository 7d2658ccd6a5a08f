"""The one error shape of the API (API.md):

    {"detail": "...", "errors": [{"field": ..., "rule": ..., "message": ...}]}

``rule`` is the RULES.md id when a regulation rule is broken, else null. Messages are in the
language of the request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found, server_error
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from .rules import RulesBroken, RuleViolation
from .uploads import UploadRefused

RULE_CODE_PREFIX = "rule:"


def rule_code(rule: str | None) -> str:
    """The error code that carries a rule id through DRF's ValidationError."""
    return f"{RULE_CODE_PREFIX}{rule}" if rule else "invalid"


def violation_error(violation: RuleViolation) -> exceptions.ValidationError:
    """A DRF field error for one violation (400), keeping its rule id."""
    field = violation.field or "non_field_errors"
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(violation.message, rule_code(violation.rule))]})


class ApiError(exceptions.APIException):
    """An error with a status, a detail and an explicit list of errors."""

    def __init__(self, detail: str, errors: list[dict] | None = None, status_code: int = 400) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.errors = errors or []


class PayloadTooLarge(ApiError):
    def __init__(self, detail: str, errors: list[dict] | None = None) -> None:
        super().__init__(detail, errors, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)


class UnsupportedFile(ApiError):
    def __init__(self, detail: str, errors: list[dict] | None = None) -> None:
        super().__init__(detail, errors, status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)


class Conflict(ApiError):
    def __init__(self, detail: str, errors: list[dict] | None = None) -> None:
        super().__init__(detail, errors, status.HTTP_409_CONFLICT)


def error_item(field: str | None, message: str, rule: str | None = None, **extra: Any) -> dict:
    return {"field": field, "rule": rule, "message": str(message), **extra}


def _flatten(data: Any, prefix: str | None = None) -> list[dict]:
    items: list[dict] = []
    if isinstance(data, dict):
        for key, value in data.items():
            field = None if key in ("non_field_errors", "__all__") else key
            path = f"{prefix}.{field}" if prefix and field else (field or prefix)
            items.extend(_flatten(value, path))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, dict | list):
                path = f"{prefix}.{index}" if prefix else str(index)
                items.extend(_flatten(value, path))
            else:
                items.extend(_flatten(value, prefix))
    else:
        code = getattr(data, "code", None) or ""
        rule = code[len(RULE_CODE_PREFIX):] if code.startswith(RULE_CODE_PREFIX) else None
        items.append(error_item(prefix, str(data), rule))
    return items


INVALID_INPUT = gettext_lazy("The request has errors; see the list.")


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, RulesBroken):
        errors = [error_item(v.field, v.message, v.rule) for v in exc.violations]
        return Response({"detail": exc.detail, "errors": errors}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    if isinstance(exc, UploadRefused):  # a file refused by its content or size, in any app: 413 / 415
        error_class = PayloadTooLarge if exc.status == 413 else UnsupportedFile
        exc = error_class(_("The file was refused."), [error_item(exc.field, exc.message)])
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    from rest_framework.views import exception_handler  # not at import time: DRF loads this module's neighbours

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        response.data = {"detail": str(exc.detail), "errors": exc.errors}
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": str(INVALID_INPUT), "errors": _flatten(exc.detail)}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = {"detail": str(detail), "errors": []}
    return response


def json_404(request: HttpRequest, exception: Exception | None = None):
    """404 handler: the error shape for API paths, the page for everything else."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "errors": []}, status=404)
    return page_not_found(request, exception)


def json_500(request: HttpRequest):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Server error."), "errors": []}, status=500)
    return server_error(request)
