"""REST API v1 of the registry, documents, calendar and verification (API.md).

Views are thin: serializers check the shape of input, services apply the rules and write.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import FileResponse
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import scale, selectors, services
from .api_base import READ, WRITE, CollegeListCreateDestroyViewSet, CollegeModelViewSet, CollegeReadOnlyViewSet
from .audit import audit_log
from .calendar import working_calendar
from .documents.kinds import KNOWN_KINDS, get_kind
from .documents.pipeline import document_request, document_retry
from .errors import ApiError, PayloadTooLarge, UnsupportedFile, error_item, rule_code
from .imports import IMPORTERS, ImportFileError
from .models import (
    AttemptReason,
    AuditEntry,
    Campaign,
    College,
    Discipline,
    Document,
    Group,
    Membership,
    Notification,
    Program,
    Role,
    Student,
    TranscriptEntry,
)
from .rules import RuleViolation, iin_check
from .views import verification_facts

STUDENT_READ = {READ: {"admin", "staff", "student"}, WRITE: {"admin"}}


class CollegeRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts objects of the request's college (others do not exist)."""

    def get_queryset(self):
        return self.queryset.model.objects.filter(college=self.context["college"])


# --- Colleges and members ------------------------------------------------------------------------------


class AdminSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class CollegeSerializer(serializers.ModelSerializer):
    admin = AdminSerializer(write_only=True, required=False, help_text="The college's first administrator.")

    class Meta:
        model = College
        fields = ["id", "slug", "name_kk", "name_ru", "name_en", "region", "territory", "kind", "language",
                  "timezone", "is_correctional", "admin"]


class CollegeViewSet(viewsets.ModelViewSet):
    """Colleges: the operator creates them; everyone sees the colleges they belong to."""

    serializer_class = CollegeSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "college"
    lookup_value_converter = "slug"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        colleges = College.objects.order_by("slug")
        if user.is_operator or user.authority == "ministry":
            return colleges
        if user.authority == "region":
            return colleges.filter(region=user.authority_region)
        with scopes_disabled():
            ids = list(Membership.objects.filter(user=user).values_list("college_id", flat=True))
        return colleges.filter(pk__in=ids)

    def _require_operator(self):
        if not self.request.user.is_operator:
            raise PermissionDenied(_("Only the platform operator manages colleges."))

    def perform_create(self, serializer):
        self._require_operator()
        data = dict(serializer.validated_data)
        admin = data.pop("admin", None)
        serializer.instance = services.college_create(by=self.request.user, admin=admin, **data)

    def perform_update(self, serializer):
        self._require_operator()
        serializer.validated_data.pop("admin", None)
        serializer.save()
        audit_log(action="college.updated", college=serializer.instance, actor=self.request.user,
                  obj=serializer.instance, data=dict(serializer.validated_data))


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, write_only=True)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    password = serializers.CharField(required=False, allow_blank=True, write_only=True,
                                     style={"input_type": "password"})
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "username", "email", "full_name", "password", "role", "created_at"]
        read_only_fields = ["created_at"]

    def to_representation(self, instance):
        return {"id": instance.pk, "username": instance.user.username, "full_name": instance.user.full_name,
                "role": instance.role, "created_at": instance.created_at}


class MemberViewSet(CollegeListCreateDestroyViewSet):
    serializer_class = MemberSerializer
    roles = {READ: {"admin", "operator"}, WRITE: {"admin", "operator"}}

    def college_queryset(self):
        return selectors.members_list(college=self.college)

    def perform_create(self, serializer):
        serializer.instance = services.member_add(college=self.college, by=self.request.user,
                                                  **serializer.validated_data)

    def perform_destroy(self, instance):
        services.member_remove(membership=instance, by=self.request.user)


# --- Registry ------------------------------------------------------------------------------------------


class ProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "code", "name", "name_kk", "name_ru", "is_medical", "grading_system", "fa_scheme",
                  "qualification", "qualification_kk", "qualification_ru"]


