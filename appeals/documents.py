"""The appeal decision protocol (APP-04, 003 §54): a free-form protocol of the appeal commission, through the
documents pipeline; the payload is built in the document's language when the decision is recorded and frozen."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attestation.documents.kinds import DocumentKind, register
from attestation.models import College, localized, region_name
from commissions.models import CommissionMember

from .models import Appeal


def _d(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _local(college: College, moment) -> str:
    return college.local(moment).strftime("%d.%m.%Y %H:%M") if moment else ""


def appeal_protocol_payload(*, college: College, subject_id: int, language: str) -> dict:
    appeal = (Appeal.objects.filter(college=college, pk=subject_id)
              .select_related("student__group__program", "transcript_entry__discipline", "commission").first())
    if appeal is None or appeal.decided_at is None:
        raise Http404
    entry, student, commission = appeal.transcript_entry, appeal.student, appeal.commission
    previous = appeal.previous_grade or {}
    return {
        "college": {"name": college.name_in(language), "region": region_name(college.region, language)},
        "appeal": {"id": appeal.pk, "received_at": _local(college, appeal.received_at),
                   "decision_due": _d(appeal.decision_due), "decided_at": _local(college, appeal.decided_at),
                   "overdue": appeal.decided_overdue, "reason": appeal.reason},
        "student": {"full_name": student.full_name, "iin": student.iin, "group": student.group.name,
                    "program": f"{student.group.program.code} {localized(student.group.program, 'name', language)}"},
        "result": {"component": f"{entry.discipline.code} {localized(entry.discipline, 'name', language)}",
                   "held_on": _d(entry.held_on), "final": entry.is_final_attestation,
                   "percent": previous.get("percent"), "percent_raw": previous.get("percent_raw"),
                   "letter": previous.get("letter", "")},
        "commission": {"order_number": commission.order_number, "order_date": _d(commission.order_date),
                       "name": commission.name},
        "attendance": [{**m, "role": str(CommissionMember.Role(m["role"]).label)} for m in appeal.attendance],
        "outcome": appeal.outcome,
        "outcome_label": str(appeal.get_outcome_display()),
        "new_grade": {"percent": entry.percent, "percent_raw": str(entry.percent_raw), "letter": entry.letter,
                      "traditional": str(entry.get_traditional_display())}
        if appeal.outcome == Appeal.Outcome.GRADE_CHANGED else None,
        "justification": appeal.justification,
        "rule": "APP-04",
    }


def appeal_protocol_title(payload: dict, language: str) -> str:
    return _("Appeal decision protocol № %(n)s, %(student)s") % {"n": payload["appeal"]["id"],
                                                                  "student": payload["student"]["full_name"]}


def appeal_protocol_student(*, college: College, subject_id: int) -> int | None:
    return Appeal.objects.filter(college=college, pk=subject_id).values_list("student_id", flat=True).first()


APPEAL_PROTOCOL = register(DocumentKind(
    code="appeal_protocol", label=gettext_lazy("appeal decision protocol"), template="documents/appeal_protocol.html",
    build_payload=appeal_protocol_payload, title=appeal_protocol_title, student_of=appeal_protocol_student))
