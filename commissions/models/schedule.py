"""The schedule: sessions (exams and defences), diploma works, and each student's slot (SCH, EXF, DEF, DIST)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import AttemptReason, Campaign, College, Discipline, Document, Student

from .composition import Commission
from .force_majeure import ForceMajeureDecision
from .uploads import upload_diploma_file, upload_diploma_presentation, upload_diploma_review, uploads_storage

if TYPE_CHECKING:
    from .protocols import Protocol


class Schedule(models.Model):
    """The attestation schedule of a campaign (SCH-01): drafted, then published to every student."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="schedules")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    publish_warnings = models.JSONField(default=list, blank=True)
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.UniqueConstraint(fields=["college", "campaign"], name="schedule_one_per_campaign"),
            models.CheckConstraint(condition=Q(status="draft") | Q(published_at__isnull=False),
                                   name="schedule_published_has_time"),
        ]

    def __str__(self) -> str:
        return f"{_('Schedule')}: {self.campaign}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Exam(models.Model):
    """A scheduled attestation event of a commission: a final exam (oral, written, complex, test,
    demonstration) or a diploma defence, on site or at a distance, with a slot per student."""

    class Form(models.TextChoices):
        ORAL = "oral", _("oral exam")
        WRITTEN = "written", _("written exam")
        COMPLEX = "complex", _("complex exam")
        TEST = "test", _("complex testing")
        DEMO = "demo", _("demonstration exam")
        DEFENCE = "defence", _("diploma defence")

    class Mode(models.TextChoices):
        ONSITE = "onsite", _("on site")
        DISTANCE = "distance", _("distance (online)")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="exams")
    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="exams")
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ONSITE)
    # The final attestation component examined (none for a defence: each student's diploma component).
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("component examined"))
    title = models.CharField(_("title"), max_length=255, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    room = models.CharField(_("room or link"), max_length=255, blank=True)
    # SCH-08: preparation time set by the organisation (not counted in the 15 minutes of SCH-04, OQ-07).
    preparation_minutes = models.PositiveSmallIntegerField(_("preparation time, minutes"), null=True, blank=True)
    # OQ-06: the commission's deliberation after the answers counts towards its 6 hours (SCH-03).
    deliberation_minutes = models.PositiveSmallIntegerField(_("deliberation, minutes"), default=0)
    # EXF-07 / DIST-13: size of the ticket bank for the draw.
    ticket_count = models.PositiveSmallIntegerField(_("number of tickets"), null=True, blank=True)
    # SCH-06: agreement with the accredited organisation on the dates (medical programs).
    medical_agreement_ref = models.CharField(_("agreement with the accredited organisation"), max_length=255,
                                             blank=True)
    # A re-sitting session (technical failure DIST-07, valid absence RET-01): may lie outside the campaign
    # period, within the academic year.
    is_resit = models.BooleanField(_("re-sitting session"), default=False)
    # DIST-09: the procedure of a distance exam, sent to students with confirmation of reading.
    procedure = models.TextField(_("procedure of the distance exam or defence"), blank=True)
    procedure_sent_at = models.DateTimeField(_("procedure sent at"), null=True, blank=True)
    force_majeure = models.ForeignKey(ForceMajeureDecision, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="exams")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("exam or defence")
        verbose_name_plural = _("exams and defences")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="exam_ends_after_start"),
            models.CheckConstraint(condition=Q(form__in=["oral", "written", "complex", "test", "demo", "defence"]),
                                   name="exam_form_valid"),
            models.CheckConstraint(condition=Q(mode__in=["onsite", "distance"]), name="exam_mode_valid"),
            models.CheckConstraint(condition=Q(form="defence") | Q(discipline__isnull=False),
                                   name="exam_has_component"),
            models.CheckConstraint(condition=Q(ticket_count__isnull=True) | Q(ticket_count__gte=1),
                                   name="exam_ticket_count_positive"),
        ]
        indexes = [models.Index(fields=["college", "commission", "starts_at"], name="exam_commission_day_idx")]

    def __str__(self) -> str:
        label = self.title or (self.discipline.display_name if self.discipline_id else self.get_form_display())
        return f"{label} · {self.local_start:%d.%m.%Y %H:%M}"

    @property
    def tz(self) -> ZoneInfo:
        return self.college.zone

    @property
    def local_start(self):
        return timezone.localtime(self.starts_at, self.tz)

    @property
    def local_end(self):
        return timezone.localtime(self.ends_at, self.tz)

    @property
    def held_on(self) -> date:
        return self.local_start.date()

    @property
    def protocol(self) -> Protocol | None:
        """The session's protocol (one per exam: constraint ``protocol_one_per_exam``); prefetch ``protocols``."""
        protocols = list(self.protocols.all())
        return protocols[0] if protocols else None

    @property
    def is_defence(self) -> bool:
        return self.form == self.Form.DEFENCE

    @property
    def is_distance(self) -> bool:
        return self.mode == self.Mode.DISTANCE


class DiplomaWork(models.Model):
    """A student's diploma project (work), submitted with its review and presentation (DEF-06, ADM-03)."""

    class Kind(models.TextChoices):
        PROJECT = "project", _("diploma project")
        WORK = "work", _("diploma work")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="diploma_works")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="diploma_works")
    topic = models.CharField(_("topic"), max_length=500)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PROJECT)
    supervisor = models.CharField(_("supervisor"), max_length=255, blank=True)
    file = models.FileField(_("the work"), storage=uploads_storage, upload_to=upload_diploma_file, blank=True)
    review = models.FileField(_("review"), storage=uploads_storage, upload_to=upload_diploma_review, blank=True)
    presentation = models.FileField(_("presentation"), storage=uploads_storage,
                                    upload_to=upload_diploma_presentation, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    review_sha256 = models.CharField(max_length=64, blank=True)
    presentation_sha256 = models.CharField(max_length=64, blank=True)
    # When the work, the review and the presentation were all in (DEF-06 compares it with the deadline).
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    late_warning = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("diploma work")
        verbose_name_plural = _("diploma works")
        ordering = ["student__full_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["college", "campaign", "student"], name="diploma_work_once_per_campaign"),
        ]

    def __str__(self) -> str:
        return self.topic

    @property
    def is_complete(self) -> bool:
        """ADM-03 / DEF-07: the work with its review and presentation."""
        return bool(self.file and self.review and self.presentation)


class ExamSlot(models.Model):
    """A student's place in an exam: start, answer (or defence) minutes, report minutes for a defence."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="slots")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="exam_slots")
    starts_at = models.DateTimeField(_("starts at"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    report_minutes = models.PositiveSmallIntegerField(_("report, minutes"), null=True, blank=True)
    diploma_work = models.ForeignKey(DiplomaWork, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attempt_reason = models.CharField(_("reason of the attempt"), max_length=24, choices=AttemptReason.choices,
                                      default=AttemptReason.FIRST)
    # The slot this one replaces (technical failure DIST-07, re-admission RET-01).
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # DIST-09: when the student confirmed having read the procedure of a distance exam.
    procedure_confirmed_at = models.DateTimeField(_("procedure read at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["college", "exam", "student"], name="slot_once_per_exam"),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="slot_minutes_positive"),
            models.CheckConstraint(condition=Q(report_minutes__isnull=True) | Q(report_minutes__gte=1),
                                   name="slot_report_minutes_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}@{self.exam_id} {self.starts_at:%H:%M}"
