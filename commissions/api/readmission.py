"""Re-admission after a valid absence (RET-01, RET-02): the student's application and the commission's decision."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from attestation.api import CollegeRelatedField
from attestation.api_base import READ, WRITE, CollegeReadOnlyViewSet

from .. import selectors, services
from ..models import Exam, ExamSlot, ProtocolResult, ReAdmission
from .base import CommissionsApiMixin


class ReAdmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReAdmission
        fields = ["id", "student", "result", "reason", "application", "document_sha256", "document_type",
                  "submitted_at", "status", "decision_note", "decided_at", "new_slot"]


class ReAdmissionCreateSerializer(serializers.Serializer):
    slot = serializers.IntegerField(help_text="The slot the student missed (its protocol closed, marked absent).")
    reason = serializers.ChoiceField(choices=ReAdmission.Reason.choices)
    application = serializers.CharField()
    document = serializers.FileField()


class ReAdmissionDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    exam = CollegeRelatedField(queryset=Exam.objects, required=False, allow_null=True)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=600)
    report_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ReAdmissionViewSet(CommissionsApiMixin, mixins.CreateModelMixin, CollegeReadOnlyViewSet):
    """RET-01: a student absent for a valid reason applies with a document; the commission decides and a new slot
    follows within the academic year. RET-02 refuses a health document after an unsatisfactory grade."""

    serializer_class = ReAdmissionSerializer
    roles = {READ: {"admin", "staff", "student"}, WRITE: {"student"}, "decide": {"admin", "staff"},
             "schedule": {"admin"}}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def college_queryset(self):
        return selectors.readmissions_list(access=self.access)

    @extend_schema(request={"multipart/form-data": ReAdmissionCreateSerializer}, responses=ReAdmissionSerializer)
    def create(self, request, *args, **kwargs):
        data = ReAdmissionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        student = self.access.student
        slot = ExamSlot.objects.filter(college=self.college, pk=data.validated_data["slot"], student=student).first()
        result = (ProtocolResult.objects.filter(college=self.college, slot=slot).select_related("protocol").first()
                  if slot is not None else None)
        if student is None or result is None:
            raise Http404
        readmission = services.readmission_apply(
            college=self.college, by=request.user, student=student, result=result,
            reason=data.validated_data["reason"], application=data.validated_data["application"],
            document=data.validated_data["document"])
        return Response(ReAdmissionSerializer(readmission).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReAdmissionDecisionSerializer, responses=ReAdmissionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, college=None, pk=None):
        readmission = self.get_object()
        services.readmission_decider_check(access=self.access, readmission=readmission)
        data = ReAdmissionDecisionSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        readmission = services.readmission_decide(college=self.college, by=request.user, readmission=readmission,
                                                  **data.validated_data)
        return Response(ReAdmissionSerializer(readmission).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def document(self, request, college=None, pk=None):
        readmission = self.get_object()
        return FileResponse(readmission.document.open("rb"), as_attachment=True,
                            filename=f"readmission-{readmission.pk}.{readmission.document.name.rsplit('.', 1)[-1]}")
