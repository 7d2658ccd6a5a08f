"""The selected colleges of a round and what hangs on them (API.md ``/api/v1/monitoring/rounds/{id}/…``): colleges,
participants (excusals by the college administrator), seating, representatives (the ministry), acts (the assigned
representative), results (the ministry imports, everyone reads what they may see) and the documents' files.

Every list and object starts from ``selectors.round_colleges``: another region's college, act or result is not found
(404) for a regional department, as anything outside their colleges is for a representative or a college."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from attestation.audit import audit_log
from attestation.calendar import working_calendar
from attestation.errors import ApiError, error_item
from attestation.models import User

from .. import analytics, exports, rules, selectors
from ..models import Act, ExcusalReason, Participant, Representative, Result, RoundCollege
from ..services import acts as act_services
from ..services import participants as participant_services
from ..services import results as result_services
from .base import DocumentLinkSerializer, MonitoringViewMixin, document_link

COLLEGE_PARAMETER = OpenApiParameter("college", str, required=False, description="A college's code (slug).")


def _college_id(view, code: str | None) -> int | None:
    """The visible college of a ``college`` code given in a query or a body, or 404."""
    if not code:
        return None
    found = selectors.round_colleges(view.viewer, view.round).filter(college__slug=code).values_list(
        "college_id", flat=True).first()
    if found is None:
        raise ApiError(_("Not found."), [error_item("college", _("No such college among those you can see in this "
                                                                 "round."))], status_code=404)
    return found


# --- Colleges ------------------------------------------------------------------------------------------------------


class RoundCollegeSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="college.slug")
    name = serializers.CharField(source="college.name")
    participants = serializers.IntegerField(source="participants_count", read_only=True)
    excused = serializers.IntegerField(source="excused_count", read_only=True)
    acts = serializers.IntegerField(source="acts_count", read_only=True)
    results = serializers.SerializerMethodField()
    cancelled = serializers.BooleanField(source="is_cancelled")
    results_due = serializers.SerializerMethodField()
    results_late = serializers.SerializerMethodField()
    notice = serializers.SerializerMethodField()

    class Meta:
        model = RoundCollege
        fields = ["code", "name", "number", "region", "territory", "kind", "language", "band", "stratum",
                  "notified_at", "notice", "cancelled", "cancelled_at", "cancel_basis", "cancel_reason",
                  "participants", "excused", "acts", "results", "results_imported_at", "results_due", "results_late"]

    def get_results(self, rc) -> int:
        return self.context.get("results_counts", {}).get(rc.college_id, 0)

    def get_results_due(self, rc) -> str:
        return rules.results_due(testing_on=rc.round.testing_on, calendar=working_calendar()).isoformat()

    def get_results_late(self, rc) -> bool:
        """MON-23: the college's results came (or are still missing) after the 3 working days."""
        if rc.is_cancelled or rc.round.status in ("draft", "notified"):
            return False
        due = rules.results_due(testing_on=rc.round.testing_on, calendar=working_calendar())
        received = timezone.localtime(rc.results_imported_at).date() if rc.results_imported_at else None
        return (received or timezone.localdate()) > due

    @extend_schema_field(DocumentLinkSerializer(allow_null=True))
    def get_notice(self, rc):
        document = rc.notice_document
        return document_link(document, rc.round_id) if document else None


