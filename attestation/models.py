"""The tenant (College), accounts, the academic registry, the calendar, documents and the audit log.

Every tenant-owned table has a non-null ``college`` and a ScopedManager: a query outside an active
scope raises. Every unique constraint includes the college.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .scale import LETTERS, TRADITIONAL_CHOICES


@cache
def kz_reference() -> dict:
    return json.loads((Path(__file__).parent / "data" / "kz_reference.json").read_text("utf-8"))


def region_choices() -> list[tuple[str, str]]:
    return [(r["code"], r["en"]) for r in kz_reference()["regions"]]


def region_name(code: str, language: str | None = None) -> str:
    language = (language or get_language() or "kk")[:2]
    for region in kz_reference()["regions"]:
        if region["code"] == code:
            return region.get(language) or region["en"]
    return code


def localized(obj: object, base: str, language: str | None = None) -> str:
    """``obj.<base>_<lang>`` when filled, else ``obj.<base>``: names kept in kk/ru (and en)."""
    language = (language or get_language() or "kk")[:2]
    return getattr(obj, f"{base}_{language}", "") or getattr(obj, base, "") or ""


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("Unknown time zone «%(tz)s»."), params={"tz": value})


class Language(models.TextChoices):
    KK = "kk", _("Kazakh")
    RU = "ru", _("Russian")


class College(models.Model):
    """The tenant: one technical and vocational college."""

    class Territory(models.TextChoices):
        CITY = "city", _("city")
        RURAL = "rural", _("rural")

    class Kind(models.TextChoices):
        COLLEGE = "college", _("college")
        HIGHER_COLLEGE = "higher_college", _("higher college")
        MEDICAL_COLLEGE = "medical_college", _("medical college")
        OTHER = "other", _("other TVET organisation")

    slug = models.SlugField(_("short name in addresses"), max_length=64, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    region = models.CharField(_("region"), max_length=32, choices=region_choices)
    territory = models.CharField(_("territory"), max_length=8, choices=Territory.choices, default=Territory.CITY)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.COLLEGE)
    language = models.CharField(_("language of documents"), max_length=2, choices=Language.choices,
                                default=Language.KK)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Almaty",
                                validators=[validate_timezone])
    # EAR-02: colleges at correctional institutions allow early attestation 3 months ahead.
    is_correctional = models.BooleanField(_("at a correctional institution"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("college")
        verbose_name_plural = _("colleges")
        ordering = ["name_kk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")

    def name_in(self, language: str) -> str:
        return localized(self, "name", language)

    @property
    def region_label(self) -> str:
        return region_name(self.region)

    # The college's clock: deadlines, "today" and printed times are the college's local ones (OQ-27).
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime | None = None) -> datetime:
        """A moment (now by default) in the college's time zone."""
        return timezone.localtime(moment or timezone.now(), self.zone)

    def today(self) -> date:
        return self.local().date()

    def in_language(self):
        """Translation override to the college's document language (notices and documents it issues)."""
        return override(self.language if self.language in ("kk", "ru") else "kk")


class User(AbstractUser):
    """A person who signs in. College roles come from memberships; authorities have none."""

    class Authority(models.TextChoices):
        NONE = "", _("none")
        MINISTRY = "ministry", _("ministry")
        REGION = "region", _("regional education department")
        # MON-13: records violation acts in the colleges of a round the ministry assigns them to.
        REPRESENTATIVE = "representative", _("authorized representative of the ministry")

    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    authority = models.CharField(_("authority"), max_length=16, choices=Authority.choices, blank=True,
                                 default=Authority.NONE)
    authority_region = models.CharField(_("region of the authority"), max_length=32, blank=True,
                                        choices=region_choices)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(authority="region") | ~Q(authority_region=""),
                name="user_regional_authority_has_region",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_operator(self) -> bool:
        """The platform operator creates colleges and their first administrators."""
        return self.is_superuser

    @property
    def is_authority(self) -> bool:
        return bool(self.authority)


