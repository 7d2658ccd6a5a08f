"""Writes of the appeals app: file an appeal (APP-01, APP-05), assign it to the appeal commission (APP-02/03),
decide it (APP-04, OQ-12), remind the commission before the due date. Each checks the rules, saves, audits and
notifies the people concerned (portal notice + e-mail after commit)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.calendar import WorkingCalendar, working_calendar
from attestation.documents.kinds import get_kind
from attestation.documents.pipeline import document_request
from attestation.models import College, GradeOrigin, Membership, Role, Student, TranscriptEntry, User
from attestation.rules import RulesBroken, RuleViolation
from attestation.services import notify, transcript_grade
from attestation.uploads import JPEG, PDF, PNG, CheckedUpload, UploadRefused, upload_check
from commissions.models import Protocol, ProtocolResult
from commissions.selectors import member_of
from grading.services import decision_revise

from . import rules
from .models import Appeal, AppealAttachment

ATTACHMENT_TYPES = (PDF, JPEG, PNG)
MONITORING_SOURCE = "monitoring:"


class AppealConflict(Exception):
    """409: the state of the appeal (or of the result) does not allow the action."""

    def __init__(self, message: str, rule: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.rule, self.field = message, rule, field


class NotOnCommission(Exception):
    """403: the user is not a voting member of the appeal commission assigned to the appeal: not on the commission
    the head's order formed (APP-02), or its secretary, who has no vote (APP-03)."""

    def __init__(self, message: str, rule: str = "APP-02") -> None:
        super().__init__(message)
        self.message, self.rule = message, rule


def _url(college: College, name: str, **kwargs: Any) -> str:
    return reverse(f"appeals:{name}", kwargs={"college": college.slug, **kwargs})


def _admins(college: College) -> list[User]:
    return [m.user for m in Membership.objects.filter(college=college, role=Role.ADMIN).select_related("user")]


# --- The window (APP-01 / OQ-11 / OQ-27) and the clock (APP-04) ----------------------------------------------


@dataclass(frozen=True)
class Window:
    """When an appeal against a result may be filed, and when it would be decided if filed now."""

    deadline: date
    deadline_end: datetime
    decision_due: date
    is_open: bool
    violation: RuleViolation | None


def is_monitoring_result(entry: TranscriptEntry) -> bool:
    """APP-05: a monitoring (ББЖМ/МОДО) result. Monitoring results are never written into the gradebook (MON-23);
    an entry that came from the monitoring anyway carries the source ``monitoring:<round>``."""
    return (entry.source or "").startswith(MONITORING_SOURCE)


def appeal_window(*, college: College, entry: TranscriptEntry, now: datetime | None = None,
                  calendar: WorkingCalendar | None = None) -> Window:
    calendar = calendar or working_calendar()
    local_now = college.local(now)
    deadline = rules.appeal_filing_deadline(held_on=entry.held_on, announced_on=entry.announced_on,
                                            calendar=calendar,
                                            literal=settings.APPEALS_LITERAL_DEADLINE)
    deadline_end = WorkingCalendar.end_of_day(deadline, college.timezone)
    violation = rules.appeal_filing_check(now=local_now, deadline_end=deadline_end)
    due = rules.appeal_decision_due(received_on=local_now.date(), calendar=calendar)
    return Window(deadline, deadline_end, due, violation is None, violation)


# --- Filing (APP-01, APP-05) ----------------------------------------------------------------------------------


def attachments_check(uploads: list) -> list[tuple[CheckedUpload, str]]:
    """Up to 5 files, each PDF, JPEG or PNG by its content and at most 10 MB (UploadRefused 413/415)."""
    if len(uploads) > rules.MAX_ATTACHMENTS:
        raise ValidationError({"attachments": [_("At most %(n)s files can be attached to an appeal.")
                                               % {"n": rules.MAX_ATTACHMENTS}]})
    checked = []
    for index, upload in enumerate(uploads):
        try:
            result = upload_check(upload, allowed=ATTACHMENT_TYPES, max_bytes=rules.MAX_ATTACHMENT_BYTES,
                                  field=f"attachments.{index}")
        except UploadRefused as exc:
            name = getattr(upload, "name", "") or ""
            exc.message = f"{name}: {exc.message}" if name else exc.message
            raise
        checked.append((result, (getattr(upload, "name", "") or "")[-255:]))
    return checked


