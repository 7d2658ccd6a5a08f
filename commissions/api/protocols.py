"""The protocol of a session (API.md: ``exams/{id}/protocol`` with ``sign`` and ``close``; extended with the
rows' draws, technical failures, derived results, amendments, extracts and the paper archive)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from attestation.api import CollegeRelatedField, DocumentSerializer
from attestation.audit import client_ip

from .. import rules, selectors, services
from ..models import Exam, Protocol, ProtocolResult
from .base import ResultSerializer, SlotSerializer, _language, _warnings, request_int


class ProtocolActionsMixin:
    """The protocol's actions of ``ExamViewSet`` (``exams/{id}/protocol/…``): read and saved by the commission's
    secretary or an administrator, signed by its members."""

    def _exam_for_protocol(self) -> Exam:
        exam = selectors.exam_get(college=self.college, pk=int(self.kwargs["pk"]))
        services.protocol_reader_check(access=self.access)
        return exam

    def _editor(self, exam: Exam) -> None:
        services.protocol_editor_check(access=self.access, exam=exam)

    def _protocol(self, exam: Exam) -> Protocol:
        protocol = selectors.protocol_of(college=self.college, exam=exam)
        if protocol is None:
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
            raise ValidationError({"signed_scan": [_("Attach the scan in the field «signed_scan».")]})
        services.protocol_scan_attach(college=self.college, by=request.user, protocol=self._protocol(exam),
                                      upload=upload)
        return self._protocol_response(exam)

    def _row(self, exam: Exam, protocol: Protocol) -> ProtocolResult:
        student = request_int(self.request.data, "student")
        row = ProtocolResult.objects.filter(college=self.college, protocol=protocol, student_id=student).select_related(
            "student").first()
        if row is None:
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
            raise PermissionDenied
        protocol = self._protocol(exam)
        data = RescheduleSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        row = self._row(exam, protocol)
        act = row.tech_failure_acts.first()
        if act is None:
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