class Role(models.TextChoices):
    ADMIN = "admin", _("administrator")
    STAFF = "staff", _("staff")
    STUDENT = "student", _("student")


class Membership(models.Model):
    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["college", "user"], name="membership_one_per_college")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.college_id}: {self.role}"


class Program(models.Model):
    """A specialty and qualification the college teaches."""

    class GradingSystem(models.TextChoices):
        LETTER = "letter", _("point-rating letter system")
        TRADITIONAL = "traditional", _("traditional system")

    class FaScheme(models.TextChoices):
        EXAMS = "exams", _("final exams")
        PROJECT_PLUS_EXAM = "project_plus_exam", _("diploma project and a final exam")
        DIPLOMA_WORK = "diploma_work", _("diploma work (project)")
        MEDICAL_EXAM = "medical_exam", _("qualification exam (medical programs)")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="programs")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=255, blank=True)
    qualification = models.CharField(_("qualification"), max_length=255, blank=True)
    qualification_kk = models.CharField(_("qualification (Kazakh)"), max_length=255, blank=True)
    qualification_ru = models.CharField(_("qualification (Russian)"), max_length=255, blank=True)
    is_medical = models.BooleanField(_("medical program"), default=False)
    grading_system = models.CharField(_("grading system"), max_length=16, choices=GradingSystem.choices,
                                      default=GradingSystem.LETTER)
    fa_scheme = models.CharField(_("final attestation scheme"), max_length=32, choices=FaScheme.choices,
                                 default=FaScheme.EXAMS)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["college", "code"], name="program_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return localized(self, "name")


class Group(models.Model):
    class StudyForm(models.TextChoices):
        FULL_TIME = "full_time", _("full-time")
        CORRESPONDENCE = "correspondence", _("correspondence")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="groups")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(_("name"), max_length=64)
    year_of_study = models.PositiveSmallIntegerField(_("year of study"), default=1)
    study_form = models.CharField(_("form of study"), max_length=16, choices=StudyForm.choices,
                                  default=StudyForm.FULL_TIME)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["college", "name"], name="group_name_unique"),
            models.CheckConstraint(condition=Q(year_of_study__gte=1, year_of_study__lte=6),
                                   name="group_year_of_study_range"),
        ]

    def __str__(self) -> str:
        return self.name


class Student(models.Model):
    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="students")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="students")
    iin = models.CharField(_("IIN"), max_length=12)
    full_name = models.CharField(_("full name"), max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="student_records")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["college", "iin"], name="student_iin_unique"),
            models.UniqueConstraint(fields=["college", "user"], name="student_user_unique"),
            models.CheckConstraint(condition=Q(iin__regex=r"^[0-9]{12}$"), name="student_iin_12_digits"),
        ]
        indexes = [models.Index(fields=["college", "full_name"], name="student_name_idx")]

    def __str__(self) -> str:
        return self.full_name


