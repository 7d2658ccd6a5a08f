"""REST API of the grading app (API.md: admissions, honours, decisions, results; extended with admission orders,
decision batches and individual attestations). Views are thin: serializers check the shape of input, selectors
read, services apply the rules and write."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from attestation.api import CollegeRelatedField
from attestation.api_base import READ, WRITE, CollegeReadOnlyViewSet, CollegeViewSetMixin, IdempotentCreateMixin
from attestation.errors import ApiError, error_item
from attestation.models import Campaign, Document, Group, Student, TranscriptEntry
from attestation.rules import RulesBroken

from . import rules, selectors, services
from .models import AdmissionOrder, DecisionBatch, DiplomaDecision, IndividualAttestation

GROUP_PARAM = OpenApiParameter("group", OpenApiTypes.INT, description="Only the students of this group.")
STUDENT_PARAM = OpenApiParameter("student", OpenApiTypes.INT, description="Only this student.")


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() else None


def rules_response(exc: RulesBroken) -> Response:
    """422 in the one error shape, each error keeping the student and the open components it is about."""
    errors = []
    for violation in exc.violations:
        extra = {}
        if getattr(violation, "student", None) is not None:
            extra["student"] = violation.student
        if getattr(violation, "debts", None):
            extra["debts"] = [_debt(d) for d in violation.debts]
        errors.append(error_item(violation.field, violation.message, violation.rule, **extra))
    return Response({"detail": exc.detail, "errors": errors}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)


def _debt(debt: rules.Debt) -> dict:
    return {"discipline": debt.discipline_id, "code": debt.code, "name": debt.name, "reason": debt.reason,
            "reason_label": debt.reason_label}


class DocumentLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    url = serializers.SerializerMethodField()
    verify_url = serializers.CharField()

    def get_url(self, document: Document) -> str | None:
        if document.status != Document.Status.READY:
            return None
        request = self.context.get("request")
        path = f"/api/v1/colleges/{self.context['college'].slug}/documents/{document.pk}/file/"
        return request.build_absolute_uri(path) if request else path


# --- Admissions (ADM-01, ADM-02) --------------------------------------------------------------------------------


class DebtSerializer(serializers.Serializer):
    discipline = serializers.IntegerField(source="discipline_id")
    code = serializers.CharField()
    name = serializers.CharField()
    reason = serializers.ChoiceField(choices=list(rules.DEBT_REASONS))
    reason_label = serializers.CharField()


class AdmissionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="student_id", help_text="The student's id.")
    student = serializers.IntegerField(source="student_id")
    student_name = serializers.CharField(source="full_name")
    group = serializers.IntegerField(source="group_id")
    group_name = serializers.CharField()
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    eligible = serializers.BooleanField()
    debts = DebtSerializer(many=True)
    admitted = serializers.BooleanField()
    order = serializers.SerializerMethodField()

    def get_order(self, evaluation) -> dict | None:
        admission = evaluation.admission
        if admission is None:
            return None
        return {"id": admission.order_id, "number": admission.number, "order_date": admission.order_date,
                "kind": admission.kind}


class AdmissionOrderSerializer(serializers.ModelSerializer):
    students = serializers.SerializerMethodField()
    revoked = serializers.SerializerMethodField()
    document = serializers.SerializerMethodField()
    supplements = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = AdmissionOrder
        fields = ["id", "number", "order_date", "kind", "campaign", "group", "supplements", "students", "revoked",
                  "document", "created_at"]

    def get_students(self, order) -> list[int]:
        return sorted(a.student_id for a in order.admissions.all())

    def get_revoked(self, order) -> list[int]:
        return sorted(a.student_id for a in order.revocations.all())

    def get_document(self, order) -> dict | None:
        return DocumentLinkSerializer(order.document, context=self.context).data if order.document else None


class AdmissionInputSerializer(serializers.Serializer):
    group = CollegeRelatedField(queryset=Group.objects)
    students = CollegeRelatedField(queryset=Student.objects, many=True, required=False,
                                   help_text="Students to admit (every one without academic debt, ADM-01).")
    revoke = CollegeRelatedField(queryset=Student.objects, many=True, required=False,
                                 help_text="Admissions to revoke (a supplementary order).")
    order_number = serializers.CharField(max_length=50)
    order_date = serializers.DateField()
    campaign = CollegeRelatedField(queryset=Campaign.objects, required=False,
                                   help_text="Defaults to the group's current campaign.")


class _AdmissionCreate:
    @extend_schema(request=AdmissionInputSerializer, responses={201: AdmissionOrderSerializer})
    def create(self, request, college=None):
        data = AdmissionInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            order = services.admission_order_issue(
                college=self.college, by=request.user, group=values["group"], students=values.get("students", []),
                revoke=values.get("revoke", []), number=values["order_number"], order_date=values["order_date"],
                campaign=values.get("campaign"))
        except RulesBroken as exc:
            return rules_response(exc)
        order = selectors.admission_orders_list(college=self.college).prefetch_related(
            "admissions", "revocations").get(pk=order.pk)
        return Response(AdmissionOrderSerializer(order, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class AdmissionViewSet(CollegeViewSetMixin, IdempotentCreateMixin, _AdmissionCreate, viewsets.GenericViewSet):
    """ADM-01: eligibility of every student with the open components; POST issues the order on admission (ADM-02):
    422 (ADM-01) with each student's debts when any student listed has academic debt."""

    serializer_class = AdmissionRowSerializer
    roles = {READ: {"admin", "staff"}, WRITE: {"admin"}}

    def schema_model(self):
        return Student

    def college_queryset(self):
        return selectors.students_of(college=self.college, group_id=_int_param(self.request, "group"),
                                     student_ids=[s] if (s := _int_param(self.request, "student")) else None
                                     ).order_by("full_name", "id")

    @extend_schema(parameters=[GROUP_PARAM, STUDENT_PARAM])
    def list(self, request, college=None):
        page = self.paginate_queryset(self.get_queryset())
        evaluations = selectors.evaluate(college=self.college,
                                         students=Student.objects.filter(pk__in=[s.pk for s in page]))
        return self.get_paginated_response(self.get_serializer(evaluations, many=True).data)


