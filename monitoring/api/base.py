"""What every monitoring endpoint shares: the viewer (monitoring.selectors.Viewer) instead of a college from the URL,
the round of the URL read through the viewer's visibility (404 otherwise), the ministry-only writes (403), and the
monitoring's own refusals in the API's one error shape (409 for a lost race, 413/415/400 for a file)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled
from rest_framework import permissions, renderers, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.settings import api_settings

from attestation.errors import ApiError, Conflict, PayloadTooLarge, UnsupportedFile, error_item
from attestation.imports import ImportFileError

from .. import selectors
from ..models import Round
from ..services import MonitoringConflict


class MonitoringPermission(permissions.BasePermission):
    """Signed in, and someone the monitoring has a view for (an authority, or a college administrator)."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and selectors.viewer_for(request.user))


class CsvRenderer(renderers.BaseRenderer):
    """Lets ``?format=csv`` through DRF's content negotiation (API.md names that parameter); the views answer the
    file themselves, and anything else (an error) is answered as JSON by ``finalize_response``."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class XlsxRenderer(CsvRenderer):
    """``?format=xlsx``, as ``?format=csv``: the views answer the spreadsheet themselves."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None


class MonitoringViewMixin:
    """The authorities' area has no college in its URL: the scope is disabled for the request, and every read goes
    through the viewer's selectors instead (DESIGN.md "Monitoring")."""

    permission_classes = [MonitoringPermission]
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, CsvRenderer, XlsxRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(getattr(response, "accepted_renderer", None), CsvRenderer):
            # Only the views' own files are CSV: an answer with data (an error, a JSON body) stays JSON.
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = "application/json"
        return response

    def dispatch(self, request, *args, **kwargs):
        with scopes_disabled():
            return super().dispatch(request, *args, **kwargs)

    @property
    def viewer(self) -> selectors.Viewer:
        if not hasattr(self, "_viewer"):
            self._viewer = selectors.viewer_for(self.request.user)
            if self._viewer is None:
                raise PermissionDenied()
        return self._viewer

    @property
    def round(self) -> Round:
        if not hasattr(self, "_round"):
            self._round = selectors.round_get(self.viewer, int(self.kwargs["round_pk"]))
        return self._round

    def require(self, *kinds: str) -> None:
        """403 unless the viewer is of these kinds; a round of the URL they cannot see is 404 first."""
        if "round_pk" in self.kwargs:
            self.round  # noqa: B018 — raises 404 for a round the viewer cannot see
        if self.viewer.kind not in kinds:
            raise PermissionDenied(_("This is done by: %(who)s.") % {"who": ", ".join(str(KIND_LABELS[k])
                                                                                       for k in kinds)})

    def handle_exception(self, exc):
        if isinstance(exc, MonitoringConflict):
            v = exc.violation
            exc = Conflict(_("The action conflicts with the state of things."),
                           [error_item(v.field, v.message, v.rule)])
        elif isinstance(exc, ImportFileError):
            error_class = {413: PayloadTooLarge, 415: UnsupportedFile}.get(exc.status)
            errors = [error_item("file", exc.message)]
            exc = error_class(_("Nothing was imported."), errors) if error_class else ApiError(
                _("Nothing was imported."), errors)
        return super().handle_exception(exc)


KIND_LABELS = {selectors.MINISTRY: gettext_lazy("the ministry"),
               selectors.REGION: gettext_lazy("a regional department"),
               selectors.REPRESENTATIVE: gettext_lazy("an authorized representative"),
               selectors.COLLEGE: gettext_lazy("the college's administrator")}


class DocumentLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    language = serializers.CharField()
    status = serializers.CharField()
    sha256 = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    verify_url = serializers.CharField()


def document_link(document, round_pk: int) -> dict:
    ready = document.status == "ready"
    return {"id": document.pk, "kind": document.kind, "language": document.language, "status": document.status,
            "sha256": document.sha256,
            "url": f"/api/v1/monitoring/rounds/{round_pk}/documents/{document.pk}/file/" if ready else None,
            "verify_url": document.verify_url}
