"""The protocol of a session and its rows, locked for good once closed (PRO-01 … PRO-03): the model refuses
(``save``/``delete``), the queryset refuses (``update``/``delete``) and, on PostgreSQL, a trigger (migration 0002);
corrections are amendments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import College, Document, GradeOrigin, Student, TranscriptEntry
from attestation.scale import LETTERS, TRADITIONAL_CHOICES

from .composition import CommissionMember
from .force_majeure import ForceMajeureDecision
from .schedule import Exam, ExamSlot
from .uploads import upload_protocol_scan, uploads_storage


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

    def update_locked_open(self, **kwargs):
        """``update`` by a caller that holds the protocol's lock and saw it open (as ``protocol_locked_open`` for a
        row's ``save``): nothing can close it before the caller's transaction ends, so the guard's question would be
        a query for nothing on the busiest write. On PostgreSQL the database's own guard (migration 0002) stands."""
        return super().update(**kwargs)


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

    @property
    def is_settled(self) -> bool:
        """Settled by a technical failure act or a force majeure decision: only questions and notes change."""
        return self.status in (self.Status.TECH_FAILURE, self.Status.DERIVED)

    @property
    def percent_entered(self) -> str:
        """The percentage as typed, without trailing zeros or an exponent (87.50 → "87.5", 80.00 → "80")."""
        return "" if self.percent_raw is None else format(self.percent_raw.normalize(), "f")


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
