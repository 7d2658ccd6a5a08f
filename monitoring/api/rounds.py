"""Rounds (API.md ``/api/v1/monitoring/rounds/``): the ministry creates and runs them; a regional department reads
them, with their pool and draw (the public verification material of MON-10); representatives and college
administrators read the rounds where they have a college."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from attestation.audit import audit_log
from attestation.calendar import working_calendar
from attestation.errors import ApiError, error_item
from attestation.models import region_choices
from attestation.rules import RulesBroken, RuleViolation

from .. import exports, rules, selectors
from ..models import CancelBasis, Cohort, DrawVersion, Round, RoundCollege
from ..services import rounds as services
from .base import MonitoringViewMixin

FORMAT_PARAMETER = OpenApiParameter("format", str, enum=["json", "csv"], required=False,
                                    description="`csv`: the published file.")


class RoundSerializer(serializers.ModelSerializer):
    cohorts = serializers.ListField(child=serializers.ChoiceField(choices=Cohort.choices), allow_empty=True,
                                    help_text="`general` (2nd year) and/or `professional` (3rd year), MON-05.")
    share = serializers.DecimalField(max_digits=4, decimal_places=3, required=False,
                                     help_text="0.25: a quarter of the eligible colleges (MON-10).")
    seed = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                 help_text="PATCH publishes the seed of the next draw (after the pool is frozen); "
                                           "blank: 128 random bits.")
    status = serializers.ChoiceField(choices=Round.Status.choices, required=False,
                                     help_text="PATCH moves the round: notified, testing, analysed, cancelled.")
    basis = serializers.ChoiceField(choices=CancelBasis.choices, required=False, write_only=True,
                                    help_text="For `cancelled` (MON-11).")
    reason = serializers.CharField(required=False, write_only=True, allow_blank=True,
                                   help_text="For `cancelled` (MON-11).")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    pool_size = serializers.SerializerMethodField()
    draws = serializers.SerializerMethodField()
    selected = serializers.SerializerMethodField()
    notice_deadline = serializers.SerializerMethodField()
    results_due = serializers.SerializerMethodField()
    analysis_due = serializers.SerializerMethodField()
    results_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = ["id", "year", "testing_on", "cohorts", "share", "seed", "status", "status_label", "basis", "reason",
                  "pool_size", "pool_sha256", "pool_frozen_at", "seed_published_at", "draws", "selected",
                  "notice_on", "notice_deadline", "results_due", "results_overdue", "analysis_due", "results_at",
                  "cancel_basis", "cancel_reason", "created_at"]
        read_only_fields = ["pool_sha256", "pool_frozen_at", "seed_published_at", "notice_on", "results_at",
                            "cancel_basis", "cancel_reason", "created_at"]
        extra_kwargs = {"year": {"validators": []}}

    def get_pool_size(self, round) -> int:
        return len(round.pool)

    def get_draws(self, round) -> int:
        return round.draws.count()

    def get_selected(self, round) -> int | None:
        latest = services.latest_draw(round)
        return len(latest.selected) if latest else None

    def get_notice_deadline(self, round) -> str:
        return rules.notice_deadline(testing_on=round.testing_on).isoformat()

    def get_results_due(self, round) -> str:
        return rules.results_due(testing_on=round.testing_on, calendar=working_calendar()).isoformat()

    def get_analysis_due(self, round) -> str:
        return rules.analysis_due(testing_on=round.testing_on).isoformat()

    def get_results_overdue(self, round) -> bool:
        overdue = self.context.get("overdue")
        if overdue is None:
            viewer = self.context.get("viewer")
            overdue = services.overdue_round_ids(
                today=timezone.localdate(), calendar=working_calendar(),
                selected=selectors.visible_round_colleges(viewer) if viewer is not None else None)
            self.context["overdue"] = overdue
        return round.pk in overdue


class DrawSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="number")
    seed = serializers.CharField()
    share = serializers.DecimalField(max_digits=4, decimal_places=3)
    pool_sha256 = serializers.CharField()
    pool_size = serializers.IntegerField()
    total = serializers.IntegerField()
    drawn_at = serializers.DateTimeField()
    strata = serializers.SerializerMethodField()
    colleges = serializers.SerializerMethodField()

    def get_strata(self, version) -> list[dict]:
        return [{"key": s["key"], "pool": s["pool"], "quota": s["quota"], "selected": s["selected"],
                 "new": s["new"], "extra": s["extra"], "tiebreak": s["tiebreak"]} for s in version.result["strata"]]

    def get_colleges(self, version) -> list[dict]:
        return version.result["colleges"]


class DrawSummarySerializer(serializers.Serializer):
    version = serializers.IntegerField(source="number")
    seed = serializers.CharField()
    pool_sha256 = serializers.CharField()
    total = serializers.IntegerField()
    drawn_at = serializers.DateTimeField()


class PoolCollegeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The college's slug.")
    name = serializers.CharField()
    name_kk = serializers.CharField()
    name_ru = serializers.CharField()
    region = serializers.CharField()
    territory = serializers.CharField()
    kind = serializers.CharField()
    language = serializers.CharField()
    students = serializers.IntegerField()
    cohort_students = serializers.IntegerField()
    band = serializers.CharField()
    stratum = serializers.CharField()
    took_part = serializers.ListField(child=serializers.IntegerField())


class EmergencySerializer(serializers.Serializer):
    region = serializers.ChoiceField(choices=region_choices())
    colleges = serializers.ListField(child=serializers.CharField(), required=False,
                                     help_text="Codes (slugs) of some colleges of the region; all of them if empty.")
    basis = serializers.ChoiceField(choices=CancelBasis.choices)
    reason = serializers.CharField()


def _csv_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.CSV)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class RoundViewSet(MonitoringViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Monitoring rounds (MON-05 … MON-11)."""

    serializer_class = RoundSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Round.objects.none()
        return selectors.rounds(self.viewer)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["viewer"] = self.viewer
        return context

    def _answer(self, round: Round, warnings=(), code=status.HTTP_200_OK) -> Response:
        data = dict(RoundSerializer(round, context=self.get_serializer_context()).data)
        data["warnings"] = [error_item(w.field, w.message, w.rule) for w in warnings]
        return Response(data, status=code)

    @extend_schema(request=RoundSerializer, responses={201: RoundSerializer})
    def create(self, request, *args, **kwargs):
        self.require(selectors.MINISTRY)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("seed"):
            raise RulesBroken([RuleViolation("MON-10", _("The seed is published after the pool is frozen."), "seed")],
                              _("The round cannot be created."))
        round, warnings = services.round_create(by=request.user, year=values["year"], testing_on=values["testing_on"],
                                                cohorts=values["cohorts"],
                                                share=values.get("share", rules.SHARE_DECIMAL))
        return self._answer(round, warnings, status.HTTP_201_CREATED)

    @extend_schema(request=RoundSerializer, responses=RoundSerializer)
    def update(self, request, *args, **kwargs):
        self.require(selectors.MINISTRY)
        round = self.get_object()
        data = self.get_serializer(round, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        warnings = []
        settings_ = {k: values[k] for k in ("year", "testing_on", "cohorts", "share") if k in values}
        if settings_:
            round, warnings = services.round_update(round=round, by=request.user, **settings_)
        if "seed" in values:
            round = services.seed_publish(round=round, by=request.user, seed=values["seed"])
        if values.get("status") and values["status"] != round.status:
            round = round_transition(round=round, by=request.user, status_to=values["status"],
                                     basis=values.get("basis", ""), reason=values.get("reason", ""))
        return self._answer(round, warnings)

    def perform_destroy(self, instance):
        self.require(selectors.MINISTRY)
        services.round_delete(round=instance, by=self.request.user)

    # --- The pool ---------------------------------------------------------------------------------------------------

    @extend_schema(parameters=[FORMAT_PARAMETER], responses=PoolCollegeSerializer(many=True), methods=["GET"])
    @extend_schema(request=None, responses=RoundSerializer, methods=["POST"],
                   description="Ministry: freeze the pool of eligible colleges (MON-10).")
    @action(detail=True, methods=["get", "post"], url_path="pool")
    def pool(self, request, pk=None):
        round = self.get_object()
        if request.method == "POST":
            self.require(selectors.MINISTRY)
            return self._answer(services.pool_freeze(round=round, by=request.user))
        self.require(selectors.MINISTRY, selectors.REGION)
        if not round.pool_frozen_at:
            raise ApiError(_("The pool is not frozen yet."), [error_item("pool", _("Not frozen yet."), "MON-10")],
                           status_code=404)
        if request.query_params.get("format") == "csv":
            audit_log(action="monitoring.export.pool", college=None, actor=request.user, obj=round,
                      data={"round": round.pk, "pool_sha256": round.pool_sha256})
            return _csv_response(exports.round_pool_csv(round), f"bbzhm-{round.year}-pool.csv")
        language = (request.LANGUAGE_CODE or "kk")[:2]
        rows = [{**row, "name": row.get(f"name_{language}") or row["name_kk"]} for row in round.pool]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PoolCollegeSerializer(page, many=True).data)

    # --- The seed and the draw ---------------------------------------------------------------------------------------

    @extend_schema(request=inline_serializer("SeedInput", {"seed": serializers.CharField(required=False,
                                                                                           allow_blank=True)}),
                   responses=RoundSerializer)
    @action(detail=True, methods=["post"], url_path="seed")
    def seed(self, request, pk=None):
        self.require(selectors.MINISTRY)
        seed = request.data.get("seed", "") if hasattr(request.data, "get") else ""
        return self._answer(services.seed_publish(round=self.get_object(), by=request.user, seed=str(seed or "")))

    @extend_schema(parameters=[FORMAT_PARAMETER, OpenApiParameter("version", int, required=False)],
                   responses=DrawSerializer, methods=["GET"],
                   description="Without `version`: every version (newest first); with it, or as CSV: that version "
                               "(the latest by default).")
    @extend_schema(request=None, responses={201: DrawSerializer}, methods=["POST"],
                   description="Ministry: draw the sample on the frozen pool with the published seed (MON-10).")
    @action(detail=True, methods=["get", "post"], url_path="draw")
    def draw(self, request, pk=None):
        round = self.get_object()
        if request.method == "POST":
            self.require(selectors.MINISTRY)
            version = services.round_draw(round=round, by=request.user)
            return Response(DrawSerializer(version).data, status=status.HTTP_201_CREATED)
        self.require(selectors.MINISTRY, selectors.REGION)
        number = request.query_params.get("version")
        wanted = request.query_params.get("format") == "csv" or number
        if not wanted:
            versions = DrawVersion.objects.filter(round=round).order_by("-number")
            return Response({"count": versions.count(), "next": None, "previous": None,
                             "results": DrawSummarySerializer(versions, many=True).data})
        versions = DrawVersion.objects.filter(round=round)
        version = (versions.filter(number=int(number)) if str(number).isdigit() else versions.order_by("-number")
                   ).first()
        if version is None:
            raise NotFound()
        if request.query_params.get("format") == "csv":
            audit_log(action="monitoring.export.draw", college=None, actor=request.user, obj=round,
                      data={"round": round.pk, "version": version.number})
            return _csv_response(exports.draw_csv(version, round.pool),
                                 f"bbzhm-{round.year}-draw-v{version.number}.csv")
        return Response(DrawSerializer(version).data)

    # --- State changes -----------------------------------------------------------------------------------------------

    @extend_schema(request=inline_serializer("RoundTransition", {
        "status": serializers.ChoiceField(choices=["notified", "testing", "analysed", "cancelled"]),
        "basis": serializers.ChoiceField(choices=CancelBasis.choices, required=False),
        "reason": serializers.CharField(required=False)}), responses=RoundSerializer)
    @action(detail=True, methods=["post"], url_path="transition")
    def transition(self, request, pk=None):
        self.require(selectors.MINISTRY)
        target = str(request.data.get("status", ""))
        round = round_transition(round=self.get_object(), by=request.user, status_to=target,
                                 basis=str(request.data.get("basis", "")), reason=str(request.data.get("reason", "")))
        return self._answer(round)

    @extend_schema(request=EmergencySerializer, responses=RoundSerializer)
    @action(detail=True, methods=["post"], url_path="emergency")
    def emergency(self, request, pk=None):
        """Ministry: the testing is not held in a territory (MON-11)."""
        self.require(selectors.MINISTRY)
        round = self.get_object()
        data = EmergencySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        college_ids = None
        if values.get("colleges"):
            found = dict(RoundCollege.objects.with_scopes_disabled().filter(
                round=round, college__slug__in=values["colleges"]).values_list("college__slug", "college_id"))
            unknown = sorted(set(values["colleges"]) - set(found))
            if unknown:
                raise ApiError(_("The request has errors; see the list."), [error_item(
                    "colleges", _("Not selected in this round: %(codes)s.") % {"codes": ", ".join(unknown)},
                    "MON-11")])
            college_ids = list(found.values())
        services.territory_cancel(round=round, by=request.user, region=values["region"], basis=values["basis"],
                                  reason=values["reason"], college_ids=college_ids)
        return self._answer(selectors.round_get(self.viewer, round.pk))


def round_transition(*, round: Round, by, status_to: str, basis: str = "", reason: str = "") -> Round:
    """The state machine's moves a person asks for (``results`` comes with the first import)."""
    moves = {
        Round.Status.NOTIFIED: lambda: services.round_notify(round=round, by=by),
        Round.Status.TESTING: lambda: services.round_start_testing(round=round, by=by),
        Round.Status.ANALYSED: lambda: services.round_mark_analysed(round=round, by=by),
        Round.Status.CANCELLED: lambda: services.round_cancel(round=round, by=by, basis=basis, reason=reason),
    }
    if status_to not in moves:
        raise RulesBroken([RuleViolation("MON-22" if status_to == Round.Status.RESULTS else None,
                                         _("A round moves to «results» by importing results, and never back."
                                           ) if status_to == Round.Status.RESULTS else
                                         _("Unknown status «%(status)s».") % {"status": status_to}, "status")],
                          _("The round cannot be changed so."))
    return moves[status_to]()
