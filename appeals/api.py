"""REST API of the appeals app (API.md: ``appeals``, ``appeals/{id}/decide``; extended with the attachments).
Thin: serializers check the shape of input, selectors read, services apply the rules and write."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from attestation.api import CollegeRelatedField
from attestation.api_base import READ, WRITE, CollegeViewSetMixin, IdempotentCreateMixin
from attestation.errors import ApiError, Conflict, error_item
from attestation.models import TranscriptEntry
from commissions.models import Commission

from . import selectors, services
from .models import Appeal, AppealAttachment

STATUS_PARAM = OpenApiParameter("status", OpenApiTypes.STR, description="submitted, under_review, decided, "
                                "communicated, or open (submitted and under review).")


class AppealsApiMixin(CollegeViewSetMixin):
    """The app's refusals in the one error shape: a file 413/415, a state conflict 409, not on the commission 403."""

    def handle_exception(self, exc):
        if isinstance(exc, services.AppealConflict):
            exc = Conflict(exc.message, [error_item(exc.field, exc.message, exc.rule)])
        elif isinstance(exc, services.NotOnCommission):
            exc = ApiError(exc.message, [error_item(None, exc.message, exc.rule)], status.HTTP_403_FORBIDDEN)
        return super().handle_exception(exc)


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = AppealAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "url"]

    def get_url(self, attachment) -> str:
        return f"/api/v1/colleges/{self.context['college'].slug}/appeal-attachments/{attachment.pk}/file/"


class AppealSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)
    student_name = serializers.CharField(source="student.full_name", read_only=True)
    contested_grade = serializers.SerializerMethodField()
    due_today = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    document = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Appeal
        fields = ["id", "transcript_entry", "student", "student_name", "reason", "status", "received_at",
                  "filing_deadline", "decision_due", "due_today", "overdue", "commission", "assigned_at",
                  "assign_warnings", "outcome", "new_percent", "justification", "previous_grade", "contested_grade",
                  "attendance", "decided_at", "decided_overdue", "communicated_at", "document", "attachments"]
        read_only_fields = fields

    def _clock(self, appeal):
        college = self.context["college"]
        return selectors.clock(appeal, college.today(), college.timezone)

    def get_due_today(self, appeal) -> bool:
        return self._clock(appeal).due_today

    def get_overdue(self, appeal) -> bool:
        return self._clock(appeal).overdue

    def get_contested_grade(self, appeal) -> dict:
        entry = appeal.transcript_entry
        grade = appeal.contested_grade
        return {"discipline": entry.discipline_id, "code": entry.discipline.code, "held_on": entry.held_on,
                "announced_on": entry.announced_on, "is_final_attestation": entry.is_final_attestation,
                "percent": grade.get("percent"), "letter": grade.get("letter")}


class StudentEntryField(CollegeRelatedField):
    """A result of the requesting student: another student's result does not exist for them."""

    def get_queryset(self):
        student = self.context.get("student")
        queryset = TranscriptEntry.objects.filter(college=self.context["college"])
        return queryset.filter(student=student) if student is not None else queryset.none()


class AppealInputSerializer(serializers.Serializer):
    transcript_entry = StudentEntryField(queryset=TranscriptEntry.objects)
    reason = serializers.CharField(max_length=10000, allow_blank=True)
    attachments = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False,
                                        default=list, help_text="Up to 5 files: PDF, JPEG or PNG, 10 MB each.")


class AssignSerializer(serializers.Serializer):
    commission = CollegeRelatedField(queryset=Commission.objects,
                                     help_text="An approved appeal commission of the college.")


class DecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[Appeal.Outcome.UPHELD, Appeal.Outcome.GRADE_CHANGED])
    new_percent = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    justification = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    present = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True, default=None,
                                    help_text="Ids of the commission members present (the signer is always present).")


class AppealViewSet(AppealsApiMixin, IdempotentCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Appeals: students file against their own results and see only their own; the administrator assigns an
    approved appeal commission; a voting member of that commission decides."""

    serializer_class = AppealSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    roles = {READ: {"admin", "staff", "student"}, WRITE: {"admin"}, "create": {"student"},
             "decide": {"admin", "staff"}}

    def college_queryset(self):
        return selectors.appeals_list(access=self.access, status=self.request.query_params.get("status", "")
                                      ).prefetch_related("attachments")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and getattr(self.request, "_request", None) is not None \
                and getattr(self.request._request, "access", None):
            context["student"] = self.access.student
        return context

    def _out(self, appeal, code=status.HTTP_200_OK, warnings=None) -> Response:
        appeal = self.college_queryset().get(pk=appeal.pk)
        data = AppealSerializer(appeal, context=self.get_serializer_context()).data
        if warnings is not None:
            data["warnings"] = [error_item(w.field, w.message, w.rule) for w in warnings]
        return Response(data, status=code)

    @extend_schema(parameters=[STATUS_PARAM])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": AppealInputSerializer}, responses={201: AppealSerializer})
    def create(self, request, *args, **kwargs):
        data = AppealInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        appeal = services.appeal_file(college=self.college, by=request.user, student=self.access.student,
                                      entry=data.validated_data["transcript_entry"],
                                      reason=data.validated_data["reason"],
                                      uploads=data.validated_data["attachments"])
        return self._out(appeal, status.HTTP_201_CREATED)

    @extend_schema(request=AssignSerializer, responses=AppealSerializer)
    def partial_update(self, request, *args, **kwargs):
        appeal = self.get_object()
        data = AssignSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        appeal, warnings = services.appeal_assign(college=self.college, by=request.user, appeal=appeal,
                                                  commission=data.validated_data["commission"])
        return self._out(appeal, warnings=warnings)

    @extend_schema(request=DecideSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, college=None, pk=None):
        appeal = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_decide(college=self.college, by=request.user, appeal=appeal,
                                        **data.validated_data)
        return self._out(appeal)


class AppealAttachmentViewSet(AppealsApiMixin, viewsets.ReadOnlyModelViewSet):
    """Files attached to appeals, with the same rights as on the appeal; ``file/`` serves the content."""

    serializer_class = AttachmentSerializer
    roles = {READ: {"admin", "staff", "student"}, WRITE: set()}

    def college_queryset(self):
        visible = selectors.appeals_list(access=self.access).values("pk")
        return AppealAttachment.objects.filter(college=self.college, appeal__in=visible).order_by("id")

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, college=None, pk=None):
        attachment = self.get_object()
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                                as_attachment=True, filename=attachment.original_name or f"attachment-{pk}")
        response["X-Content-SHA256"] = attachment.sha256
        response["X-Content-Type-Options"] = "nosniff"
        return response