class Discipline(models.Model):
    """A component of a program's working curriculum (GEN-06)."""

    class Kind(models.TextChoices):
        SUBJECT = "subject", _("subject")
        MODULE = "module", _("module")
        COURSE_PROJECT = "course_project", _("course project")
        PRACTICE = "practice", _("practice")
        # The diploma project (work) and its defence: a final attestation component (DEF rules).
        DIPLOMA = "diploma", _("diploma project (work)")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="disciplines")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="disciplines")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SUBJECT)
    credits = models.DecimalField(_("credits"), max_digits=5, decimal_places=1, null=True, blank=True)
    hours = models.PositiveIntegerField(_("hours"), null=True, blank=True)
    semester = models.PositiveSmallIntegerField(_("semester"), null=True, blank=True)
    # A component of the final attestation itself (exam, diploma defence, qualification exam stage):
    # graded by the commission, never an academic debt before admission (ADM-01).
    is_final_attestation = models.BooleanField(_("final attestation component"), default=False)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")
        ordering = ["program_id", "semester", "code"]
        constraints = [
            models.UniqueConstraint(fields=["college", "program", "code"], name="discipline_code_unique"),
            models.CheckConstraint(condition=Q(credits__isnull=True) | Q(credits__gte=0),
                                   name="discipline_credits_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return localized(self, "name")


class AttemptReason(models.TextChoices):
    FIRST = "first", _("first attempt")
    EXCUSED_RESIT = "excused_resit", _("re-sitting after a valid absence")
    TECH_FAILURE = "tech_failure", _("re-sitting after a technical failure")
    RETAKE_AFTER_FAIL = "retake_after_fail", _("retake after an unsatisfactory grade")


class GradeOrigin(models.TextChoices):
    REGULAR = "regular", _("graded at the attestation")
    DERIVED = "derived", _("derived from current and intermediate grades (force majeure)")
    APPEAL = "appeal", _("changed by the appeal commission")


class TranscriptEntry(models.Model):
    """A graded curriculum component of a student. Letter, points and traditional grade are derived
    from the percentage by the GRD-01 table (attestation.scale) and stored for querying.

    Final attestation results come from closed protocols (commissions) and are entries with
    ``is_final_attestation``; an appeal that changes a grade changes the entry (origin ``appeal``) and
    keeps the old value in the appeal's history."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="transcript_entries")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="transcript")
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT, related_name="transcript_entries")
    percent = models.PositiveSmallIntegerField(_("percent"))
    percent_raw = models.DecimalField(_("percent as entered"), max_digits=6, decimal_places=2)
    letter = models.CharField(_("letter grade"), max_length=2, choices=[(x, x) for x in LETTERS])
    points = models.DecimalField(_("points"), max_digits=3, decimal_places=2)
    traditional = models.CharField(_("traditional grade"), max_length=16, choices=TRADITIONAL_CHOICES)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    attempt_reason = models.CharField(_("reason of the attempt"), max_length=24, choices=AttemptReason.choices,
                                      default=AttemptReason.FIRST)
    is_final_attestation = models.BooleanField(_("final attestation"), default=False)
    held_on = models.DateField(_("held on"))
    # APP-01 / OQ-11: the appeal clock runs from the later of the attestation and the announcement.
    announced_on = models.DateField(_("results announced on"), null=True, blank=True)
    origin = models.CharField(_("origin of the grade"), max_length=16, choices=GradeOrigin.choices,
                              default=GradeOrigin.REGULAR)
    # Where the grade came from, for people and for traceability: "protocol:15", "import:<sha256>".
    source = models.CharField(_("source"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("transcript entry")
        verbose_name_plural = _("transcript entries")
        ordering = ["student_id", "held_on", "discipline_id", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["college", "student", "discipline", "attempt"],
                                    name="transcript_attempt_unique"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="transcript_percent_range"),
            models.CheckConstraint(condition=Q(percent_raw__gte=0, percent_raw__lte=100),
                                   name="transcript_percent_raw_range"),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="transcript_attempt_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.discipline_id}#{self.attempt}: {self.percent}% {self.letter}"


def academic_year_of(day: date) -> str:
    """The academic year a day falls in ("2026-2027" from 1 September 2026 to 31 August 2027)."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"


def academic_year_bounds(academic_year: str) -> tuple[date, date] | None:
    """"2026-2027" → (1 September 2026, 31 August 2027); None when the text is not such a year."""
    parts = academic_year.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts) or int(parts[1]) != int(parts[0]) + 1:
        return None
    return date(int(parts[0]), 9, 1), date(int(parts[1]), 8, 31)


class Campaign(models.Model):
    """A final attestation period of a set of groups (GEN-04, SCH-02)."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="campaigns")
    academic_year = models.CharField(_("academic year"), max_length=9)
    name = models.CharField(_("name"), max_length=255, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("attestation campaign")
        verbose_name_plural = _("attestation campaigns")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_dates_in_order"),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.academic_year}: {self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"


class CampaignGroup(models.Model):
    """A group taking part in a campaign (an explicit table, so that it carries the college)."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="campaign_groups")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="campaign_groups")

    objects = ScopedManager(college="college")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["college", "campaign", "group"], name="campaign_group_once")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.group_id}"