class RegistryViewSet(CollegeModelViewSet):
    """Programs, groups and disciplines: the same create / update / delete through services."""

    save_service = None
    instance_kwarg = ""

    def perform_create(self, serializer):
        serializer.instance = type(self).save_service(college=self.college, by=self.request.user,
                                                      **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = type(self).save_service(
            college=self.college, by=self.request.user, **{self.instance_kwarg: serializer.instance},
            **serializer.validated_data)

    def perform_destroy(self, instance):
        services.registry_delete(college=self.college, by=self.request.user, instance=instance)


class ProgramViewSet(RegistryViewSet):
    serializer_class = ProgramSerializer
    save_service = staticmethod(services.program_save)
    instance_kwarg = "program"

    def college_queryset(self):
        return selectors.programs_list(college=self.college)


class GroupSerializer(serializers.ModelSerializer):
    program = CollegeRelatedField(queryset=Program.objects)
    student_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Group
        fields = ["id", "name", "program", "year_of_study", "study_form", "student_count"]


class GroupViewSet(RegistryViewSet):
    serializer_class = GroupSerializer
    save_service = staticmethod(services.group_save)
    instance_kwarg = "group"

    def college_queryset(self):
        return selectors.groups_list(college=self.college, search=self.request.query_params.get("search", ""))


class DisciplineSerializer(serializers.ModelSerializer):
    program = CollegeRelatedField(queryset=Program.objects)

    class Meta:
        model = Discipline
        fields = ["id", "program", "code", "name", "name_kk", "name_ru", "kind", "credits", "hours", "semester",
                  "is_final_attestation"]


class DisciplineViewSet(RegistryViewSet):
    serializer_class = DisciplineSerializer
    save_service = staticmethod(services.discipline_save)
    instance_kwarg = "discipline"

    def college_queryset(self):
        program = self.request.query_params.get("program")
        return selectors.disciplines_list(college=self.college, program_id=int(program) if str(program).isdigit()
                                          else None, search=self.request.query_params.get("search", ""))


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class ImportMixin:
    """``POST …/import/`` (multipart, field ``file``): all rows or none, errors row by row."""

    import_kind = ""

    @extend_schema(
        request={"multipart/form-data": inline_serializer("ImportUpload", {"file": serializers.FileField()})},
        responses=ImportResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request, college=None):
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(_("Nothing was imported."), [error_item("file", _("Attach a file in the field «file»."))])
        try:
            report = IMPORTERS[self.import_kind](college=self.college, by=request.user, upload=upload)
        except ImportFileError as exc:
            error_class = {413: PayloadTooLarge, 415: UnsupportedFile}.get(exc.status)
            errors = [error_item("file", exc.message)]
            if error_class:
                raise error_class(_("Nothing was imported."), errors) from exc
            raise ApiError(_("Nothing was imported."), errors) from exc
        if not report.ok:
            raise ApiError(
                _("Nothing was imported: %(count)s error(s) in the file.") % {"count": len(report.errors)},
                [e.as_api() for e in report.errors])
        return Response({"rows": report.rows, "created": report.created, "updated": report.updated},
                        status=status.HTTP_201_CREATED)


class StudentSerializer(serializers.ModelSerializer):
    group = CollegeRelatedField(queryset=Group.objects)
    username = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=150,
                                     help_text="Links (or creates) the student's account.")
    email = serializers.EmailField(required=False, allow_blank=True, write_only=True)
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)

    class Meta:
        model = Student
        fields = ["id", "iin", "full_name", "group", "group_name", "user", "username", "email", "created_at"]
        read_only_fields = ["created_at"]

    def validate_iin(self, value: str) -> str:
        violation = iin_check(value)
        if violation is not None:
            raise serializers.ValidationError(violation.message, code=rule_code(violation.rule))
        return value.strip()


