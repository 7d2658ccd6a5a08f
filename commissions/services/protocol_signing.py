"""The protocol's end: signatures, the signed scan, what closing would say, closing with the official results
(PRO-01 … PRO-03), amendments of a closed protocol, the paper archive and the protocol's documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.calendar import working_calendar
from attestation.models import AttemptReason, College, Discipline, Document, Student, TranscriptEntry, User
from attestation.rules import RulesBroken, RuleViolation
from attestation.services import notify, transcript_check, transcript_grade
from attestation.uploads import SCAN_MAX_BYTES, SCAN_TYPES, CheckedUpload, upload_check
from grading import services as grading_services

from .. import rules, selectors
from ..models import CommissionMember, Exam, ExamSlot, Protocol, ProtocolAmendment, ProtocolResult, ProtocolSignature
from .common import _broken, _field_error, _request_document
from .protocols import _locked_protocol


def protocol_signer(*, member: CommissionMember | None, protocol: Protocol) -> bool:
    """Who signs an open protocol: every member of the session's commission (``member``: the user's seat, if any),
    the secretary's line being optional (OQ-10). The page shows the button by this, ``protocol_sign`` decides by it."""
    return member is not None and not protocol.is_closed


@transaction.atomic
def protocol_sign(*, college: College, by: User, protocol: Protocol, ip: str | None = None) -> ProtocolSignature:
    """The requesting user signs as the member linked to them (chair, member; the secretary's signature is
    optional, OQ-10). The signature holds for the version signed: a later change asks for signing again."""
    locked = _locked_protocol(college, protocol.pk)
    member = selectors.member_of(commission=locked.exam.commission, user=by)
    if not protocol_signer(member=member, protocol=locked):
        raise PermissionDenied(_("Only members of this session's commission sign its protocol."))
    signature = ProtocolSignature.objects.filter(college=college, protocol=locked, member=member).first()
    if signature is None:
        signature = ProtocolSignature(college=college, protocol=locked, member=member, user=by)
    signature.protocol_version, signature.signed_at, signature.ip = locked.version, timezone.now(), ip
    signature.save()
    audit_log(action="protocol.signed", college=college, actor=by, obj=locked,
              data={"member": member.pk, "role": member.role, "version": locked.version}, ip=ip)
    return signature


def _store_scan(protocol: Protocol, checked: CheckedUpload) -> None:
    protocol.signed_scan.save(checked.name, ContentFile(checked.data), save=False)
    protocol.signed_scan_sha256, protocol.signed_scan_type = checked.sha256, checked.content_type


@transaction.atomic
def protocol_scan_attach(*, college: College, by: User, protocol: Protocol, upload) -> Protocol:
    """The scan of the printed copy signed on paper (PDF, JPEG or PNG by content, at most 20 MB)."""
    checked = upload_check(upload, allowed=SCAN_TYPES, max_bytes=SCAN_MAX_BYTES, field="signed_scan")
    locked = _locked_protocol(college, protocol.pk)
    _store_scan(locked, checked)
    locked.save(update_fields=["signed_scan", "signed_scan_sha256", "signed_scan_type"])
    audit_log(action="protocol.scan_attached", college=college, actor=by, obj=locked,
              data={"sha256": checked.sha256, "type": checked.content_type, "bytes": len(checked.data)})
    return locked


@dataclass
class ProtocolState:
    """What closing would say now: refusals and warnings (shown on the page before the secretary closes)."""

    errors: list[RuleViolation]
    warnings: list[RuleViolation]
    present: int
    voting: int
    quorum: int
    signed: frozenset[int]  # the members whose signature holds: given for the protocol's current version


