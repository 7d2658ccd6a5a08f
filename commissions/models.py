"""Commissions, the attestation schedule, sessions and their protocols (COM, SCH, EXF, DEF, DIST, PRO, RET,
EXE rules).

Every table is tenant-owned (a non-null ``college``, a ScopedManager, unique constraints including the
college, row-level security on PostgreSQL). A closed protocol is locked for good at three levels: the
model (``save``/``delete`` refuse), the queryset (``update``/``delete`` refuse) and, on PostgreSQL, a
trigger (migration 0002); corrections are amendments.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import (
    AttemptReason,
    Campaign,
    College,
    Discipline,
    Document,
    GradeOrigin,
    Student,
    TranscriptEntry,
)
from grading.rules import LETTERS, TRADITIONAL_CHOICES


def uploads_storage() -> FileSystemStorage:
    """Uploaded files (diploma works, reviews, signed scans, medical documents) live outside the web root and
    are served only through views that check permissions; there is no URL for them."""
    from pathlib import Path

    return FileSystemStorage(location=Path(settings.MEDIA_ROOT) / "commissions", file_permissions_mode=0o640,
                             directory_permissions_mode=0o750)


def _upload_to(kind: str):
    def upload_to(instance, filename: str) -> str:
        # The stored name never comes from the uploader: a fixed name per object and kind, plus a random part.
        import secrets

        suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
        return f"{instance.college_id}/{kind}/{instance.pk or 'new'}-{secrets.token_hex(6)}.{suffix}"

    upload_to.__name__ = f"upload_to_{kind}"
    upload_to.__qualname__ = upload_to.__name__
    return upload_to


def upload_diploma_file(instance, filename):
    return _upload_to("diploma")(instance, filename)


def upload_diploma_review(instance, filename):
    return _upload_to("review")(instance, filename)


def upload_diploma_presentation(instance, filename):
    return _upload_to("presentation")(instance, filename)


def upload_protocol_scan(instance, filename):
    return _upload_to("scan")(instance, filename)


def upload_readmission_document(instance, filename):
    return _upload_to("readmission")(instance, filename)


def upload_force_majeure_document(instance, filename):
    return _upload_to("force-majeure")(instance, filename)


class RuleMode(models.TextChoices):
    ERROR = "error", _("refuse")
    WARN = "warn", _("warn and allow")


class AttestationPolicy(models.Model):
    """The college's choices where the regulation leaves them open (the "configurable" of RULES.md)."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    # COM-05 / OQ-03: an order dated later than one month before the start.
    late_commission_order = models.CharField(_("commission order later than one month before the start (COM-05)"),
                                             max_length=8, choices=RuleMode.choices, default=RuleMode.ERROR)
    # SCH-05: a defence schedule communicated later than 3 working days before the first defence.
    late_schedule = models.CharField(_("schedule published later than 3 working days before defences (SCH-05)"),
                                     max_length=8, choices=RuleMode.choices, default=RuleMode.ERROR)
    # DEF-06: a diploma work submitted later than two weeks before the start.
    late_diploma_work = models.CharField(_("diploma work submitted later than two weeks before the start (DEF-06)"),
                                         max_length=8, choices=RuleMode.choices, default=RuleMode.ERROR)
    # OQ-01: warn when the employer share falls below 60% if the secretary is counted too.
    warn_secretary_in_ratio = models.BooleanField(
        _("warn when the employer share including the secretary is below 60% (OQ-01)"), default=True)
    # OQ-24: the 2020 online recommendations (DIST-09, DIST-11, DEF-08) as warnings.
    online_profile = models.BooleanField(_("apply the 2020 recommendations for online attestation as warnings"),
                                         default=True)
    # OQ-13: the last day of the academic year (month and day), for re-admission (RET-01).
    academic_year_end_month = models.PositiveSmallIntegerField(_("academic year ends: month"), default=8)
    academic_year_end_day = models.PositiveSmallIntegerField(_("academic year ends: day"), default=31)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("attestation rule settings")
        verbose_name_plural = _("attestation rule settings")
        constraints = [
            models.UniqueConstraint(fields=["college"], name="attestation_policy_one_per_college"),
            models.CheckConstraint(condition=Q(academic_year_end_month__gte=1, academic_year_end_month__lte=12,
                                               academic_year_end_day__gte=1, academic_year_end_day__lte=31),
                                   name="attestation_policy_year_end_valid"),
        ]

    def __str__(self) -> str:
        return f"policy:{self.college_id}"


