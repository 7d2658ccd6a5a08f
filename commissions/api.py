"""REST API of commissions, the schedule, diploma works, sessions and protocols (API.md: ``commissions``,
``commissions/{id}/members``, ``commissions/{id}/approve``, ``diploma-works``, ``exams``, ``exams/{id}/protocol``
with ``sign`` and ``close``; extended with schedules, slots, re-admissions and force majeure decisions).

Views are thin: serializers check the shape of input, services apply the rules and write. Field names of the
contract are kept; everything else is an addition.
"""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from attestation.api import CollegeRelatedField, DocumentSerializer
from attestation.api_base import READ, WRITE, CollegeModelViewSet, CollegeReadOnlyViewSet, CollegeViewSetMixin
from attestation.audit import client_ip
from attestation.errors import Conflict, error_item
from attestation.models import AttemptReason, Campaign, Discipline, Student

from . import rules, selectors, services
from .models import (
    Commission,
    CommissionMember,
    DiplomaWork,
    Exam,
    ExamSlot,
    ForceMajeureDecision,
    Protocol,
    ProtocolLocked,
    ProtocolResult,
    ReAdmission,
    Schedule,
)
from .services import ExamInput, SlotInput, VersionConflict

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


# --- Commissions and members ---------------------------------------------------------------------------------------


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


# --- Diploma works ----------------------------------------------------------------------------------------------------


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
            from attestation.selectors import campaign_of_group

            campaign = campaign_of_group(college=self.college, group_id=student.group_id,
                                         on=self.college.today())
            if campaign is None:
                from django.core.exceptions import ValidationError

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
            from django.http import Http404

            raise Http404
        return FileResponse(getattr(work, which).open("rb"), as_attachment=True,
                            filename=f"diploma-{work.pk}-{which}.{getattr(work, which).name.rsplit('.', 1)[-1]}")


# --- Exams and slots --------------------------------------------------------------------------------------------------


class SlotSerializer(serializers.ModelSerializer):
    student = CollegeRelatedField(queryset=Student.objects)
    attempt_reason = serializers.ChoiceField(choices=AttemptReason.choices, default=AttemptReason.FIRST)

    class Meta:
        model = ExamSlot
        fields = ["id", "student", "starts_at", "minutes", "report_minutes", "attempt_reason", "diploma_work",
                  "procedure_confirmed_at"]
        read_only_fields = ["diploma_work", "procedure_confirmed_at"]
        extra_kwargs = {"minutes": {"min_value": 1, "max_value": 600}}


