"""The commission's force majeure decision (EXE-01, DIST-17)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import College

from .composition import Commission
from .uploads import upload_force_majeure_document, uploads_storage


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