class Commission(models.Model):
    """A final attestation commission (COM-01) or an appeal commission (APP-02), formed by the head's order."""

    class Kind(models.TextChoices):
        FINAL = "final", _("final attestation commission")
        APPEAL = "appeal", _("appeal commission")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        CLOSED = "closed", _("closed")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.FINAL)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="commissions", verbose_name=_("campaign"))
    name = models.CharField(_("name"), max_length=255, blank=True)
    order_number = models.CharField(_("order number"), max_length=50, blank=True)
    order_date = models.DateField(_("order date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    # Warnings accepted on approval (OQ-01 …), kept for the record.
    approval_warnings = models.JSONField(default=list, blank=True)
    order_document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="appeal") | Q(campaign__isnull=False),
                                   name="commission_final_has_campaign"),
            models.CheckConstraint(condition=Q(kind__in=["final", "appeal"]), name="commission_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=["draft", "approved", "closed"]),
                                   name="commission_status_valid"),
            models.CheckConstraint(condition=Q(status="draft") | (~Q(order_number="") & Q(order_date__isnull=False)),
                                   name="commission_approved_has_order"),
            models.UniqueConstraint(fields=["college", "kind", "order_number"], condition=~Q(order_number=""),
                                    name="commission_order_number_unique"),
        ]

    def __str__(self) -> str:
        label = self.name or self.get_kind_display()
        return f"{label} № {self.order_number}" if self.order_number else str(label)

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class CommissionMember(models.Model):
    """A person on a commission: chair, member (voting) or secretary (no vote, COM-04)."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        MEMBER = "member", _("member")
        SECRETARY = "secretary", _("secretary")

    class Affiliation(models.TextChoices):
        EMPLOYER = "employer", _("employer representative")
        COLLEGE = "college", _("college representative")
        MEDICAL_ORG = "medical_org", _("accredited medical organisation")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="members")
    full_name = models.CharField(_("full name"), max_length=255)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    affiliation = models.CharField(_("affiliation"), max_length=12, choices=Affiliation.choices)
    organization = models.CharField(_("organisation"), max_length=255, blank=True)
    position = models.CharField(_("position"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # The member's portal account, if any: who may sign the protocol in the portal.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="commission_memberships", verbose_name=_("account"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("commission member")
        verbose_name_plural = _("commission members")
        ordering = ["commission_id", "role", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["chair", "member", "secretary"]), name="member_role_valid"),
            models.CheckConstraint(condition=Q(affiliation__in=["employer", "college", "medical_org"]),
                                   name="member_affiliation_valid"),
            models.UniqueConstraint(fields=["college", "commission", "user"], condition=Q(user__isnull=False),
                                    name="member_account_once_per_commission"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"

    @property
    def votes(self) -> bool:
        """COM-04: chair and members vote; the secretary does not."""
        return self.role != self.Role.SECRETARY


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


class ForceMajeureDecision(models.Model):
    """EXE-01 / DIST-17 / OQ-30: the commission's decision, linked to the authorities' decision, to change the
    form of attestation and/or to determine results from current and intermediate grades."""

    class Trigger(models.TextChoices):
        QUARANTINE = "quarantine", _("quarantine")
        EMERGENCY_SOCIAL = "emergency_social", _("social emergency")
        EMERGENCY_NATURAL = "emergency_natural", _("natural emergency")
        EMERGENCY_TECHNOGENIC = "emergency_technogenic", _("man-made emergency")
        NO_CONNECTION = "no_connection", _("no internet or communication in a remote settlement")
        OTHER = "other", _("other circumstances beyond the participants' control")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="force_majeure_decisions")
    trigger = models.CharField(_("circumstance"), max_length=24, choices=Trigger.choices)
    authority_decision_ref = models.CharField(_("decision of the authorities (number, issuer)"), max_length=255)
    authority_decision_date = models.DateField(_("date of the authorities' decision"))
    authority_document = models.FileField(_("copy of the authorities' decision"), storage=uploads_storage,
                                          upload_to=upload_force_majeure_document, blank=True)
    decision_ref = models.CharField(_("commission's decision (protocol number)"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    changes_form = models.BooleanField(_("changes the form of attestation"), default=False)
    new_form = models.CharField(_("new form"), max_length=10, blank=True)
    new_mode = models.CharField(_("new mode"), max_length=10, blank=True)
    derives_results = models.BooleanField(_("determines results from current and intermediate grades"),
                                          default=False)
    description = models.TextField(_("reasons and content of the decision"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("force majeure decision")
        verbose_name_plural = _("force majeure decisions")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(changes_form=True) | Q(derives_results=True),
                                   name="force_majeure_decides_something"),
            models.CheckConstraint(condition=~Q(authority_decision_ref=""), name="force_majeure_has_authority_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_ref} ({self.decided_on:%d.%m.%Y}; {self.authority_decision_ref})"


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


class ProtocolQuerySet(models.QuerySet):
    """Bulk updates of protocol rows cannot reach a closed protocol (the queryset guard)."""

    lock_path = "protocol__status"
    # Columns of a closed protocol that may still change (its PDF, the paper archive, DIST-08).
    open_after_close: frozenset[str] = frozenset()

    def _touches_closed(self) -> bool:
        return self.filter(**{self.lock_path: Protocol.Status.CLOSED}).exists()

    def update(self, **kwargs):
        if set(kwargs) - self.open_after_close and self._touches_closed():
            raise ProtocolLocked()
        return super().update(**kwargs)

    def delete(self):
        if self._touches_closed():
            raise ProtocolLocked()
        return super().delete()


class ProtocolLocked(Exception):
    """A closed protocol is locked for good; corrections are amendments (PRO-01)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "The protocol is closed and locked; corrections are made by an amendment.")


