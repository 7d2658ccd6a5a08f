"""Force majeure: the commission's decision changing the form of a session or determining results (EXE-01,
DIST-17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.models import College, GradeOrigin, Student, TranscriptEntry, User
from attestation.rules import RuleViolation
from attestation.services import notify, transcript_grade
from attestation.uploads import DOCUMENT_MAX_BYTES, SCAN_TYPES, upload_check

from .. import rules
from ..models import Commission, DiplomaWork, Exam, ForceMajeureDecision, ProtocolResult
from .common import _broken, _field_error, _same_college, _student_users
from .protocols import _bump, _locked_protocol
from .schedule import ExamInput, SlotInput, exam_save


@transaction.atomic
def force_majeure_create(*, college: College, by: User, commission: Commission, trigger: str,
                         authority_decision_ref: str, authority_decision_date: date, decision_ref: str,
                         decided_on: date, changes_form: bool = False, new_form: str = "", new_mode: str = "",
                         derives_results: bool = False, description: str = "",
                         authority_document=None) -> ForceMajeureDecision:
    """EXE-01 / OQ-30: the commission's decision, linked to the authorities' decision (or the emergency)."""
    _same_college(college, commission=commission)
    errors: dict[str, list[str]] = {}
    if trigger not in ForceMajeureDecision.Trigger.values:
        errors["trigger"] = [_("Choose the circumstance.")]
    if not (authority_decision_ref or "").strip():
        errors["authority_decision_ref"] = [_("Refer to the decision of the authorities (OQ-30).")]
    if not (decision_ref or "").strip():
        errors["decision_ref"] = [_("Refer to the commission's decision.")]
    if not (changes_form or derives_results):
        errors["changes_form"] = [_("The decision changes the form, determines results, or both.")]
    if changes_form and not (new_form in Exam.Form.values or new_mode in Exam.Mode.values):
        errors["new_form"] = [_("Give the new form or mode.")]
    if errors:
        raise ValidationError(errors)
    approved = rules.commission_approved_check(status=commission.status, name=str(commission))
    if approved or commission.kind != Commission.Kind.FINAL:
        raise _broken([approved or RuleViolation("EXE-01", _("Final attestation commissions take this decision."),
                                                 "commission")], _("The decision cannot be recorded."))
    checked = None
    if authority_document is not None:
        checked = upload_check(authority_document, allowed=SCAN_TYPES, max_bytes=DOCUMENT_MAX_BYTES,
                               field="authority_document")
    decision = ForceMajeureDecision(
        college=college, commission=commission, trigger=trigger, authority_decision_ref=authority_decision_ref.strip(),
        authority_decision_date=authority_decision_date, decision_ref=decision_ref.strip(), decided_on=decided_on,
        changes_form=changes_form, new_form=new_form if changes_form else "",
        new_mode=new_mode if changes_form else "", derives_results=derives_results,
        description=(description or "").strip(), created_by=by)
    if checked is not None:
        decision.authority_document.save(checked.name, ContentFile(checked.data), save=False)
    decision.save()
    audit_log(action="force_majeure.decided", college=college, actor=by, obj=decision,
              data={"commission": commission.pk, "trigger": trigger, "authority": decision.authority_decision_ref,
                    "changes_form": changes_form, "new_form": new_form, "new_mode": new_mode,
                    "derives_results": derives_results})
    return decision


@transaction.atomic
def force_majeure_apply_form(*, college: College, by: User, decision: ForceMajeureDecision, exam: Exam
                             ) -> tuple[Exam, list[RuleViolation]]:
    """EXE-01: change the form and/or mode of a session by the decision (even after publication)."""
    if not decision.changes_form:
        raise _broken([RuleViolation("EXE-01", _("This decision does not change the form of attestation."),
                                     "force_majeure")], _("The session was not changed."))
    if exam.commission_id != decision.commission_id:
        raise _field_error("exam", _("The decision is of another commission."))
    slots = [SlotInput(s.student, s.starts_at, s.minutes, s.report_minutes, s.attempt_reason, s.replaces)
             for s in exam.slots.select_related("student__group", "replaces")]
    data = ExamInput(commission=exam.commission, form=decision.new_form or exam.form,
                     starts_at=exam.starts_at, ends_at=exam.ends_at, mode=decision.new_mode or exam.mode,
                     discipline=exam.discipline if (decision.new_form or exam.form) != "defence" else None,
                     title=exam.title, room=exam.room,
                     preparation_minutes=exam.preparation_minutes if exam.preparation_minutes is not None else (
                         0 if (decision.new_form or exam.form) == "oral" else None),
                     deliberation_minutes=exam.deliberation_minutes, ticket_count=exam.ticket_count,
                     medical_agreement_ref=exam.medical_agreement_ref, is_resit=exam.is_resit,
                     procedure=exam.procedure, slots=slots)
    exam, warnings = exam_save(college=college, by=by, data=data, exam=exam, force_majeure=decision)
    students = [s.student for s in exam.slots.select_related("student__user")]
    with college.in_language():
        users = _student_users(students)
        if users:
            notify(college=college, users=users, subject=_("The form of your attestation has changed"),
                   body=f"{exam} — {exam.get_form_display()}, {exam.get_mode_display()}. {decision}",
                   url=reverse("commissions:my_attestation", kwargs={"college": college.slug}))
    audit_log(action="force_majeure.form_changed", college=college, actor=by, obj=exam,
              data={"decision": decision.pk, "form": exam.form, "mode": exam.mode})
    return exam, warnings


def derivation_sources(*, college: College, student: Student, discipline_ids: list[int] | None = None
                       ) -> list[dict[str, Any]]:
    """OQ-17: the current and intermediate grades a derived result is computed from: the latest attempt of each
    curriculum component that is not a final attestation component, weighted by credits (or hours)."""
    entries = (TranscriptEntry.objects.filter(college=college, student=student, is_final_attestation=False,
                                              discipline__is_final_attestation=False)
               .select_related("discipline").order_by("discipline_id", "attempt"))
    if discipline_ids:
        entries = entries.filter(discipline_id__in=discipline_ids)
    latest: dict[int, TranscriptEntry] = {}
    for entry in entries:
        latest[entry.discipline_id] = entry
    return [{"discipline": e.discipline_id, "code": e.discipline.code, "percent": str(e.percent_raw),
             "weight": str(e.discipline.credits if e.discipline.credits is not None else (e.discipline.hours or ""))}
            for e in latest.values()]


@transaction.atomic
def protocol_derive(*, college: College, by: User, result: ProtocolResult, decision: ForceMajeureDecision,
                    percent: Any = None, disciplines: list[int] | None = None) -> ProtocolResult:
    """DIST-17 / EXE-01: the result of a student who could not be attested, determined under the decision: for an
    exam, from current and intermediate grades (grading.rules.derived_percent); for a defence, the commission's
    assessment of the work submitted in advance. Marked derived everywhere it is shown."""
    protocol = _locked_protocol(college, result.protocol_id)
    exam = protocol.exam
    violation = rules.derived_result_check(decision_derives=decision.derives_results)
    if violation:
        raise _broken([violation], _("The result cannot be derived."))
    if decision.commission_id != exam.commission_id or decision.college_id != college.pk:
        raise _field_error("force_majeure", _("The decision is of another commission."))
    row = ProtocolResult.objects.select_related("student__group", "slot").get(pk=result.pk, protocol=protocol)
    if exam.is_defence:
        work = DiplomaWork.objects.filter(college=college, campaign=exam.commission.campaign,
                                          student=row.student).first()
        if work is None or not work.is_complete:
            raise _broken([RuleViolation("DIST-17", _("A defence result is derived from the diploma work submitted in "
                                                      "advance; %(student)s has none.") % {
                "student": row.student.full_name}, "percent")], _("The result cannot be derived."))
        if percent is None or (isinstance(percent, str) and not percent.strip()):
            raise _field_error("percent", _("Give the commission's assessment of the submitted work."))
        grade = transcript_grade(percent)
        derived_from = {"method": "diploma_work_conformity", "diploma_work": work.pk}
    else:
        sources = derivation_sources(college=college, student=row.student, discipline_ids=disciplines)
        value = rules.derive_percent([(Decimal(s["percent"]), Decimal(s["weight"]) if s["weight"] else None)
                                      for s in sources])
        if isinstance(value, RuleViolation):
            raise _broken([value], _("The result cannot be derived."))
        grade = transcript_grade(value.quantize(Decimal("0.01")))
        derived_from = {"method": "weighted_mean", "sources": sources}
    row.status = ProtocolResult.Status.DERIVED
    row.origin = GradeOrigin.DERIVED
    row.force_majeure = decision
    row.derived_from = derived_from
    row.percent_raw, row.percent, row.letter = grade["percent_raw"], grade["percent"], grade["letter"]
    row.points, row.traditional = grade["points"], grade["traditional"]
    row.updated_by = by
    row.version = _bump(protocol)
    row.save()
    audit_log(action="protocol.result_derived", college=college, actor=by, obj=row,
              data={"protocol": protocol.pk, "decision": decision.pk, "percent": str(row.percent_raw),
                    "derived_from": derived_from})
    return row