def appeal_file(*, college: College, by: User, student: Student, entry: TranscriptEntry, reason: str,
                uploads: list | None = None, now: datetime | None = None) -> Appeal:
    """A student files an appeal against their own result while the window is open (APP-01), never against a
    monitoring result (APP-05), one open appeal per result. Everything is checked before anything is stored."""
    if entry.college_id != college.pk or entry.student_id != student.pk or student.college_id != college.pk:
        raise RulesBroken([RuleViolation(None, _("Not found among your results."), "transcript_entry")],
                          _("The appeal cannot be filed."))
    reason = (reason or "").strip()
    violations = []
    monitoring = rules.appeal_subject_check(is_monitoring=is_monitoring_result(entry))
    if monitoring:
        violations.append(monitoring)
    window = appeal_window(college=college, entry=entry, now=now)
    if window.violation is not None and not monitoring:
        violations.append(window.violation)
    unreasoned = rules.appeal_reason_check(reason=reason)
    if unreasoned:
        violations.append(unreasoned)
    if violations:
        raise RulesBroken(violations, _("The appeal cannot be filed."))
    checked = attachments_check(list(uploads or []))
    received_at = now or timezone.now()
    duplicate = _("An appeal against this result is already open; one open appeal per result.")
    stored: list = []
    try:
        with transaction.atomic():
            try:
                appeal = Appeal.objects.create(
                    college=college, student=student, transcript_entry=entry, filed_by=by, reason=reason,
                    received_at=received_at, filing_deadline=window.deadline, decision_due=window.decision_due)
            except IntegrityError as exc:
                # The partial unique index (one open appeal per result) is the one check: it also decides
                # between two filings racing for the same result.
                raise AppealConflict(duplicate, "APP-01", "transcript_entry") from exc
            for upload, name in checked:
                attachment = AppealAttachment(college=college, appeal=appeal, original_name=name,
                                              content_type=upload.content_type, size=len(upload.data),
                                              sha256=upload.sha256)
                attachment.file.save(upload.name, ContentFile(upload.data), save=False)
                stored.append(attachment.file)
                attachment.save()
            audit_log(action="appeal.filed", college=college, actor=by, obj=appeal,
                      data={"transcript_entry": entry.pk, "student": student.pk, "attachments": len(checked),
                            "filing_deadline": window.deadline, "decision_due": window.decision_due,
                            "grade": {"percent": entry.percent, "letter": entry.letter}})
            _notify_filed(college=college, appeal=appeal)
    except BaseException:
        # Nothing stored on failure: the rows rolled back, so do the files written for them.
        for stored_file in stored:
            stored_file.storage.delete(stored_file.name)
        raise
    return appeal


def _grade_label(entry: TranscriptEntry) -> str:
    return f"{entry.discipline.code} {entry.discipline.display_name}: {entry.percent}% {entry.letter}"


def _notify_filed(*, college: College, appeal: Appeal) -> None:
    entry = appeal.transcript_entry
    url = _url(college, "detail", pk=appeal.pk)
    with college.in_language():
        values = {"n": appeal.pk, "result": _grade_label(entry), "due": appeal.decision_due.strftime("%d.%m.%Y")}
        if appeal.student.user_id:
            notify(college=college, users=[appeal.student.user],
                   subject=_("Your appeal № %(n)s is received") % values,
                   body=_("Result: %(result)s. The decision is due by %(due)s (APP-04).") % values, url=url)
        notify(college=college, users=_admins(college), subject=_("New appeal № %(n)s") % values,
               body=_("Result: %(result)s. The decision is due by %(due)s (APP-04).") % values, url=url)


