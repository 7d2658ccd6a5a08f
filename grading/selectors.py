"""Reads of the grading app, always given the college.

The evaluation of admission (ADM-01), final attestation results, honours (HON-01/HON-02) and decisions is set-based:
a handful of queries for any number of students (students, curriculum, transcript, campaigns, admissions,
confirmations, decisions), then the pure rules of ``grading.rules`` over plain rows (bench/grading_honours.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import get_language

from attestation.collector import cyclic_collector_paused
from attestation.models import Campaign, CampaignGroup, College, Discipline, Document, Group, Student, TranscriptEntry
from attestation.tenancy import CollegeAccess

from . import rules
from .models import (
    Admission,
    AdmissionOrder,
    DecisionBatch,
    DiplomaDecision,
    HonoursConfirmation,
    IndividualAttestation,
)


def groups_list(*, college: College) -> QuerySet[Group]:
    return Group.objects.filter(college=college).select_related("program").order_by("name")


def group_get(*, college: College, pk: int) -> Group:
    group = groups_list(college=college).filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


def group_students(*, college: College, group: Group, pks: list[int] | None = None) -> QuerySet[Student]:
    """The students of a group (``pks``: only those of them, e.g. the ones ticked on a page)."""
    students = Student.objects.filter(college=college, group=group)
    return students if pks is None else students.filter(pk__in=pks)


def admitted_student_ids(*, college: College, campaign: Campaign) -> set[int]:
    """Students admitted to the final attestation of the campaign (ADM-02), revoked admissions excluded."""
    return set(Admission.objects.filter(college=college, campaign=campaign, revoked_by__isnull=True)
               .values_list("student_id", flat=True))



# --- Campaigns ------------------------------------------------------------------------------------------------


def _pick_campaign(rows: list[tuple[int, date, date]], on: date) -> int | None:
    """Of a group's campaigns (id, starts_on, ends_on): the one running or next on ``on``, else the latest; the
    same choice as attestation.selectors.campaign_of_group."""
    if not rows:
        return None
    upcoming = sorted((r for r in rows if r[2] >= on), key=lambda r: (r[1], r[0]))
    if upcoming:
        return upcoming[0][0]
    return max(rows, key=lambda r: (r[1], r[0]))[0]


def group_campaign_ids(*, college: College, group_ids: set[int] | None, on: date) -> dict[int, int]:
    """group id → the id of its current campaign (one query)."""
    links = CampaignGroup.objects.filter(college=college)
    if group_ids is not None:
        links = links.filter(group_id__in=group_ids)
    by_group: dict[int, list] = defaultdict(list)
    for group_id, campaign_id, starts_on, ends_on in links.values_list(
            "group_id", "campaign_id", "campaign__starts_on", "campaign__ends_on"):
        by_group[group_id].append((campaign_id, starts_on, ends_on))
    return {g: _pick_campaign(rows, on) for g, rows in by_group.items()}


def campaign_of_group(*, college: College, group_id: int, on: date | None = None) -> Campaign | None:
    campaign_id = group_campaign_ids(college=college, group_ids={group_id},
                                     on=on or college.today()).get(group_id)
    return Campaign.objects.filter(college=college, pk=campaign_id).first() if campaign_id else None


# --- The evaluation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdmissionInfo:
    order_id: int
    number: str
    order_date: date
    kind: str


@dataclass(frozen=True)
class FaResult:
    """A final attestation component and its published result (None while there is none)."""

    discipline_id: int
    code: str
    name: str
    kind: str
    result: rules.Attempt | None
    origin: str = ""

    @property
    def letter(self) -> str | None:
        return self.result.letter if self.result else None

    @property
    def label(self) -> str:
        """How a person recognises the component: its code and name (FA-DP «Diploma project defence»)."""
        return f"{self.code} «{self.name}»" if self.name else self.code


@dataclass(frozen=True)
class ConfirmationInfo:
    id: int
    awarded: bool
    protocol_reference: str
    confirmed_as: str
    created_at: object


@dataclass(frozen=True)
class DecisionInfo:
    id: int
    kind: str
    honours: bool
    document_id: int | None
    document_status: str | None


@dataclass
class StudentEvaluation:
    student_id: int
    full_name: str
    iin: str
    group_id: int
    group_name: str
    program_id: int
    program_code: str
    grading_system: str
    study_form: str
    campaign_id: int | None
    qualifications: dict[str, str] = field(default_factory=dict)
    components: list[rules.Component] = field(default_factory=list)
    fa: list[FaResult] = field(default_factory=list)
    debts: list[rules.Debt] = field(default_factory=list)
    admission: AdmissionInfo | None = None
    honours: rules.HonoursResult | None = None
    honours_other: rules.HonoursResult | None = None
    confirmation: ConfirmationInfo | None = None
    decision: DecisionInfo | None = None

    @property
    def id(self) -> int:
        return self.student_id

    @property
    def eligible(self) -> bool:
        return not self.debts

    @property
    def admitted(self) -> bool:
        return self.admission is not None

    @property
    def fa_complete(self) -> bool:
        return bool(self.fa) and all(r.result is not None for r in self.fa)

    @property
    def fa_failed(self) -> bool:
        return any(r.result is not None and not rules.is_positive(r.result.letter) for r in self.fa)

    @property
    def fa_missing(self) -> list[FaResult]:
        """The final attestation components without a published result yet (a defence, an exam)."""
        return [r for r in self.fa if r.result is None]

    @property
    def published_results(self) -> list[FaResult]:
        return [r for r in self.fa if r.result is not None]

    @property
    def gpa(self) -> Decimal | None:
        return self.honours.gpa if self.honours else None

    @property
    def honours_status(self) -> str:
        """proposed (HON-01/02 met, the commission has not confirmed yet), confirmed, declined (the commission did
        not award it), or not_eligible. A confirmation the grades no longer support (an appeal changed one) does
        not count: not_eligible."""
        if self.honours is None or not self.honours.eligible:
            return "not_eligible"
        if self.confirmation is None:
            return "proposed"
        return "confirmed" if self.confirmation.awarded else "declined"

    @property
    def outcome(self) -> str | rules.RuleViolation:
        """QUA-01 / RET-04: diploma, certificate, or why there is no decision yet."""
        return rules.diploma_outcome(fa_results={r.label: r.letter for r in self.fa}, student_name=self.full_name)


def _name_field() -> str:
    language = (get_language() or "kk")[:2]
    return {"kk": "name_kk", "ru": "name_ru"}.get(language, "")


def _localized(row: dict, base: str) -> str:
    name = _name_field()
    return (row.get(name.replace("name", base)) if name else "") or row.get(base) or ""


# The order of a group's evaluations (``evaluate``), which the decision batch also splits the group by.
EVALUATION_ORDER = ("full_name", "id")


def evaluate(*, college: College, students: QuerySet[Student], as_of: date | None = None,
             published_on: date | None = None) -> list[StudentEvaluation]:
    """Admission eligibility with open components (ADM-01, as of ``as_of``: the order date), admission, published
    final attestation results (announced by ``published_on``), GPA and honours under the program's system and the
    other one (OQ-18 e), the commission's confirmation (HON-03) and the decision, for every student of the queryset
    — in seven queries whatever their number."""
    # Hundreds of thousands of small objects (a tuple per transcript entry): young collections set off again and
    # again by them would cost a third of the time for nothing.
    with cyclic_collector_paused():
        return _evaluate(college=college, students=students, as_of=as_of, published_on=published_on)


def _evaluate(*, college: College, students: QuerySet[Student], as_of: date | None,
              published_on: date | None) -> list[StudentEvaluation]:
    today = college.today()
    as_of = as_of or today
    published_on = published_on or today
    people = list(students.filter(college=college).order_by(*EVALUATION_ORDER).values(
        "id", "full_name", "iin", "group_id", "group__name", "group__program_id", "group__program__code",
        "group__program__grading_system", "group__study_form", "group__program__qualification",
        "group__program__qualification_kk", "group__program__qualification_ru"))
    if not people:
        return []
    ids = students.filter(college=college).values("pk")
    program_ids = {p["group__program_id"] for p in people}
    group_ids = {p["group_id"] for p in people}

    curriculum: dict[int, list[dict]] = defaultdict(list)
    for row in (Discipline.objects.filter(college=college, program_id__in=program_ids)
                .order_by("semester", "code", "id")
                .values("id", "program_id", "code", "name", "name_kk", "name_ru", "kind", "credits",
                        "is_final_attestation")):
        row["label"] = _localized(row, "name")
        curriculum[row["program_id"]].append(row)

    # Attempts of each (student, component), ordered; the origin (regular / derived) beside them.
    attempts: dict[tuple[int, int], list[rules.Attempt]] = defaultdict(list)
    origins: dict[tuple[int, int], list[str]] = defaultdict(list)
    make = rules.Attempt._make
    for row in (TranscriptEntry.objects.filter(college=college, student__in=ids)
                .order_by("student_id", "discipline_id", "attempt")
                .values_list("student_id", "discipline_id", "attempt", "attempt_reason", "letter", "points",
                             "traditional", "percent", "held_on", "announced_on", "origin")):
        key = (row[0], row[1])
        attempts[key].append(make(row[2:10]))
        origins[key].append(row[10])

    campaigns = group_campaign_ids(college=college, group_ids=group_ids, on=today)
    campaign_ids = {c for c in campaigns.values() if c}
    admissions = {
        (row[0], row[1]): AdmissionInfo(*row[2:])
        for row in Admission.objects.filter(college=college, student__in=ids, campaign_id__in=campaign_ids,
                                            revoked_by__isnull=True)
        .values_list("student_id", "campaign_id", "order_id", "order__number", "order__order_date", "order__kind")}
    confirmations = {
        (row[0], row[1]): ConfirmationInfo(*row[2:])
        for row in HonoursConfirmation.objects.filter(college=college, student__in=ids, campaign_id__in=campaign_ids)
        .values_list("student_id", "campaign_id", "id", "awarded", "protocol_reference", "confirmed_as",
                     "created_at")}
    decisions = {
        (row[0], row[1]): DecisionInfo(*row[2:])
        for row in DiplomaDecision.objects.current()
        .filter(college=college, student__in=ids, campaign_id__in=campaign_ids)
        .values_list("student_id", "campaign_id", "id", "kind", "honours", "document_id", "document__status")}

    evaluations = []
    for person in people:
        campaign_id = campaigns.get(person["group_id"])
        evaluation = StudentEvaluation(
            student_id=person["id"], full_name=person["full_name"], iin=person["iin"], group_id=person["group_id"],
            group_name=person["group__name"], program_id=person["group__program_id"],
            program_code=person["group__program__code"], grading_system=person["group__program__grading_system"],
            study_form=person["group__study_form"], campaign_id=campaign_id,
            qualifications={"": person["group__program__qualification"],
                            "kk": person["group__program__qualification_kk"],
                            "ru": person["group__program__qualification_ru"]})
        items, fa_letters, retake = [], [], False
        for discipline in curriculum[person["group__program_id"]]:
            key = (person["id"], discipline["id"])
            graded = attempts.get(key, ())
            component = rules.Component(discipline["id"], discipline["code"], discipline["label"],
                                        discipline["credits"], discipline["is_final_attestation"], tuple(graded))
            if not retake and len(graded) > 1:  # a single attempt is never a retake
                retake = rules.has_retake(component.attempts)
            if discipline["is_final_attestation"]:
                # Only announced results are official (PRO-03); the latest announced attempt counts.
                published = [(a, o) for a, o in zip(graded, origins[key], strict=True)
                             if a.announced_on is not None and a.announced_on <= published_on]
                result, origin = published[-1] if published else (None, "")
                evaluation.fa.append(FaResult(discipline["id"], discipline["code"], discipline["label"],
                                              discipline["kind"], result, origin))
                if result is not None:
                    fa_letters.append(result.letter)
                continue
            evaluation.components.append(component)
            if component.attempts:
                latest = component.attempts[-1]
                items.append(rules.GradedItem(latest.letter, latest.points, latest.traditional,
                                              discipline["credits"]))
        evaluation.debts = rules.academic_debts(evaluation.components, as_of=as_of)
        key = (person["id"], campaign_id)
        evaluation.admission = admissions.get(key)
        evaluation.confirmation = confirmations.get(key)
        evaluation.decision = decisions.get(key)
        data = rules.HonoursInput(tuple(items), tuple(fa_letters), evaluation.fa_complete, evaluation.admitted,
                                  retake)
        system = person["group__program__grading_system"]
        other = rules.SYSTEM_LETTER if system == rules.SYSTEM_TRADITIONAL else rules.SYSTEM_TRADITIONAL
        evaluation.honours = rules.honours_evaluate(system, data)
        evaluation.honours_other = rules.honours_evaluate(other, data)
        evaluations.append(evaluation)
    return evaluations


def students_of(*, college: College, group_id: int | None = None,
                student_ids: list[int] | None = None) -> QuerySet[Student]:
    students = Student.objects.filter(college=college)
    if group_id:
        students = students.filter(group_id=group_id)
    if student_ids is not None:
        students = students.filter(pk__in=student_ids)
    return students


def evaluate_student(*, college: College, student: Student, **kwargs) -> StudentEvaluation:
    return evaluate(college=college, students=Student.objects.filter(pk=student.pk), **kwargs)[0]


# --- Lists -----------------------------------------------------------------------------------------------------


def admission_orders_list(*, college: College, group_id: int | None = None) -> QuerySet[AdmissionOrder]:
    orders = (AdmissionOrder.objects.filter(college=college)
              .select_related("campaign", "group", "document", "supplements"))
    if group_id:
        orders = orders.filter(group_id=group_id)
    return orders.order_by("-order_date", "-id")


def admission_order_get(*, college: College, pk: int) -> AdmissionOrder:
    order = admission_orders_list(college=college).filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def results_list(*, access: CollegeAccess, group_id: int | None = None,
                 student_id: int | None = None) -> QuerySet[TranscriptEntry]:
    """Published final attestation results (announced, PRO-03): a student sees only their own."""
    today = access.college.today()
    entries = (TranscriptEntry.objects.filter(college=access.college, discipline__is_final_attestation=True,
                                              announced_on__isnull=False, announced_on__lte=today)
               .select_related("discipline", "student__group"))
    if access.is_student:
        entries = entries.filter(student__user=access.user)
    elif not access.is_staff_or_admin:
        return entries.none()
    if group_id:
        entries = entries.filter(student__group_id=group_id)
    if student_id:
        entries = entries.filter(student_id=student_id)
    return entries.order_by("student__full_name", "student_id", "discipline__code", "attempt")


def decisions_list(*, access: CollegeAccess, group_id: int | None = None, student_id: int | None = None,
                   batch_id: int | None = None) -> QuerySet[DiplomaDecision]:
    decisions = (DiplomaDecision.objects.current().filter(college=access.college)
                 .select_related("student__group", "document", "campaign"))
    if access.is_student:
        decisions = decisions.filter(student__user=access.user)
    elif not access.is_staff_or_admin:
        return decisions.none()
    if group_id:
        decisions = decisions.filter(student__group_id=group_id)
    if student_id:
        decisions = decisions.filter(student_id=student_id)
    if batch_id:
        decisions = decisions.filter(batch_id=batch_id)
    return decisions.order_by("student__full_name", "id")


def decision_batches_list(*, college: College, group_id: int | None = None) -> QuerySet[DecisionBatch]:
    batches = DecisionBatch.objects.filter(college=college).select_related("group", "campaign")
    if group_id:
        batches = batches.filter(group_id=group_id)
    return batches.order_by("-created_at", "-id")


def decision_batch_get(*, college: College, pk: int) -> DecisionBatch:
    batch = decision_batches_list(college=college).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


@dataclass(frozen=True)
class BatchProgress:
    """A batch's progress as its box shows it. ``decided``: students of the group with a decision (taken by the batch
    or before it); ``refusals``: the batch's refusals of students who still have none. When the batch is done, the
    two make the whole group: ``decided + refused == total``."""

    total: int
    processed: int
    refused: int
    documents: int
    ready: int
    failed: int
    decided: int = 0
    refusals: tuple[dict, ...] = ()

    @property
    def percent(self) -> int:
        """Students with their PDF ready (or refused, with a reason) over all students of the batch."""
        if not self.total:
            return 100
        return min(100, round(100 * (self.ready + self.refused) / self.total))

    @property
    def finished(self) -> bool:
        return self.processed >= self.total and self.ready + self.failed >= self.documents


def decision_batch_progress(*, batch: DecisionBatch) -> BatchProgress:
    """One query: the group's current decisions with their PDFs' status. A refusal of the batch whose student has
    been decided since (one by one) no longer counts."""
    statuses = dict.fromkeys(Document.Status.values, 0)
    decided = set()
    for student_id, status in (DiplomaDecision.objects.current()
                               .filter(college_id=batch.college_id, campaign_id=batch.campaign_id,
                                       student__group_id=batch.group_id)
                               .values_list("student_id", "document__status")):
        decided.add(student_id)
        if status is not None:
            statuses[status] += 1
    refusals = tuple(r for r in batch.refusals if r.get("student") not in decided)
    return BatchProgress(batch.total, batch.processed, len(refusals), sum(statuses.values()),
                         statuses[Document.Status.READY], statuses[Document.Status.FAILED], len(decided), refusals)


def individual_attestations_list(*, college: College, student_id: int | None = None,
                                 campaign_id: int | None = None) -> QuerySet[IndividualAttestation]:
    records = IndividualAttestation.objects.filter(college=college).select_related("student__group", "campaign")
    if student_id:
        records = records.filter(student_id=student_id)
    if campaign_id:
        records = records.filter(campaign_id=campaign_id)
    return records.order_by("-created_at", "-id")


def individual_attestation_get(*, college: College, pk: int) -> IndividualAttestation:
    record = individual_attestations_list(college=college).filter(pk=pk).first()
    if record is None:
        raise Http404
    return record
