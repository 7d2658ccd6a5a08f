"""Admission to final attestation (ADM-01, ADM-02), individual attestation (EAR-01 … EAR-03), honours (HON-03)
and the decisions every graduate receives (QUA-01, RET-04).

Other apps use ``grading.selectors.admitted_student_ids`` (commissions: only admitted students get slots) and
``grading.services.completion_certificate_issue`` (RET-04).
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import Campaign, College, Document, Group, Student


class AdmissionOrder(models.Model):
    """ADM-02: the head's order admitting students to final attestation. Once issued it is never
    edited; a later change is a supplementary order."""

    class Kind(models.TextChoices):
        MAIN = "main", _("order on admission")
        SUPPLEMENTARY = "supplementary", _("supplementary order")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="admission_orders")
    # The group the order is about (one order per group and its supplements). Filled for every order the portal
    # issues; null only for rows older than the grading issue.
    group = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, related_name="admission_orders")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MAIN)
    supplements = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="supplementary_orders")
    number = models.CharField(_("order number"), max_length=50)
    order_date = models.DateField(_("order date"))
    document = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("admission order")
        verbose_name_plural = _("admission orders")
        ordering = ["-order_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["college", "number"], name="admission_order_number_unique")]

    def __str__(self) -> str:
        return f"№ {self.number} ({self.order_date:%d.%m.%Y})"

    # Everything but the document link is frozen once the order is issued (ADM-02); PostgreSQL enforces it with
    # a trigger as well (migration 0004).
    FROZEN_FIELDS = ("college_id", "campaign_id", "group_id", "kind", "supplements_id", "number", "order_date",
                     "issued_by_id")

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS).first()
            if stored is not None and any(stored[f] != getattr(self, f) for f in self.FROZEN_FIELDS):
                raise ValueError("An issued admission order is never edited (ADM-02); issue a supplementary order.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("An issued admission order is never deleted (ADM-02).")


class Admission(models.Model):
    """A student admitted to the final attestation of a campaign by an order. A supplementary order may revoke
    the admission (``revoked_by``); the row stays, as the history of the orders."""

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="admissions")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="admissions")
    order = models.ForeignKey(AdmissionOrder, on_delete=models.PROTECT, related_name="admissions")
    # ADM-01 [DATA]: the eligibility snapshot when the order was issued: date, components checked, debts (none).
    snapshot = models.JSONField(_("eligibility snapshot"), default=dict, blank=True)
    revoked_by = models.ForeignKey(AdmissionOrder, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="revocations")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        constraints = [models.UniqueConstraint(fields=["college", "campaign", "student"],
                                               condition=Q(revoked_by__isnull=True),
                                               name="admission_once_per_campaign")]

    def __str__(self) -> str:
        return f"{self.student_id} → {self.campaign_id}"


def uploads_storage():
    return storages["uploads"]


def individual_upload_to(record: "IndividualAttestation", filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{record.college_id}/individual/{record.student_id}-{record.campaign_id}.{suffix}"


class IndividualAttestation(models.Model):
    """EAR-01 … EAR-03: a student allowed, on documents, to take the final attestation individually: early (not
    before 2 months, or 3 at a correctional institution, before the start) or as an extension. Formalised by the
    head's order [design default]; the documents go to the commission (PRO-02 items 6–7)."""

    class Kind(models.TextChoices):
        EARLY = "early", _("early session")
        EXTENSION = "extension", _("extension")

    class Reason(models.TextChoices):
        HEALTH = "health", _("state of health")
        MILITARY_CALLUP = "military_callup", _("call-up for military service")
        OTHER_OBJECTIVE = "other_objective", _("other objective reasons confirmed by documents")
        WORKPLACE = "workplace", _("justified documents from the place of work (correspondence students)")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="individual_attestations")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="individual_attestations")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.EARLY)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    planned_on = models.DateField(_("date of the individual attestation"))
    document = models.FileField(_("confirming document"), storage=uploads_storage, upload_to=individual_upload_to,
                                max_length=255)
    document_name = models.CharField(_("file name"), max_length=255, blank=True)
    order_number = models.CharField(_("order number"), max_length=50, blank=True)
    order_date = models.DateField(_("order date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("individual attestation")
        verbose_name_plural = _("individual attestations")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["college", "campaign", "student"],
                                               name="individual_attestation_once")]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.kind} {self.planned_on:%d.%m.%Y}"