# --- Assignment to the appeal commission (APP-02, APP-03) -----------------------------------------------------


def _person_keys(user_id: int | None, full_name: str) -> set[str]:
    keys = set()
    if user_id:
        keys.add(f"user:{user_id}")
    name = " ".join(unicodedata.normalize("NFC", full_name or "").lower().split())
    if name:
        keys.add(f"name:{name}")
    return keys


def examiners_of(*, college: College, entry: TranscriptEntry) -> tuple[Any, set[str]]:
    """The protocol a final attestation result came from and the people of the commission that graded it."""
    protocol = None
    row = (ProtocolResult.objects.filter(college=college, transcript_entry=entry)
           .select_related("protocol__exam__commission").first())
    if row is not None:
        protocol = row.protocol
    elif (entry.source or "").startswith("protocol:") and entry.source[9:].isdigit():
        protocol = (Protocol.objects.filter(college=college, pk=int(entry.source[9:]))
                    .select_related("exam__commission").first())
    if protocol is None:
        return None, set()
    keys: set[str] = set()
    for member in protocol.exam.commission.members.all():
        keys |= _person_keys(member.user_id, member.full_name)
    return protocol, keys


@transaction.atomic
def appeal_assign(*, college: College, by: User, appeal: Appeal, commission) -> tuple[Appeal, list[RuleViolation]]:
    """The administrator gives the appeal to an approved appeal commission of the college (APP-02; its APP-03
    composition was validated on approval). A warning when an examiner of the contested grade sits on it."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk, college=college)
    closed = rules.appeal_open_check(status=appeal.status)
    if closed:
        raise AppealConflict(closed.message, closed.rule, closed.field)
    if commission is None or commission.college_id != college.pk:
        raise RulesBroken([RuleViolation(None, _("Not found in this college."), "commission")],
                          _("The appeal cannot be assigned."))
    violation = rules.appeal_commission_assign_check(kind=commission.kind, status=commission.status)
    if violation:
        raise RulesBroken([violation], _("The appeal cannot be assigned."))
    _protocol, examiners = examiners_of(college=college, entry=appeal.transcript_entry)
    members: set[str] = set()
    for member in commission.members.all():
        members |= _person_keys(member.user_id, member.full_name)
    warning = rules.examiner_on_commission_warning(examiners=examiners, members=members)
    warnings = [warning] if warning else []
    previous = appeal.commission_id
    appeal.commission = commission
    appeal.status = Appeal.Status.UNDER_REVIEW
    appeal.assigned_at = timezone.now()
    appeal.assigned_by = by
    appeal.assign_warnings = [{"rule": w.rule, "message": str(w.message), "field": w.field} for w in warnings]
    appeal.save()
    audit_log(action="appeal.assigned", college=college, actor=by, obj=appeal,
              data={"commission": commission.pk, "previous_commission": previous,
                    "warnings": appeal.assign_warnings})
    url = _url(college, "detail", pk=appeal.pk)
    with college.in_language():
        values = {"n": appeal.pk, "due": appeal.decision_due.strftime("%d.%m.%Y")}
        if appeal.student.user_id:
            notify(college=college, users=[appeal.student.user],
                   subject=_("Your appeal № %(n)s is under review") % values,
                   body=_("The appeal commission decides by %(due)s.") % values, url=url)
        reviewers = [m.user for m in commission.members.select_related("user") if m.user_id]
        if reviewers:
            notify(college=college, users=reviewers, subject=_("Appeal № %(n)s to review") % values,
                   body=_("The decision is due by %(due)s (APP-04).") % values, url=url)
    return appeal, warnings


# --- Decision (APP-04, OQ-12) --------------------------------------------------------------------------------


def _decider(appeal: Appeal, user: User) -> tuple[Any, RuleViolation | None]:
    """The user's seat on the assigned appeal commission and, when they may not decide, why (APP-02, APP-03)."""
    member = member_of(commission=appeal.commission, user=user)
    return member, rules.appeal_decider_check(on_commission=member is not None,
                                              votes=member is not None and member.votes)