class LockedRowMixin:
    """Model guard: a row of a closed protocol is never saved or deleted again."""

    def _protocol_closed(self) -> bool:
        protocol_id = self.protocol_id
        if protocol_id is None:
            return False
        return Protocol.objects.filter(pk=protocol_id, status=Protocol.Status.CLOSED).exists()

    def save(self, *args, protocol_locked_open: bool = False, **kwargs):
        # protocol_locked_open: the caller holds the protocol's lock and saw it open (commissions.services), so
        # nothing can close it before the caller's transaction ends and asking again would be a query for nothing.
        if not protocol_locked_open and self._protocol_closed():
            raise ProtocolLocked()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._protocol_closed():
            raise ProtocolLocked()
        return super().delete(*args, **kwargs)


def scoped_manager(queryset_class):
    """A django-scopes ScopedManager whose querysets are ``queryset_class`` (the lock guards)."""
    return ScopedManager(models.Manager.from_queryset(queryset_class), college="college")


class ProtocolHeaderQuerySet(ProtocolQuerySet):
    lock_path = "status"
    open_after_close = frozenset({"document", "paper_archived_at", "archive_ref"})


class Protocol(models.Model):
    """The protocol of one commission session (PRO-01): attendance, per-student results, signatures."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="protocols")
    number = models.CharField(_("protocol number"), max_length=50)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    # Optimistic concurrency: the protocol's change counter; each row carries the counter of its last change.
    version = models.PositiveIntegerField(default=1)
    notes = models.TextField(_("decisions and notes of the session"), blank=True)
    # DIST-12: where the video recording of a distance session is kept.
    recording_ref = models.CharField(_("video recording (reference)"), max_length=500, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    # PRO-03 / OQ-11: the day the results were announced (the appeal clock starts from it).
    announced_on = models.DateField(_("results announced on"), null=True, blank=True)
    close_warnings = models.JSONField(default=list, blank=True)
    # The scan of the printed copy signed on paper (members without accounts).
    signed_scan = models.FileField(_("signed paper copy (scan)"), storage=uploads_storage,
                                   upload_to=upload_protocol_scan, blank=True)
    signed_scan_sha256 = models.CharField(max_length=64, blank=True)
    signed_scan_type = models.CharField(max_length=32, blank=True)
    language = models.CharField(_("language of the protocol"), max_length=2, default="kk")
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # DIST-08: the paper copy archived.
    paper_archived_at = models.DateTimeField(_("paper copy archived at"), null=True, blank=True)
    archive_ref = models.CharField(_("archive reference"), max_length=255, blank=True)

    objects = scoped_manager(ProtocolHeaderQuerySet)

    class Meta:
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["college", "exam"], name="protocol_one_per_exam"),
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="protocol_status_valid"),
            models.CheckConstraint(condition=Q(status="open") | Q(closed_at__isnull=False, announced_on__isnull=False),
                                   name="protocol_closed_has_time"),
        ]

    def __str__(self) -> str:
        return f"{_('Protocol')} № {self.number}"

    def save(self, *args, **kwargs):
        # Model guard: once closed in the database, only the PDF link and the archive marks may change.
        if self.pk is not None:
            stored = Protocol.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.CLOSED:
                fields = kwargs.get("update_fields")
                if fields is None or set(fields) - ProtocolHeaderQuerySet.open_after_close:
                    raise ProtocolLocked()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Protocol.objects.filter(pk=self.pk, status=self.Status.CLOSED).exists():
            raise ProtocolLocked()
        return super().delete(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class ProtocolAttendance(LockedRowMixin, models.Model):
    """Whether a commission member is present at the session (DEF-03 quorum)."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(CommissionMember, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"), default=False)
    version = models.PositiveIntegerField(default=1)

    objects = scoped_manager(ProtocolQuerySet)

    class Meta:
        verbose_name = _("attendance of a member")
        verbose_name_plural = _("attendance of members")
        ordering = ["member__role", "member_id"]
        constraints = [models.UniqueConstraint(fields=["college", "protocol", "member"],
                                               name="attendance_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member_id}: {'present' if self.present else 'absent'}"


class ProtocolResult(LockedRowMixin, models.Model):
    """One student's row of the protocol: attendance, result, questions asked, notes; for distance sessions the
    identity check (DIST-01/02); the ticket drawn (DIST-13)."""

    class Status(models.TextChoices):
        PENDING = "", _("not recorded yet")
        PRESENT = "present", _("present")
        ABSENT = "absent", _("did not appear")
        TECH_FAILURE = "tech_failure", _("technical failure")
        DERIVED = "derived", _("result derived (force majeure)")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="results")
    slot = models.ForeignKey(ExamSlot, on_delete=models.PROTECT, related_name="results")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="protocol_results")
    status = models.CharField(_("attendance"), max_length=16, choices=Status.choices, default=Status.PENDING,
                              blank=True)
    percent_raw = models.DecimalField(_("percent as entered"), max_digits=5, decimal_places=2, null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("percent"), null=True, blank=True)
    letter = models.CharField(_("letter grade"), max_length=2, blank=True, choices=[(x, x) for x in LETTERS])
    points = models.DecimalField(_("points"), max_digits=3, decimal_places=2, null=True, blank=True)
    traditional = models.CharField(_("traditional grade"), max_length=16, blank=True, choices=TRADITIONAL_CHOICES)
    questions = models.TextField(_("questions asked"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # DIST-01/02: identification by the ID document shown to the camera.
    id_checked = models.BooleanField(_("identity checked"), default=False)
    id_document_tail = models.CharField(_("last digits of the ID document"), max_length=8, blank=True)
    id_checked_at = models.DateTimeField(null=True, blank=True)
    id_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")
    ticket_number = models.PositiveSmallIntegerField(_("ticket"), null=True, blank=True)
    origin = models.CharField(_("origin of the grade"), max_length=16, choices=GradeOrigin.choices,
                              default=GradeOrigin.REGULAR)
    force_majeure = models.ForeignKey(ForceMajeureDecision, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="results")
    derived_from = models.JSONField(default=dict, blank=True)
    # The official transcript entry made when the protocol was closed.
    transcript_entry = models.ForeignKey(TranscriptEntry, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    objects = scoped_manager(ProtocolQuerySet)

    class Meta:
        verbose_name = _("result in a protocol")
        verbose_name_plural = _("results in protocols")
        ordering = ["slot__starts_at", "slot_id"]
        constraints = [
            models.UniqueConstraint(fields=["college", "protocol", "student"], name="result_once_per_student"),
            models.CheckConstraint(condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                                   name="result_percent_range"),
            models.CheckConstraint(condition=Q(percent_raw__isnull=True) | Q(percent_raw__gte=0, percent_raw__lte=100),
                                   name="result_percent_raw_range"),
            models.CheckConstraint(condition=Q(status__in=["present", "derived"]) | Q(percent__isnull=True),
                                   name="result_grade_only_when_assessed"),
            models.CheckConstraint(condition=(Q(status="derived") & Q(origin="derived")
                                              & Q(force_majeure__isnull=False))
                                   | (~Q(status="derived") & ~Q(origin="derived")),
                                   name="result_derived_has_decision"),
            models.CheckConstraint(condition=Q(ticket_number__isnull=True) | Q(ticket_number__gte=1),
                                   name="result_ticket_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.status} {self.percent}"

    @property
    def is_derived(self) -> bool:
        return self.origin == GradeOrigin.DERIVED


class ProtocolSignature(LockedRowMixin, models.Model):
    """A commission member's signature in the portal, valid for the protocol version signed."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="signatures")
    member = models.ForeignKey(CommissionMember, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    protocol_version = models.PositiveIntegerField()
    signed_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = scoped_manager(ProtocolQuerySet)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["college", "protocol", "member"],
                                               name="signature_once_per_member")]

    def __str__(self) -> str:
        return f"{self.member_id} signed v{self.protocol_version}"


class TicketDraw(LockedRowMixin, models.Model):
    """DIST-13 / EXF-07: a ticket drawn at random (``secrets``) for a student, recorded."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="ticket_draws")
    result = models.ForeignKey(ProtocolResult, on_delete=models.PROTECT, related_name="ticket_draws")
    ticket_number = models.PositiveSmallIntegerField(_("ticket"))
    bank_size = models.PositiveSmallIntegerField(_("number of tickets"))
    drawn_at = models.DateTimeField(default=timezone.now)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = scoped_manager(ProtocolQuerySet)

    class Meta:
        verbose_name = _("ticket draw")
        verbose_name_plural = _("ticket draws")
        constraints = [
            models.UniqueConstraint(fields=["college", "result"], name="ticket_draw_once_per_student"),
            models.CheckConstraint(condition=Q(ticket_number__gte=1) & Q(ticket_number__lte=F("bank_size")),
                                   name="ticket_draw_in_bank"),
        ]

    def __str__(self) -> str:
        return f"{self.result_id}: ticket {self.ticket_number}/{self.bank_size}"


class TechnicalFailureAct(models.Model):
    """DIST-07: the electronic act on a technical failure during a distance session, sent to every member;
    the student takes the attestation on another day (not a retake)."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="tech_failure_acts")
    result = models.ForeignKey(ProtocolResult, on_delete=models.PROTECT, related_name="tech_failure_acts")
    occurred_at = models.DateTimeField(_("occurred at"))
    description = models.TextField(_("what happened"))
    drawn_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Deliveries to the members: [{"member", "channel", "to", "at"}].
    deliveries = models.JSONField(default=list, blank=True)
    new_slot = models.ForeignKey(ExamSlot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("technical failure act")
        verbose_name_plural = _("technical failure acts")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["college", "result"], name="tech_failure_act_once")]

    def __str__(self) -> str:
        return f"{_('Technical failure act')} № {self.pk}"


class ProtocolAmendment(models.Model):
    """A correction of a closed protocol: the original row stays as it was; the amendment states the new
    value, the reason and who made it, and the official grade follows it."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="amendments")
    result = models.ForeignKey(ProtocolResult, on_delete=models.PROTECT, related_name="amendments")
    field = models.CharField(max_length=16)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("amendment of a protocol")
        verbose_name_plural = _("amendments of protocols")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(field__in=["percent", "questions", "notes"]),
                                   name="amendment_field_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.result_id}.{self.field}: {self.old_value} → {self.new_value}"


class ReAdmission(models.Model):
    """RET-01: a student absent for a valid reason applies; the commission decides; a new slot follows."""

    class Reason(models.TextChoices):
        HEALTH = "health", _("state of health")
        OTHER = "other", _("other objective reason")

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        APPROVED = "approved", _("approved by the commission")
        REJECTED = "rejected", _("rejected by the commission")
        SCHEDULED = "scheduled", _("new slot scheduled")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="readmissions")
    result = models.ForeignKey(ProtocolResult, on_delete=models.PROTECT, related_name="readmissions")
    reason = models.CharField(_("reason"), max_length=8, choices=Reason.choices)
    application = models.TextField(_("application"))
    document = models.FileField(_("supporting document"), storage=uploads_storage,
                                upload_to=upload_readmission_document)
    document_sha256 = models.CharField(max_length=64, blank=True)
    document_type = models.CharField(max_length=32, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    decision_note = models.TextField(_("decision of the commission"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    new_slot = models.ForeignKey(ExamSlot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("re-admission")
        verbose_name_plural = _("re-admissions")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["college", "result"], condition=~Q(status="rejected"),
                                    name="readmission_one_open_per_result"),
            models.CheckConstraint(condition=Q(status__in=["applied", "approved", "rejected", "scheduled"]),
                                   name="readmission_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.get_status_display()}"


# Module-level names of the choice sets, for the OpenAPI enum names (settings.SPECTACULAR_SETTINGS).
CommissionKind = Commission.Kind
ReadmissionReason = ReAdmission.Reason
