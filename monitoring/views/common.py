"""What the monitoring's pages share: the authorities' area (its own decorator instead of the tenant middleware: no
college in the URL, the scope disabled, every read through the viewer's selectors) and refusals shown with their
rule, as everywhere in the portal."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django_scopes import scopes_disabled

from attestation.calendar import working_calendar
from attestation.imports import ImportFileError
from attestation.rules import RulesBroken
from attestation.uploads import UploadRefused

from .. import rules, selectors
from ..services import MonitoringConflict

AREA = (selectors.MINISTRY, selectors.REGION, selectors.REPRESENTATIVE)


def authority_view(*kinds: str):
    """A page of the authorities' area for the given kinds of viewer (all of the area's by default); 403 for others.
    ``request.viewer`` is set; the view runs with the college scope disabled."""
    allowed = kinds or AREA

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            viewer = selectors.viewer_for(request.user)
            if viewer is None or viewer.kind not in allowed:
                raise PermissionDenied
            request.viewer = viewer
            with scopes_disabled():
                return view(request, *args, **kwargs)

        return wrapper

    return decorator


def refusal_lines(exc: Exception) -> list[str]:
    """A refusal as the lines a page shows, each with its rule."""
    if isinstance(exc, RulesBroken):
        return [f"[{v.rule}] {v.message}" if v.rule else v.message for v in exc.violations]
    if isinstance(exc, MonitoringConflict):
        v = exc.violation
        return [f"[{v.rule}] {v.message}" if v.rule else v.message]
    if isinstance(exc, UploadRefused | ImportFileError):
        return [exc.message]
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc)]


def refuse(request: HttpRequest, exc: Exception) -> None:
    for line in refusal_lines(exc):
        messages.error(request, line)


REFUSALS = (RulesBroken, MonitoringConflict, UploadRefused, ImportFileError, ValidationError)


def download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def file_response(field, content_type: str, name: str) -> FileResponse:
    return FileResponse(field.open("rb"), content_type=content_type, filename=name)


def acts_open(round, rc, college=None) -> bool:
    """Whether acts are taken in this selected college now (``rules.act_window_check``, in the college's time zone):
    the pages offer the act forms only then; the service decides."""
    return not rc.is_cancelled and rules.act_window_check(
        rule="MON-16", status=round.status, today=(college or rc.college).local().date(), testing_on=round.testing_on,
        calendar=working_calendar()) is None