def deciding_member(*, appeal: Appeal, user: User):
    """The voting member of the assigned appeal commission linked to the user, or None."""
    if appeal.commission_id is None:
        return None
    member, refused = _decider(appeal, user)
    return None if refused else member


def can_decide(*, appeal: Appeal, user: User) -> bool:
    return appeal.is_open and deciding_member(appeal=appeal, user=user) is not None


def _previous_grade(entry: TranscriptEntry) -> dict:
    return {"percent": entry.percent, "percent_raw": str(entry.percent_raw), "letter": entry.letter,
            "points": str(entry.points), "traditional": entry.traditional, "origin": entry.origin,
            "source": entry.source}


@transaction.atomic
def appeal_decide(*, college: College, by: User, appeal: Appeal, outcome: str, new_percent: object = None,
                  justification: str = "", present: list[int] | None = None,
                  now: datetime | None = None) -> Appeal:
    """The appeal commission decides: upheld, or grade changed (a new percent with a written justification; any
    new grade, lower too, OQ-12). A changed grade replaces the contested one in the transcript (origin
    ``appeal``, the same attempt: not a retake); the old one stays on the appeal and in the audit log. After the
    due date the decision is still recorded, marked overdue and reported to the administrators."""
    appeal = (Appeal.objects.select_for_update(of=("self",)).select_related("commission")
              .get(pk=appeal.pk, college=college))
    closed = rules.appeal_open_check(status=appeal.status)
    if closed:
        raise AppealConflict(closed.message, closed.rule, closed.field)
    unassigned = rules.appeal_decidable_check(has_commission=appeal.commission_id is not None)
    if unassigned:
        raise RulesBroken([unassigned], _("The appeal cannot be decided."))
    member, refused = _decider(appeal, by)
    if refused:
        raise NotOnCommission(refused.message, refused.rule)
    justification = (justification or "").strip()
    violations = rules.grade_change_check(outcome=outcome, new_percent=new_percent, justification=justification)
    members = list(appeal.commission.members.order_by("role", "id"))
    present_ids = set(present) if present is not None else {member.pk}
    unknown = present_ids - {m.pk for m in members}
    if unknown:
        violations.append(RuleViolation(None, _("Not a member of the appeal commission."), "present"))
    present_ids.add(member.pk)  # who signs was present
    if violations:
        raise RulesBroken(violations, _("The appeal cannot be decided."))
    now = now or timezone.now()
    decided_on = college.local(now).date()
    state = rules.appeal_due_state(decision_due=appeal.decision_due, today=decided_on, decided_on=decided_on)
    entry = TranscriptEntry.objects.select_for_update().get(pk=appeal.transcript_entry_id, college=college)
    appeal.previous_grade = _previous_grade(entry)
    appeal.outcome = outcome
    appeal.justification = justification
    appeal.attendance = [{"member": m.pk, "full_name": m.full_name, "role": m.role, "present": m.pk in present_ids}
                         for m in members]
    appeal.decided_at = now
    appeal.decided_by = by
    appeal.decided_overdue = state.overdue
    appeal.status = Appeal.Status.DECIDED
    change = None
    if outcome == Appeal.Outcome.GRADE_CHANGED:
        grade = transcript_grade(new_percent)
        appeal.new_percent = grade["percent_raw"]
        change = {"from": appeal.previous_grade, "to": {k: str(v) for k, v in grade.items()}}
        for name, value in grade.items():
            setattr(entry, name, value)
        entry.origin = GradeOrigin.APPEAL
        entry.source = f"appeal:{appeal.pk}"
        entry.save()
        audit_log(action="transcript.changed_by_appeal", college=college, actor=by, obj=entry,
                  data={"appeal": appeal.pk, **change})
        # The new grade replaces the old one in the diploma decision too, when one was already taken.
        decision_revise(college=college, by=by, student=entry.student, cause={"appeal": appeal.pk})
    appeal.save()
    audit_log(action="appeal.decided", college=college, actor=by, obj=appeal,
              data={"outcome": outcome, "member": member.pk, "present": sorted(present_ids),
                    "overdue": state.overdue, "grade_change": change, "justification": justification})
    appeal.document = appeal_protocol_issue(college=college, appeal=appeal, by=by)
    _communicate(college=college, appeal=appeal, by=by)
    return appeal


