"""Sessions with their slots (API.md: ``exams``), schedules and their publication, and the students' slots.
The protocol of a session, under ``exams/{id}/protocol/``, is in ``protocols``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from attestation.api import CollegeRelatedField
from attestation.api_base import READ, WRITE, CollegeModelViewSet, CollegeReadOnlyViewSet
from attestation.models import AttemptReason, Discipline, Student

from .. import selectors, services
from ..models import Commission, Exam, ExamSlot, ForceMajeureDecision, Schedule
from ..services import ExamInput, SlotInput
from .base import CommissionsApiMixin, SlotSerializer, _warnings
from .protocols import ProtocolActionsMixin


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


class ExamViewSet(ProtocolActionsMixin, CommissionsApiMixin, CollegeModelViewSet):
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
