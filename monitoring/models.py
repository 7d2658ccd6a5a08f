"""The national monitoring of educational achievements (ББЖМ / МОДО, seed 002; DESIGN.md "Monitoring").

A Round belongs to the ministry, not to a college: it holds the frozen pool of eligible colleges, the published seed
and the draw's versions. Everything per college (the selection and its notice, participants, representatives, acts,
results and their summaries) carries ``college`` with a scoped manager, so a college administrator reads its own
rows through the usual scope, and the authorities read through one selector that filters by region
(monitoring.selectors).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from attestation.models import College, Student

from . import rules


def uploads_storage():
    """Supporting documents and signatures: outside the web root, served only by permission-checked views."""
    return storages["uploads"]


class Cohort(models.TextChoices):
    GENERAL = rules.COHORT_GENERAL, _("2nd year: general education subjects")
    PROFESSIONAL = rules.COHORT_PROFESSIONAL, _("3rd year: professional modules")


class Round(models.Model):
    """A yearly monitoring round of the colleges (MON-05 … MON-11)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        NOTIFIED = "notified", _("colleges notified")
        TESTING = "testing", _("testing")
        RESULTS = "results", _("results received")
        ANALYSED = "analysed", _("analysed")
        CANCELLED = "cancelled", _("cancelled")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    testing_on = models.DateField(_("testing date"))
    cohorts = models.JSONField(_("cohorts"), default=list)
    share = models.DecimalField(_("share of colleges"), max_digits=4, decimal_places=3, default=rules.SHARE_DECIMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # MON-10: the frozen pool of eligible colleges (the draw's input, published) and its sha256.
    pool = models.JSONField(_("pool of eligible colleges"), default=list, blank=True)
    pool_sha256 = models.CharField(max_length=64, blank=True)
    pool_frozen_at = models.DateTimeField(_("pool frozen at"), null=True, blank=True)
    # MON-10: the seed of the next draw, published before it.
    seed = models.CharField(_("seed"), max_length=200, blank=True)
    seed_published_at = models.DateTimeField(_("seed published at"), null=True, blank=True)
    notice_on = models.DateField(_("notice date"), null=True, blank=True)  # MON-09
    # The national sums per subject and cohort (``[[subject, cohort, n, annulled, Σx, Σx², distribution], …]``),
    # rewritten with the summaries: a college's page reads the national mean from here, as row-level security lets
    # its transaction see no other college's summary rows.
    national = models.JSONField(_("national sums"), default=list, blank=True)
    testing_started_at = models.DateTimeField(null=True, blank=True)
    results_at = models.DateTimeField(_("first results imported at"), null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_basis = models.CharField(_("basis of the decision"), max_length=32, blank=True)
    cancel_reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("monitoring round")
        verbose_name_plural = _("monitoring rounds")
        ordering = ["-year"]
        constraints = [models.CheckConstraint(condition=Q(share__gt=0, share__lte=1), name="round_share_range")]

    def __str__(self) -> str:
        return f"ББЖМ {self.year}"

    @property
    def cohort_labels(self) -> list[str]:
        labels = dict(Cohort.choices)
        return [str(labels.get(c, c)) for c in self.cohorts]


class CancelBasis(models.TextChoices):
    """MON-11 (002 §15): what the decision not to hold the testing rests on."""

    HEALTH_MINISTRY = "health_ministry", _("decision of the Ministry of Health")
    EMERGENCIES_MINISTRY = "emergencies_ministry", _("decision of the Ministry of Emergency Situations")
    REGIONAL_PROPOSAL = "regional_proposal", _("proposal of the regional (city) education department")


class DrawVersion(models.Model):
    """One draw of a round (MON-10): its seed, the sha256 of the pool it ran on, and what it gave. A new draw is a new
    version; versions are never changed or deleted (the round's selection is the latest version's)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveSmallIntegerField(_("version"))
    seed = models.CharField(_("seed"), max_length=200)
    seed_published_at = models.DateTimeField(null=True)
    pool_sha256 = models.CharField(max_length=64)
    share = models.DecimalField(max_digits=4, decimal_places=3)
    total = models.PositiveIntegerField()
    pool_size = models.PositiveIntegerField()
    result = models.JSONField(default=dict)  # {"strata": [...], "colleges": [...]} of rules.Draw
    selected = models.JSONField(default=list)  # codes (college slugs), sorted
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("draw version")
        verbose_name_plural = _("draw versions")
        ordering = ["round_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="draw_version_once")]

    def __str__(self) -> str:
        return f"{self.round} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("A draw version is never changed (MON-10).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A draw version is never deleted (MON-10).")


class RoundCollege(models.Model):
    """A college selected in a round (the latest draw), with its frozen stratum, its notice (MON-09) and, after an
    emergency in its territory, its cancellation (MON-11)."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="colleges")
    number = models.PositiveIntegerField(_("number in the round"))  # part of the personal codes
    draw = models.ForeignKey(DrawVersion, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(_("region"), max_length=32)
    territory = models.CharField(_("territory"), max_length=8)
    kind = models.CharField(_("kind"), max_length=32)
    language = models.CharField(_("language of instruction"), max_length=2)
    band = models.CharField(_("contingent band"), max_length=16)
    stratum = models.CharField(_("stratum"), max_length=120)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    notice_document = models.ForeignKey("attestation.Document", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_basis = models.CharField(_("basis of the decision"), max_length=32, blank=True,
                                    choices=CancelBasis.choices)
    cancel_reason = models.TextField(_("reason"), blank=True)
    seated_at = models.DateTimeField(null=True, blank=True)
    results_imported_at = models.DateTimeField(_("results received at"), null=True, blank=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("selected college")
        verbose_name_plural = _("selected colleges")
        ordering = ["round_id", "number"]
        constraints = [models.UniqueConstraint(fields=["college", "round"], name="round_college_once")]
        indexes = [models.Index(fields=["round", "region"], name="round_college_region_idx")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.college_id}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class ParticipantStatus(models.TextChoices):
    PARTICIPANT = "participant", _("takes part")
    EXCUSED = "excused", _("excused")
    REMOVED = "removed", _("removed: forbidden items (act, Annex 1)")
    OUTSIDER = "outsider", _("outsider detected (act, Annex 2)")
    RELEASED = "released", _("released: testing cancelled in the territory")


class ExcusalReason(models.TextChoices):
    """MON-08 (002 §12)."""

    HOME_STUDY = "home_study", _("studies at home for health reasons")
    SANATORIUM = "sanatorium", _("in a sanatorium-type health institution")
    ABSENT_HEALTH = "absent_health", _("absent: state of health")
    ABSENT_BEREAVEMENT = "absent_bereavement", _("absent: death of a close relative")
    ABSENT_COMPETITION = "absent_competition", _("absent: competition or olympiad")


def excusal_upload_to(participant: Participant, filename: str) -> str:
    # Never the uploader's name: the round, the participant's code and the sniffed type's extension.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{participant.college_id}/monitoring/{participant.round_id}/excusal-{participant.code}.{suffix}"


class Participant(models.Model):
    """A student of a selected college in the round's cohorts (MON-05, MON-08), known outside the college by the
    personal code (СЖК, OQ-26), never by the IIN. Name and group are copied when the list is made: the seating
    sheet and the acts show them as they were."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="participants")
    round_college = models.ForeignKey(RoundCollege, on_delete=models.PROTECT, related_name="participants")
    student = models.ForeignKey(Student, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    code = models.CharField(_("personal code"), max_length=16)
    full_name = models.CharField(_("full name"), max_length=255)
    group_name = models.CharField(_("group"), max_length=64)
    program_code = models.CharField(_("program"), max_length=32, blank=True)
    year_of_study = models.PositiveSmallIntegerField(_("year of study"))
    cohort = models.CharField(_("cohort"), max_length=16, choices=Cohort.choices)
    language = models.CharField(_("language of instruction"), max_length=2)
    room = models.CharField(_("room"), max_length=32, blank=True)
    seat = models.PositiveSmallIntegerField(_("seat"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ParticipantStatus.choices,
                              default=ParticipantStatus.PARTICIPANT)
    excusal_reason = models.CharField(_("reason"), max_length=24, choices=ExcusalReason.choices, blank=True)
    excusal_note = models.CharField(_("note"), max_length=500, blank=True)
    excusal_file = models.FileField(storage=uploads_storage, upload_to=excusal_upload_to, blank=True)
    excusal_file_type = models.CharField(max_length=64, blank=True)
    excused_at = models.DateTimeField(null=True, blank=True)
    excused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["round_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["college", "round", "code"], name="participant_code_once"),
            models.UniqueConstraint(fields=["college", "round", "student"], condition=Q(student__isnull=False),
                                    name="participant_student_once"),
            models.UniqueConstraint(fields=["college", "round", "room", "seat"], condition=Q(seat__isnull=False),
                                    name="participant_seat_once"),
        ]
        indexes = [models.Index(fields=["round", "code"], name="participant_round_code_idx")]

    def __str__(self) -> str:
        return self.code


def signature_upload_to(act: Act, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stem = filename.rsplit(".", 1)[0].rsplit("/", 1)[-1][:20]
    return f"{act.college_id}/monitoring/{act.round_id}/act-{act.participant_id}-{stem}.{suffix}"


class Act(models.Model):
    """A violation act drawn up by the ministry's representative on the testing day: Annex 1 (forbidden items found,
    the testee removed, MON-16) or Annex 2 (an outsider sitting for a participant, MON-17). Either annuls the
    participant's results (kept, marked annulled, excluded from analytics). One act per participant."""

    class Kind(models.TextChoices):
        FORBIDDEN_ITEMS = rules.ACT_FORBIDDEN_ITEMS, _("forbidden items and removal (Annex 1)")
        OUTSIDER = rules.ACT_OUTSIDER, _("outsider detected (Annex 2)")

    class Stage(models.TextChoices):
        ENTRY = rules.STAGE_ENTRY, _("at the entrance to the building")
        TESTING = rules.STAGE_TESTING, _("during the testing")

    class Decision(models.TextChoices):
        REMOVED = rules.DECISION_REMOVED, _("exam materials taken, removed from the room, results annulled")
        REFUSED_ENTRY = rules.DECISION_REFUSED_ENTRY, _("not let into the building, results annulled")

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="acts")
    round_college = models.ForeignKey(RoundCollege, on_delete=models.PROTECT, related_name="acts")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="acts")
    kind = models.CharField(_("act"), max_length=16, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("date and time"))
    room = models.CharField(_("room"), max_length=32, blank=True)
    seat = models.PositiveSmallIntegerField(_("seat"), null=True, blank=True)
    variant = models.CharField(_("test variant"), max_length=32, blank=True)
    items = models.JSONField(_("items found"), default=list, blank=True)  # [{"item", "make", "count"}]
    stage = models.CharField(_("when"), max_length=8, choices=Stage.choices, blank=True)
    outsider_name = models.CharField(_("outsider's full name"), max_length=255, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    drawn_up_by = models.JSONField(_("drawn up by"), default=list, blank=True)  # Annex 1 field 13: full names
    representative = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    representative_name = models.CharField(_("representative"), max_length=255)
    representative_signed_name = models.CharField(_("representative's name under the signature"), max_length=255)
    testee_name = models.CharField(_("testee"), max_length=255)
    testee_code = models.CharField(_("personal code"), max_length=16)
    testee_signed_name = models.CharField(_("name under the testee's signature"), max_length=255)
    testee_signature = models.FileField(storage=uploads_storage, upload_to=signature_upload_to, blank=True)
    representative_signature = models.FileField(storage=uploads_storage, upload_to=signature_upload_to, blank=True)
    signed_scan = models.FileField(storage=uploads_storage, upload_to=signature_upload_to, blank=True)
    signed_scan_type = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("violation act")
        verbose_name_plural = _("violation acts")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # MON-16 / MON-17: the act annuls the participant's results; a second act has nothing left to decide.
            models.UniqueConstraint(fields=["college", "participant"], name="act_once_per_participant"),
            models.CheckConstraint(condition=Q(seat__isnull=True) | Q(seat__gte=1), name="act_seat_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.testee_code}"


class ResultImport(models.Model):
    """One results file of the National Testing Center imported into a round (MON-22): all its rows or none."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    colleges = models.PositiveIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("results import")
        verbose_name_plural = _("results imports")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round} · {self.file_name or self.file_sha256[:12]}"


class Result(models.Model):
    """A participant's result in a subject or module (MON-20, MON-22). Never a transcript entry, never a grade, never
    appealed (MON-23, APP-05). An act annuls it: the row is kept, marked, and left out of analytics."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="results")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="results")
    subject = models.CharField(_("subject or module"), max_length=100)
    variant = models.CharField(_("variant"), max_length=32, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    maximum = models.DecimalField(_("maximum"), max_digits=7, decimal_places=2)
    annulled = models.BooleanField(_("annulled"), default=False)
    annulled_by = models.ForeignKey(Act, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    batch = models.ForeignKey(ResultImport, on_delete=models.PROTECT, related_name="results")

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("monitoring result")
        verbose_name_plural = _("monitoring results")
        ordering = ["participant_id", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["college", "participant", "subject"], name="result_once_per_subject"),
            models.CheckConstraint(condition=Q(maximum__gt=0) & Q(score__gte=0) & Q(score__lte=F("maximum")),
                                   name="result_score_range"),
        ]
        indexes = [models.Index(fields=["round", "college"], name="result_round_college_idx")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.subject}: {self.score}/{self.maximum}"


class ResultSummary(models.Model):
    """What analytics read (DESIGN.md "Monitoring"): per round, college, subject and cohort, the counts, sums and sums
    of squares of the scores and of the percentage of the maximum, and the distribution over tenths of the maximum,
    of the results not annulled. Rewritten from the results after every import and every act that annuls one, so a
    national view reads a few thousand rows, not every result."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="summaries")
    round_college = models.ForeignKey(RoundCollege, on_delete=models.PROTECT, related_name="summaries")
    subject = models.CharField(_("subject or module"), max_length=100)
    cohort = models.CharField(_("cohort"), max_length=16, choices=Cohort.choices)
    count = models.PositiveIntegerField(default=0)
    annulled = models.PositiveIntegerField(default=0)
    score_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    score_sq_sum = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    maximum_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    percent_sum = models.FloatField(default=0)
    percent_sq_sum = models.FloatField(default=0)
    distribution = models.JSONField(default=list)  # rules.DISTRIBUTION_BINS counts of percent tenths
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("results summary")
        verbose_name_plural = _("results summaries")
        constraints = [models.UniqueConstraint(fields=["college", "round", "subject", "cohort"],
                                               name="result_summary_once")]
        indexes = [models.Index(fields=["round", "subject", "cohort"], name="result_summary_round_idx")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.college_id}:{self.subject}:{self.cohort}"


class Representative(models.Model):
    """An authorized representative of the ministry (MON-13) assigned to a selected college of a round: only they
    record acts there."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="representatives")
    round_college = models.ForeignKey(RoundCollege, on_delete=models.PROTECT, related_name="representatives")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("assigned representative")
        verbose_name_plural = _("assigned representatives")
        ordering = ["round_id", "college_id", "id"]
        constraints = [models.UniqueConstraint(fields=["college", "round", "user"], name="representative_once")]
        indexes = [models.Index(fields=["user", "round"], name="representative_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.college_id} ({self.round_id})"


# --- The anonymous satisfaction survey (MON-21) ------------------------------------------------------------------


class Respondent(models.TextChoices):
    STUDENT = "student", _("testees")
    TEACHER = "teacher", _("teachers")


class SurveyBatch(models.Model):
    """A list of one-time invitations issued for a room, a group or the teachers of a selected college: printed or
    downloaded, cut into slips and handed out. It names no person: a slip is a link, not a respondent."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="survey_batches")
    round_college = models.ForeignKey(RoundCollege, on_delete=models.PROTECT, related_name="survey_batches")
    respondent = models.CharField(_("respondents"), max_length=8, choices=Respondent.choices)
    label = models.CharField(_("room or group"), max_length=64)
    size = models.PositiveIntegerField(_("invitations"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("list of survey invitations")
        verbose_name_plural = _("lists of survey invitations")
        ordering = ["round_id", "college_id", "respondent", "label", "id"]

    def __str__(self) -> str:
        return f"{self.round_college_id}:{self.respondent}:{self.label}"


class SurveyInvitation(models.Model):
    """One link of a batch: a token answered once. Answering only sets ``used``, in the transaction that adds the
    answer to the tallies: no time is kept, and nothing of the answer is kept here.

    The token is ``<college id>.<128 random bits>`` (``services.survey.invitation_token``): the link names its
    college as every tenant key does (DESIGN.md "Tenancy"), and the invitation is found by college and token. The
    college is no secret of the respondent: the slip is handed out in that college, whose name the questionnaire
    shows, and the answer's tallies are the college's."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(SurveyBatch, on_delete=models.PROTECT, related_name="invitations")
    token = models.CharField(max_length=43)
    used = models.BooleanField(default=False)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["batch_id", "id"]
        constraints = [models.UniqueConstraint(fields=["college", "token"], name="survey_invitation_token_once")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.pk}"


class SurveyTally(models.Model):
    """MON-21: the survey's answers stored as counts only (RULES.md: "store only aggregate counts"): per round,
    college and kind of respondent, how many chose each option of each question, and (question ``""``) how many
    answered. An answer adds one to a row of each question and to the count of answers; nothing ties it to an
    invitation, a person, a time or an address (no key, no timestamp, no order of arrival kept)."""

    college = models.ForeignKey(College, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="survey_tallies")
    respondent = models.CharField(max_length=8, choices=Respondent.choices)
    question = models.CharField(max_length=16, blank=True)  # "" : the number of answers
    option = models.PositiveSmallIntegerField(default=0)
    count = models.PositiveIntegerField(default=0)

    objects = ScopedManager(college="college")

    class Meta:
        verbose_name = _("survey tally")
        verbose_name_plural = _("survey tallies")
        constraints = [models.UniqueConstraint(fields=["college", "round", "respondent", "question", "option"],
                                               name="survey_tally_once")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.college_id}:{self.respondent}:{self.question}={self.option}"