def protocol_state(*, college: College, protocol: Protocol, has_scan: bool | None = None,
                   page: selectors.ProtocolPage | None = None) -> ProtocolState:
    """``page``: the session as the secretary's page read it (its rows are plain values); otherwise the protocol's
    prefetched attendance, rows and signatures (``selectors.protocol_full``)."""
    exam = protocol.exam
    if page is not None:
        attendance, results, signatures = page.attendance, page.rows, page.signatures
    else:
        attendance = list(protocol.attendance.all())
        results = list(protocol.results.all())
        signatures = list(protocol.signatures.all())
    voters = [a for a in attendance if a.member.votes]
    present_voters = [a for a in voters if a.present]
    errors: list[RuleViolation] = []
    warnings: list[RuleViolation] = []
    pending = [r.student.full_name for r in results if r.status == ProtocolResult.Status.PENDING]
    complete = rules.results_complete_check(pending)
    if complete:
        errors.append(complete)
    for row in results:
        if row.status == ProtocolResult.Status.PRESENT:
            ungraded = rules.present_result_check(present=True, percent=row.percent, student=row.student.full_name)
            if ungraded:
                errors.append(ungraded)
            identity = rules.identity_check(mode=exam.mode, id_checked=row.id_checked, student=row.student.full_name)
            if identity:
                errors.append(identity)
    quorum = rules.quorum_check(present=len(present_voters), voting_count=len(voters), is_defence=exam.is_defence)
    if quorum:
        (errors if exam.is_defence else warnings).append(quorum)
    valid = frozenset(s.member_id for s in signatures if s.protocol_version == protocol.version)
    chair = next((a.member for a in attendance if a.member.role == CommissionMember.Role.CHAIR), None)
    unsigned = [a.member.full_name for a in present_voters if a.member.role != CommissionMember.Role.CHAIR
                and a.member_id not in valid]
    errors += rules.signatures_check(chair=chair.full_name if chair else None,
                                     chair_signed=bool(chair and chair.pk in valid), unsigned_present=unsigned,
                                     has_scan=bool(protocol.signed_scan) if has_scan is None else has_scan)
    recording = rules.recording_warning(mode=exam.mode, recording_ref=protocol.recording_ref)
    if recording:
        warnings.append(recording)
    calendar = working_calendar()  # reused while the overrides stay the same (attestation.calendar)
    announcement = rules.announcement_check(announced_on=college.today(), held_on=exam.held_on,
                                            form=exam.form, calendar=calendar)
    if announcement:
        warnings.append(announcement)
    return ProtocolState(errors, warnings, len(present_voters), len(voters), rules.quorum(len(voters)), valid)


def _result_discipline(college: College, exam: Exam, student: Student) -> Discipline:
    if exam.discipline_id:
        return exam.discipline
    return selectors.diploma_component(college=college, program_id=student.group.program_id)


def _attempt_reason(slot: ExamSlot, previous: int) -> str:
    """RET/DIST: a re-sitting after a valid absence or a technical failure is not a retake; a new first attempt
    after earlier attempts is a retake after an unsatisfactory grade (HON-02 counts it)."""
    if slot.attempt_reason != AttemptReason.FIRST:
        return slot.attempt_reason
    return AttemptReason.RETAKE_AFTER_FAIL if previous else AttemptReason.FIRST


@transaction.atomic
def protocol_close(*, college: College, by: User, protocol: Protocol, scan=None,
                   language: str | None = None) -> tuple[Protocol, list[RuleViolation]]:
    """Close the protocol: results complete, quorum (DEF-03), signatures or the signed scan (PRO-01); then it is
    locked for good, the results become official transcript entries announced today (PRO-03), students see
    them at once and are notified, and the protocol PDF is issued."""
    checked = upload_check(scan, allowed=SCAN_TYPES, max_bytes=SCAN_MAX_BYTES, field="signed_scan") if scan else None
    locked = _locked_protocol(college, protocol.pk)
    full = selectors.protocol_full(college=college, exam=locked.exam)
    full.exam = locked.exam
    state = protocol_state(college=college, protocol=full, has_scan=bool(locked.signed_scan) or checked is not None)
    errors = list(state.errors)
    exam = locked.exam
    today = college.today()
    graded = [r for r in full.results.all() if r.status in ("present", "derived") and r.percent is not None]
    plans = []
    for row in graded:
        student = row.student
        discipline = _result_discipline(college, exam, student)
        previous = TranscriptEntry.objects.filter(college=college, student=student, discipline=discipline).aggregate(
            last=Max("attempt"))["last"] or 0
        reason = _attempt_reason(row.slot, previous)
        try:
            transcript_check(college=college, student=student, discipline=discipline, attempt=previous + 1,
                             attempt_reason=reason, held_on=exam.held_on)
        except RulesBroken as exc:
            errors += [RuleViolation(v.rule, f"{student.full_name}: {v.message}", "results") for v in exc.violations]
        except ValidationError as exc:
            errors += [RuleViolation(None, f"{student.full_name}: {m}", "results") for m in exc.messages]
        plans.append((row, discipline, previous + 1, reason))
    if errors:
        raise _broken(errors, _("The protocol cannot be closed."))
    if checked is not None:
        _store_scan(locked, checked)
    for row, discipline, attempt, reason in plans:
        entry = TranscriptEntry.objects.create(
            college=college, student=row.student, discipline=discipline, percent=row.percent,
            percent_raw=row.percent_raw, letter=row.letter, points=row.points, traditional=row.traditional,
            attempt=attempt, attempt_reason=reason, is_final_attestation=True, held_on=exam.held_on,
            announced_on=today, origin=row.origin, source=f"protocol:{locked.pk}")
        row.transcript_entry = entry
        row.save(update_fields=["transcript_entry"])
    locked.status = Protocol.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = by
    locked.announced_on = today
    locked.close_warnings = [{"rule": w.rule, "message": w.message} for w in state.warnings]
    if language in ("kk", "ru"):
        locked.language = language
    locked.save()
    locked.document = _request_document(college=college, kind="protocol", subject_id=locked.pk, by=by,
                                        language=locked.language)
    locked.save(update_fields=["document"])
    audit_log(action="protocol.closed", college=college, actor=by, obj=locked,
              data={"version": locked.version, "graded": len(plans), "scan": bool(locked.signed_scan),
                    "present": state.present, "voting": state.voting, "warnings": locked.close_warnings})
    _results_published(college=college, by=by, protocol=locked, rows=[p[0] for p in plans])
    return locked, state.warnings


