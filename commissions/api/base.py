"""What the API's modules share: the roles of staff, warnings and refusals in the one error shape (a stale version
or a closed protocol 409), the row and slot as every answer shows them, and small input helpers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attestation.api import CollegeRelatedField
from attestation.api_base import READ, WRITE, CollegeViewSetMixin
from attestation.errors import Conflict, error_item
from attestation.models import AttemptReason, Student

from ..models import ExamSlot, ProtocolLocked, ProtocolResult
from ..services import VersionConflict

STAFF = {READ: {"admin", "staff"}, WRITE: {"admin"}}


def _warnings(warnings) -> list[dict]:
    return [error_item(w.field, w.message, w.rule) for w in warnings]


class CommissionsApiMixin(CollegeViewSetMixin):
    """The app's own refusals in the API's one error shape: a stale version or a closed protocol 409, a file
    413/415."""

    def handle_exception(self, exc):
        if isinstance(exc, VersionConflict):
            items = exc.items or [error_item("version", exc.message)]
            if exc.current is not None and isinstance(exc.current, ProtocolResult):
                items[0]["current"] = ResultSerializer(exc.current).data
            exc = Conflict(exc.message, items)
        elif isinstance(exc, ProtocolLocked):
            exc = Conflict(str(exc), [error_item("status", str(exc), "PRO-01")])
        return super().handle_exception(exc)


def request_int(data, name: str) -> int:
    value = data.get(name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: [_("A number is required.")]}) from None


def _language(request) -> str:
    language = request.data.get("language") or (request.LANGUAGE_CODE or "kk")[:2]
    return language if language in ("kk", "ru", "en") else "kk"


@extend_schema_field(OpenApiTypes.OBJECT)
class ResultSerializer(serializers.ModelSerializer):
    student = serializers.IntegerField(source="student_id")
    full_name = serializers.CharField(source="student.full_name")
    percent = serializers.DecimalField(source="percent_raw", max_digits=5, decimal_places=2, allow_null=True)
    rounded_percent = serializers.IntegerField(source="percent", allow_null=True)
    ticket = serializers.IntegerField(source="ticket_number", allow_null=True)
    decision = serializers.IntegerField(source="force_majeure_id", allow_null=True)
    transcript_entry = serializers.IntegerField(source="transcript_entry_id", allow_null=True)

    class Meta:
        model = ProtocolResult
        fields = ["id", "student", "full_name", "status", "percent", "rounded_percent", "letter", "points",
                  "traditional", "questions", "notes", "id_checked", "id_document_tail", "ticket", "origin",
                  "decision", "derived_from", "transcript_entry", "version", "updated_at"]


class SlotSerializer(serializers.ModelSerializer):
    student = CollegeRelatedField(queryset=Student.objects)
    attempt_reason = serializers.ChoiceField(choices=AttemptReason.choices, default=AttemptReason.FIRST)

    class Meta:
        model = ExamSlot
        fields = ["id", "student", "starts_at", "minutes", "report_minutes", "attempt_reason", "diploma_work",
                  "procedure_confirmed_at"]
        read_only_fields = ["diploma_work", "procedure_confirmed_at"]
        extra_kwargs = {"minutes": {"min_value": 1, "max_value": 600}}
