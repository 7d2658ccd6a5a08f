"""Commissions and their members (API.md: ``commissions``, ``commissions/{id}/members``,
``commissions/{id}/approve``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from attestation.api import CollegeRelatedField
from attestation.api_base import CollegeModelViewSet
from attestation.models import Campaign

from .. import selectors, services
from ..models import Commission, CommissionMember
from .base import STAFF, CommissionsApiMixin, _warnings


class CommissionMemberSerializer(serializers.ModelSerializer):
    user = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=150,
                                 help_text="Login of the member's portal account (optional): who signs in the portal.")
    votes = serializers.BooleanField(read_only=True)

    class Meta:
        model = CommissionMember
        fields = ["id", "full_name", "role", "affiliation", "organization", "position", "email", "user", "votes"]
        extra_kwargs = {"role": {"required": True}, "affiliation": {"required": True}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["user"] = instance.user.username if instance.user_id else None
        return data


class CommissionSerializer(serializers.ModelSerializer):
    members = CommissionMemberSerializer(many=True, read_only=True)
    order_document = serializers.PrimaryKeyRelatedField(read_only=True)
    warnings = serializers.JSONField(source="approval_warnings", read_only=True)

    class Meta:
        model = Commission
        fields = ["id", "kind", "campaign", "name", "order_number", "order_date", "status", "approved_at",
                  "members", "warnings", "order_document", "created_at"]


class CommissionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Commission.Kind.choices, default=Commission.Kind.FINAL)
    campaign = CollegeRelatedField(queryset=Campaign.objects, required=False, allow_null=True)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    order_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    order_date = serializers.DateField(required=False, allow_null=True, default=None)


class CommissionViewSet(CommissionsApiMixin, CollegeModelViewSet):
    """Final attestation and appeal commissions, formed by the head's order."""

    serializer_class = CommissionSerializer
    roles = STAFF

    def college_queryset(self):
        kind = self.request.query_params.get("kind", "")
        campaign = self.request.query_params.get("campaign", "")
        return selectors.commissions_list(college=self.college, kind=kind,
                                          campaign_id=int(campaign) if campaign.isdigit() else None
                                          ).prefetch_related("members__user")

    def _out(self, commission, code=status.HTTP_200_OK, warnings=None):
        commission = self.college_queryset().get(pk=commission.pk)
        data = CommissionSerializer(commission, context=self.get_serializer_context()).data
        if warnings is not None:
            data["warnings"] = _warnings(warnings)
        return Response(data, status=code)

    @extend_schema(request=CommissionInputSerializer, responses=CommissionSerializer)
    def create(self, request, *args, **kwargs):
        data = CommissionInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        commission = services.commission_create(college=self.college, by=request.user, **data.validated_data)
        return self._out(commission, status.HTTP_201_CREATED)

    @extend_schema(request=CommissionInputSerializer, responses=CommissionSerializer)
    def update(self, request, *args, **kwargs):
        commission = self.get_object()
        data = CommissionInputSerializer(data=request.data, partial=kwargs.get("partial", False),
                                         context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.commission_update(college=self.college, by=request.user, commission=commission,
                                   **data.validated_data)
        return self._out(commission)

    def perform_destroy(self, instance):
        services.commission_delete(college=self.college, by=self.request.user, commission=instance)

    @extend_schema(request=inline_serializer("ApproveRequest", {"language": serializers.CharField(required=False)}),
                   responses=CommissionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, college=None, pk=None):
        """Validates COM-02, COM-04, COM-05, COM-06 (APP-02/APP-03 for appeal commissions): 422 with every
        violation; on success the commission order PDF is issued. Warnings come back in ``warnings``."""
        language = request.data.get("language") if request.data.get("language") in ("kk", "ru") else None
        commission, warnings = services.commission_approve(college=self.college, by=request.user,
                                                           commission=self.get_object(), language=language)
        return self._out(commission, warnings=warnings)

    @extend_schema(request=None, responses=CommissionSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, college=None, pk=None):
        commission = services.commission_close(college=self.college, by=request.user, commission=self.get_object())
        return self._out(commission)


class CommissionMemberViewSet(CommissionsApiMixin, CollegeModelViewSet):
    """Members of a commission: chair, members, a non-voting secretary (COM-04)."""

    serializer_class = CommissionMemberSerializer
    roles = STAFF

    @property
    def commission(self) -> Commission:
        if not hasattr(self, "_commission"):
            self._commission = selectors.commission_get(college=self.college, pk=self.kwargs["commission_pk"])
        return self._commission

    def college_queryset(self):
        return selectors.members_list(college=self.college, commission=self.commission)

    def perform_create(self, serializer):
        serializer.instance = services.member_add(college=self.college, by=self.request.user,
                                                  commission=self.commission, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.member_update(college=self.college, by=self.request.user,
                                                     member=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.member_remove(college=self.college, by=self.request.user, member=instance)
