"""Appeals (APP-01 … APP-05): a student's application against a result (a transcript entry), its attachments,
the appeal commission's decision.

Tenant-owned like every table: a non-null ``college``, a ScopedManager, unique constraints including the college,
row-level security on PostgreSQL (migration 0002). One open appeal per result is a partial unique index, so that
concurrent filings cannot both succeed.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import College, Document, Student, TranscriptEntry

OPEN_STATUSES = ("submitted", "under_review")


def uploads_storage():
    """The "uploads" storage: outside the web root, files reachable only through permission-checked views."""
    return storages["uploads"]


def attachment_upload_to(instance: AppealAttachment, filename: str) -> str:
    # The stored name never comes from the uploader: appeal, a random part, the sniffed type's extension.
    extension = filename.rsplit(".", 1)[-1].lower()[:4] if "." in filename else "bin"
    return f"appeals/{instance.college_id}/{instance.appeal_id}/{secrets.token_hex(8)}.{extension}"


def contested_grade(previous_grade: dict | None, percent, letter: str) -> dict:
    """The contested grade from an appeal's ``previous_grade`` (set when it is decided) or, before that, from its
    entry's current ``percent`` and ``letter`` (one rule for the queue's values, the API and the pages)."""
    return previous_grade or {"percent": percent, "letter": letter}


class Appeal(models.Model):
    """APP-01: a student's free-form application to the head of the college against a result."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        UNDER_REVIEW = "under_review", _("under review")
        DECIDED = "decided", _("decided")
        COMMUNICATED = "communicated", _("decision communicated")

    class Outcome(models.TextChoices):
        NONE = "", _("not decided")
        UPHELD = "upheld", _("grade upheld")
        GRADE_CHANGED = "grade_changed", _("grade changed")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="appeals")
    transcript_entry = models.ForeignKey(TranscriptEntry, on_delete=models.PROTECT, related_name="appeals",
                                         verbose_name=_("contested result"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    received_at = models.DateTimeField(_("received at"))
    # APP-01 / OQ-11 and APP-04, computed on the working-day calendar when the appeal was received.
    filing_deadline = models.DateField(_("filing deadline"))
    decision_due = models.DateField(_("decision due"))
    commission = models.ForeignKey("commissions.Commission", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="appeals", verbose_name=_("appeal commission"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    assign_warnings = models.JSONField(default=list, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.NONE,
                               blank=True)
    new_percent = models.DecimalField(_("new percent"), max_digits=5, decimal_places=2, null=True, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    # The contested grade as it was before the decision (history: the entry itself now holds the new grade).
    previous_grade = models.JSONField(default=dict, blank=True)
    # Members of the appeal commission at the session: [{"member", "full_name", "role", "present"}].
    attendance = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_overdue = models.BooleanField(_("decided after the due date"), default=False)
    communicated_at = models.DateTimeField(_("communicated at"), null=True, blank=True)
    communication_channels = models.CharField(max_length=64, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["decision_due", "received_at", "id"]
        constraints = [
            # One open appeal per result (the index also serialises concurrent filings).
            models.UniqueConstraint(fields=["college", "transcript_entry"], condition=Q(status__in=OPEN_STATUSES),
                                    name="appeal_one_open_per_result"),
            models.CheckConstraint(condition=Q(status__in=["submitted", "under_review", "decided", "communicated"]),
                                   name="appeal_status_valid"),
            models.CheckConstraint(condition=Q(outcome__in=["", "upheld", "grade_changed"]),
                                   name="appeal_outcome_valid"),
            models.CheckConstraint(
                condition=Q(status__in=OPEN_STATUSES) | (~Q(outcome="") & Q(decided_at__isnull=False)),
                name="appeal_decided_has_outcome"),
            models.CheckConstraint(condition=~Q(outcome="grade_changed") | (Q(new_percent__isnull=False)
                                                                            & ~Q(justification="")),
                                   name="appeal_grade_change_justified"),
            models.CheckConstraint(condition=Q(status="submitted") | Q(commission__isnull=False),
                                   name="appeal_review_has_commission"),
        ]
        indexes = [models.Index(fields=["college", "status", "decision_due"], name="appeal_queue_idx")]

    def __str__(self) -> str:
        return f"{_('Appeal')} № {self.pk}"

    @property
    def contested_grade(self) -> dict:
        """The grade the appeal contests ({"percent", "letter"}): the transcript entry's own until a decision
        changed it, then the copy kept in ``previous_grade``."""
        return contested_grade(self.previous_grade, self.transcript_entry.percent, self.transcript_entry.letter)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AppealAttachment(models.Model):
    """A file attached to an appeal: PDF, JPEG or PNG judged by its content, at most 10 MB."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=uploads_storage, upload_to=attachment_upload_to)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["appeal_id", "id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name