class ExamSerializer(serializers.ModelSerializer):
    commission = CollegeRelatedField(queryset=Commission.objects)
    discipline = CollegeRelatedField(queryset=Discipline.objects, required=False, allow_null=True)
    slots = SlotSerializer(many=True)
    version = serializers.IntegerField(required=False)
    force_majeure = CollegeRelatedField(queryset=ForceMajeureDecision.objects, required=False, allow_null=True,
                                        help_text="A decision changing the form after publication (EXE-01).")

    class Meta:
        model = Exam
        fields = ["id", "schedule", "commission", "form", "mode", "discipline", "title", "starts_at", "ends_at",
                  "room", "preparation_minutes", "deliberation_minutes", "ticket_count", "medical_agreement_ref",
                  "is_resit", "procedure", "procedure_sent_at", "force_majeure", "slots", "version", "created_at"]
        read_only_fields = ["schedule", "procedure_sent_at", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        protocol = getattr(instance, "protocol", None)
        data["protocol"] = {"status": protocol.status, "version": protocol.version} if protocol else None
        return data


class ExamViewSet(CommissionsApiMixin, CollegeModelViewSet):
    """Scheduled sessions (exams and defences) with per-student slots; their protocols below
    ``exams/{id}/protocol/``. Validates SCH-02/03/04/05/08, DEF-04/05, ADM-02/03, COM-01 (422, all at once)."""

    serializer_class = ExamSerializer
    roles = {READ: {"admin", "staff"}, WRITE: {"admin"},
             **{name: {"admin", "staff"} for name in (
                 "protocol", "protocol_open", "protocol_sign", "protocol_close", "protocol_scan", "protocol_draw",
                 "protocol_tech_failure", "protocol_derive", "protocol_amend", "protocol_extract",
                 "protocol_document", "protocol_archive", "protocol_reschedule")}}

    def college_queryset(self):
        schedule = self.request.query_params.get("schedule", "")
        commission = self.request.query_params.get("commission", "")
        return (selectors.exams_list(college=self.college,
                                     schedule_id=int(schedule) if schedule.isdigit() else None,
                                     commission_id=int(commission) if commission.isdigit() else None)
                .prefetch_related("slots", "protocols"))

    def _input(self, data: dict) -> ExamInput:
        slots = [SlotInput(s["student"], s["starts_at"], s["minutes"], s.get("report_minutes"),
                           s.get("attempt_reason", AttemptReason.FIRST)) for s in data.pop("slots", [])]
        for slot in slots:
            # select_related for the rules: the student's program
            slot.student = Student.objects.select_related("group__program").get(pk=slot.student.pk)
        data.pop("version", None)
        data.pop("force_majeure", None)
        return ExamInput(slots=slots, **data)

    def _respond(self, exam, warnings, code):
        exam = self.college_queryset().get(pk=exam.pk)
        data = ExamSerializer(exam, context=self.get_serializer_context()).data
        data["warnings"] = _warnings(warnings)
        return Response(data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = ExamSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        exam, warnings = services.exam_save(college=self.college, by=request.user,
                                            data=self._input(dict(serializer.validated_data)))
        return self._respond(exam, warnings, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        exam = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = ExamSerializer(exam, data=request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.get("version")
        decision = data.get("force_majeure")
        current = {name: getattr(exam, name) for name in (
            "commission", "form", "mode", "discipline", "title", "starts_at", "ends_at", "room",
            "preparation_minutes", "deliberation_minutes", "ticket_count", "medical_agreement_ref", "is_resit",
            "procedure")}
        if "slots" not in data:
            data["slots"] = [{"student": s.student, "starts_at": s.starts_at, "minutes": s.minutes,
                              "report_minutes": s.report_minutes, "attempt_reason": s.attempt_reason}
                             for s in exam.slots.select_related("student")]
        merged = {**current, **data}
        exam, warnings = services.exam_save(college=self.college, by=request.user, data=self._input(merged),
                                            exam=exam, version=version, force_majeure=decision)
        return self._respond(exam, warnings, status.HTTP_200_OK)

    def perform_destroy(self, instance):
        services.exam_delete(college=self.college, by=self.request.user, exam=instance)

    @extend_schema(request=inline_serializer("ProcedureRequest", {"procedure": serializers.CharField(required=False)}),
                   responses=ExamSerializer)
    @action(detail=True, methods=["post"])
    def procedure(self, request, college=None, pk=None):
        """DIST-09: send the procedure of a distance session to its students, with read confirmation."""
        exam, warnings, sent = services.procedure_send(college=self.college, by=request.user, exam=self.get_object(),
                                                       procedure=request.data.get("procedure"))
        response = self._respond(exam, warnings, status.HTTP_200_OK)
        response.data["students_notified"] = sent
        return response

    # --- the protocol ---

    def _exam_for_protocol(self) -> Exam:
        exam = selectors.exam_get(college=self.college, pk=int(self.kwargs["pk"]))
        services.protocol_reader_check(access=self.access)
        return exam

    def _editor(self, exam: Exam) -> None:
        services.protocol_editor_check(access=self.access, exam=exam)

    def _protocol(self, exam: Exam) -> Protocol:
        protocol = selectors.protocol_of(college=self.college, exam=exam)
        if protocol is None:
            from django.http import Http404

            raise Http404
        return protocol

    def _protocol_response(self, exam: Exam, code=status.HTTP_200_OK, warnings=None) -> Response:
        protocol = selectors.protocol_full(college=self.college, exam=exam)
        data = ProtocolSerializer(protocol, context={**self.get_serializer_context(), "college": self.college}).data
        if warnings is not None:
            data["warnings"] = _warnings(warnings)
        return Response(data, status=code)

    @extend_schema(methods=["GET"], responses=OpenApiTypes.OBJECT)
    @extend_schema(methods=["PUT"], request=inline_serializer("ProtocolPut", {
        "version": serializers.IntegerField(),
        "attendance": serializers.ListField(child=serializers.DictField(), required=False),
        "results": serializers.ListField(child=serializers.DictField(), required=False),
        "notes": serializers.CharField(required=False), "recording_ref": serializers.CharField(required=False)}),
        responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get", "put"], url_path="protocol")
    def protocol(self, request, college=None, pk=None):
        """The session protocol: attendance, per-student results (percent, questions, notes), signatures,
        ``version``. PUT applies the rows sent; a row changed by someone else after ``version`` → 409."""
        exam = self._exam_for_protocol()
        protocol = self._protocol(exam)
        if request.method == "GET":
            return self._protocol_response(exam)
        self._editor(exam)
        data = ProtocolPutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.protocol_put(college=self.college, by=request.user, protocol=protocol, version=values["version"],
                              attendance=values.get("attendance", []), results=values.get("results", []),
                              notes=values.get("notes"), recording_ref=values.get("recording_ref"))
        return self._protocol_response(exam)

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/open")
    def protocol_open(self, request, college=None, pk=None):
        exam = self._exam_for_protocol()
        self._editor(exam)
        existed = selectors.protocol_of(college=self.college, exam=exam) is not None
        services.protocol_open(college=self.college, by=request.user, exam=exam)
        return self._protocol_response(exam, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/sign")
    def protocol_sign(self, request, college=None, pk=None):
        """The requesting user signs as the member linked to them; others 403."""
        exam = self._exam_for_protocol()
        services.protocol_sign(college=self.college, by=request.user, protocol=self._protocol(exam),
                               ip=client_ip(request))
        return self._protocol_response(exam)

    @extend_schema(request={"multipart/form-data": inline_serializer("CloseRequest", {
        "signed_scan": serializers.FileField(required=False), "language": serializers.CharField(required=False)})},
        responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/close",
            parser_classes=[MultiPartParser, FormParser, JSONParser])
    def protocol_close(self, request, college=None, pk=None):
        """Quorum and signatures (or the signed scan) checked; the protocol locks for good, results become official
        and are published; the protocol PDF is queued."""
        exam = self._exam_for_protocol()
        self._editor(exam)
        protocol, warnings = services.protocol_close(
            college=self.college, by=request.user, protocol=self._protocol(exam),
            scan=request.FILES.get("signed_scan"), language=request.data.get("language"))
        return self._protocol_response(exam, warnings=warnings)

    @extend_schema(request={"multipart/form-data": inline_serializer("ScanRequest", {
        "signed_scan": serializers.FileField()})}, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/scan", parser_classes=[MultiPartParser, FormParser])
    def protocol_scan(self, request, college=None, pk=None):
        exam = self._exam_for_protocol()
        self._editor(exam)
        upload = request.FILES.get("signed_scan")
        if upload is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"signed_scan": [_("Attach the scan in the field «signed_scan».")]})
        services.protocol_scan_attach(college=self.college, by=request.user, protocol=self._protocol(exam),
                                      upload=upload)
        return self._protocol_response(exam)

    def _row(self, exam: Exam, protocol: Protocol) -> ProtocolResult:
        student = request_int(self.request.data, "student")
        row = ProtocolResult.objects.filter(college=self.college, protocol=protocol, student_id=student).select_related(
            "student").first()
        if row is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"student": [_("The student has no slot in this session.")]})
        return row

    @extend_schema(request=inline_serializer("DrawRequest", {"student": serializers.IntegerField()}),
                   responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/draw")
    def protocol_draw(self, request, college=None, pk=None):
        """DIST-13: a ticket drawn at random for the student, recorded."""
        exam = self._exam_for_protocol()
        self._editor(exam)
        protocol = self._protocol(exam)
        draw = services.protocol_ticket_draw(college=self.college, by=request.user, result=self._row(exam, protocol))
        return Response({"student": draw.result.student_id, "ticket": draw.ticket_number, "of": draw.bank_size,
                         "drawn_at": draw.drawn_at}, status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("TechFailureRequest", {
        "student": serializers.IntegerField(), "description": serializers.CharField(),
        "occurred_at": serializers.DateTimeField(required=False)}), responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/tech-failure")
    def protocol_tech_failure(self, request, college=None, pk=None):
        """DIST-07: the technical failure act, sent to every member; the student is rescheduled after."""
        exam = self._exam_for_protocol()
        self._editor(exam)
        protocol = self._protocol(exam)
        data = TechFailureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        act = services.protocol_tech_failure(college=self.college, by=request.user, result=self._row(exam, protocol),
                                             description=data.validated_data["description"],
                                             occurred_at=data.validated_data.get("occurred_at"))
        return Response({"act": act.pk, "document": act.document_id, "deliveries": act.deliveries},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("RescheduleRequest", {
        "student": serializers.IntegerField(), "exam": serializers.IntegerField(),
        "starts_at": serializers.DateTimeField(), "minutes": serializers.IntegerField(),
        "report_minutes": serializers.IntegerField(required=False)}), responses=SlotSerializer)
    @action(detail=True, methods=["post"], url_path="protocol/reschedule")
    def protocol_reschedule(self, request, college=None, pk=None):
        """DIST-07: a new slot after a technical failure (not a retake)."""
        exam = self._exam_for_protocol()
        if not self.access.is_admin:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        protocol = self._protocol(exam)
        data = RescheduleSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        row = self._row(exam, protocol)
        act = row.tech_failure_acts.first()
        if act is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"student": [_("No technical failure act for this student.")]})
        slot = services.tech_failure_reschedule(college=self.college, by=request.user, act=act,
                                                exam=data.validated_data["exam"],
                                                starts_at=data.validated_data["starts_at"],
                                                minutes=data.validated_data["minutes"],
                                                report_minutes=data.validated_data.get("report_minutes"))
        return Response(SlotSerializer(slot).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("DeriveRequest", {
        "student": serializers.IntegerField(), "decision": serializers.IntegerField(),
        "percent": serializers.DecimalField(max_digits=6, decimal_places=2, required=False),
        "disciplines": serializers.ListField(child=serializers.IntegerField(), required=False)}),
        responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/derive")
    def protocol_derive(self, request, college=None, pk=None):
        """DIST-17 / EXE-01: a result derived under a force majeure decision (marked derived)."""
        exam = self._exam_for_protocol()
        self._editor(exam)
        protocol = self._protocol(exam)
        decision = selectors.decision_get(college=self.college, pk=request_int(request.data, "decision"))
        disciplines = request.data.get("disciplines") or None
        services.protocol_derive(college=self.college, by=request.user, result=self._row(exam, protocol),
                                 decision=decision, percent=request.data.get("percent"),
                                 disciplines=[int(d) for d in disciplines] if disciplines else None)
        return self._protocol_response(exam)

    @extend_schema(request=inline_serializer("AmendRequest", {
        "student": serializers.IntegerField(), "field": serializers.ChoiceField(["percent", "questions", "notes"]),
        "value": serializers.CharField(), "reason": serializers.CharField()}), responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/amend")
    def protocol_amend(self, request, college=None, pk=None):
        """A correction of a closed protocol: an amendment with its reason (audited); the grade follows."""
        exam = self._exam_for_protocol()
        self._editor(exam)
        protocol = self._protocol(exam)
        amendment = services.protocol_amend(college=self.college, by=request.user, result=self._row(exam, protocol),
                                            field_name=request.data.get("field", ""), value=request.data.get("value"),
                                            reason=request.data.get("reason", ""))
        return Response({"id": amendment.pk, "field": amendment.field, "old": amendment.old_value,
                         "new": amendment.new_value, "reason": amendment.reason}, status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("ExtractRequest", {
        "student": serializers.IntegerField(), "language": serializers.CharField(required=False)}),
        responses=DocumentSerializer)
    @action(detail=True, methods=["post"], url_path="protocol/extract")
    def protocol_extract(self, request, college=None, pk=None):
        exam = self._exam_for_protocol()
        protocol = self._protocol(exam)
        document = services.protocol_extract(college=self.college, by=request.user, result=self._row(exam, protocol),
                                             language=_language(request))
        return Response(DocumentSerializer(document, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("ProtocolDocumentRequest", {
        "language": serializers.CharField(required=False)}), responses=DocumentSerializer)
    @action(detail=True, methods=["post"], url_path="protocol/document")
    def protocol_document(self, request, college=None, pk=None):
        exam = self._exam_for_protocol()
        document = services.protocol_document(college=self.college, by=request.user, protocol=self._protocol(exam),
                                              language=_language(request))
        return Response(DocumentSerializer(document, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("ArchiveRequest", {"archive_ref": serializers.CharField()}),
                   responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="protocol/archive")
    def protocol_archive(self, request, college=None, pk=None):
        """DIST-08: the paper copy is archived (reference recorded)."""
        exam = self._exam_for_protocol()
        self._editor(exam)
        services.protocol_archive(college=self.college, by=request.user, protocol=self._protocol(exam),
                                  archive_ref=str(request.data.get("archive_ref", "")))
        return self._protocol_response(exam)


def request_int(data, name: str) -> int:
    value = data.get(name)
    try:
        return int(value)
    except (TypeError, ValueError):
        from django.core.exceptions import ValidationError

        raise ValidationError({name: [_("A number is required.")]}) from None


def _language(request) -> str:
    language = request.data.get("language") or (request.LANGUAGE_CODE or "kk")[:2]
    return language if language in ("kk", "ru", "en") else "kk"


class TechFailureSerializer(serializers.Serializer):
    student = serializers.IntegerField()
    description = serializers.CharField()
    occurred_at = serializers.DateTimeField(required=False)


class RescheduleSerializer(serializers.Serializer):
    student = serializers.IntegerField()
    exam = CollegeRelatedField(queryset=Exam.objects)
    starts_at = serializers.DateTimeField()
    minutes = serializers.IntegerField(min_value=1, max_value=600)
    report_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ProtocolPutSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    attendance = serializers.ListField(child=serializers.DictField(), required=False)
    results = serializers.ListField(child=serializers.DictField(), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    recording_ref = serializers.CharField(required=False, allow_blank=True)

    def validate_results(self, items):
        for item in items:
            if not isinstance(item.get("student"), int):
                raise serializers.ValidationError(_("Each result names its student (an id)."))
            if "version" in item and not isinstance(item["version"], int):
                raise serializers.ValidationError(_("A row version is a number."))
        return items

    def validate_attendance(self, items):
        for item in items:
            if not isinstance(item.get("member"), int):
                raise serializers.ValidationError(_("Each attendance item names its member (an id)."))
        return items


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


class ProtocolSerializer(serializers.ModelSerializer):
    def to_representation(self, protocol):
        college = self.context["college"]
        exam = protocol.exam
        state = services.protocol_state(college=college, protocol=protocol)
        valid = {s.member_id for s in protocol.signatures.all() if s.protocol_version == protocol.version}
        return {
            "id": protocol.pk, "exam": exam.pk, "number": protocol.number, "status": protocol.status,
            "version": protocol.version, "mode": exam.mode,
            "distance_statement": rules.distance_statement(mode=exam.mode, language=protocol.language),
            "opened_at": protocol.opened_at, "closed_at": protocol.closed_at, "announced_on": protocol.announced_on,
            "notes": protocol.notes, "recording_ref": protocol.recording_ref,
            "quorum": {"present": state.present, "voting": state.voting, "required": state.quorum,
                       "met": state.voting > 0 and 3 * state.present >= 2 * state.voting},
            "attendance": [{"member": a.member_id, "full_name": a.member.full_name, "role": a.member.role,
                            "votes": a.member.votes, "present": a.present, "version": a.version}
                           for a in protocol.attendance.all()],
            "results": ResultSerializer(protocol.results.all(), many=True).data,
            "signatures": [{"member": s.member_id, "full_name": s.member.full_name, "signed_at": s.signed_at,
                            "version": s.protocol_version, "valid": s.member_id in valid}
                           for s in protocol.signatures.all()],
            "signed_scan": bool(protocol.signed_scan),
            "amendments": [{"id": a.pk, "result": a.result_id, "field": a.field, "old": a.old_value,
                            "new": a.new_value, "reason": a.reason, "created_at": a.created_at}
                           for a in protocol.amendments.all()],
            "can_close": protocol.status == Protocol.Status.OPEN and not state.errors,
            "problems": _warnings(state.errors), "warnings": _warnings(state.warnings),
            "document": protocol.document_id,
        }

    class Meta:
        model = Protocol
        fields = ["id"]


# --- Schedules, slots -------------------------------------------------------------------------------------------------


class ScheduleSerializer(serializers.ModelSerializer):
    exam_count = serializers.IntegerField(read_only=True)
    warnings = serializers.JSONField(source="publish_warnings", read_only=True)

    class Meta:
        model = Schedule
        fields = ["id", "campaign", "status", "published_at", "exam_count", "warnings", "document", "created_at"]


class ScheduleViewSet(CommissionsApiMixin, CollegeReadOnlyViewSet):
    """A campaign's schedule: publishing notifies every student (SCH-05 checked)."""

    serializer_class = ScheduleSerializer
    roles = {READ: {"admin", "staff"}, WRITE: {"admin"}}

    def college_queryset(self):
        return selectors.schedules_list(college=self.college)

    @extend_schema(request=inline_serializer("PublishRequest", {"language": serializers.CharField(required=False)}),
                   responses=ScheduleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, college=None, pk=None):
        language = request.data.get("language") if request.data.get("language") in ("kk", "ru") else None
        schedule, warnings, notified = services.schedule_publish(college=self.college, by=request.user,
                                                                 schedule=self.get_object(), language=language)
        data = ScheduleSerializer(self.college_queryset().get(pk=schedule.pk)).data
        data["warnings"] = _warnings(warnings)
        data["students_notified"] = notified
        return Response(data)


class StudentSlotSerializer(serializers.ModelSerializer):
    exam = serializers.SerializerMethodField()

    class Meta:
        model = ExamSlot
        fields = ["id", "student", "exam", "starts_at", "minutes", "report_minutes", "attempt_reason",
                  "procedure_confirmed_at"]

    def get_exam(self, slot) -> dict:
        exam = slot.exam
        return {"id": exam.pk, "form": exam.form, "mode": exam.mode, "title": str(exam), "room": exam.room,
                "starts_at": exam.starts_at, "ends_at": exam.ends_at,
                "discipline": exam.discipline_id, "procedure": exam.procedure if exam.procedure_sent_at else "",
                "procedure_sent_at": exam.procedure_sent_at}


class SlotViewSet(CommissionsApiMixin, CollegeReadOnlyViewSet):
    """Slots: a student sees their own (published schedules); staff see all."""

    serializer_class = StudentSlotSerializer
    # The object is looked up first (another college's slot: 404); the service lets only its student confirm.
    roles = {READ: {"admin", "staff", "student"}, WRITE: {"student"},
             "confirm_procedure": {"admin", "staff", "student"}}

    def college_queryset(self):
        return selectors.slots_for_access(access=self.access)

    @extend_schema(request=None, responses=StudentSlotSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-procedure")
    def confirm_procedure(self, request, college=None, pk=None):
        """DIST-09: the student confirms having read the procedure of a distance session."""
        slot = services.procedure_confirm(college=self.college, by=request.user, slot=self.get_object())
        return Response(StudentSlotSerializer(slot).data)


# --- Re-admission, force majeure --------------------------------------------------------------------------------------


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
            from django.http import Http404

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

