"""Official papers of the commissions app, through the documents pipeline: the commission order (COM-01), the
schedule (SCH-01), the session protocol (PRO-01, DIST-15), the protocol extract and the technical failure act
(DIST-07). Each payload is built at request time in the document's language and frozen."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attestation.documents.kinds import DocumentKind, register
from attestation.models import College, localized, region_name
from attestation.services import transcript_grade

from . import rules
from .models import (
    Commission,
    CommissionMember,
    Exam,
    ExamSlot,
    Protocol,
    ProtocolResult,
    Schedule,
    TechnicalFailureAct,
)


def _college(college: College, language: str) -> dict:
    return {"name": college.name_in(language), "region": region_name(college.region, language)}


def _d(value) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _local(college: College, moment) -> str:
    return college.local(moment).strftime("%d.%m.%Y %H:%M") if moment else ""


def _members(commission: Commission) -> list[dict]:
    return [{"id": m.pk, "full_name": m.full_name, "role": m.role, "role_label": str(m.get_role_display()),
             "affiliation": str(m.get_affiliation_display()), "organization": m.organization,
             "position": m.position}
            for m in commission.members.order_by("role", "id")]


def _exam(exam: Exam, language: str) -> dict:
    discipline = exam.discipline
    return {
        "id": exam.pk, "form": exam.form, "form_label": str(exam.get_form_display()), "mode": exam.mode,
        "mode_label": str(exam.get_mode_display()),
        "component": f"{discipline.code} {localized(discipline, 'name', language)}" if discipline else "",
        "title": exam.title, "date": _d(exam.held_on), "starts": exam.local_start.strftime("%H:%M"),
        "ends": exam.local_end.strftime("%H:%M"), "room": exam.room,
        "distance_statement": rules.distance_statement(mode=exam.mode, language=language),
    }


# --- Commission order ---------------------------------------------------------------------------------------------


def commission_order_payload(*, college: College, subject_id: int, language: str) -> dict:
    commission = Commission.objects.filter(college=college, pk=subject_id).select_related("campaign").first()
    if commission is None:
        raise Http404
    campaign = commission.campaign
    return {
        "college": _college(college, language),
        "commission": {"id": commission.pk, "kind": commission.kind, "kind_label": str(commission.get_kind_display()),
                       "name": commission.name, "order_number": commission.order_number,
                       "order_date": _d(commission.order_date)},
        "campaign": {"academic_year": campaign.academic_year, "starts_on": _d(campaign.starts_on),
                     "ends_on": _d(campaign.ends_on)} if campaign else None,
        "members": _members(commission),
        "rule": "APP-02" if commission.kind == Commission.Kind.APPEAL else "COM-01",
    }


def commission_order_title(payload: dict, language: str) -> str:
    return _("Order № %(number)s on the %(kind)s") % {"number": payload["commission"]["order_number"],
                                                      "kind": payload["commission"]["kind_label"]}


# --- Schedule -----------------------------------------------------------------------------------------------------


def schedule_payload(*, college: College, subject_id: int, language: str) -> dict:
    schedule = Schedule.objects.filter(college=college, pk=subject_id).select_related("campaign").first()
    if schedule is None:
        raise Http404
    exams = (Exam.objects.filter(college=college, schedule=schedule)
             .select_related("discipline", "commission", "college").order_by("starts_at", "id"))
    slots: dict[int, list] = {}
    for slot in (ExamSlot.objects.filter(college=college, exam__schedule=schedule)
                 .select_related("student__group").order_by("starts_at", "id")):
        slots.setdefault(slot.exam_id, []).append({
            "time": college.local(slot.starts_at).strftime("%H:%M"),
            "minutes": slot.minutes, "student": slot.student.full_name, "group": slot.student.group.name})
    return {
        "college": _college(college, language),
        "campaign": {"academic_year": schedule.campaign.academic_year, "starts_on": _d(schedule.campaign.starts_on),
                     "ends_on": _d(schedule.campaign.ends_on)},
        "published_on": _d(timezone.localdate(schedule.published_at)) if schedule.published_at else "",
        "exams": [{**_exam(exam, language), "commission": str(exam.commission), "slots": slots.get(exam.pk, [])}
                  for exam in exams],
    }


def schedule_title(payload: dict, language: str) -> str:
    return _("Schedule of the final attestation %(year)s") % {"year": payload["campaign"]["academic_year"]}


# --- Protocol -------------------------------------------------------------------------------------------------------


def _protocol(college: College, pk: int) -> Protocol:
    protocol = (Protocol.objects.filter(college=college, pk=pk)
                .select_related("exam__commission__campaign", "exam__discipline", "exam__college").first())
    if protocol is None:
        raise Http404
    return protocol


def _result_row(index: int, row: ProtocolResult, amended: dict) -> dict:
    percent, percent_raw, letter = row.percent, row.percent_raw, row.letter
    traditional = str(row.get_traditional_display()) if row.traditional else ""
    amendment = amended.get(row.pk)
    if amendment is not None:
        grade = transcript_grade(amendment)
        percent, percent_raw, letter = grade["percent"], grade["percent_raw"], grade["letter"]
        traditional = dict(row._meta.get_field("traditional").choices)[grade["traditional"]]
    return {
        "n": index, "id": row.pk, "student_id": row.student_id, "full_name": row.student.full_name,
        "group": row.student.group.name, "status": row.status, "status_label": str(row.get_status_display()),
        "ticket": row.ticket_number or "", "questions": row.questions, "notes": row.notes,
        "percent": percent, "percent_raw": None if percent_raw is None else str(percent_raw), "letter": letter,
        "traditional": str(traditional),
        "derived": row.is_derived, "amended": amendment is not None, "id_checked": row.id_checked,
    }


def protocol_payload(*, college: College, subject_id: int, language: str) -> dict:
    protocol = _protocol(college, subject_id)
    exam = protocol.exam
    commission = exam.commission
    attendance = {a.member_id: a.present for a in protocol.attendance.all()}
    signed = {s.member_id for s in protocol.signatures.all() if s.protocol_version == protocol.version}
    members = [{**m, "present": attendance.get(m["id"], False), "signed": m["id"] in signed}
               for m in _members(commission)]
    amendments = list(protocol.amendments.select_related("result__student").order_by("id"))
    amended_percent = {a.result_id: a.new_value for a in amendments if a.field == "percent"}
    results = [_result_row(i, row, amended_percent) for i, row in enumerate(
        protocol.results.select_related("student__group").order_by("slot__starts_at", "slot_id"), start=1)]
    decisions = sorted({str(r.force_majeure) for r in protocol.results.filter(force_majeure__isnull=False)
                        .select_related("force_majeure")})
    voting = [m for m in members if m["role"] != CommissionMember.Role.SECRETARY]
    return {
        "college": _college(college, language),
        "protocol": {"id": protocol.pk, "number": protocol.number, "status": protocol.status,
                     "closed_on": _d(protocol.announced_on), "notes": protocol.notes,
                     "recording_ref": protocol.recording_ref, "signed_scan": bool(protocol.signed_scan),
                     "version": protocol.version},
        "exam": _exam(exam, language),
        "commission": {"order_number": commission.order_number, "order_date": _d(commission.order_date),
                       "name": commission.name},
        "members": members,
        "quorum": {"present": sum(1 for m in voting if m["present"]), "voting": len(voting)},
        "results": results,
        "groups": sorted({r["group"] for r in results}),
        "graded": sum(1 for r in results if r["percent"] is not None),
        "derived_decisions": decisions,
        "amendments": [{"student": a.result.student.full_name, "field": a.field,
                        "field_label": str(ProtocolResult._meta.get_field(a.field).verbose_name), "old": a.old_value,
                        "new": a.new_value, "reason": a.reason, "date": _d(timezone.localdate(a.created_at))}
                       for a in amendments],
    }


def protocol_title(payload: dict, language: str) -> str:
    return _("Protocol № %(number)s, %(date)s") % {"number": payload["protocol"]["number"],
                                                   "date": payload["exam"]["date"]}


# --- Protocol extract -------------------------------------------------------------------------------------------------


def _result(college: College, pk: int) -> ProtocolResult:
    row = (ProtocolResult.objects.filter(college=college, pk=pk)
           .select_related("student__group__program", "protocol__exam__commission", "protocol__exam__discipline",
                           "protocol__exam__college", "force_majeure").first())
    if row is None:
        raise Http404
    return row


def protocol_extract_payload(*, college: College, subject_id: int, language: str) -> dict:
    row = _result(college, subject_id)
    protocol = row.protocol
    exam = protocol.exam
    amendment = row.amendments.filter(field="percent").order_by("-id").first()
    return {
        "college": _college(college, language),
        "protocol": {"number": protocol.number, "closed_on": _d(protocol.announced_on)},
        "exam": _exam(exam, language),
        "commission": {"order_number": exam.commission.order_number, "order_date": _d(exam.commission.order_date)},
        "student": {"full_name": row.student.full_name, "iin": row.student.iin, "group": row.student.group.name,
                    "program": f"{row.student.group.program.code} "
                               f"{localized(row.student.group.program, 'name', language)}"},
        "result": _result_row(1, row, {row.pk: amendment.new_value} if amendment else {}),
        "decision": str(row.force_majeure) if row.force_majeure_id else "",
    }


def protocol_extract_title(payload: dict, language: str) -> str:
    return _("Extract from protocol № %(number)s: %(student)s") % {"number": payload["protocol"]["number"],
                                                                   "student": payload["student"]["full_name"]}


def protocol_extract_student(*, college: College, subject_id: int) -> int:
    return _result(college, subject_id).student_id


# --- Technical failure act --------------------------------------------------------------------------------------------


def tech_failure_act_payload(*, college: College, subject_id: int, language: str) -> dict:
    act = (TechnicalFailureAct.objects.filter(college=college, pk=subject_id)
           .select_related("protocol__exam__commission", "protocol__exam__discipline", "protocol__exam__college",
                           "result__student__group", "drawn_up_by").first())
    if act is None:
        raise Http404
    exam = act.protocol.exam
    return {
        "college": _college(college, language),
        "act": {"id": act.pk, "occurred_at": _local(college, act.occurred_at), "description": act.description,
                "drawn_up_by": act.drawn_up_by.display_name if act.drawn_up_by else "",
                "created_at": _local(college, act.created_at)},
        "protocol": {"number": act.protocol.number},
        "exam": _exam(exam, language),
        "student": {"full_name": act.result.student.full_name, "group": act.result.student.group.name},
        "members": _members(exam.commission),
    }


def tech_failure_act_title(payload: dict, language: str) -> str:
    return _("Technical failure act № %(number)s: %(student)s") % {"number": payload["act"]["id"],
                                                                   "student": payload["student"]["full_name"]}


def tech_failure_act_student(*, college: College, subject_id: int) -> int | None:
    act = TechnicalFailureAct.objects.filter(college=college, pk=subject_id).select_related("result").first()
    return act.result.student_id if act else None


def _none(*, college: College, subject_id: int) -> None:
    return None


COMMISSION_ORDER = register(DocumentKind(
    code="commission_order", label=gettext_lazy("order on the commission"), template="documents/commission_order.html",
    build_payload=commission_order_payload, title=commission_order_title, student_of=_none))
SCHEDULE = register(DocumentKind(
    code="schedule", label=gettext_lazy("attestation schedule"), template="documents/schedule.html",
    build_payload=schedule_payload, title=schedule_title, student_of=_none))
PROTOCOL = register(DocumentKind(
    code="protocol", label=gettext_lazy("protocol of the commission's session"), template="documents/protocol.html",
    build_payload=protocol_payload, title=protocol_title, student_of=_none))
PROTOCOL_EXTRACT = register(DocumentKind(
    code="protocol_extract", label=gettext_lazy("extract from the protocol"),
    template="documents/protocol_extract.html", build_payload=protocol_extract_payload,
    title=protocol_extract_title, student_of=protocol_extract_student))
TECH_FAILURE_ACT = register(DocumentKind(
    code="tech_failure_act", label=gettext_lazy("technical failure act"), template="documents/tech_failure_act.html",
    build_payload=tech_failure_act_payload, title=tech_failure_act_title, student_of=tech_failure_act_student))