def appeal_protocol_issue(*, college: College, appeal: Appeal, by: User | None):
    """The appeal decision protocol (APP-04), in Kazakh and Russian; returns the one in the college's language."""
    kind = get_kind("appeal_protocol")
    primary = college.language if college.language in ("kk", "ru") else "kk"
    documents = {}
    for language in ("kk", "ru"):
        documents[language], _created = document_request(college=college, kind=kind, subject_id=appeal.pk,
                                                         language=language, by=by)
    return documents[primary]


def _communicate(*, college: College, appeal: Appeal, by: User) -> None:
    """APP-04: the decision is communicated to the student (portal notice + e-mail); the record is kept."""
    url = _url(college, "detail", pk=appeal.pk)
    entry = appeal.transcript_entry
    with college.in_language():
        values = {"n": appeal.pk, "outcome": str(appeal.get_outcome_display()), "result": _grade_label(entry)}
        channels = []
        if appeal.student.user_id:
            student_user = appeal.student.user
            notify(college=college, users=[student_user], subject=_("Decision on your appeal № %(n)s") % values,
                   body=_("%(outcome)s. Result now: %(result)s.") % values, url=url)
            channels = ["portal"] + (["email"] if student_user.email else [])
        if appeal.decided_overdue:
            notify(college=college, users=_admins(college),
                   subject=_("Appeal № %(n)s was decided after the due date") % values,
                   body=_("The decision was due by %(due)s (APP-04).")
                   % {"due": appeal.decision_due.strftime("%d.%m.%Y")}, url=url)
    appeal.communicated_at = timezone.now()
    appeal.communication_channels = ",".join(channels)
    appeal.status = Appeal.Status.COMMUNICATED
    appeal.save(update_fields=["communicated_at", "communication_channels", "status", "document"])
    audit_log(action="appeal.communicated", college=college, actor=by, obj=appeal,
              data={"channels": channels, "overdue": appeal.decided_overdue})


# --- Reminder before the due date ------------------------------------------------------------------------------


def appeals_remind_due(*, college: College, now: datetime | None = None,
                       calendar: WorkingCalendar | None = None) -> int:
    """The working day before the due date (or later, if missed), the commission of each open appeal is reminded
    once. Returns the number of appeals reminded."""
    calendar = calendar or working_calendar()
    today = college.local(now).date()
    count = 0
    candidates = (Appeal.objects.filter(college=college, status=Appeal.Status.UNDER_REVIEW, reminded_on__isnull=True,
                                        decision_due__gte=today).select_related("commission"))
    for appeal in candidates:
        if calendar.subtract_working_days(appeal.decision_due, 1) > today:
            continue
        with transaction.atomic():
            locked = Appeal.objects.select_for_update().filter(college=college, pk=appeal.pk,
                                                               reminded_on__isnull=True).first()
            if locked is None:
                continue
            users = [m.user for m in appeal.commission.members.select_related("user") if m.user_id]
            with college.in_language():
                values = {"n": appeal.pk, "due": appeal.decision_due.strftime("%d.%m.%Y")}
                if users:
                    notify(college=college, users=users, subject=_("Reminder: appeal № %(n)s is due %(due)s") % values,
                           body=_("The decision is due by %(due)s (APP-04).") % values,
                           url=_url(college, "detail", pk=appeal.pk))
            locked.reminded_on = today
            locked.save(update_fields=["reminded_on"])
            audit_log(action="appeal.reminded", college=college, actor=None, obj=locked,
                      data={"users": [u.pk for u in users], "decision_due": appeal.decision_due})
            count += 1
    return count

