"""Diploma works with their review and presentation (API.md: ``diploma-works``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from attestation.api import CollegeRelatedField
from attestation.api_base import READ, WRITE, CollegeModelViewSet
from attestation.models import Campaign, Student
from attestation.selectors import campaign_of_group

from .. import selectors, services
from ..models import DiplomaWork
from .base import CommissionsApiMixin, _warnings


class DiplomaWorkSerializer(serializers.ModelSerializer):
    student = CollegeRelatedField(queryset=Student.objects)
    campaign = CollegeRelatedField(queryset=Campaign.objects, required=False,
                                   help_text="Defaults to the campaign of the student's group.")
    file = serializers.FileField(write_only=True, required=False)
    review = serializers.FileField(write_only=True, required=False)
    presentation = serializers.FileField(write_only=True, required=False)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = DiplomaWork
        fields = ["id", "student", "campaign", "topic", "kind", "supervisor", "file", "review", "presentation",
                  "file_sha256", "review_sha256", "presentation_sha256", "submitted_at", "late_warning", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["file_sha256", "review_sha256", "presentation_sha256", "submitted_at", "late_warning",
                            "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["complete"] = instance.is_complete
        data["files"] = {name: bool(getattr(instance, name)) for name in ("file", "review", "presentation")}
        return data


class DiplomaWorkViewSet(CommissionsApiMixin, CollegeModelViewSet):
    """Diploma works with review and presentation (DEF-06, ADM-03); files sniffed by content, kept outside the web
    root and served here after the permission check."""

    serializer_class = DiplomaWorkSerializer
    roles = {READ: {"admin", "staff"}, WRITE: {"admin", "staff"}}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def college_queryset(self):
        campaign = self.request.query_params.get("campaign", "")
        return selectors.diploma_works_list(college=self.college,
                                            campaign_id=int(campaign) if campaign.isdigit() else None)

    def _save(self, serializer, work=None):
        data = dict(serializer.validated_data)
        campaign = data.pop("campaign", None) or (work.campaign if work else None)
        student = data.pop("student", None) or work.student
        if campaign is None:
            campaign = campaign_of_group(college=self.college, group_id=student.group_id,
                                         on=self.college.today())
            if campaign is None:
                raise ValidationError({"campaign": [_("The student's group takes part in no campaign.")]})
        work, warnings = services.diploma_work_save(
            college=self.college, by=self.request.user, campaign=campaign, student=student,
            topic=data.get("topic", work.topic if work else ""),
            kind=data.get("kind", work.kind if work else "project"),
            supervisor=data.get("supervisor", work.supervisor if work else ""), file=data.get("file"),
            review=data.get("review"), presentation=data.get("presentation"), work=work,
            version=data.get("version"))
        self._warnings = warnings
        serializer.instance = work

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def finalize_response(self, request, response, *args, **kwargs):
        warnings = getattr(self, "_warnings", None)
        if warnings and isinstance(response.data, dict):
            response.data["warnings"] = _warnings(warnings)
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"files/<str:which>")
    def files(self, request, college=None, pk=None, which=None):
        work = self.get_object()
        if which not in ("file", "review", "presentation") or not getattr(work, which):
            raise Http404
        return FileResponse(getattr(work, which).open("rb"), as_attachment=True,
                            filename=f"diploma-{work.pk}-{which}.{getattr(work, which).name.rsplit('.', 1)[-1]}")