class AdmissionOrderViewSet(CollegeReadOnlyViewSet):
    """Issued orders on admission (never edited: a change is a supplementary order)."""

    serializer_class = AdmissionOrderSerializer

    def college_queryset(self):
        return selectors.admission_orders_list(college=self.college, group_id=_int_param(self.request, "group")
                                               ).prefetch_related("admissions", "revocations")


# --- Honours (HON-01, HON-02, HON-03) ------------------------------------------------------------------------------


class HonoursResultSerializer(serializers.Serializer):
    system = serializers.CharField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class HonoursRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="student_id", help_text="The student's id.")
    student = serializers.IntegerField(source="student_id")
    student_name = serializers.CharField(source="full_name")
    group = serializers.IntegerField(source="group_id")
    system = serializers.CharField(source="honours.system")
    eligible = serializers.BooleanField(source="honours.eligible")
    rule = serializers.CharField(source="honours.rule")
    reasons = serializers.ListField(source="honours.reasons", child=serializers.CharField())
    reason_texts = serializers.SerializerMethodField()
    gpa = serializers.SerializerMethodField(help_text="Unrounded (compared with 3.5 as it is).")
    excellent_share = serializers.SerializerMethodField(help_text="Share of «excellent» grades, unrounded.")
    status = serializers.CharField(source="honours_status",
                                   help_text="proposed | confirmed | declined | not_eligible (HON-03).")
    admitted = serializers.BooleanField()
    fa_complete = serializers.BooleanField()
    confirmation = serializers.SerializerMethodField()
    other_system = HonoursResultSerializer(source="honours_other", help_text="OQ-18(e): the other system, shown "
                                                                            "as information.")

    def get_reason_texts(self, evaluation) -> list[str]:
        return evaluation.honours.reason_texts()

    def get_gpa(self, evaluation) -> str | None:
        return None if evaluation.honours.gpa is None else str(evaluation.honours.gpa)

    def get_excellent_share(self, evaluation) -> str | None:
        share = evaluation.honours.excellent_share
        return None if share is None else str(share)

    def get_confirmation(self, evaluation) -> dict | None:
        c = evaluation.confirmation
        if c is None:
            return None
        return {"id": c.id, "awarded": c.awarded, "protocol_reference": c.protocol_reference,
                "confirmed_as": c.confirmed_as, "created_at": c.created_at}


class HonoursConfirmSerializer(serializers.Serializer):
    student = CollegeRelatedField(queryset=Student.objects)
    protocol_reference = serializers.CharField(max_length=100, help_text="The commission's protocol (number, date).")
    awarded = serializers.BooleanField(default=True, help_text="false: the commission declined the proposal.")