class StudentViewSet(ImportMixin, CollegeModelViewSet):
    serializer_class = StudentSerializer
    roles = STUDENT_READ
    import_kind = "students"

    def college_queryset(self):
        group = self.request.query_params.get("group")
        return selectors.students_list(access=self.access, search=self.request.query_params.get("search", ""),
                                       group_id=int(group) if str(group).isdigit() else None)

    def perform_create(self, serializer):
        serializer.instance = services.student_create(college=self.college, by=self.request.user,
                                                      **serializer.validated_data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("email", None)
        serializer.instance = services.student_update(college=self.college, by=self.request.user,
                                                      student=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.student_delete(college=self.college, by=self.request.user, student=instance)


@extend_schema_field(OpenApiTypes.NUMBER)
class PercentField(serializers.Field):
    """GRD-01: a number from 0 to 100 (fractions allowed, rounded half up when graded)."""

    def to_internal_value(self, data):
        parsed = scale.percent_parse(data)
        if isinstance(parsed, RuleViolation):
            raise serializers.ValidationError(parsed.message, code=rule_code(parsed.rule))
        return parsed

    def to_representation(self, value):
        return value


class TranscriptEntrySerializer(serializers.ModelSerializer):
    student = CollegeRelatedField(queryset=Student.objects)
    discipline = CollegeRelatedField(queryset=Discipline.objects)
    percent = PercentField(help_text="0–100; fractions are rounded half up, the raw value is kept.")
    letter = serializers.CharField(required=False, allow_blank=True, max_length=3,
                                   help_text="Derived from percent; when sent, it must match.")
    origin = serializers.CharField(read_only=True)
    attempt_reason = serializers.ChoiceField(choices=AttemptReason.choices, default=AttemptReason.FIRST)

    class Meta:
        model = TranscriptEntry
        fields = ["id", "student", "discipline", "percent", "percent_raw", "letter", "points", "traditional",
                  "attempt", "attempt_reason", "is_final_attestation", "held_on", "announced_on", "origin", "source",
                  "created_at", "updated_at"]
        read_only_fields = ["percent_raw", "points", "traditional", "announced_on", "source", "created_at",
                            "updated_at"]


class TranscriptViewSet(ImportMixin, CollegeModelViewSet):
    serializer_class = TranscriptEntrySerializer
    roles = STUDENT_READ
    import_kind = "transcript"

    def college_queryset(self):
        student = self.request.query_params.get("student")
        return selectors.transcript_list(access=self.access,
                                         student_id=int(student) if str(student).isdigit() else None)

    def perform_create(self, serializer):
        serializer.instance = services.transcript_entry_create(college=self.college, by=self.request.user,
                                                               **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.transcript_entry_update(college=self.college, by=self.request.user,
                                                               entry=serializer.instance,
                                                               **serializer.validated_data)

    def perform_destroy(self, instance):
        services.transcript_entry_delete(college=self.college, by=self.request.user, entry=instance)


# --- Documents -----------------------------------------------------------------------------------------


class DocumentSerializer(serializers.ModelSerializer):
    subject = serializers.IntegerField(source="subject_id")
    url = serializers.SerializerMethodField()
    verify_url = serializers.CharField(read_only=True)

    class Meta:
        model = Document
        fields = ["id", "kind", "subject", "title", "language", "status", "url", "sha256", "verify_url",
                  "attempts", "last_error", "created_at", "rendered_at"]

    def get_url(self, document) -> str | None:
        if document.status != Document.Status.READY:
            return None
        request = self.context.get("request")
        path = f"/api/v1/colleges/{document.college.slug}/documents/{document.pk}/file/"
        return request.build_absolute_uri(path) if request else path


class DocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, k) for k in KNOWN_KINDS])
    subject = serializers.IntegerField(min_value=1)
    language = serializers.ChoiceField(choices=["kk", "ru", "en"], required=False,
                                       help_text="Defaults to the language of the request.")


