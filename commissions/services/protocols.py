"""The session's protocol as it is kept: who may keep it, opening, the rows and attendance as they are typed, the
API's whole-protocol save, ticket draws and technical failures (DIST-07)."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.models import AttemptReason, College, User
from attestation.rules import RulesBroken, RuleViolation
from attestation.services import notify, transcript_grade
from attestation.tenancy import CollegeAccess

from .. import rules, selectors
from ..models import (
    CommissionMember,
    Exam,
    ExamSlot,
    Protocol,
    ProtocolAttendance,
    ProtocolLocked,
    ProtocolResult,
    TechnicalFailureAct,
    TicketDraw,
)
from .common import VersionConflict, _broken, _field_error, _request_document
from .schedule import SlotInput, slot_add


def protocol_keeper(*, access: CollegeAccess, member: CommissionMember | None) -> bool:
    """The secretary of the session's commission (``member``: the user's seat on it, if any) or a college
    administrator keeps the protocol."""
    return access.is_admin or (member is not None and member.role == CommissionMember.Role.SECRETARY)


def protocol_keeper_check(*, access: CollegeAccess, member: CommissionMember | None) -> None:
    """``protocol_keeper`` or 403 (``member``: the user's seat on the commission, already read)."""
    if not protocol_keeper(access=access, member=member):
        raise PermissionDenied(_("Only the commission's secretary keeps this protocol."))


def protocol_editor_check(*, access: CollegeAccess, exam: Exam) -> CommissionMember | None:
    """``protocol_keeper`` or 403; the user's seat on the commission, if any."""
    member = selectors.member_of(commission=exam.commission, user=access.user)
    protocol_keeper_check(access=access, member=member)
    return member


def protocol_reader_check(*, access: CollegeAccess) -> None:
    """Protocols are read by the college's administrators and staff; anyone else gets a 404."""
    if not access.is_staff_or_admin:
        raise Http404


# --- Protocol: opening, rows, attendance ------------------------------------------------------------------------------


def _open_check(protocol: Protocol) -> None:
    if protocol.is_closed:
        raise ProtocolLocked(_("The protocol is closed and locked for good; corrections are made by an amendment "
                               "with a reason."))


def _locked_protocol(college: College, protocol_id: int) -> Protocol:
    protocol = (Protocol.objects.select_for_update().select_related("exam__commission", "exam__college")
                .get(pk=protocol_id, college=college))
    _open_check(protocol)
    return protocol


def _bump(protocol: Protocol) -> int:
    """The protocol's next change number. Only ever called holding the protocol's lock, having seen it open
    (``_locked_protocol``, ``selectors.result_row_locked``): nothing can close it or bump it meanwhile."""
    protocol.version += 1
    Protocol.objects.filter(college_id=protocol.college_id, pk=protocol.pk).update_locked_open(version=protocol.version)
    return protocol.version


@transaction.atomic
def protocol_open(*, college: College, by: User, exam: Exam) -> Protocol:
    """Open the session (SCH-01: only a session of a published schedule, COM-01: an approved commission), on or
    after its day: the protocol with a row per member and per student."""
    exam = Exam.objects.select_for_update().select_related("schedule", "commission", "college").get(
        pk=exam.pk, college=college)
    existing = Protocol.objects.filter(college=college, exam=exam).first()
    if existing is not None:
        return existing
    errors = []
    if not exam.schedule.is_published:
        errors.append(RuleViolation("SCH-01", _("The session is not in a published schedule; attestation is held "
                                                "only by the approved schedule (003 §3)."), "schedule"))
    approved = rules.commission_approved_check(status=exam.commission.status, name=str(exam.commission))
    if approved:
        errors.append(approved)
    if errors:
        raise _broken(errors, _("The session cannot be opened."))
    if college.today() < exam.held_on:
        raise _field_error("starts_at", _("The session is on %(day)s; its protocol opens that day.")
                           % {"day": exam.held_on.strftime("%d.%m.%Y")})
    number = Protocol.objects.filter(college=college, exam__commission=exam.commission).count() + 1
    protocol = Protocol.objects.create(
        college=college, exam=exam, number=f"{exam.commission.order_number}-{number}", opened_by=by,
        language=college.language if college.language in ("kk", "ru") else "kk")
    ProtocolAttendance.objects.bulk_create([
        ProtocolAttendance(college=college, protocol=protocol, member=member)
        for member in exam.commission.members.order_by("role", "id")])
    ProtocolResult.objects.bulk_create([
        ProtocolResult(college=college, protocol=protocol, slot=slot, student_id=slot.student_id)
        for slot in exam.slots.order_by("starts_at", "id")])
    audit_log(action="protocol.opened", college=college, actor=by, obj=protocol,
              data={"exam": exam.pk, "number": protocol.number})
    return protocol


RESULT_FIELDS = ("status", "percent", "questions", "notes", "id_checked", "id_document_tail")
# The columns ``_apply_result`` writes, and the change number with its time.
RESULT_WRITTEN = ("status", "percent_raw", "percent", "letter", "points", "traditional", "questions", "notes",
                  "id_checked", "id_checked_at", "id_checked_by", "id_document_tail", "updated_by", "version",
                  "updated_at")


def _current_values(row: ProtocolResult) -> dict[str, Any]:
    return {"status": row.status, "percent": None if row.percent_raw is None else Decimal(row.percent_raw),
            "questions": row.questions, "notes": row.notes, "id_checked": row.id_checked,
            "id_document_tail": row.id_document_tail}


def _normalise_result_input(fields: dict[str, Any]) -> dict[str, Any]:
    """Input of a row, with the percentage parsed (GRD-01: a number 0–100; blank clears it)."""
    clean: dict[str, Any] = {}
    for name in RESULT_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if name == "percent":
            if value is None or (isinstance(value, str) and not value.strip()):
                clean[name] = None
            else:
                clean[name] = Decimal(transcript_grade(value)["percent_raw"])
        elif name in ("questions", "notes", "id_document_tail"):
            clean[name] = (value or "").strip()
        elif name == "id_checked":
            clean[name] = bool(value)
        elif name == "status":
            if value not in ("", "present", "absent"):
                raise _broken([RuleViolation(None, _("Attendance is present or absent; a technical failure is "
                                                     "recorded with its act."), "status")],
                              _("The row cannot be saved."))
            clean[name] = value
    return clean


def _apply_result(*, protocol: Protocol, row: ProtocolResult, values: dict[str, Any], by: User) -> dict:
    """Apply already-parsed input to a row in memory; returns the changes or raises RulesBroken."""
    exam = protocol.exam
    new = _current_values(row) | values
    if "percent" in values and values["percent"] is not None and "status" not in values:
        new["status"] = "present"  # typing a grade means the student sat
    if new["status"] in ("", "absent"):
        new["percent"] = None
    if row.status in (ProtocolResult.Status.TECH_FAILURE, ProtocolResult.Status.DERIVED) and (
            new["status"] != row.status or new["percent"] != _current_values(row)["percent"]):
        raise _broken([RuleViolation("DIST-07" if row.status == "tech_failure" else "DIST-17", _(
            "This row is settled by a technical failure act or a force majeure decision; only questions and notes "
            "change."), "status")], _("The row cannot be saved."))
    if new["percent"] is not None:
        identity = rules.identity_check(mode=exam.mode, id_checked=new["id_checked"], student=row.student.full_name)
        if identity:
            raise _broken([identity], _("The row cannot be saved."))
    changes = {}
    old = _current_values(row)
    for name, value in new.items():
        if old[name] != value:
            changes[name] = [old[name], value]
    if not changes:
        return {}
    row.status = new["status"]
    if new["percent"] is None:
        row.percent_raw = row.percent = row.points = None
        row.letter = row.traditional = ""
    else:
        grade = transcript_grade(new["percent"])
        row.percent_raw, row.percent, row.letter = grade["percent_raw"], grade["percent"], grade["letter"]
        row.points, row.traditional = grade["points"], grade["traditional"]
    row.questions, row.notes = new["questions"], new["notes"]
    if new["id_checked"] and not row.id_checked:
        row.id_checked_at, row.id_checked_by = timezone.now(), by
    elif not new["id_checked"]:
        row.id_checked_at = row.id_checked_by = None
    row.id_checked, row.id_document_tail = new["id_checked"], new["id_document_tail"][:8]
    row.updated_by = by
    return changes


def _conflict_message(row: ProtocolResult) -> str:
    who = row.updated_by.display_name if row.updated_by else _("someone else")
    return _("%(student)s: changed by %(who)s at %(time)s while you were editing; your entry was not saved. Now "
             "stored: %(value)s.") % {
        "student": row.student.full_name, "who": who,
        "time": timezone.localtime(row.updated_at).strftime("%H:%M:%S"),
        "value": f"{row.percent}% {row.letter}" if row.percent is not None else row.get_status_display()}


@transaction.atomic
def protocol_row_save(*, college: College, by: User, result: ProtocolResult, fields: dict[str, Any],
                      version: int | None) -> ProtocolResult:
    """Save one student's row as it is typed. ``version`` is the row's version the editor saw: when someone else
    changed the row meanwhile (and the entry differs from what is stored) nothing is saved (409); editing
    different rows never conflicts."""
    row = selectors.result_row_locked(college=college, pk=result.pk).row  # read again under the protocol's lock
    return _row_save(college=college, by=by, row=row, fields=fields, version=version)


@transaction.atomic
def protocol_row_edit(*, access: CollegeAccess, pk: int, fields: dict[str, Any], version: int | None
                      ) -> ProtocolResult:
    """The secretary typing in a row of the protocol page (htmx): ``protocol_row_save`` with the row read once,
    under the protocol's lock, with the user's seat on the commission: 404 for a row not of the college (or for a
    student), 403 for anyone who does not keep the protocol. Every keystroke's save is this request
    (bench/commissions_protocol_page.py)."""
    edited = selectors.result_row_locked(college=access.college, pk=pk, user=access.user)
    protocol_reader_check(access=access)
    protocol_keeper_check(access=access, member=edited.seat)
    return _row_save(college=access.college, by=access.user, row=edited.row, fields=fields, version=version)


def _row_save(*, college: College, by: User, row: ProtocolResult, fields: dict[str, Any], version: int | None
              ) -> ProtocolResult:
    """The save of a row read under the protocol's lock (``selectors.result_row_locked``)."""
    protocol = row.protocol
    _open_check(protocol)
    values = _normalise_result_input(fields)
    if version is not None and row.version != version:
        if all(_current_values(row)[k] == v for k, v in values.items()):
            return row
        raise VersionConflict(_conflict_message(row), row)
    changes = _apply_result(protocol=protocol, row=row, values=values, by=by)
    if not changes:
        return row
    row.version = _bump(protocol)
    row.save(update_fields=RESULT_WRITTEN, protocol_locked_open=True)
    audit_log(action="protocol.result_saved", college=college, actor=by, obj=row,
              data={"protocol": protocol.pk, "student": row.student_id, "changes": changes})
    return row


@transaction.atomic
def protocol_attendance_save(*, college: College, by: User, attendance: ProtocolAttendance, present: bool,
                             version: int | None) -> ProtocolAttendance:
    protocol = _locked_protocol(college, attendance.protocol_id)
    row = ProtocolAttendance.objects.select_related("member").get(pk=attendance.pk, protocol=protocol)
    if row.present == present:
        return row
    if version is not None and row.version != version:
        raise VersionConflict(_("%(member)s: attendance was changed by someone else meanwhile; now %(state)s.")
                              % {"member": row.member.full_name,
                                 "state": _("present") if row.present else _("absent")}, row)
    row.present = present
    row.version = _bump(protocol)
    row.save()
    audit_log(action="protocol.attendance_saved", college=college, actor=by, obj=row,
              data={"protocol": protocol.pk, "member": row.member_id, "present": present})
    return row


@transaction.atomic
def protocol_header_save(*, college: College, by: User, protocol: Protocol, version: int | None,
                         notes: str | None = None, recording_ref: str | None = None) -> Protocol:
    locked = _locked_protocol(college, protocol.pk)
    changes = {}
    for name, value in (("notes", notes), ("recording_ref", recording_ref)):
        if value is not None and getattr(locked, name) != value.strip():
            changes[name] = [getattr(locked, name), value.strip()]
    if not changes:
        return locked
    if version is not None and locked.version != version:
        raise VersionConflict(_("The protocol's notes were changed by someone else meanwhile; reload."), locked)
    for name, (_old, new) in changes.items():
        setattr(locked, name, new)
    locked.version += 1
    locked.save(update_fields=["notes", "recording_ref", "version"])
    audit_log(action="protocol.header_saved", college=college, actor=by, obj=locked, data=changes)
    return locked


@transaction.atomic
def protocol_put(*, college: College, by: User, protocol: Protocol, version: int,
                 attendance: list[dict], results: list[dict], notes: str | None = None,
                 recording_ref: str | None = None) -> Protocol:
    """The API's PUT: apply the rows sent (rows not sent stay as they are). ``version`` is the protocol version
    the client read; a row changed after it (or after the row's own ``version``, when given) whose sent values
    differ from what is stored is a conflict: nothing is applied and 409 lists the rows. Rule violations are
    reported all at once (422)."""
    locked = _locked_protocol(college, protocol.pk)
    members = {a.member_id: a for a in ProtocolAttendance.objects.filter(protocol=locked).select_related("member")}
    rows = {r.student_id: r for r in ProtocolResult.objects.filter(protocol=locked).select_related(
        "student", "updated_by")}
    conflicts, violations, plain = [], [], {}
    planned_attendance, planned_rows = [], []
    for item in attendance:
        row = members.get(item.get("member"))
        if row is None:
            plain.setdefault("attendance", []).append(_("%(id)s is not a member of this commission.")
                                                      % {"id": item.get("member")})
            continue
        present = bool(item.get("present"))
        if row.present == present:
            continue
        changed_since = row.version != item["version"] if "version" in item else row.version > version
        if changed_since:
            conflicts.append({"field": f"attendance.{row.member_id}", "rule": None,
                              "message": _("%(member)s: attendance was changed by someone else meanwhile.")
                              % {"member": row.member.full_name}, "version": row.version})
            continue
        row.present = present
        planned_attendance.append(row)
    for item in results:
        row = rows.get(item.get("student"))
        if row is None:
            plain.setdefault("results", []).append(_("%(id)s has no slot in this session.")
                                                   % {"id": item.get("student")})
            continue
        try:
            values = _normalise_result_input(item)
        except RulesBroken as exc:
            violations += [RuleViolation(v.rule, f"{row.student.full_name}: {v.message}", f"results.{row.student_id}")
                           for v in exc.violations]
            continue
        changed_since = row.version != item["version"] if "version" in item else row.version > version
        if changed_since and not all(_current_values(row)[k] == v for k, v in values.items()):
            conflicts.append({"field": f"results.{row.student_id}", "rule": None, "message": _conflict_message(row),
                              "version": row.version})
            continue
        try:
            changes = _apply_result(protocol=locked, row=row, values=values, by=by)
        except RulesBroken as exc:
            violations += [RuleViolation(v.rule, f"{row.student.full_name}: {v.message}", f"results.{row.student_id}")
                           for v in exc.violations]
            continue
        if changes:
            planned_rows.append((row, changes))
    if plain:
        raise ValidationError(plain)
    if conflicts:
        raise VersionConflict(_("Someone else changed these rows after you read the protocol (version %(version)s); "
                                "nothing was saved. Reload and apply your changes again.") % {"version": version},
                              locked, conflicts)
    if violations:
        raise _broken(violations, _("The protocol cannot be saved."))
    header = {}
    for name, value in (("notes", notes), ("recording_ref", recording_ref)):
        if value is not None and getattr(locked, name) != value.strip():
            if locked.version > version:
                raise VersionConflict(_("The protocol's notes were changed by someone else meanwhile; reload."),
                                      locked)
            header[name] = [getattr(locked, name), value.strip()]
            setattr(locked, name, value.strip())
    if not (planned_attendance or planned_rows or header):
        return locked
    new_version = _bump(locked)
    for row in planned_attendance:
        row.version = new_version
        row.save()
    for row, _changes in planned_rows:
        row.version = new_version
        row.save()
    if header:
        locked.save(update_fields=["notes", "recording_ref"])
    audit_log(action="protocol.saved", college=college, actor=by, obj=locked,
              data={"attendance": {r.member_id: r.present for r in planned_attendance},
                    "results": {r.student_id: c for r, c in planned_rows}, "header": header})
    return locked


@transaction.atomic
def protocol_ticket_draw(*, college: College, by: User, result: ProtocolResult) -> TicketDraw:
    """DIST-13 / EXF-07: draw a ticket at random (secrets) among those not drawn yet in this sitting, recorded."""
    protocol = _locked_protocol(college, result.protocol_id)
    exam = protocol.exam
    row = ProtocolResult.objects.select_related("student").get(pk=result.pk, protocol=protocol)
    if exam.is_defence:
        raise _field_error("ticket", _("A defence has no tickets."))
    redraw = rules.ticket_redraw_check(already_drawn=TicketDraw.objects.filter(college=college, result=row).exists(),
                                       student=row.student.full_name)
    if redraw:
        raise _broken([redraw], _("No ticket was drawn."))
    drawn = TicketDraw.objects.filter(college=college, protocol=protocol).values_list("ticket_number", flat=True)
    number = rules.ticket_draw(bank_size=exam.ticket_count, drawn=list(drawn), randbelow=secrets.randbelow)
    if isinstance(number, RuleViolation):
        raise _broken([number], _("No ticket was drawn."))
    draw = TicketDraw.objects.create(college=college, protocol=protocol, result=row, ticket_number=number,
                                     bank_size=exam.ticket_count, drawn_by=by)
    row.ticket_number = number
    row.version = _bump(protocol)
    row.updated_by = by
    row.save()
    audit_log(action="protocol.ticket_drawn", college=college, actor=by, obj=draw,
              data={"protocol": protocol.pk, "student": row.student_id, "ticket": number,
                    "bank": exam.ticket_count, "generator": "secrets.randbelow"})
    return draw


# --- Technical failure (DIST-07) --------------------------------------------------------------------------------------


@transaction.atomic
def protocol_tech_failure(*, college: College, by: User, result: ProtocolResult, description: str,
                          occurred_at: datetime | None = None, language: str | None = None
                          ) -> TechnicalFailureAct:
    """DIST-07: record a technical failure in a distance session: the row is marked (not a fail, not a retake),
    the electronic act is issued and sent to every member of the commission; the student is then rescheduled."""
    protocol = _locked_protocol(college, result.protocol_id)
    exam = protocol.exam
    wrong_mode = rules.tech_failure_mode_check(mode=exam.mode)
    if wrong_mode:
        raise _broken([wrong_mode], _("No act was drawn up."))
    if not (description or "").strip():
        raise _field_error("description", _("Describe what happened."))
    row = ProtocolResult.objects.select_related("student").get(pk=result.pk, protocol=protocol)
    if TechnicalFailureAct.objects.filter(college=college, result=row).exists():
        raise _field_error("result", _("An act has already been drawn up for this student."))
    row.status = ProtocolResult.Status.TECH_FAILURE
    row.percent_raw = row.percent = row.points = None
    row.letter = row.traditional = ""
    row.version = _bump(protocol)
    row.updated_by = by
    row.save()
    act = TechnicalFailureAct.objects.create(college=college, protocol=protocol, result=row,
                                             occurred_at=occurred_at or timezone.now(),
                                             description=description.strip(), drawn_up_by=by)
    act.document = _request_document(college=college, kind="tech_failure_act", subject_id=act.pk, by=by,
                                     language=language or protocol.language)
    members = list(exam.commission.members.select_related("user"))
    now = timezone.now().isoformat()
    deliveries = []
    url = reverse("commissions:protocol", kwargs={"college": college.slug, "pk": exam.pk})
    with college.in_language():
        subject = _("Technical failure act № %(number)s: %(student)s") % {"number": act.pk,
                                                                          "student": row.student.full_name}
        body = _("%(exam)s. %(description)s The student will take the attestation on another day.") % {
            "exam": str(exam), "description": act.description}
        users = [m.user for m in members if m.user_id]
        if users:
            notify(college=college, users=users, subject=subject, body=body, url=url)
        deliveries += [{"member": m.pk, "channel": "portal+email" if m.user.email else "portal",
                        "to": m.user.email or m.user.username, "at": now} for m in members if m.user_id]
        plain = [m for m in members if not m.user_id and m.email]
        if plain:
            messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [m.email]) for m in plain]
            transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
            deliveries += [{"member": m.pk, "channel": "email", "to": m.email, "at": now} for m in plain]
    act.deliveries = deliveries
    act.save(update_fields=["document", "deliveries"])
    audit_log(action="protocol.tech_failure", college=college, actor=by, obj=act,
              data={"protocol": protocol.pk, "student": row.student_id, "deliveries": len(deliveries),
                    "members": len(members)})
    return act


