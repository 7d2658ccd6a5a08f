"""The commission's force majeure decisions (EXE-01, DIST-17)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from attestation.api import CollegeRelatedField
from attestation.api_base import READ, WRITE, CollegeReadOnlyViewSet

from .. import selectors, services
from ..models import Commission, ForceMajeureDecision
from .base import CommissionsApiMixin, _warnings, request_int
from .schedule import ExamSerializer


class ForceMajeureDecisionSerializer(serializers.ModelSerializer):
    commission = CollegeRelatedField(queryset=Commission.objects)
    authority_document = serializers.FileField(write_only=True, required=False)

    class Meta:
        model = ForceMajeureDecision
        fields = ["id", "commission", "trigger", "authority_decision_ref", "authority_decision_date",
                  "authority_document", "decision_ref", "decided_on", "changes_form", "new_form", "new_mode",
                  "derives_results", "description", "created_at"]
        read_only_fields = ["created_at"]


class ForceMajeureViewSet(CommissionsApiMixin, mixins.CreateModelMixin, CollegeReadOnlyViewSet):
    """EXE-01 / DIST-17: the commission's force majeure decisions, linked to the authorities' decision."""

    serializer_class = ForceMajeureDecisionSerializer
    roles = {READ: {"admin", "staff"}, WRITE: {"admin"}}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def college_queryset(self):
        return selectors.decisions_list(college=self.college)

    def perform_create(self, serializer):
        serializer.instance = services.force_majeure_create(college=self.college, by=self.request.user,
                                                            **serializer.validated_data)

    @extend_schema(request=inline_serializer("ApplyRequest", {"exam": serializers.IntegerField()}),
                   responses=ExamSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, college=None, pk=None):
        """Change the form and/or mode of a session by the decision (EXE-01)."""
        decision = self.get_object()
        exam = selectors.exam_get(college=self.college, pk=request_int(request.data, "exam"))
        exam, warnings = services.force_majeure_apply_form(college=self.college, by=request.user, decision=decision,
                                                           exam=exam)
        data = ExamSerializer(exam, context=self.get_serializer_context()).data
        data["warnings"] = _warnings(warnings)
        return Response(data)
