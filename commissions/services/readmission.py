"""Re-admission after a valid absence (RET-01, RET-02)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.models import AttemptReason, College, Student, User
from attestation.services import notify
from attestation.tenancy import CollegeAccess
from attestation.uploads import DOCUMENT_MAX_BYTES, SCAN_TYPES, upload_check

from .. import rules, selectors
from ..models import CommissionMember, Exam, ExamSlot, ProtocolResult, ReAdmission
from .common import _broken, _field_error, _same_college
from .schedule import SlotInput, slot_add


@transaction.atomic
def readmission_apply(*, college: College, by: User, student: Student, result: ProtocolResult, reason: str,
                      application: str, document) -> ReAdmission:
    """RET-01: a student who did not appear applies with a document; RET-02: a health document after an
    unsatisfactory grade is not considered."""
    _same_college(college, student=student, result=result)
    if result.student_id != student.pk:
        raise Http404
    if reason not in ReAdmission.Reason.values:
        raise _field_error("reason", _("Choose health or another objective reason."))
    if not (application or "").strip():
        raise _field_error("application", _("Write the application."))
    protocol = result.protocol
    now = timezone.now()
    violation = rules.readmission_check(status=result.status if protocol.is_closed else "", percent=result.percent,
                                        reason=reason, result_closed_at=protocol.closed_at, submitted_at=now)
    if violation:
        raise _broken([violation], _("The application cannot be accepted."))
    if document is None:
        raise _field_error("document", _("Attach the document confirming the reason."))
    checked = upload_check(document, allowed=SCAN_TYPES, max_bytes=DOCUMENT_MAX_BYTES, field="document")
    if ReAdmission.objects.filter(college=college, result=result).exclude(status=ReAdmission.Status.REJECTED).exists():
        raise _field_error("result", _("An application for this session is already being considered."))
    readmission = ReAdmission(college=college, student=student, result=result, reason=reason,
                              application=application.strip(), submitted_at=now,
                              document_sha256=checked.sha256, document_type=checked.content_type)
    readmission.document.save(checked.name, ContentFile(checked.data), save=False)
    try:
        with transaction.atomic():
            readmission.save()
    except IntegrityError as exc:
        raise _field_error("result", _("An application for this session is already being considered.")) from exc
    audit_log(action="readmission.applied", college=college, actor=by, obj=readmission,
              data={"student": student.pk, "result": result.pk, "reason": reason, "sha256": checked.sha256})
    return readmission


def readmission_decider_check(*, access: CollegeAccess, readmission: ReAdmission) -> None:
    """The commission decides (its chair records it) or a college administrator records the decision."""
    if access.is_admin:
        return
    member = selectors.member_of(commission=readmission.result.protocol.exam.commission, user=access.user)
    if member is None or member.role != CommissionMember.Role.CHAIR:
        raise PermissionDenied(_("The commission's chair or a college administrator records the decision."))


@transaction.atomic
def readmission_decide(*, college: College, by: User, readmission: ReAdmission, approve: bool, note: str = "",
                       exam: Exam | None = None, starts_at: datetime | None = None, minutes: int | None = None,
                       report_minutes: int | None = None) -> ReAdmission:
    """The commission's decision; when approved with a session, the new slot (RET-01: within the current
    academic year; an excused re-sitting is a first attempt, not a retake)."""
    readmission = ReAdmission.objects.select_for_update(of=("self",)).select_related(
        "result__slot__exam", "student__group", "student__user").get(pk=readmission.pk, college=college)
    if readmission.status not in (ReAdmission.Status.APPLIED, ReAdmission.Status.APPROVED):
        raise _field_error("status", _("The application is already decided."))
    readmission.decided_at, readmission.decided_by = timezone.now(), by
    readmission.decision_note = (note or "").strip() or readmission.decision_note
    if not approve:
        readmission.status = ReAdmission.Status.REJECTED
    else:
        readmission.status = ReAdmission.Status.APPROVED
        if exam is not None:
            readmission.new_slot = _readmission_slot(college=college, by=by, readmission=readmission, exam=exam,
                                                     starts_at=starts_at, minutes=minutes,
                                                     report_minutes=report_minutes)
            readmission.status = ReAdmission.Status.SCHEDULED
    readmission.save()
    audit_log(action="readmission.decided", college=college, actor=by, obj=readmission,
              data={"status": readmission.status, "note": readmission.decision_note,
                    "slot": readmission.new_slot_id})
    if readmission.student.user_id:
        with college.in_language():
            notify(college=college, users=[readmission.student.user],
                   subject=_("Decision on your re-admission: %(status)s") % {
                       "status": readmission.get_status_display()},
                   body=readmission.decision_note,
                   url=reverse("commissions:my_attestation", kwargs={"college": college.slug}))
    return readmission


def _readmission_slot(*, college: College, by: User, readmission: ReAdmission, exam: Exam,
                      starts_at: datetime | None, minutes: int | None, report_minutes: int | None) -> ExamSlot:
    old = readmission.result.slot
    if starts_at is None or not minutes:
        raise _field_error("starts_at", _("Give the start and the minutes of the new slot."))
    if exam.commission_id != old.exam.commission_id or exam.discipline_id != old.exam.discipline_id:
        raise _field_error("exam", _("Choose a session of the same commission and component."))
    return slot_add(college=college, by=by, exam=exam, slot=SlotInput(
        readmission.student, starts_at, minutes, report_minutes, AttemptReason.EXCUSED_RESIT, old))


@transaction.atomic
def readmission_schedule(*, college: College, by: User, readmission: ReAdmission, exam: Exam, starts_at: datetime,
                         minutes: int, report_minutes: int | None = None) -> ReAdmission:
    readmission = ReAdmission.objects.select_for_update().select_related("result__slot__exam", "student__group").get(
        pk=readmission.pk, college=college)
    if readmission.status != ReAdmission.Status.APPROVED:
        raise _field_error("status", _("Only an approved application gets a new slot."))
    readmission.new_slot = _readmission_slot(college=college, by=by, readmission=readmission, exam=exam,
                                             starts_at=starts_at, minutes=minutes, report_minutes=report_minutes)
    readmission.status = ReAdmission.Status.SCHEDULED
    readmission.save(update_fields=["new_slot", "status"])
    audit_log(action="readmission.scheduled", college=college, actor=by, obj=readmission,
              data={"slot": readmission.new_slot_id})
    return readmission