class DocumentViewSet(CollegeReadOnlyViewSet):
    serializer_class = DocumentSerializer
    roles = {READ: {"admin", "staff", "student"}, WRITE: {"admin", "staff", "student"}, "retry": {"admin"}}

    def college_queryset(self):
        subject = self.request.query_params.get("subject")
        return selectors.documents_list(access=self.access, kind=self.request.query_params.get("kind", ""),
                                        subject_id=int(subject) if str(subject).isdigit() else None
                                        ).select_related("college")

    @extend_schema(request=DocumentRequestSerializer, responses=DocumentSerializer)
    def create(self, request, college=None):
        data = DocumentRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = get_kind(data.validated_data["kind"])
        if kind is None or not kind.on_demand:
            raise ApiError(_("This document cannot be requested."),
                           [error_item("kind", _("Documents of this kind are issued by the college, not on request."))])
        subject_id = data.validated_data["subject"]
        if kind.code == "transcript":
            # Raises 404 for a student the user may not see (another student, another college).
            selectors.student_get(access=self.access, pk=subject_id)
        language = data.validated_data.get("language") or (request.LANGUAGE_CODE or "kk")[:2]
        document, created = document_request(college=self.college, kind=kind, subject_id=subject_id,
                                             language=language, by=request.user)
        return Response(DocumentSerializer(document, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file")
    def file(self, request, college=None, pk=None):
        document = self.get_object()
        if document.status != Document.Status.READY:
            raise ApiError(_("The document is not ready yet."),
                           [error_item("status", _("Status: %(status)s.") % {"status": document.get_status_display()})],
                           status_code=409)
        response = FileResponse(document.file.open("rb"), content_type="application/pdf",
                                filename=f"{document.kind}-{document.pk}.pdf")
        response["X-Content-SHA256"] = document.sha256
        return response

    @extend_schema(request=None, responses=DocumentSerializer)
    @action(detail=True, methods=["post"], url_path="retry")
    def retry(self, request, college=None, pk=None):
        document = document_retry(document=self.get_object(), by=request.user)
        return Response(DocumentSerializer(document, context=self.get_serializer_context()).data)


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    data = serializers.JSONField()


class AuditViewSet(CollegeReadOnlyViewSet):
    serializer_class = AuditEntrySerializer

    def schema_model(self):
        return AuditEntry
    roles = {READ: {"admin"}, WRITE: set()}

    def college_queryset(self):
        return selectors.audit_list(college=self.college)


# --- Public verification, calendar ------------------------------------------------------------------------


class VerifyView(APIView):
    """What a document is, who issued it, when, and its sha256 (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=inline_serializer("Verification", {
        "kind": serializers.CharField(), "kind_label": serializers.CharField(), "title": serializers.CharField(),
        "issuer": serializers.DictField(), "issued_at": serializers.DateTimeField(),
        "status": serializers.CharField(), "sha256": serializers.CharField(), "language": serializers.CharField()}))
    def get(self, request, token: str):
        facts = verification_facts(token)
        if facts is None:
            raise NotFound()
        return Response(facts)


class WorkingDaysView(APIView):
    permission_classes = [IsAuthenticated]
    MAX_DAYS = 731

    @extend_schema(parameters=[OpenApiParameter("from", OpenApiTypes.DATE, required=True),
                               OpenApiParameter("to", OpenApiTypes.DATE, required=True)],
                   responses=inline_serializer("WorkingDays", {
                       "from": serializers.DateField(), "to": serializers.DateField(),
                       "working_days": serializers.IntegerField(),
                       "count": serializers.IntegerField(), "results": serializers.ListField()}))
    def get(self, request):
        errors = []
        bounds: dict[str, date] = {}
        for name in ("from", "to"):
            try:
                bounds[name] = date.fromisoformat(request.query_params.get(name, ""))
            except ValueError:
                errors.append(error_item(name, _("A date as YYYY-MM-DD is required.")))
        if not errors and bounds["to"] < bounds["from"]:
            errors.append(error_item("to", _("The end is before the start.")))
        if not errors and bounds["to"] - bounds["from"] > timedelta(days=self.MAX_DAYS):
            errors.append(error_item("to", _("At most %(days)s days at once.") % {"days": self.MAX_DAYS}))
        if errors:
            raise ApiError(_("The request has errors; see the list."), errors)
        calendar = working_calendar()
        days = calendar.days(bounds["from"], bounds["to"], request.LANGUAGE_CODE)
        return Response({
            "from": bounds["from"], "to": bounds["to"],
            "working_days": sum(1 for d in days if d.is_working_day),
            "count": len(days),
            "results": [{"date": d.date, "is_working_day": d.is_working_day, "name": d.name} for d in days],
        })


class CalendarOverrideSerializer(serializers.Serializer):
    date = serializers.DateField()
    is_working_day = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class CalendarOverrideView(APIView):
    """Operator: mark a date working or not (government decrees published late)."""

    @extend_schema(request=CalendarOverrideSerializer, responses=CalendarOverrideSerializer)
    def post(self, request):
        if not request.user.is_operator:
            raise PermissionDenied(_("Only the platform operator changes the calendar."))
        data = CalendarOverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        override = services.calendar_override_set(by=request.user, day=data.validated_data["date"],
                                                  is_working_day=data.validated_data["is_working_day"],
                                                  note=data.validated_data.get("note", ""))
        return Response({"date": override.date, "is_working_day": override.is_working_day, "note": override.note},
                        status=status.HTTP_201_CREATED)


# --- Campaigns, notifications ---------------------------------------------------------------------------


class CampaignSerializer(serializers.ModelSerializer):
    groups = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "academic_year", "name", "starts_on", "ends_on", "groups", "created_at"]

    def get_groups(self, campaign) -> list[int]:
        return sorted(cg.group_id for cg in campaign.campaign_groups.all())


class CampaignInputSerializer(serializers.Serializer):
    academic_year = serializers.CharField(max_length=9, help_text='Like "2026-2027".')
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    groups = CollegeRelatedField(queryset=Group.objects, many=True)


class CampaignViewSet(CollegeModelViewSet):
    """Final attestation periods of groups of the college."""

    serializer_class = CampaignSerializer
    roles = {READ: {"admin", "staff"}, WRITE: {"admin"}}

    def college_queryset(self):
        return selectors.campaigns_list(college=self.college)

    def _save(self, request, campaign=None, partial=False):
        data = CampaignInputSerializer(data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if campaign is not None:
            current = {"academic_year": campaign.academic_year, "name": campaign.name,
                       "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
                       "groups": [cg.group for cg in campaign.campaign_groups.select_related("group")]}
            values = {**current, **values}
        saved = services.campaign_save(college=self.college, by=request.user, campaign=campaign, **values)
        return Response(CampaignSerializer(selectors.campaigns_list(college=self.college).get(pk=saved.pk)).data,
                        status=status.HTTP_201_CREATED if campaign is None else status.HTTP_200_OK)

    @extend_schema(request=CampaignInputSerializer, responses=CampaignSerializer)
    def create(self, request, *args, **kwargs):
        return self._save(request)

    @extend_schema(request=CampaignInputSerializer, responses=CampaignSerializer)
    def update(self, request, *args, **kwargs):
        return self._save(request, self.get_object(), partial=kwargs.get("partial", False))

    def perform_destroy(self, instance):
        services.campaign_delete(college=self.college, by=self.request.user, campaign=instance)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "url", "created_at", "read_at"]


class NotificationViewSet(CollegeReadOnlyViewSet):
    """The signed-in user's notices in this college."""

    serializer_class = NotificationSerializer
    roles = {READ: {"admin", "staff", "student"}, WRITE: {"admin", "staff", "student"}}

    def college_queryset(self):
        return selectors.notifications_list(access=self.access)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, college=None, pk=None):
        notification = self.get_object()
        services.notification_read(notification=notification)
        return Response(NotificationSerializer(notification).data)
