"""Document kinds of the grading app: the order on admission (ADM-02), the diploma decision (QUA-01) and the
certificate of completion of the full course (RET-04).

The payload is built when the document is requested, from the issued order or the taken decision, so the PDF shows
what was decided then. The fixed official wording is in the templates, one per language
(``templates/documents/grading/<kind>.<kk|ru|en>.html``), printed with every document's lean stylesheet
(``print.css``: one type family, a fixed table layout), so a group of 300 decisions renders quickly
(bench/grading_decisions.py).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attestation.documents.kinds import DocumentKind, register
from attestation.models import College, Discipline, localized, region_name
from grading.rules import band_for_letter

from .models import Admission, AdmissionOrder, DiplomaDecision

TRADITIONAL_LABELS = {"excellent": gettext_lazy("excellent"), "good": gettext_lazy("good"),
                      "satisfactory": gettext_lazy("satisfactory"), "unsatisfactory": gettext_lazy("unsatisfactory")}


def _college(college: College, language: str) -> dict:
    return {"name": college.name_in(language), "region": region_name(college.region, language)}


def _date(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _program(program, language: str) -> dict:
    return {"code": program.code, "name": localized(program, "name", language),
            "qualification": localized(program, "qualification", language)}


# --- Order on admission (ADM-02) ----------------------------------------------------------------------------------


def admission_order_payload(*, college: College, subject_id: int, language: str) -> dict:
    order = (AdmissionOrder.objects.filter(college=college, pk=subject_id)
             .select_related("campaign", "group__program", "supplements").first())
    if order is None:
        raise Http404
    admitted = (Admission.objects.filter(college=college, order=order).select_related("student")
                .order_by("student__full_name", "student_id"))
    revoked = (Admission.objects.filter(college=college, revoked_by=order).select_related("student")
               .order_by("student__full_name", "student_id"))
    group = order.group
    return {
        "college": _college(college, language),
        "order": {"id": order.pk, "number": order.number, "date": _date(order.order_date), "kind": order.kind,
                  "supplements": {"number": order.supplements.number, "date": _date(order.supplements.order_date)}
                  if order.supplements_id else None},
        "campaign": {"academic_year": order.campaign.academic_year, "starts_on": _date(order.campaign.starts_on),
                     "ends_on": _date(order.campaign.ends_on)},
        "group": {"name": group.name if group else "", "study_form": group.get_study_form_display() if group else ""},
        "program": _program(group.program, language) if group else {},
        "students": [{"full_name": a.student.full_name, "iin": a.student.iin} for a in admitted],
        "revoked": [{"full_name": a.student.full_name, "iin": a.student.iin} for a in revoked],
    }


def admission_order_title(payload: dict, language: str) -> str:
    return _("Order № %(number)s of %(date)s on admission to final attestation") % {
        "number": payload["order"]["number"], "date": payload["order"]["date"]}


ADMISSION_ORDER = register(DocumentKind(
    code="admission_order",
    label=gettext_lazy("order on admission to final attestation"),
    template="documents/grading/admission_order.html",
    build_payload=admission_order_payload,
    title=admission_order_title,
    student_of=lambda *, college, subject_id: None,
))


# --- Diploma decision (QUA-01) and certificate of completion (RET-04) -------------------------------------------------


def decision_payload(*, college: College, subject_id: int, language: str) -> dict:
    payload = decision_payloads(college=college, subject_ids=[subject_id], language=language).get(subject_id)
    if payload is None:
        raise Http404
    return payload


def decision_payloads(*, college: College, subject_ids: list[int], language: str) -> dict[int, dict]:
    """The payloads of many decisions in two queries (a group's batch builds 40 at a time); the one builder of the
    content, so a document requested alone and one of a batch hash alike."""
    decisions = list(DiplomaDecision.objects.filter(college=college, pk__in=subject_ids)
                     .select_related("student__group__program", "campaign", "supersedes"))
    # The names of the components in the document's language (the decision froze them in the language of the
    # request that took it).
    programs = {d.student.group.program_id for d in decisions}
    codes = {r["code"] for d in decisions for r in d.fa_results}
    names = {(row.program_id, row.code): localized(row, "name", language) for row in Discipline.objects.filter(
        college=college, program_id__in=programs, code__in=codes).only("program_id", "code", "name", "name_kk",
                                                                        "name_ru")}
    # What every decision of a group shares is built once per call, not once per student: the study form's label
    # alone (Django looks it up in the field's translated choices on every call) was a twentieth of a batch's
    # deciding (bench/grading_decisions.py). The payloads share these dicts; nothing changes them.
    college_part, groups, programs_part = _college(college, language), {}, {}
    payloads = {}
    for decision in decisions:
        student = decision.student
        group = student.group
        program_id = group.program_id
        if group.pk not in groups:
            groups[group.pk] = {"group": group.name, "study_form": group.get_study_form_display()}
        if program_id not in programs_part:
            programs_part[program_id] = _program(group.program, language)
        results = []
        for row in decision.fa_results:
            band = band_for_letter(row["letter"])
            results.append({**row, "name": names.get((program_id, row["code"])) or row["name"],
                            "traditional_label": str(TRADITIONAL_LABELS.get(row["traditional"], "")),
                            "positive": band is not None and band.letter != "F"})
        payloads[decision.pk] = {
            "college": college_part,
            "decision": {"id": decision.pk, "kind": decision.kind, "date": _date(decision.decided_on)},
            "student": {"id": student.pk, "full_name": student.full_name, "iin": student.iin, **groups[group.pk]},
            "program": programs_part[program_id],
            "campaign": {"academic_year": decision.campaign.academic_year,
                         "starts_on": _date(decision.campaign.starts_on), "ends_on": _date(decision.campaign.ends_on)},
            "qualification": decision.qualification,
            "qualification_level": decision.qualification_level,
            "honours": decision.honours,
            "gpa": None if decision.gpa is None else f"{decision.gpa:.2f}",
            "results": results,
        }
        if decision.supersedes_id:  # only then: the content (and hash) of every other decision stays as it was
            payloads[decision.pk]["supersedes"] = {"id": decision.supersedes_id,
                                                   "date": _date(decision.supersedes.decided_on)}
    return payloads


def decision_title(payload: dict, language: str) -> str:
    if payload["decision"]["kind"] == DiplomaDecision.Kind.CERTIFICATE:
        return _("Certificate of completion of the full course: %(name)s") % {"name": payload["student"]["full_name"]}
    return _("Diploma decision: %(name)s") % {"name": payload["student"]["full_name"]}


def decision_student(*, college: College, subject_id: int) -> int | None:
    return DiplomaDecision.objects.filter(college=college, pk=subject_id).values_list("student_id", flat=True).first()


DIPLOMA_DECISION = register(DocumentKind(
    code="diploma_decision",
    label=gettext_lazy("diploma decision"),
    template="documents/grading/diploma_decision.html",
    build_payload=decision_payload,
    title=decision_title,
    student_of=decision_student,
))

COMPLETION_CERTIFICATE = register(DocumentKind(
    code="completion_certificate",
    label=gettext_lazy("certificate of completion of the full course"),
    template="documents/grading/completion_certificate.html",
    build_payload=decision_payload,
    title=decision_title,
    student_of=decision_student,
))
