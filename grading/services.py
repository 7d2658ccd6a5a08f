"""Writes of the grading app: check the rules, save, audit, issue documents.

Every function takes the college explicitly (from the URL, never from a body) and the acting user (``by``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from attestation.audit import audit_entry, audit_log
from attestation.documents.kinds import get_kind
from attestation.documents.pipeline import (
    BatchDocument,
    document_request,
    documents_request_many,
    enqueue,
    lease_end,
    update_each,
)
from attestation.models import (
    AuditEntry,
    Campaign,
    CampaignGroup,
    College,
    Discipline,
    Document,
    Group,
    Role,
    Student,
    TranscriptEntry,
    User,
)
from attestation.rules import RulesBroken, RuleViolation
from attestation.tenancy import membership_of
from attestation.uploads import DOCUMENT_MAX_BYTES, SCAN_TYPES, upload_check

from . import rules, selectors
from .documents import decision_payloads
from .models import (
    Admission,
    AdmissionOrder,
    DecisionBatch,
    DiplomaDecision,
    HonoursConfirmation,
    IndividualAttestation,
)


def _field_error(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


def _same_college(college: College, **objects) -> None:
    for name, obj in objects.items():
        if obj is not None and obj.college_id != college.pk:
            raise _field_error(name, _("Not found in this college."))


# --- Grade entry: RET-03, EAR-01 … EAR-03 -----------------------------------------------------------------------


@dataclass
class GradeEntryContext:
    """What grade_entry_check needs, loaded once for a whole import (three queries) instead of per row: the
    attempts of final attestation components, the campaigns of every group and the individual attestations.
    Rows accepted during the import are noted, so a later row of the same file sees them."""

    college: College
    attempts: dict[tuple[int, int], dict[int, str]] = field(default_factory=lambda: defaultdict(dict))
    campaigns: dict[int, list[tuple[int, date, date]]] = field(default_factory=lambda: defaultdict(list))
    individual: dict[tuple[int, int], tuple[str, date]] = field(default_factory=dict)

    def note(self, *, student_id: int, discipline_id: int, attempt: int, letter: str) -> None:
        self.attempts[(student_id, discipline_id)][attempt] = letter


def grade_entry_context(*, college: College, student: Student | None = None) -> GradeEntryContext:
    """The context for every student of the college (imports), or for one student."""
    context = GradeEntryContext(college=college)
    entries = TranscriptEntry.objects.filter(college=college, discipline__is_final_attestation=True)
    links = CampaignGroup.objects.filter(college=college)
    records = IndividualAttestation.objects.filter(college=college)
    if student is not None:
        entries, records = entries.filter(student=student), records.filter(student=student)
        links = links.filter(group_id=student.group_id)
    for student_id, discipline_id, attempt, letter in entries.values_list("student_id", "discipline_id", "attempt",
                                                                          "letter"):
        context.attempts[(student_id, discipline_id)][attempt] = letter
    for group_id, campaign_id, starts_on, ends_on in links.values_list("group_id", "campaign_id",
                                                                       "campaign__starts_on", "campaign__ends_on"):
        context.campaigns[group_id].append((campaign_id, starts_on, ends_on))
    for student_id, campaign_id, kind, planned_on in records.values_list("student_id", "campaign_id", "kind",
                                                                         "planned_on"):
        context.individual[(student_id, campaign_id)] = (kind, planned_on)
    return context


def _campaign_of_grade(campaigns: list[tuple[int, date, date]], held_on: date) -> tuple[int, date] | None:
    """The campaign a final attestation grade belongs to: the first one not ended by the day it was held."""
    open_ = sorted((c for c in campaigns if c[2] >= held_on), key=lambda c: (c[1], c[0]))
    return (open_[0][0], open_[0][1]) if open_ else None


def grade_entry_check(*, college: College, student: Student, discipline: Discipline, attempt: int,
                      attempt_reason: str, held_on: date, entry: TranscriptEntry | None = None, letter: str = "",
                      context: GradeEntryContext | None = None) -> None:
    """The grading rules every grade entry passes (the transcript API, imports, protocols): raises
    attestation.rules.RulesBroken citing the rule.

    * RET-03: no new attempt of a final attestation component after a positive grade;
    * EAR-01 / EAR-02: a final attestation grade dated before the campaign starts needs an individual (early)
      attestation of the student, and not more than 2 (3 at a correctional institution) months before the start.

    Grades of ordinary curriculum components cost no query. Imports pass a ``context`` loaded once
    (grade_entry_context) and the ``letter`` of each accepted row; without one, three small queries."""
    if not discipline.is_final_attestation:
        return
    if context is None:
        context = grade_entry_context(college=college, student=student)
    known = context.attempts.get((student.pk, discipline.pk), {})
    own = entry.attempt if entry is not None else None
    earlier = [(n, grade) for n, grade in known.items() if n != own]
    violations = []
    retake = rules.retake_check(is_final_attestation=True, attempt=attempt, earlier=earlier)
    if retake is not None:
        violations.append(retake)
    campaign = _campaign_of_grade(context.campaigns.get(student.group_id, []), held_on)
    if campaign is not None:
        campaign_id, starts_on = campaign
        record = context.individual.get((student.pk, campaign_id))
        early = rules.early_attestation_check(
            held_on=held_on, fa_start=starts_on, correctional=college.is_correctional,
            individual=record is not None and record[0] == IndividualAttestation.Kind.EARLY)
        if early is not None:
            violations.append(early)
    if violations:
        raise RulesBroken(violations, _("The grade is refused by the rules of attestation."))
    if letter:
        context.note(student_id=student.pk, discipline_id=discipline.pk, attempt=attempt, letter=letter)


# --- Individual attestation (EAR-01 … EAR-03) ----------------------------------------------------------------------

@transaction.atomic
def individual_attestation_create(*, college: College, by: User, student: Student, kind: str, reason: str,
                                  planned_on: date, document, campaign: Campaign | None = None,
                                  order_number: str = "", order_date: date | None = None,
                                  note: str = "") -> IndividualAttestation:
    """EAR-01 … EAR-03: record that a student takes the final attestation individually, on documents."""
    _same_college(college, student=student, campaign=campaign)
    if kind not in IndividualAttestation.Kind.values:
        raise _field_error("kind", _("Unknown kind."))
    if reason not in IndividualAttestation.Reason.values:
        raise _field_error("reason", _("Unknown reason."))
    if document is None:
        raise _field_error("document", _("Attach the confirming document (PDF, JPEG or PNG)."))
    # The one shared check (attestation/uploads.py): type sniffed from the content, size before storing; raises
    # UploadRefused (413/415), which the API and the page turn into their own errors.
    checked = upload_check(document, allowed=SCAN_TYPES, max_bytes=DOCUMENT_MAX_BYTES, field="document")
    group = student.group
    campaign = campaign or selectors.campaign_of_group(college=college, group_id=group.pk)
    if campaign is None:
        raise _field_error("campaign", _("The student's group is in no attestation campaign."))
    if not CampaignGroup.objects.filter(college=college, campaign=campaign, group=group).exists():
        raise _field_error("campaign", _("The student's group is not in this campaign."))
    violations = rules.individual_attestation_check(
        reason=reason, study_form=group.study_form, kind=kind, planned_on=planned_on, fa_start=campaign.starts_on,
        correctional=college.is_correctional)
    if violations:
        raise RulesBroken(violations, _("The individual attestation cannot be recorded."))
    if IndividualAttestation.objects.filter(college=college, campaign=campaign, student=student).exists():
        raise _field_error("student", _("The student already has an individual attestation in this campaign."))
    record = IndividualAttestation(college=college, campaign=campaign, student=student, kind=kind, reason=reason,
                                   planned_on=planned_on, order_number=order_number, order_date=order_date,
                                   note=note, created_by=by, document_name=getattr(document, "name", "")[:255])
    record.document.save(checked.name, ContentFile(checked.data), save=False)
    record.save()
    audit_log(action="individual_attestation.created", college=college, actor=by, obj=record,
              data={"student": student.pk, "campaign": campaign.pk, "kind": kind, "reason": reason,
                    "planned_on": planned_on})
    return record


@transaction.atomic
def individual_attestation_delete(*, college: College, by: User, record: IndividualAttestation) -> None:
    """Withdraw an individual attestation that no early grade rests on."""
    early = TranscriptEntry.objects.filter(college=college, student_id=record.student_id,
                                           discipline__is_final_attestation=True,
                                           held_on__lt=record.campaign.starts_on, held_on__gte=record.planned_on)
    if record.kind == IndividualAttestation.Kind.EARLY and early.exists():
        raise _field_error("non_field_errors", _("An early final attestation grade rests on it; it stays."))
    audit_log(action="individual_attestation.deleted", college=college, actor=by, obj=record,
              data={"student": record.student_id, "campaign": record.campaign_id, "kind": record.kind})
    record.document.delete(save=False)
    record.delete()


# --- Admission (ADM-01, ADM-02) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentViolation(RuleViolation):
    """A violation about one student, with the open components behind it (ADM-01's 422 lists them)."""

    student: int | None = None
    debts: tuple[rules.Debt, ...] = ()


@transaction.atomic
def admission_order_issue(*, college: College, by: User, group: Group, students: list[Student], number: str,
                          order_date: date, campaign: Campaign | None = None,
                          revoke: list[Student] | None = None) -> AdmissionOrder:
    """ADM-02: issue the head's order admitting students of a group to the final attestation of its campaign, with
    its PDF. Refused (ADM-01, 422) when any student listed has academic debt: every such student with every open
    component. The first order of a group in a campaign is the main order; later ones are supplementary orders that
    admit more students or revoke admissions: an issued order is never edited."""
    revoke = list(revoke or [])
    _same_college(college, group=group, campaign=campaign)
    for student in [*students, *revoke]:
        _same_college(college, students=student)
        if student.group_id != group.pk:
            raise _field_error("students", _("%(name)s is not in group %(group)s.")
                               % {"name": student.full_name, "group": group.name})
    if not students and not revoke:
        raise _field_error("students", _("Choose at least one student."))
    number = (number or "").strip()
    if not number:
        raise _field_error("order_number", _("The order number is required."))
    if campaign is None:
        campaign = selectors.campaign_of_group(college=college, group_id=group.pk, on=order_date)
    if campaign is None or not CampaignGroup.objects.filter(college=college, campaign=campaign, group=group).exists():
        raise _field_error("group", _("The group is in no attestation campaign; add it to a campaign first."))
    # One order of a group at a time: the group row is the lock (two administrators clicking at once).
    Group.objects.select_for_update().filter(pk=group.pk).first()
    if AdmissionOrder.objects.filter(college=college, number=number).exists():
        raise _field_error("order_number", _("An order with this number already exists."))

    current = {a.student_id: a for a in Admission.objects.filter(
        college=college, campaign=campaign, student__in=[s.pk for s in [*students, *revoke]],
        revoked_by__isnull=True).select_related("order")}
    violations: list[RuleViolation] = []
    evaluations = {e.student_id: e for e in selectors.evaluate(
        college=college, students=Student.objects.filter(pk__in=[s.pk for s in students]), as_of=order_date)}
    for student in students:
        if student.pk in current:
            order = current[student.pk].order
            violations.append(StudentViolation(
                "ADM-02", _("%(name)s is already admitted by order № %(number)s of %(date)s.")
                % {"name": student.full_name, "number": order.number, "date": order.order_date.strftime("%d.%m.%Y")},
                "students", student.pk))
            continue
        debts = evaluations[student.pk].debts
        violation = rules.admission_check(student_name=student.full_name, debts=debts)
        if violation is not None:
            violations.append(StudentViolation(violation.rule, violation.message, violation.field, student.pk,
                                               tuple(debts)))
    for student in revoke:
        if student.pk not in current:
            violations.append(StudentViolation(
                "ADM-02",
                _("%(name)s is not admitted, so there is no admission to revoke.") % {"name": student.full_name},
                "revoke", student.pk))
    if violations:
        raise RulesBroken(violations, _("The order on admission cannot be issued."))

    main = (AdmissionOrder.objects.filter(college=college, campaign=campaign, group=group,
                                          kind=AdmissionOrder.Kind.MAIN).order_by("id").first())
    order = AdmissionOrder(college=college, campaign=campaign, group=group, number=number, order_date=order_date,
                           issued_by=by, kind=AdmissionOrder.Kind.SUPPLEMENTARY if main else AdmissionOrder.Kind.MAIN,
                           supplements=main)
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        raise _field_error("order_number", _("An order with this number already exists.")) from exc
    evaluated_at = timezone.now()
    admissions = [Admission(college=college, campaign=campaign, student=student, order=order, snapshot={
        "as_of": order_date.isoformat(), "evaluated_at": evaluated_at.isoformat(),
        "components_checked": [c.code for c in evaluations[student.pk].components], "debts": []})
        for student in students]
    Admission.objects.bulk_create(admissions)
    if revoke:
        Admission.objects.filter(college=college, campaign=campaign, student__in=[s.pk for s in revoke],
                                 revoked_by__isnull=True).update(revoked_by=order)
    audit_log(action="admission.order_issued", college=college, actor=by, obj=order,
              data={"number": number, "order_date": order_date, "kind": order.kind, "campaign": campaign.pk,
                    "group": group.pk, "students": [s.pk for s in students], "revoked": [s.pk for s in revoke]})
    for student in students:
        audit_log(action="admission.granted", college=college, actor=by, obj=student,
                  data={"order": order.pk, "number": number, "campaign": campaign.pk,
                        "components_checked": len(evaluations[student.pk].components)})
    for student in revoke:
        audit_log(action="admission.revoked", college=college, actor=by, obj=student,
                  data={"order": order.pk, "number": number, "campaign": campaign.pk})
    document, _created = document_request(college=college, kind=get_kind("admission_order"), subject_id=order.pk,
                                          language=college.language, by=by)
    order.document = document
    order.save(update_fields=["document"])
    return order


# --- Honours (HON-03) ------------------------------------------------------------------------------------------------


@transaction.atomic
def honours_confirm(*, college: College, by: User, student: Student, protocol_reference: str, awarded: bool = True,
                    as_chair: bool = False) -> HonoursConfirmation:
    """HON-03: record the final attestation commission's decision on the proposed honours diploma, with the
    protocol it was taken in. Recorded by an administrator, or (``as_chair``, by the commissions app after it
    checked the user chairs the commission) by the chair. Awarding honours the rules do not allow is refused
    (HON-01 / HON-02); the commission may decline a proposal (an override, audited)."""
    _same_college(college, student=student)
    if not as_chair:
        membership = membership_of(college, by)
        if membership is None or membership.role != Role.ADMIN:
            raise PermissionDenied
    protocol_reference = (protocol_reference or "").strip()
    if not protocol_reference:
        raise _field_error("protocol_reference", _("Give the protocol of the commission that decided."))
    evaluation = selectors.evaluate_student(college=college, student=student)
    if evaluation.campaign_id is None:
        raise _field_error("student", _("The student's group is in no attestation campaign."))
    result = evaluation.honours
    if awarded:
        violation = rules.honours_confirm_check(result)
        if violation is not None:
            raise RulesBroken([violation], _("The honours diploma cannot be confirmed."))
    elif not result.eligible:
        raise _field_error("student",
                           _("No honours diploma is proposed for this student; there is nothing to decline."))
    figures = {"system": result.system, "gpa": None if result.gpa is None else str(result.gpa),
               "excellent_share": None if result.excellent_share is None else str(result.excellent_share),
               "reasons": list(result.reasons)}
    try:
        with transaction.atomic():
            confirmation = HonoursConfirmation.objects.create(
                college=college, campaign_id=evaluation.campaign_id, student=student, awarded=awarded,
                protocol_reference=protocol_reference, figures=figures, confirmed_by=by,
                confirmed_as=HonoursConfirmation.Role.CHAIR if as_chair else HonoursConfirmation.Role.ADMIN)
    except IntegrityError as exc:
        raise _field_error("student", _("The commission's decision on honours is already recorded.")) from exc
    audit_log(action="honours.confirmed" if awarded else "honours.declined", college=college, actor=by,
              obj=confirmation, data={"student": student.pk, "protocol": protocol_reference, **figures,
                                      "as_chair": as_chair})
    return confirmation


# --- Decisions (QUA-01) and certificates (RET-04) -------------------------------------------------------------


DOCUMENT_KIND = {DiplomaDecision.Kind.DIPLOMA: "diploma_decision",
                 DiplomaDecision.Kind.CERTIFICATE: "completion_certificate"}


def _decision_refusal(evaluation: selectors.StudentEvaluation) -> RuleViolation | None:
    if not evaluation.admitted:
        return RuleViolation("ADM-02", _("%(name)s is not admitted to the final attestation by an order.")
                             % {"name": evaluation.full_name}, "student")
    outcome = evaluation.outcome
    return outcome if isinstance(outcome, RuleViolation) else None


def _decision_build(*, college: College, by: User | None, evaluation: selectors.StudentEvaluation, language: str,
                    kind: str, batch: DecisionBatch | None, today: date) -> DiplomaDecision:
    """The decision row of a student, its figures frozen from the evaluation (not saved)."""
    qualification = evaluation.qualifications.get(language) or evaluation.qualifications.get("", "")
    diploma = kind == DiplomaDecision.Kind.DIPLOMA
    return DiplomaDecision(
        college=college, campaign_id=evaluation.campaign_id, student_id=evaluation.student_id, kind=kind,
        qualification=qualification if diploma else "",
        qualification_level=(rules.qualification_level(evaluation.qualifications.get("", "")) or "")
        if diploma else "",
        honours=diploma and evaluation.honours_status == "confirmed",
        gpa=None if evaluation.gpa is None else evaluation.gpa.quantize(Decimal("0.0001")),
        fa_results=[{"code": r.code, "name": r.name, "kind": r.kind, "percent": r.result.percent,
                     "letter": r.result.letter, "points": str(r.result.points), "traditional": r.result.traditional,
                     "held_on": r.result.held_on.isoformat() if r.result.held_on else None, "origin": r.origin}
                    for r in evaluation.published_results],
        decided_on=today, batch=batch, decided_by=by)


def _decision_audit_data(decision: DiplomaDecision, batch: DecisionBatch | None) -> dict:
    return {"student": decision.student_id, "campaign": decision.campaign_id, "honours": decision.honours,
            "qualification": decision.qualification, "batch": batch.pk if batch else None,
            "fa": [[r["code"], r["letter"]] for r in decision.fa_results]}


def _decision_create(*, college: College, by: User | None, evaluation: selectors.StudentEvaluation,
                     language: str, batch: DecisionBatch | None = None,
                     kind: str | None = None) -> tuple[DiplomaDecision, bool]:
    """One decision and its PDF, in the caller's transaction; (decision, created). The unique constraint on
    (college, campaign, student) makes a second, concurrent attempt find the first."""
    kind = kind or evaluation.outcome
    existing = DiplomaDecision.objects.current().filter(college=college, campaign_id=evaluation.campaign_id,
                                                        student_id=evaluation.student_id).first()
    if existing is not None:
        return existing, False
    decision = _decision_build(college=college, by=by, evaluation=evaluation, language=language, kind=kind,
                               batch=batch, today=college.today())
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError:
        return DiplomaDecision.objects.current().get(college=college, campaign_id=evaluation.campaign_id,
                                                     student_id=evaluation.student_id), False
    audit_log(action=f"decision.{kind}", college=college, actor=by, obj=decision,
              data=_decision_audit_data(decision, batch))
    document, _created = document_request(
        college=college, kind=get_kind(DOCUMENT_KIND[kind]), subject_id=decision.pk, language=language, by=by,
        batch_key=batch.batch_key if batch else "")
    decision.document = document
    decision.save(update_fields=["document"])
    return decision, True


def _decisions_create_many(*, college: College, by: User | None, evaluations: list[selectors.StudentEvaluation],
                           language: str, batch: DecisionBatch, batch_end: bool = False) -> None:
    """The batch's path for a chunk of students with an outcome and no decision yet: their decisions, documents
    (the pipeline's outbox rows for a batch, content from the one payload builder, decision_payloads) and audit
    entries in a few bulk inserts instead of a dozen queries per student. A conflict (a decision taken meanwhile
    for one of them, one by one) falls back to the per-student path."""
    if not evaluations:
        return
    today = college.today()
    decisions = [_decision_build(college=college, by=by, evaluation=e, language=language, kind=e.outcome,
                                 batch=batch, today=today) for e in evaluations]
    try:
        with transaction.atomic():
            DiplomaDecision.objects.bulk_create(decisions)
    except IntegrityError:
        for evaluation in evaluations:
            _decision_create(college=college, by=by, evaluation=evaluation, language=language, batch=batch)
        return
    with translation.override(language):
        payloads = decision_payloads(college=college, subject_ids=[d.pk for d in decisions], language=language)
    documents = documents_request_many(college=college, language=language, by=by, batch_key=batch.batch_key,
                                       batch_end=batch_end,
                                       documents=[BatchDocument(get_kind(DOCUMENT_KIND[d.kind]), d.pk, payloads[d.pk],
                                                                d.student_id) for d in decisions])
    for decision, document in zip(decisions, documents, strict=True):
        decision.document = document
    update_each(DiplomaDecision, decisions, ["document"])
    AuditEntry.objects.bulk_create([
        audit_entry(action=f"decision.{decision.kind}", college=college, actor=by, obj=decision,
                    data=_decision_audit_data(decision, batch)) for decision in decisions])


@transaction.atomic
def decision_take(*, college: College, by: User, student: Student, language: str | None = None) -> tuple[
        DiplomaDecision, bool]:
    """QUA-01 / RET-04 for one student: the diploma decision with the qualification (every FA component positive)
    or the certificate of completion (an unsatisfactory result), with its PDF in the college's language. Refused
    with the rule when the student is not admitted or a final attestation result is missing. (decision, created)."""
    _same_college(college, student=student)
    evaluation = selectors.evaluate_student(college=college, student=student)
    refusal = _decision_refusal(evaluation)
    if refusal is not None:
        raise RulesBroken([refusal], _("No decision can be taken for this student."))
    return _decision_create(college=college, by=by, evaluation=evaluation, language=language or college.language)


def decision_revise(*, college: College, by: User | None, student: Student, cause: dict) -> DiplomaDecision | None:
    """A grade changed after the student's decision was taken (an appeal: "a changed grade replaces the contested one
    everywhere it is used", APP-04). A taken decision is never edited (QUA-01, the database refuses it), so a new
    decision, taken from the grades as they are now (diploma or certificate, honours, GPA, results), supersedes it
    and gets its own PDF; the old one keeps its figures and its PDF, marked superseded. Returns the decision in force
    afterwards, or None when none had been taken (the decision, when it is taken, reads the new grade). When the new
    grades support no decision (QUA-01 / RET-04 refuse it) the old one stays in force and the refusal is audited,
    for the administrator to resolve."""
    _same_college(college, student=student)
    evaluation = selectors.evaluate_student(college=college, student=student)
    old = (DiplomaDecision.objects.current().select_for_update()
           .filter(college=college, campaign_id=evaluation.campaign_id, student=student).order_by("pk").first())
    if old is None:
        return None
    refusal = _decision_refusal(evaluation)
    if refusal is not None:
        audit_log(action="decision.revision_refused", college=college, actor=by, obj=old,
                  data={**cause, "rule": refusal.rule, "message": str(refusal.message)})
        return old
    language = old.document.language if old.document_id else college.language
    old.superseded_at = timezone.now()
    old.save(update_fields=["superseded_at"])
    decision = _decision_build(college=college, by=by, evaluation=evaluation, language=language,
                               kind=evaluation.outcome, batch=None, today=college.today())
    decision.supersedes = old
    decision.save()
    document, _created = document_request(college=college, kind=get_kind(DOCUMENT_KIND[decision.kind]),
                                          subject_id=decision.pk, language=language, by=by)
    decision.document = document
    decision.save(update_fields=["document"])
    audit_log(action="decision.superseded", college=college, actor=by, obj=old,
              data={**cause, "by_decision": decision.pk})
    audit_log(action=f"decision.{decision.kind}", college=college, actor=by, obj=decision,
              data={**_decision_audit_data(decision, None), **cause, "supersedes": old.pk})
    return decision


@transaction.atomic
def completion_certificate_issue(*, college: College, student: Student, by: User | None) -> Document:
    """RET-04 (003 §44): the certificate of completion of the full course of study for a student with an
    unsatisfactory final attestation result; the document (the existing one when it was issued before). Refused
    (RET-04) when the student has no unsatisfactory published result."""
    _same_college(college, student=student)
    evaluation = selectors.evaluate_student(college=college, student=student)
    violation = rules.certificate_check(fa_results={r.code: r.letter for r in evaluation.fa},
                                        student_name=evaluation.full_name)
    if violation is None and not evaluation.admitted:
        violation = _decision_refusal(evaluation)
    if violation is not None:
        raise RulesBroken([violation], _("The certificate cannot be issued."))
    decision, _created = _decision_create(college=college, by=by, evaluation=evaluation, language=college.language,
                                          kind=DiplomaDecision.Kind.CERTIFICATE)
    if decision.kind != DiplomaDecision.Kind.CERTIFICATE:
        raise RulesBroken([RuleViolation("RET-04", _("A diploma decision was already taken for this student."),
                                         "student")], _("The certificate cannot be issued."))
    return decision.document


def decision_batch_start(*, college: College, by: User, group: Group,
                         language: str | None = None) -> tuple[DecisionBatch, bool]:
    """The decisions and certificates of a whole group, in the background. One batch of a group and campaign
    runs at a time: the partial unique index refuses a second active row, and a second request joins the running
    batch (created=False). The batch task is sent after commit."""
    _same_college(college, group=group)
    campaign = selectors.campaign_of_group(college=college, group_id=group.pk)
    if campaign is None:
        raise _field_error("group", _("The group is in no attestation campaign."))
    active = DecisionBatch.objects.filter(college=college, campaign=campaign, group=group,
                                          status__in=DecisionBatch.ACTIVE).first()
    if active is not None:
        # Joined while alive; a batch whose worker died is resumed, not waited on.
        decision_batch_resend_stale(batch=active)
        active.refresh_from_db()
        return active, False
    try:
        with transaction.atomic():
            batch = DecisionBatch.objects.create(
                college=college, campaign=campaign, group=group, language=language or college.language,
                total=Student.objects.filter(college=college, group=group).count(), started_by=by)
            audit_log(action="decision.batch_started", college=college, actor=by, obj=batch,
                      data={"group": group.pk, "campaign": campaign.pk, "total": batch.total})
    except IntegrityError:
        # Another request created the active batch between our look and our insert: join it.
        return DecisionBatch.objects.get(college=college, campaign=campaign, group=group,
                                         status__in=DecisionBatch.ACTIVE), False
    college_id, batch_id = college.pk, batch.pk
    transaction.on_commit(lambda: decision_batch_enqueue(college_id=college_id, batch_id=batch_id))
    return batch, True


RUN_DECISION_BATCH = "grading.tasks.run_decision_batch"


def decision_batch_enqueue(*, college_id: int, batch_id: int) -> bool:
    """Send the batch to the broker; when it is down the batch stays pending and is sent again when watched
    (``decision_batch_resend_stale``)."""
    return enqueue(RUN_DECISION_BATCH, college_id, batch_id)


# A batch still waiting this long after it was created was never delivered (the broker was down): joining it or
# watching its progress sends it again. Running it twice is harmless (decision_batch_run is idempotent).
BATCH_STALE_AFTER = timedelta(seconds=30)


def _batch_stuck(now) -> Q:
    """Batches nobody works on: pending and never picked up, or running with a lapsed lease (the worker died)."""
    lapsed = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    return lapsed & (Q(status=DecisionBatch.Status.RUNNING)
                     | Q(status=DecisionBatch.Status.PENDING, created_at__lt=now - BATCH_STALE_AFTER))


def decision_batch_resend_stale(*, batch: DecisionBatch) -> bool:
    """Send a stuck batch again (counted in ``resumes``, leased until its task takes it); False if it is alive."""
    now = timezone.now()
    claimed = DecisionBatch.objects.filter(_batch_stuck(now), pk=batch.pk).update(
        lease_until=lease_end(), resumes=F("resumes") + int(batch.status == DecisionBatch.Status.RUNNING))
    if not claimed:
        return False
    return decision_batch_enqueue(college_id=batch.college_id, batch_id=batch.pk)


def decision_batches_relay() -> int:
    """Beat, every 20 s: resume the batches whose worker died (and send those never delivered). Returns how many."""
    stuck = list(DecisionBatch.objects.filter(_batch_stuck(timezone.now())).only("pk", "college_id", "status")[:100])
    return sum(decision_batch_resend_stale(batch=batch) for batch in stuck)


# A batch decides its students a few per transaction, so that their PDFs render while the rest is decided. The
# first few go on their own, before the rest of the group is even evaluated: evaluating a group of 300 takes a tenth
# of a second, in which the other cores would have nothing to render (bench/grading_decisions.py). The rest go
# two render tasks' worth at a time (pipeline.DOCUMENT_CHUNK), and the last transaction takes what whole chunks
# leave over: the batch's end, which goes to the broker in shrinking tasks, then always has forty documents or
# more to even out the cores with.
DECISION_FIRST_CHUNK = 10
DECISION_CHUNK = 40


def _batch_evaluation_chunks(*, college: College, students: QuerySet[Student]) -> Iterator[
        tuple[list[selectors.StudentEvaluation], bool]]:
    """The group's evaluations in the evaluation's order (``selectors.EVALUATION_ORDER``), a chunk at a time, each
    with whether it is the last: the first DECISION_FIRST_CHUNK students evaluated alone, then the rest
    DECISION_CHUNK at a time, the last chunk with the remainder (up to twice as many)."""
    # One more id than the first chunk tells whether there is a rest, without evaluating it first.
    ids = list(students.order_by(*selectors.EVALUATION_ORDER).values_list("pk", flat=True)[:DECISION_FIRST_CHUNK + 1])
    first_ids, more = ids[:DECISION_FIRST_CHUNK], len(ids) > DECISION_FIRST_CHUNK
    yield selectors.evaluate(college=college, students=students.filter(pk__in=first_ids)), not more
    if not more:
        return
    rest = selectors.evaluate(college=college, students=students.exclude(pk__in=first_ids))
    starts = range(0, max(len(rest) // DECISION_CHUNK, 1) * DECISION_CHUNK, DECISION_CHUNK)
    for start in starts:
        last = start == starts[-1]
        yield rest[start:None if last else start + DECISION_CHUNK], last


def decision_batch_run(*, batch_id: int) -> DecisionBatch:
    """The batch task: decide every student of the group, a few per transaction so that their PDFs start rendering
    while the rest is decided. Idempotent: a redelivered or second run takes the row lock, skips students already
    decided (the unique constraint) and finishes the batch."""
    with transaction.atomic():
        batch = DecisionBatch.objects.select_for_update().select_related("college").get(pk=batch_id)
        if batch.status not in DecisionBatch.ACTIVE:
            return batch
        batch.status = DecisionBatch.Status.RUNNING
        batch.started_at = batch.started_at or timezone.now()
        batch.lease_until = lease_end()
        batch.save(update_fields=["status", "started_at", "lease_until"])
    college = batch.college
    students = Student.objects.filter(college=college, group_id=batch.group_id)
    refusals, processed = [], 0
    for chunk, last in _batch_evaluation_chunks(college=college, students=students):
        with transaction.atomic():
            # The lock serialises two runs of the same batch (a redelivered task): no student is decided twice.
            DecisionBatch.objects.select_for_update().filter(pk=batch.pk).first()
            # A redelivered run (or a decision taken one by one meanwhile): skip who is decided now.
            decided = set(DiplomaDecision.objects.current().filter(
                college=college, campaign_id=batch.campaign_id,
                student_id__in=[e.student_id for e in chunk]).values_list("student_id", flat=True))
            to_decide = []
            for evaluation in chunk:
                processed += 1
                if evaluation.decision is not None or evaluation.student_id in decided:
                    continue
                refusal = (_decision_refusal(evaluation) if evaluation.campaign_id == batch.campaign_id
                           else RuleViolation("ADM-02", _("Not in this campaign."), "student"))
                if refusal is not None:
                    refusals.append({"student": evaluation.student_id, "name": evaluation.full_name,
                                     "rule": refusal.rule, "message": str(refusal.message)})
                else:
                    to_decide.append(evaluation)
            _decisions_create_many(college=college, by=batch.started_by, evaluations=to_decide,
                                   language=batch.language, batch=batch, batch_end=last)
            DecisionBatch.objects.filter(pk=batch.pk).update(processed=processed, lease_until=lease_end())
    with transaction.atomic():
        batch = DecisionBatch.objects.select_for_update().get(pk=batch.pk)
        batch.processed = batch.total = processed  # every student of the group, as evaluated now
        batch.refusals = refusals
        batch.status = DecisionBatch.Status.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=["processed", "total", "refusals", "status", "finished_at"])
        audit_log(action="decision.batch_finished", college=college, actor=batch.started_by, obj=batch,
                  data={"processed": processed, "refused": len(refusals)})
    return batch


def decision_batch_fail(*, batch_id: int, error: str) -> None:
    with transaction.atomic():
        batch = DecisionBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in DecisionBatch.ACTIVE:
            return
        batch.status = DecisionBatch.Status.FAILED
        batch.last_error = error[:4000]
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "last_error", "finished_at"])
        audit_log(action="decision.batch_failed", college=batch.college_id, actor=None, obj=batch,
                  data={"error": error[:500]})