class HonoursViewSet(CollegeViewSetMixin, viewsets.GenericViewSet):
    """HON-01 / HON-02 per graduate with reason codes and figures; POST confirm/ records the commission's decision
    (HON-03)."""

    serializer_class = HonoursRowSerializer
    roles = {READ: {"admin", "staff"}, WRITE: {"admin"}}

    def schema_model(self):
        return Student

    def college_queryset(self):
        return selectors.students_of(college=self.college, group_id=_int_param(self.request, "group"),
                                     student_ids=[s] if (s := _int_param(self.request, "student")) else None
                                     ).order_by("full_name", "id")

    @extend_schema(parameters=[GROUP_PARAM, STUDENT_PARAM])
    def list(self, request, college=None):
        page = self.paginate_queryset(self.get_queryset())
        evaluations = selectors.evaluate(college=self.college,
                                         students=Student.objects.filter(pk__in=[s.pk for s in page]))
        return self.get_paginated_response(self.get_serializer(evaluations, many=True).data)

    @extend_schema(request=HonoursConfirmSerializer, responses={201: HonoursRowSerializer})
    @action(detail=False, methods=["post"], url_path="confirm")
    def confirm(self, request, college=None):
        data = HonoursConfirmSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        student = data.validated_data["student"]
        try:
            services.honours_confirm(college=self.college, by=request.user, student=student,
                                     protocol_reference=data.validated_data["protocol_reference"],
                                     awarded=data.validated_data["awarded"])
        except RulesBroken as exc:
            return rules_response(exc)
        evaluation = selectors.evaluate_student(college=self.college, student=student)
        return Response(HonoursRowSerializer(evaluation).data, status=status.HTTP_201_CREATED)


# --- Decisions (QUA-01, RET-04) ------------------------------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer):
    student_name = serializers.CharField(source="student.full_name", read_only=True)
    group = serializers.IntegerField(source="student.group_id", read_only=True)
    gpa = serializers.DecimalField(max_digits=6, decimal_places=4, read_only=True)
    document = serializers.SerializerMethodField()

    class Meta:
        model = DiplomaDecision
        fields = ["id", "student", "student_name", "group", "campaign", "kind", "qualification",
                  "qualification_level", "honours", "gpa", "fa_results", "decided_on", "batch", "document",
                  "created_at", "supersedes"]  # supersedes: the decision this one replaced (a grade changed on appeal)

    def get_document(self, decision) -> dict | None:
        return DocumentLinkSerializer(decision.document, context=self.context).data if decision.document else None


class DecisionBatchSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    language = serializers.CharField(read_only=True, help_text="kk, ru or en: the language of the documents.")

    class Meta:
        model = DecisionBatch
        fields = ["id", "group", "campaign", "status", "language", "total", "processed", "refusals", "progress",
                  "created_at", "started_at", "finished_at"]

    def get_progress(self, batch) -> dict:
        progress = selectors.decision_batch_progress(batch=batch)
        return {"percent": progress.percent, "decided": progress.decided, "documents": progress.documents,
                "ready": progress.ready, "failed": progress.failed, "refused": progress.refused,
                "finished": progress.finished}


class DecisionInputSerializer(serializers.Serializer):
    group = CollegeRelatedField(queryset=Group.objects, required=False,
                                help_text="Every student of the group, in a background batch (202).")
    student = CollegeRelatedField(queryset=Student.objects, required=False, help_text="One student (201).")
    # A string checked here rather than a ChoiceField: the schema then has no second enum named "language" beside
    # the documents' one (drf-spectacular cannot name the collision).
    language = serializers.CharField(required=False, max_length=2,
                                     help_text="kk, ru or en; defaults to the college's language.")

    def validate_language(self, value: str) -> str:
        if value not in dict(settings.DOCUMENT_LANGUAGES):
            raise serializers.ValidationError(_("Choose kk, ru or en."))
        return value

    def validate(self, attrs):
        if bool(attrs.get("group")) == bool(attrs.get("student")):
            raise serializers.ValidationError(_("Give either a group or a student."))
        return attrs


