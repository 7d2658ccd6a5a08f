"""Commissions and their members, and the college's rule settings (COM-01 … COM-06, APP-02/03)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import Campaign, College, Document


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