class HonoursConfirmation(models.Model):
    """HON-03: the final attestation commission's decision on the honours diploma the portal proposed, recorded by
    an administrator or the commission chair with the reference of the protocol. Until it exists, honours are a
    proposal."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("administrator")
        CHAIR = "chair", _("commission chair")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="honours_confirmations")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="honours_confirmations")
    awarded = models.BooleanField(_("honours diploma awarded"))
    protocol_reference = models.CharField(_("protocol"), max_length=100)
    # The evaluation the commission saw: system, GPA, excellent share, reasons.
    figures = models.JSONField(default=dict, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    confirmed_as = models.CharField(_("recorded as"), max_length=8, choices=Role.choices, default=Role.ADMIN)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("honours confirmation")
        verbose_name_plural = _("honours confirmations")
        constraints = [models.UniqueConstraint(fields=["college", "campaign", "student"],
                                               name="honours_confirmed_once")]

    def __str__(self) -> str:
        return f"{self.student_id}: {'awarded' if self.awarded else 'declined'} ({self.protocol_reference})"


class DecisionBatch(models.Model):
    """The diploma decisions and certificates of a whole group, produced in the background. At most one batch of a
    group and campaign is active at a time (a partial unique index): a second request joins the running one."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    ACTIVE = (Status.PENDING, Status.RUNNING)

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="decision_batches")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="decision_batches")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(_("language"), max_length=2, choices=settings.DOCUMENT_LANGUAGES)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    # Students without a decision and why: [{"student", "name", "rule", "message"}].
    refusals = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # While running: until when its worker holds it (renewed with every chunk). A lapsed lease means the worker died;
    # the relay or the next request resumes the batch, counted here and shown on the page.
    lease_until = models.DateTimeField(null=True, blank=True)
    resumes = models.PositiveIntegerField(default=0)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("decision batch")
        verbose_name_plural = _("decision batches")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["college", "campaign", "group"],
                                               condition=Q(status__in=["pending", "running"]),
                                               name="decision_batch_one_active")]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.campaign_id}: {self.status}"

    @property
    def batch_key(self) -> str:
        return f"decisions:{self.pk}"


class DiplomaDecisionQuerySet(models.QuerySet):
    def current(self):
        """The decisions in force: not superseded by a later one (a grade changed on appeal, APP-04)."""
        return self.filter(superseded_at__isnull=True)


class DiplomaDecision(models.Model):
    """QUA-01: the decision to issue a diploma with the qualification awarded (and honours, HON-03), or RET-04: the
    certificate of completion of the full course after an unsatisfactory result. One in force per student and
    campaign; the figures are frozen when it is taken. A grade changed on appeal afterwards does not edit it: a new
    decision supersedes it (``supersedes``), and the old one keeps its figures and its PDF, marked
    ``superseded_at``."""

    class Kind(models.TextChoices):
        DIPLOMA = "diploma", _("diploma with qualification")
        CERTIFICATE = "certificate", _("certificate of course completion")

    college = models.ForeignKey(College, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="diploma_decisions")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="diploma_decisions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    qualification = models.CharField(_("qualification"), max_length=255, blank=True)
    qualification_level = models.CharField(_("qualification level"), max_length=24, blank=True)
    honours = models.BooleanField(_("honours diploma"), default=False)
    gpa = models.DecimalField(_("GPA"), max_digits=6, decimal_places=4, null=True, blank=True)
    # The FA results the decision rests on: [{"code", "name", "percent", "letter", "traditional", "origin"}].
    fa_results = models.JSONField(default=list, blank=True)
    decided_on = models.DateField(_("date of the decision"))
    batch = models.ForeignKey(DecisionBatch, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="decisions")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    supersedes = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("supersedes"))
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    objects = ScopedManager(models.Manager.from_queryset(DiplomaDecisionQuerySet), college="college")

    class Meta:
        verbose_name = _("diploma decision")
        verbose_name_plural = _("diploma decisions")
        ordering = ["student__full_name", "id"]
        constraints = [models.UniqueConstraint(fields=["college", "campaign", "student"],
                                               condition=Q(superseded_at__isnull=True),
                                               name="decision_once_per_campaign")]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.kind}"