class _DecisionCreate:
    @extend_schema(request=DecisionInputSerializer,
                   responses={201: DecisionSerializer, 200: DecisionSerializer, 202: DecisionBatchSerializer})
    def create(self, request, college=None):
        data = DecisionInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        context = self.get_serializer_context()
        try:
            if values.get("group"):
                batch, created = services.decision_batch_start(college=self.college, by=request.user,
                                                               group=values["group"], language=values.get("language"))
                batch.refresh_from_db()
                body = DecisionBatchSerializer(batch, context=context).data
                return Response({**body, "joined": not created}, status=status.HTTP_202_ACCEPTED)
            decision, created = services.decision_take(college=self.college, by=request.user,
                                                       student=values["student"], language=values.get("language"))
        except RulesBroken as exc:
            return rules_response(exc)
        decision = selectors.decisions_list(access=self.access).get(pk=decision.pk)
        return Response(DecisionSerializer(decision, context=context).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DecisionViewSet(CollegeViewSetMixin, IdempotentCreateMixin, _DecisionCreate, mixins.ListModelMixin,
                      mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Diploma decisions with the qualification (QUA-01) and certificates of completion (RET-04). POST a group: a
    background batch (202; a second request while it runs joins it); POST a student: that student's decision (201),
    refused (422) without a final attestation result."""

    serializer_class = DecisionSerializer
    roles = {READ: {"admin", "staff", "student"}, WRITE: {"admin"}}

    def college_queryset(self):
        return selectors.decisions_list(access=self.access, group_id=_int_param(self.request, "group"),
                                        student_id=_int_param(self.request, "student"),
                                        batch_id=_int_param(self.request, "batch"))


class DecisionBatchViewSet(CollegeReadOnlyViewSet):
    """Progress of decision batches (the page polls it)."""

    serializer_class = DecisionBatchSerializer

    def college_queryset(self):
        return selectors.decision_batches_list(college=self.college, group_id=_int_param(self.request, "group"))


# --- Results -------------------------------------------------------------------------------------------------


class ResultSerializer(serializers.ModelSerializer):
    student_name = serializers.CharField(source="student.full_name")
    group = serializers.IntegerField(source="student.group_id")
    discipline_code = serializers.CharField(source="discipline.code")
    discipline_name = serializers.CharField(source="discipline.display_name")
    derived = serializers.SerializerMethodField(help_text="Determined from current and intermediate grades "
                                                          "(force majeure, EXE-01 / DIST-17).")

    class Meta:
        model = TranscriptEntry
        fields = ["id", "student", "student_name", "group", "discipline", "discipline_code", "discipline_name",
                  "percent", "percent_raw", "letter", "points", "traditional", "attempt", "attempt_reason",
                  "held_on", "announced_on", "origin", "derived", "source"]

    def get_derived(self, entry) -> bool:
        return entry.origin == "derived"


class ResultViewSet(CollegeReadOnlyViewSet):
    """Published final attestation results (announced, PRO-03); a student sees only their own."""

    serializer_class = ResultSerializer
    roles = {READ: {"admin", "staff", "student"}, WRITE: set()}

    @extend_schema(parameters=[GROUP_PARAM, STUDENT_PARAM])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def college_queryset(self):
        return selectors.results_list(access=self.access, group_id=_int_param(self.request, "group"),
                                      student_id=_int_param(self.request, "student"))


# --- Individual attestation (EAR-01 … EAR-03) -----------------------------------------------------------------


class IndividualAttestationSerializer(serializers.ModelSerializer):
    student = CollegeRelatedField(queryset=Student.objects)
    campaign = CollegeRelatedField(queryset=Campaign.objects, required=False)
    document = serializers.FileField(write_only=True,
                                     help_text="PDF, JPEG or PNG (judged by the content), at most 10 MB.")
    document_url = serializers.SerializerMethodField()
    earliest = serializers.SerializerMethodField(help_text="The earliest date of an early attestation (EAR-01/02).")

    class Meta:
        model = IndividualAttestation
        fields = ["id", "student", "campaign", "kind", "reason", "planned_on", "document", "document_name",
                  "document_url", "order_number", "order_date", "note", "earliest", "created_at"]
        read_only_fields = ["document_name", "created_at"]

    def get_document_url(self, record) -> str:
        return f"/api/v1/colleges/{self.context['college'].slug}/individual-attestations/{record.pk}/file/"

    def get_earliest(self, record) -> str:
        return rules.early_attestation_earliest(fa_start=record.campaign.starts_on,
                                                correctional=self.context["college"].is_correctional).isoformat()


class IndividualAttestationViewSet(CollegeViewSetMixin, IdempotentCreateMixin, mixins.CreateModelMixin,
                                   mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                                   viewsets.GenericViewSet):
    """EAR-01 … EAR-03: students taking the final attestation individually (early or extended), on documents."""

    serializer_class = IndividualAttestationSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def college_queryset(self):
        return selectors.individual_attestations_list(college=self.college,
                                                      student_id=_int_param(self.request, "student"))

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except RulesBroken as exc:
            return rules_response(exc)

    def perform_create(self, serializer):
        serializer.instance = services.individual_attestation_create(college=self.college, by=self.request.user,
                                                                     **serializer.validated_data)

    def perform_destroy(self, instance):
        services.individual_attestation_delete(college=self.college, by=self.request.user, record=instance)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file")
    def file(self, request, college=None, pk=None):
        record = self.get_object()
        if not record.document:
            raise ApiError(_("No file."), [], status_code=404)
        return FileResponse(record.document.open("rb"), as_attachment=True,
                            filename=record.document_name or record.document.name.rsplit("/", 1)[-1])