class RoundCollegeViewSet(MonitoringViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """The selected colleges of a round with their notice and counts (a region: its own)."""

    serializer_class = RoundCollegeSerializer
    lookup_field = "college__slug"
    lookup_url_kwarg = "code"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RoundCollege.objects.none()
        return selectors.round_colleges_overview(self.viewer, self.round).select_related("round", "notice_document")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["results_counts"] = selectors.results_counts(self.viewer, self.round)
        return context


# --- Participants (MON-08, MON-14) --------------------------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer):
    college = serializers.CharField(source="college.slug")
    group = serializers.CharField(source="group_name")
    excused = serializers.SerializerMethodField()
    reason = serializers.CharField(source="excusal_reason")
    note = serializers.CharField(source="excusal_note")
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = ["id", "college", "code", "full_name", "group", "program_code", "year_of_study", "cohort",
                  "language", "room", "seat", "status", "excused", "reason", "note", "excused_at", "file_url"]

    def get_excused(self, participant) -> bool:
        return participant.status == "excused"

    def get_file_url(self, participant) -> str | None:
        if not participant.excusal_file:
            return None
        return f"/api/v1/monitoring/rounds/{participant.round_id}/participants/{participant.pk}/file/"


class ExcusalSerializer(serializers.Serializer):
    participant = serializers.IntegerField()
    excused = serializers.BooleanField(default=True, help_text="false withdraws the excusal.")
    reason = serializers.ChoiceField(choices=ExcusalReason.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    file = serializers.FileField(required=False, help_text="The supporting document: PDF, JPEG or PNG.")


class ParticipantViewSet(MonitoringViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """Participants with their personal code (СЖК), room and seat; the college administrator excuses (MON-08)."""

    serializer_class = ParticipantSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Participant.objects.none()
        found = selectors.participants(self.viewer, self.round,
                                       college_id=_college_id(self, self.request.query_params.get("college")))
        wanted = self.request.query_params.get("status")
        return found.filter(status=wanted) if wanted else found

    @extend_schema(parameters=[COLLEGE_PARAMETER, OpenApiParameter("status", str, required=False)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": ExcusalSerializer, "application/json": ExcusalSerializer},
                   responses=ParticipantSerializer)
    def create(self, request, *args, **kwargs):
        """College administrator: excuse a participant with the reason and its document, or withdraw the excusal."""
        self.require(selectors.COLLEGE)
        data = ExcusalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        participant = selectors.participant_get(self.viewer, self.round, values["participant"])
        if values["excused"]:
            participant = participant_services.excusal_set(
                participant=participant, by=request.user, reason=values.get("reason", ""),
                note=values.get("note", ""), upload=values.get("file"))
        else:
            participant = participant_services.excusal_clear(participant=participant, by=request.user)
        return Response(ParticipantSerializer(participant).data, status=status.HTTP_200_OK)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def file(self, request, *args, **kwargs):
        """The supporting document of an excusal (the college and the authorities who see the college)."""
        participant = self.get_object()
        if not participant.excusal_file:
            raise ApiError(_("Not found."), [], status_code=404)
        audit_log(action="monitoring.export.excusal", college=participant.college_id, actor=request.user,
                  obj=participant, data={"round": participant.round_id, "code": participant.code})
        return FileResponse(participant.excusal_file.open("rb"), content_type=participant.excusal_file_type,
                            filename=participant.excusal_file.name.rsplit("/", 1)[-1])


class SeatingSerializer(serializers.Serializer):
    college = serializers.CharField(help_text="The college's code (slug).")
    rooms = serializers.ListField(child=serializers.DictField(), min_length=1,
                                  help_text='[{"room": "204", "seats": 25}, …]')


class SeatingView(MonitoringViewMixin, APIView):
    """College administrator: seat the testees room by room (MON-14); the seating sheet follows as PDF and XLSX."""

    @extend_schema(request=SeatingSerializer, responses={200: ParticipantSerializer(many=True)})
    def post(self, request, round_pk: int):
        self.require(selectors.COLLEGE)
        data = SeatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rc = selectors.round_college_get(self.viewer, self.round, _college_id(self, data.validated_data["college"]))
        rooms = []
        for index, room in enumerate(data.validated_data["rooms"]):
            seats = room.get("seats")
            if not isinstance(seats, int) or isinstance(seats, bool):
                raise ApiError(_("The request has errors; see the list."),
                               [error_item(f"rooms.{index}.seats", _("A whole number of seats."), "MON-14")])
            rooms.append(rules.Room(str(room.get("room", "")), seats))
        participant_services.seating_assign(round_college=rc, by=request.user, rooms=rooms)
        seated = selectors.participants(self.viewer, self.round, college_id=rc.college_id)
        return Response(ParticipantSerializer(seated, many=True).data)


# --- Representatives (MON-13) -------------------------------------------------------------------------------------


class RepresentativeSerializer(serializers.ModelSerializer):
    college = serializers.CharField(source="college.slug")
    user = serializers.CharField(source="user.username")
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Representative
        fields = ["id", "college", "user", "full_name", "assigned_at"]
        read_only_fields = ["assigned_at"]


class RepresentativeViewSet(MonitoringViewMixin, mixins.ListModelMixin, mixins.CreateModelMixin,
                            mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The ministry assigns its authorized representatives to selected colleges (MON-13)."""

    serializer_class = RepresentativeSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Representative.objects.none()
        return selectors.representatives(self.viewer, self.round)

    def create(self, request, *args, **kwargs):
        self.require(selectors.MINISTRY)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = User.objects.filter(username=values["user"]["username"]).first()
        if user is None:
            raise ApiError(_("The request has errors; see the list."),
                           [error_item("user", _("No account with this username."), "MON-13")])
        rc = selectors.round_college_get(self.viewer, self.round, _college_id(self, values["college"]["slug"]))
        assignment = act_services.representative_assign(round=self.round, by=request.user, user=user,
                                                        round_college=rc)
        return Response(RepresentativeSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        self.require(selectors.MINISTRY)
        act_services.representative_remove(assignment=instance, by=self.request.user)


# --- Acts (MON-16, MON-17) ------------------------------------------------------------------------------------------


class ActItemSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=200)
    make = serializers.CharField(max_length=200, required=False, allow_blank=True)
    count = serializers.IntegerField(min_value=1)


class ActSerializer(serializers.ModelSerializer):
    college = serializers.CharField(source="college.slug", read_only=True)
    participant = serializers.IntegerField(source="participant_id")
    code = serializers.CharField(source="testee_code", read_only=True)
    items = ActItemSerializer(many=True, required=False)
    drawn_up_by = serializers.ListField(child=serializers.CharField(max_length=255), required=False)
    representative = serializers.CharField(source="representative_name", read_only=True)
    testee_signature = serializers.CharField(required=False, allow_blank=True, write_only=True,
                                             help_text="The testee's signature drawn on the screen: a PNG data URL "
                                                       "(or a PNG file, multipart).")
    representative_signature = serializers.CharField(required=False, allow_blank=True, write_only=True,
                                                     help_text="The representative's signature, as above.")
    signed_scan = serializers.FileField(required=False, write_only=True,
                                        help_text="Instead of drawn signatures: the signed paper act (PDF/JPEG/PNG).")
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Act
        fields = ["id", "kind", "college", "participant", "code", "occurred_at", "room", "seat", "variant", "items",
                  "stage", "outsider_name", "decision", "drawn_up_by", "representative", "testee_name",
                  "testee_signed_name", "representative_signed_name", "testee_signature", "representative_signature",
                  "signed_scan", "documents", "created_at"]
        read_only_fields = ["decision", "testee_name", "created_at"]

    @extend_schema_field(DocumentLinkSerializer(many=True))
    def get_documents(self, act):
        documents = self.context.get("documents", {}).get(act.pk, [])
        return [document_link(d, act.round_id) for d in documents]


class ActViewSet(MonitoringViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                 viewsets.GenericViewSet):
    """Violation acts: the assigned representative records them on the testing day; each is a PDF in Kazakh and
    Russian, and annuls the participant's results."""

    serializer_class = ActSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Act.objects.none()
        return selectors.acts(self.viewer, self.round,
                              college_id=_college_id(self, self.request.query_params.get("college")))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and self.request.method == "GET":
            context["documents"] = self._documents([act.pk for act in self.get_queryset()])
        return context

    def _documents(self, act_ids: list[int]) -> dict[int, list]:
        from attestation.models import Document

        from ..documents import ACT

        by_act: dict[int, list] = {}
        for document in Document.objects.filter(kind=ACT.code, subject_id__in=act_ids).order_by("language"):
            by_act.setdefault(document.subject_id, []).append(document)
        return by_act

    @extend_schema(parameters=[COLLEGE_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        self.require(selectors.REPRESENTATIVE)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            participant = selectors.participant_get(self.viewer, self.round, values["participant_id"])
        except Http404:  # a participant outside the assigned colleges is simply not theirs
            raise ApiError(_("The act cannot be recorded."), [error_item(
                "participant", _("No such participant in the colleges you are assigned to in this round."),
                "MON-13")], status_code=422) from None
        files = request.FILES
        act = act_services.act_record(round=self.round, by=request.user, data=act_services.ActInput(
            kind=values["kind"], participant=participant, occurred_at=values.get("occurred_at"),
            room=values.get("room", ""), seat=values.get("seat"), variant=values.get("variant", ""),
            items=[dict(i) for i in values.get("items", [])], stage=values.get("stage", ""),
            outsider_name=values.get("outsider_name", ""), drawn_up_by=values.get("drawn_up_by", []),
            testee_signed_name=values.get("testee_signed_name", ""),
            representative_signed_name=values.get("representative_signed_name", ""),
            testee_signature=files.get("testee_signature") or values.get("testee_signature"),
            representative_signature=files.get("representative_signature") or values.get("representative_signature"),
            signed_scan=values.get("signed_scan")))
        context = {**self.get_serializer_context(), "documents": self._documents([act.pk])}
        return Response(ActSerializer(act, context=context).data, status=status.HTTP_201_CREATED)


# --- Results (MON-20, MON-22, MON-23) -------------------------------------------------------------------------------


class MonitoringResultSerializer(serializers.ModelSerializer):
    college = serializers.CharField(source="college.slug")
    code = serializers.CharField(source="participant.code")
    cohort = serializers.CharField(source="participant.cohort")
    annulled_by = serializers.IntegerField(source="annulled_by_id", read_only=True, allow_null=True,
                                           help_text="The act that annulled the result (MON-16, MON-17), or null.")

    class Meta:
        model = Result
        fields = ["id", "college", "code", "cohort", "subject", "variant", "score", "maximum", "annulled",
                  "annulled_by"]


class ResultsImportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    colleges = serializers.IntegerField()
    batch = serializers.IntegerField()


class ResultViewSet(MonitoringViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Results by personal code; the ministry imports the testing centre's file (all rows or none)."""

    serializer_class = MonitoringResultSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Result.objects.none()
        return selectors.results(self.viewer, self.round,
                                 college_id=_college_id(self, self.request.query_params.get("college")),
                                 subject=self.request.query_params.get("subject", ""))

    @extend_schema(parameters=[
        COLLEGE_PARAMETER, OpenApiParameter("subject", str, required=False),
        OpenApiParameter("cohort", str, required=False, enum=["general", "professional"]),
        OpenApiParameter("group_by", str, required=False, enum=list(analytics.GROUP_BY),
                         description="Aggregates of the summary rows instead of the results: per group the count, "
                                     "mean (% of the maximum), standard deviation, 95% confidence interval "
                                     "(t-based), distribution over tenths of the maximum, and the national mean "
                                     "(annulled results excluded; MON-24 … MON-26)."),
        OpenApiParameter("format", str, required=False, enum=["json", "csv", "xlsx"],
                         description="`csv` or `xlsx`: the aggregates (with `group_by`) or the results as a file.")],
        responses={200: OpenApiTypes.OBJECT})
    def list(self, request, *args, **kwargs):
        group_by = request.query_params.get("group_by")
        fmt = request.query_params.get("format", "json")
        if group_by is not None:
            return self._aggregates(request, group_by, fmt)
        if fmt in ("csv", "xlsx"):
            return self._file(request, fmt)
        return super().list(request, *args, **kwargs)

    def _aggregates(self, request, group_by: str, fmt: str):
        if group_by not in analytics.GROUP_BY:
            raise ApiError(_("Unknown grouping."), [error_item("group_by", _("One of: %(names)s.")
                                                               % {"names": ", ".join(analytics.GROUP_BY)})])
        cohort = request.query_params.get("cohort", "")
        found = analytics.analysis(self.viewer, self.round, group_by=group_by,
                                   subject=request.query_params.get("subject", ""),
                                   cohort=cohort if cohort in self.round.cohorts else "")
        if fmt in ("csv", "xlsx"):
            make = exports.analysis_csv if fmt == "csv" else exports.analysis_xlsx
            audit_log(action="monitoring.export.analytics", college=None, actor=request.user, obj=self.round,
                      data={"round": self.round.pk, "format": fmt, "group_by": group_by, "api": True})
            response = HttpResponse(make(found), content_type=exports.CSV if fmt == "csv" else exports.XLSX)
            response["Content-Disposition"] = f'attachment; filename="bbzhm-{self.round.year}-{group_by}.{fmt}"'
            return response
        return Response(aggregates_json(found))

    def _file(self, request, fmt: str):
        """The visible results as a file: CSV streamed whatever their number, XLSX up to XLSX_MAX_ROWS."""
        results = self.get_queryset()
        audit_log(action="monitoring.export.results", college=None, actor=request.user, obj=self.round,
                  data={"round": self.round.pk, "format": fmt})
        name = f"bbzhm-{self.round.year}-results.{fmt}"
        if fmt == "csv":
            response = StreamingHttpResponse(exports.results_csv_lines(results), content_type=exports.CSV)
        else:
            if results.count() > exports.XLSX_MAX_ROWS:
                raise ApiError(_("Too many results for a spreadsheet."), [error_item(
                    "format", _("At most %(max)s rows in XLSX: ask for CSV, or for one college.")
                    % {"max": exports.XLSX_MAX_ROWS})])
            response = HttpResponse(exports.results_xlsx(results), content_type=exports.XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={201: ResultsImportSerializer})
    def create(self, request, *args, **kwargs):
        """Ministry: import results (CSV or XLSX: personal code, subject or module, variant, score, maximum)."""
        self.require(selectors.MINISTRY)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(_("Nothing was imported."), [error_item("file", _("Attach a file in the field «file»."))])
        report = result_services.results_import(round=self.round, by=request.user, upload=upload)
        if not report.ok:
            raise ApiError(_("Nothing was imported: %(count)s error(s) in the file.") % {"count": report.error_count},
                           [e.as_api() for e in report.errors])
        return Response({"rows": report.rows, "created": report.created, "colleges": report.colleges,
                         "batch": report.batch.pk}, status=status.HTTP_201_CREATED)


def _figure(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def group_json(group: analytics.Group) -> dict:
    return {"key": group.key, "label": group.label, "count": group.n, "colleges": len(group.colleges),
            "annulled": group.sums.annulled, "mean": _figure(group.mean), "sd": _figure(group.sd),
            "ci95": [_figure(group.ci_low), _figure(group.ci_high)] if group.ci_low is not None else None,
            "difference": _figure(group.difference), "position": group.position,
            "distribution": group.sums.distribution}


def aggregates_json(found: analytics.Analysis) -> dict:
    """The aggregates of ``?group_by=``: the national figure is only a mean and a count for a region or a college."""
    national = {"count": found.national.n, "mean": _figure(found.national.mean)}
    return {"round": found.round.pk, "year": found.round.year, "group_by": found.group_by,
            "subject": found.subject or None, "cohort": found.cohort or None, "measure": "percent_of_maximum",
            "national": national, "total": group_json(found.total), "groups": [group_json(g) for g in found.groups]}


# --- Documents ----------------------------------------------------------------------------------------------------


class DocumentFileView(MonitoringViewMixin, APIView):
    """The PDF of a notice, seating sheet or act of a college the viewer sees."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, round_pk: int, pk: int):
        document = selectors.document_get(self.viewer, self.round, pk)
        if document.status != "ready":
            raise ApiError(_("The document is not ready yet."), [], status_code=409)
        audit_log(action="monitoring.export.document", college=document.college_id, actor=request.user,
                  obj=document, data={"round": self.round.pk, "kind": document.kind})
        response = FileResponse(document.file.open("rb"), content_type="application/pdf",
                                filename=f"{document.kind}-{document.pk}-{document.language}.pdf")
        response["X-Content-SHA256"] = document.sha256
        return response