def _results_published(*, college: College, by: User, protocol: Protocol, rows: list[ProtocolResult]) -> None:
    """PRO-03: results published the same day: each student is told (e-mail + portal); RET-04 for an
    unsatisfactory result through the grading side's certificate when it exists."""
    url = reverse("commissions:my_attestation", kwargs={"college": college.slug})
    with college.in_language():
        for row in rows:
            if row.student.user_id:
                derived = f" ({_('derived')})" if row.is_derived else ""
                notify(college=college, users=[row.student.user],
                       subject=_("Your result is published: %(exam)s") % {"exam": str(protocol.exam)},
                       body=f"{row.percent}% · {row.letter} · {row.get_traditional_display()}{derived}", url=url)
    issue = getattr(grading_services, "completion_certificate_issue", None)
    for row in rows:
        if rules.certificate_due(row.percent) and issue is not None:
            issue(college=college, student=row.student, by=by)


@transaction.atomic
def protocol_amend(*, college: College, by: User, result: ProtocolResult, field_name: str, value: Any,
                   reason: str) -> ProtocolAmendment:
    """A correction of a closed protocol: the original row stays; the amendment records old and new value and
    the reason; the official grade follows; a new protocol PDF is issued with the amendment."""
    protocol = Protocol.objects.select_for_update().select_related("exam").get(pk=result.protocol_id,
                                                                               college=college)
    if not protocol.is_closed:
        raise _field_error("protocol", _("The protocol is open: change the row itself."))
    if not (reason or "").strip():
        raise _field_error("reason", _("An amendment states its reason."))
    if field_name not in ("percent", "questions", "notes"):
        raise _field_error("field", _("Percent, questions or notes can be amended."))
    row = ProtocolResult.objects.select_related("transcript_entry", "student").get(pk=result.pk, protocol=protocol)
    previous = row.amendments.filter(field=field_name).order_by("-id").first()
    old = previous.new_value if previous else ("" if getattr(row, field_name) is None else str(
        row.percent_raw if field_name == "percent" else getattr(row, field_name)))
    if field_name == "percent":
        if row.transcript_entry_id is None:
            raise _field_error("field", _("The student has no grade in this protocol to amend."))
        grade = transcript_grade(value)
        new = str(grade["percent_raw"])
        entry = TranscriptEntry.objects.select_for_update().get(pk=row.transcript_entry_id)
        for name, grade_value in grade.items():
            setattr(entry, name, grade_value)
        entry.save()
    else:
        new = (value or "").strip()
    amendment = ProtocolAmendment.objects.create(college=college, protocol=protocol, result=row, field=field_name,
                                                 old_value=old, new_value=new, reason=reason.strip(), created_by=by)
    protocol.document = _request_document(college=college, kind="protocol", subject_id=protocol.pk, by=by,
                                          language=protocol.language)
    protocol.save(update_fields=["document"])
    audit_log(action="protocol.amended", college=college, actor=by, obj=amendment,
              data={"protocol": protocol.pk, "student": row.student_id, "field": field_name, "old": old, "new": new,
                    "reason": amendment.reason})
    return amendment


@transaction.atomic
def protocol_archive(*, college: College, by: User, protocol: Protocol, archive_ref: str) -> Protocol:
    """DIST-08: the paper copy of the protocol is stored; the archive reference is recorded (after closing)."""
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk, college=college)
    protocol.paper_archived_at = timezone.now()
    protocol.archive_ref = archive_ref.strip()
    protocol.save(update_fields=["paper_archived_at", "archive_ref"])
    audit_log(action="protocol.archived", college=college, actor=by, obj=protocol, data={"ref": protocol.archive_ref})
    return protocol


def protocol_document(*, college: College, by: User, protocol: Protocol, language: str) -> Document:
    if not protocol.is_closed:
        raise _field_error("status", _("The protocol PDF is issued when the protocol is closed."))
    return _request_document(college=college, kind="protocol", subject_id=protocol.pk, by=by, language=language)


def protocol_extract(*, college: College, by: User, result: ProtocolResult, language: str) -> Document:
    """The extract of a closed protocol for one student."""
    if not Protocol.objects.filter(pk=result.protocol_id, status=Protocol.Status.CLOSED).exists():
        raise _field_error("status", _("Extracts are issued from closed protocols."))
    return _request_document(college=college, kind="protocol_extract", subject_id=result.pk, by=by,
                             language=language)