class Notification(models.Model):
    """A notice in the portal (sent by e-mail as well): schedule published, appeal decided, …"""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    emailed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["college", "user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.subject


class CalendarOverride(models.Model):
    """A deployment-wide correction of the Kazakhstan working-day calendar: government decrees moving
    days off are published late, so an operator can add them before the `holidays` package knows."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {'working' if self.is_working_day else 'day off'}"


def new_verification_token() -> str:
    # 12 URL-safe characters = 72 random bits: short enough for a printed link, unguessable.
    return secrets.token_urlsafe(9)


def documents_storage():
    return storages["documents"]


def document_upload_to(document: Document, filename: str) -> str:
    return f"{document.college_id}/{document.kind}/{document.pk}-{document.verification_token}.pdf"


class Document(models.Model):
    """A generated official paper. The row is the outbox: it is written in the same transaction as the
    change that needs it; the relay and on_commit hand it to the render task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RENDERING = "rendering", _("rendering")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    # No index of its own: both unique constraints below begin with the college and serve its lookups. Every index
    # is written three times for each document (requested, rendering, ready), and a batch writes thousands.
    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="documents", db_index=False)
    kind = models.CharField(_("kind"), max_length=32)
    subject_id = models.BigIntegerField(_("subject"))
    # The student the document is about, if any: students see exactly their own documents.
    student = models.ForeignKey(Student, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    title = models.CharField(_("title"), max_length=500)
    language = models.CharField(_("language"), max_length=2, choices=settings.DOCUMENT_LANGUAGES)
    payload = models.JSONField(_("content"), default=dict)
    input_hash = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(storage=documents_storage, upload_to=document_upload_to, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # 72 random bits: unique in practice everywhere; the constraint includes the college like every other
    # (the road to sharding by college stays open), and the public lookup uses document_token_idx.
    verification_token = models.CharField(max_length=32, default=new_verification_token)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    worker = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    batch_key = models.CharField(max_length=100, blank=True)  # which batch asked for it; shown, never searched
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # While rendering: until when the worker holds it (settings.ATTESTATION_LEASE_SECONDS); a lapsed lease means the
    # worker died, and the relay sends the document again.
    lease_until = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same content in the same language is one document: requesting it again returns it.
            models.UniqueConstraint(fields=["college", "kind", "subject_id", "language", "input_hash"],
                                    name="document_same_input_once"),
            models.UniqueConstraint(fields=["college", "verification_token"], name="document_token_unique"),
        ]
        indexes = [
            # Only the documents the relay looks for: a ready one (nearly all of them) leaves this index.
            models.Index(fields=["status", "enqueued_at"], name="document_relay_idx",
                         condition=models.Q(status__in=["pending", "rendering"])),
            # The public verification page looks a document up by its token alone (a plain b-tree: no LIKE index).
            # A college's documents of a kind and subject need no index of their own: document_same_input_once
            # begins with those columns.
            models.Index(fields=["verification_token"], name="document_token_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def lease_expired(self) -> bool:
        return self.lease_until is None or self.lease_until <= timezone.now()

    @property
    def verify_url(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}/v/{self.verification_token}/"


class AuditEntry(models.Model):
    """Append-only record of a state change or sign-in: who, what, when, in which college."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_label = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The audit log is append-only.")


class IdempotentRequest(models.Model):
    """The stored answer to a write sent with an Idempotency-Key, replayed when the key comes again."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["college", "user", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