@transaction.atomic
def tech_failure_reschedule(*, college: College, by: User, act: TechnicalFailureAct, exam: Exam,
                            starts_at: datetime, minutes: int, report_minutes: int | None = None) -> ExamSlot:
    """DIST-07: the student takes the attestation on another day (a re-sitting, not a retake)."""
    act = TechnicalFailureAct.objects.select_for_update().select_related(
        "result__slot__exam__commission", "result__student__group").get(pk=act.pk, college=college)
    if act.new_slot_id:
        raise _field_error("exam", _("The student has already been rescheduled."))
    old = act.result.slot
    if exam.commission_id != old.exam.commission_id or (exam.discipline_id != old.exam.discipline_id):
        raise _field_error("exam", _("Choose a session of the same commission and component."))
    if starts_at <= act.occurred_at:
        raise _field_error("starts_at", _("The new slot is after the failure."))
    slot = slot_add(college=college, by=by, exam=exam, slot=SlotInput(
        act.result.student, starts_at, minutes, report_minutes, AttemptReason.TECH_FAILURE, old))
    act.new_slot = slot
    act.save(update_fields=["new_slot"])
    audit_log(action="protocol.tech_failure_rescheduled", college=college, actor=by, obj=act,
              data={"slot": slot.pk, "exam": exam.pk, "starts_at": starts_at})
    return slot
