"""Re-admission after a valid absence (RET-01, RET-02)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import College, Student

from .protocols import ProtocolResult
from .schedule import ExamSlot
from .uploads import upload_readmission_document, uploads_storage


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
