"""Writes of the commissions app: check the rules (commissions.rules), save, audit, issue documents, notify.

Every function takes the college explicitly (from the URL, never from a body) and the acting user (``by``).
Regulation violations raise attestation.rules.RulesBroken (422, all at once); plain input errors raise
django ValidationError (400); a stale ``version`` raises VersionConflict and a closed protocol ProtocolLocked
(both 409); who may act is checked by the ``*_check`` functions (PermissionDenied, 403).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mass_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.calendar import working_calendar
from attestation.documents.kinds import get_kind
from attestation.documents.pipeline import document_request
from attestation.models import (
    AttemptReason,
    Campaign,
    College,
    Discipline,
    Document,
    GradeOrigin,
    Membership,
    Role,
    Student,
    TranscriptEntry,
    User,
)
from attestation.queries import table
from attestation.rules import RulesBroken, RuleViolation
from attestation.services import notify, transcript_check, transcript_grade
from attestation.tenancy import CollegeAccess
from attestation.uploads import (
    DOCUMENT_MAX_BYTES,
    PRESENTATION_TYPES,
    REVIEW_TYPES,
    SCAN_MAX_BYTES,
    SCAN_TYPES,
    WORK_MAX_BYTES,
    WORK_TYPES,
    CheckedUpload,
    upload_check,
)

from . import rules, selectors
from .models import (
    AttestationPolicy,
    Commission,
    CommissionMember,
    DiplomaWork,
    Exam,
    ExamSlot,
    ForceMajeureDecision,
    Protocol,
    ProtocolAmendment,
    ProtocolAttendance,
    ProtocolLocked,
    ProtocolResult,
    ProtocolSignature,
    ReAdmission,
    RuleMode,
    Schedule,
    TechnicalFailureAct,
    TicketDraw,
)


class VersionConflict(Exception):
    """Someone else changed the object since it was read (409). ``current`` is what is stored now."""

    def __init__(self, message: str, current: Any = None, items: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.current = current
        self.items = items or []


def _field_error(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


def _broken(violations: list[RuleViolation], detail: str) -> RulesBroken:
    return RulesBroken(violations, detail)


def _same_college(college: College, **objects: Any) -> None:
    for name, obj in objects.items():
        if obj is not None and obj.college_id != college.pk:
            raise _field_error(name, _("Not found in this college."))


def _policy(college: College) -> AttestationPolicy:
    return selectors.policy_get(college=college)


def _student_users(students) -> list[User]:
    return [s.user for s in students if s.user_id is not None]



def _request_document(*, college: College, kind: str, subject_id: int, by: User | None,
                      language: str | None = None) -> Document:
    document, _created = document_request(college=college, kind=get_kind(kind), subject_id=subject_id,
                                          language=language or college.language, by=by)
    return document


# --- Rule settings ------------------------------------------------------------------------------------------------


POLICY_FIELDS = ("late_commission_order", "late_schedule", "late_diploma_work", "warn_secretary_in_ratio",
                 "online_profile", "academic_year_end_month", "academic_year_end_day")


@transaction.atomic
def policy_save(*, college: College, by: User, **fields: Any) -> AttestationPolicy:
    policy = AttestationPolicy.objects.filter(college=college).first() or AttestationPolicy(college=college)
    changed = {}
    for name in POLICY_FIELDS:
        if name in fields and getattr(policy, name) != fields[name]:
            changed[name] = [getattr(policy, name), fields[name]]
            setattr(policy, name, fields[name])
    policy.full_clean(validate_unique=False, validate_constraints=False)
    if rules.academic_year_end("2000-2001", month=policy.academic_year_end_month,
                               day=policy.academic_year_end_day) is None:
        raise _field_error("academic_year_end_day", _("Not a valid day."))
    policy.save()
    audit_log(action="attestation_policy.updated", college=college, actor=by, obj=policy, data=changed)
    return policy


# --- Commissions and members -----------------------------------------------------------------------------------------


def _draft_only(commission: Commission) -> None:
    """COM-01: an approved commission is fixed by the head's order."""
    if commission.status != Commission.Status.DRAFT:
        raise _broken([RuleViolation("COM-01", _("The commission is approved by the head's order; its order and "
                                                 "composition no longer change."), "status")],
                      _("The commission cannot be changed."))


def _commission_fields_check(*, college: College, kind: str, campaign: Campaign | None, order_number: str,
                             commission: Commission | None = None) -> None:
    _same_college(college, campaign=campaign)
    errors: dict[str, list[str]] = {}
    if kind not in Commission.Kind.values:
        errors["kind"] = [_("Choose final or appeal.")]
    if kind == Commission.Kind.FINAL and campaign is None:
        errors["campaign"] = [_("A final attestation commission is formed for a campaign.")]
    if order_number:
        others = Commission.objects.filter(college=college, kind=kind, order_number=order_number)
        if commission is not None:
            others = others.exclude(pk=commission.pk)
        if others.exists():
            errors["order_number"] = [_("A commission with this order number already exists.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def commission_create(*, college: College, by: User, kind: str = Commission.Kind.FINAL,
                      campaign: Campaign | None = None, order_number: str = "", order_date: date | None = None,
                      name: str = "") -> Commission:
    order_number = (order_number or "").strip()
    _commission_fields_check(college=college, kind=kind, campaign=campaign, order_number=order_number)
    commission = Commission.objects.create(college=college, kind=kind, campaign=campaign, name=name.strip(),
                                           order_number=order_number, order_date=order_date)
    audit_log(action="commission.created", college=college, actor=by, obj=commission,
              data={"kind": kind, "campaign": campaign, "order_number": order_number, "order_date": order_date})
    return commission


@transaction.atomic
def commission_update(*, college: College, by: User, commission: Commission, **fields: Any) -> Commission:
    commission = Commission.objects.select_for_update().get(pk=commission.pk, college=college)
    allowed = {"kind", "campaign", "order_number", "order_date", "name"}
    fields = {k: v for k, v in fields.items() if k in allowed}
    if "order_number" in fields:
        fields["order_number"] = (fields["order_number"] or "").strip()
    changed = {k: [getattr(commission, k), v] for k, v in fields.items() if getattr(commission, k) != v}
    if not changed:
        return commission
    _draft_only(commission)
    _commission_fields_check(college=college, kind=fields.get("kind", commission.kind),
                             campaign=fields.get("campaign", commission.campaign),
                             order_number=fields.get("order_number", commission.order_number), commission=commission)
    for name, value in fields.items():
        setattr(commission, name, value)
    commission.save()
    audit_log(action="commission.updated", college=college, actor=by, obj=commission, data=changed)
    return commission


@transaction.atomic
def commission_delete(*, college: College, by: User, commission: Commission) -> None:
    _draft_only(commission)
    if commission.exams.exists():
        raise _field_error("non_field_errors", _("The commission has sessions in the schedule."))
    audit_log(action="commission.deleted", college=college, actor=by, obj=commission, data={"str": str(commission)})
    commission.members.all().delete()
    commission.delete()


def _member_account(*, college: College, username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise _field_error("user", _("No account with this login."))
    membership = Membership.objects.filter(college=college, user=user).first()
    if membership is None or membership.role not in (Role.ADMIN, Role.STAFF):
        raise _field_error("user", _("The account must belong to the college's staff (administrator or staff)."))
    return user


def _member_fields_check(fields: dict[str, Any]) -> None:
    errors = {}
    if not (fields.get("full_name") or "").strip():
        errors["full_name"] = [_("The full name is required.")]
    if fields.get("role") not in CommissionMember.Role.values:
        errors["role"] = [_("Choose chair, member or secretary.")]
    if fields.get("affiliation") not in CommissionMember.Affiliation.values:
        errors["affiliation"] = [_("Choose employer, college or accredited medical organisation.")]
    if fields.get("affiliation") in ("employer", "medical_org") and not (fields.get("organization") or "").strip():
        # OQ-02: the employer side is judged by the person's actual organisation, which must be named.
        errors["organization"] = [_("Name the organisation the member represents.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_add(*, college: College, by: User, commission: Commission, full_name: str, role: str, affiliation: str,
               organization: str = "", position: str = "", email: str = "", user: str | None = None
               ) -> CommissionMember:
    _same_college(college, commission=commission)
    _draft_only(commission)
    fields = {"full_name": full_name.strip(), "role": role, "affiliation": affiliation,
              "organization": organization.strip(), "position": position.strip(), "email": email.strip()}
    _member_fields_check(fields)
    account = _member_account(college=college, username=user)
    if account is not None and commission.members.filter(user=account).exists():
        raise _field_error("user", _("This account is already linked to a member of the commission."))
    member = CommissionMember.objects.create(college=college, commission=commission, user=account, **fields)
    audit_log(action="commission.member_added", college=college, actor=by, obj=member,
              data={"commission": commission.pk, **fields, "user": account.username if account else None})
    return member


@transaction.atomic
def member_update(*, college: College, by: User, member: CommissionMember, **fields: Any) -> CommissionMember:
    _draft_only(member.commission)
    data = {name: getattr(member, name) for name in ("full_name", "role", "affiliation", "organization", "position",
                                                     "email")}
    for name in data:
        if name in fields and fields[name] is not None:
            data[name] = fields[name].strip() if isinstance(fields[name], str) else fields[name]
    _member_fields_check(data)
    changed = {k: [getattr(member, k), v] for k, v in data.items() if getattr(member, k) != v}
    if "user" in fields:
        account = _member_account(college=college, username=fields["user"])
        if account != member.user:
            if account is not None and member.commission.members.exclude(pk=member.pk).filter(user=account).exists():
                raise _field_error("user", _("This account is already linked to a member of the commission."))
            changed["user"] = [member.user.username if member.user else None, account.username if account else None]
            member.user = account
    for name, value in data.items():
        setattr(member, name, value)
    if changed:
        member.save()
        audit_log(action="commission.member_updated", college=college, actor=by, obj=member, data=changed)
    return member


@transaction.atomic
def member_remove(*, college: College, by: User, member: CommissionMember) -> None:
    _draft_only(member.commission)
    audit_log(action="commission.member_removed", college=college, actor=by, obj=member,
              data={"commission": member.commission_id, "full_name": member.full_name, "role": member.role})
    member.delete()


def commission_verdict(*, college: College, commission: Commission) -> rules.Verdict:
    """Every composition rule of the commission's kind, at once (COM-01/02/04/05/06 or APP-02/03)."""
    members = [rules.MemberFacts(m.role, m.affiliation, m.votes, m.full_name)
               for m in commission.members.all().order_by("id")]
    if commission.kind == Commission.Kind.APPEAL:
        return rules.appeal_commission_check(members=members, order_number=commission.order_number,
                                             order_date=commission.order_date)
    policy = _policy(college)
    campaign = commission.campaign
    is_medical = selectors.campaign_programs(college=college, campaign=campaign).filter(is_medical=True).exists()
    return rules.final_commission_check(
        members=members, order_number=commission.order_number, order_date=commission.order_date,
        campaign_starts_on=campaign.starts_on, is_medical=is_medical,
        late_order_is_error=policy.late_commission_order == RuleMode.ERROR,
        warn_secretary=policy.warn_secretary_in_ratio)


@transaction.atomic
def commission_approve(*, college: College, by: User, commission: Commission,
                       language: str | None = None) -> tuple[Commission, list[RuleViolation]]:
    """Approve by the head's order: every violation at once (422), else approved and the order PDF issued."""
    commission = Commission.objects.select_for_update().get(pk=commission.pk, college=college)
    if commission.status != Commission.Status.DRAFT:
        raise _broken([RuleViolation("COM-01", _("The commission is already approved."), "status")],
                      _("The commission cannot be approved."))
    verdict = commission_verdict(college=college, commission=commission)
    if verdict.errors:
        raise _broken(verdict.errors, _("The commission cannot be approved."))
    commission.status = Commission.Status.APPROVED
    commission.approved_at = timezone.now()
    commission.approved_by = by
    commission.approval_warnings = [{"rule": w.rule, "message": w.message} for w in verdict.warnings]
    commission.save()
    commission.order_document = _request_document(college=college, kind="commission_order", subject_id=commission.pk,
                                                  by=by, language=language)
    commission.save(update_fields=["order_document"])
    audit_log(action="commission.approved", college=college, actor=by, obj=commission,
              data={"order_number": commission.order_number, "order_date": commission.order_date,
                    "warnings": commission.approval_warnings})
    return commission, verdict.warnings


@transaction.atomic
def commission_close(*, college: College, by: User, commission: Commission) -> Commission:
    """COM-01: the commission's work ends (after the attestation period); refused while a protocol is open."""
    commission = Commission.objects.select_for_update().get(pk=commission.pk, college=college)
    if commission.status != Commission.Status.APPROVED:
        raise _broken([RuleViolation("COM-01", _("Only an approved commission can be closed."), "status")],
                      _("The commission cannot be closed."))
    if Protocol.objects.filter(college=college, exam__commission=commission, status=Protocol.Status.OPEN).exists():
        raise _field_error("status", _("A protocol of the commission is still open."))
    commission.status = Commission.Status.CLOSED
    commission.save(update_fields=["status"])
    audit_log(action="commission.closed", college=college, actor=by, obj=commission)
    return commission


# --- Diploma works ---------------------------------------------------------------------------------------------------


def _store(instance, field_name: str, checked: CheckedUpload) -> None:
    getattr(instance, field_name).save(checked.name, ContentFile(checked.data), save=False)
    setattr(instance, f"{field_name}_sha256", checked.sha256)


@transaction.atomic
def diploma_work_save(*, college: College, by: User, campaign: Campaign, student: Student, topic: str,
                      kind: str = DiplomaWork.Kind.PROJECT, supervisor: str = "", file=None, review=None,
                      presentation=None, work: DiplomaWork | None = None, version: int | None = None,
                      replace: bool = False) -> tuple[DiplomaWork, list[RuleViolation]]:
    """Register or update a diploma work with its files (sniffed, size-checked). DEF-06: the complete work is in
    two weeks before the start (refused or warned, by the college's setting). A student's existing work is changed
    only when asked: ``work``/``version`` (the API) or ``replace`` (the page's "submit or replace" form)."""
    _same_college(college, campaign=campaign, student=student)
    if not selectors.campaign_students(college=college, campaign=campaign).filter(pk=student.pk).exists():
        raise _field_error("student", _("The student's group does not take part in this campaign."))
    if not (topic or "").strip():
        raise _field_error("topic", _("The topic is required."))
    if kind not in DiplomaWork.Kind.values:
        raise _field_error("kind", _("Choose project or work."))
    checked = {}
    for name, upload, allowed, limit in (("file", file, WORK_TYPES, WORK_MAX_BYTES),
                                         ("review", review, REVIEW_TYPES, DOCUMENT_MAX_BYTES),
                                         ("presentation", presentation, PRESENTATION_TYPES, WORK_MAX_BYTES)):
        if upload is not None:
            checked[name] = upload_check(upload, allowed=allowed, max_bytes=limit, field=name)
    if work is None:
        work = DiplomaWork.objects.select_for_update().filter(college=college, campaign=campaign,
                                                              student=student).first()
        if work is not None and version is None and not replace:
            raise _field_error("student", _("The student already has a diploma work in this campaign."))
    else:
        work = DiplomaWork.objects.select_for_update().get(pk=work.pk, college=college)
    if work is not None and version is not None and work.version != version:
        raise VersionConflict(_("The diploma work was changed by someone else meanwhile; reload it."), work)
    if work is not None and ExamSlot.objects.filter(college=college, diploma_work=work,
                                                    results__protocol__status=Protocol.Status.CLOSED).exists():
        raise ProtocolLocked(_("The work has been defended; it no longer changes."))
    created = work is None
    if created:
        work = DiplomaWork(college=college, campaign=campaign, student=student)
    complete_after = all(name in checked or bool(getattr(work, name)) for name in ("file", "review", "presentation"))
    warnings: list[RuleViolation] = []
    submitted = complete_after and (not work.is_complete or bool(checked))
    if submitted:
        # DEF-06 is checked before anything is stored: a refused work leaves no file behind.
        late = rules.diploma_submission_check(submitted_on=college.today(),
                                              campaign_starts_on=campaign.starts_on)
        if late is not None:
            if _policy(college).late_diploma_work == RuleMode.ERROR:
                raise _broken([late], _("The diploma work is not accepted."))
            warnings.append(late)
    work.topic, work.kind, work.supervisor = topic.strip(), kind, supervisor.strip()
    if not created:
        work.version += 1
    work.save()
    for name, upload in checked.items():
        _store(work, name, upload)
    if submitted:
        work.submitted_at = timezone.now()
        work.late_warning = bool(warnings)
    work.save()
    audit_log(action="diploma_work.created" if created else "diploma_work.updated", college=college, actor=by,
              obj=work, data={"student": student.pk, "topic": work.topic, "files": sorted(checked),
                              "complete": work.is_complete, "warnings": [w.rule for w in warnings]})
    return work, warnings


# --- The schedule: exams and slots ------------------------------------------------------------------------------------


@dataclass
class SlotInput:
    student: Student
    starts_at: datetime
    minutes: int
    report_minutes: int | None = None
    attempt_reason: str = AttemptReason.FIRST
    replaces: ExamSlot | None = None


@dataclass
class ExamInput:
    commission: Commission
    form: str
    starts_at: datetime
    ends_at: datetime
    mode: str = Exam.Mode.ONSITE
    discipline: Discipline | None = None
    title: str = ""
    room: str = ""
    preparation_minutes: int | None = None
    deliberation_minutes: int = 0
    ticket_count: int | None = None
    medical_agreement_ref: str = ""
    is_resit: bool = False
    procedure: str = ""
    slots: list[SlotInput] = field(default_factory=list)


def schedule_for(*, college: College, campaign: Campaign) -> Schedule:
    schedule, _created = Schedule.objects.get_or_create(college=college, campaign=campaign)
    return schedule


def _exam_verdict(*, college: College, data: ExamInput, exam: Exam | None) -> tuple[rules.Verdict, dict]:
    """Every scheduling rule for an exam and its slots, at once. Returns the verdict and, per slot student, the
    diploma work found (defences)."""
    errors: list[RuleViolation] = []
    warnings: list[RuleViolation] = []
    plain: dict[str, list[str]] = {}
    commission = data.commission
    works: dict[int, DiplomaWork] = {}
    if data.form not in Exam.Form.values:
        plain["form"] = [_("Choose oral, written, complex, test, demo or defence.")]
    if data.mode not in Exam.Mode.values:
        plain["mode"] = [_("Choose on site or distance.")]
    if data.ends_at <= data.starts_at:
        plain["ends_at"] = [_("The end is before the start.")]
    if commission.kind != Commission.Kind.FINAL:
        plain["commission"] = [_("Sessions are held by a final attestation commission.")]
    approved = rules.commission_approved_check(status=commission.status, name=str(commission))
    if approved:
        errors.append(approved)
    if data.form != Exam.Form.DEFENCE:
        if data.discipline is None:
            plain["discipline"] = [_("Choose the final attestation component examined.")]
        elif not data.discipline.is_final_attestation:
            plain["discipline"] = [_("The component must be a final attestation component of the curriculum.")]
    if plain:
        raise ValidationError(plain)
    campaign = commission.campaign
    day = college.local(data.starts_at).date()
    if data.is_resit:
        policy = _policy(college)
        year_end = rules.academic_year_end(campaign.academic_year, month=policy.academic_year_end_month,
                                           day=policy.academic_year_end_day) or campaign.ends_on
        late = rules.resit_date_check(day=day, not_before=campaign.starts_on, year_end=year_end)
        if late:
            errors.append(late)
    else:
        outside = rules.campaign_date_check(day=day, starts_on=campaign.starts_on, ends_on=campaign.ends_on)
        if outside:
            errors.append(outside)
    preparation = rules.preparation_check(form=data.form, preparation_minutes=data.preparation_minutes)
    if preparation:
        errors.append(preparation)

    from grading.selectors import admitted_student_ids

    admitted = admitted_student_ids(college=college, campaign=campaign)
    policy = _policy(college)
    seen: set[int] = set()
    programs = {}
    for slot in data.slots:
        student = slot.student
        _same_college(college, slots=student)
        name = student.full_name
        if student.pk in seen:
            errors.append(RuleViolation(None, _("%(student)s has two slots in one session.") % {"student": name},
                                        "slots"))
        seen.add(student.pk)
        violation = rules.admitted_check(admitted=student.pk in admitted, student=name)
        if violation:
            errors.append(violation)
        program_id = student.group.program_id
        programs[program_id] = student.group.program
        if data.discipline is not None and data.discipline.program_id != program_id:
            errors.append(RuleViolation("GEN-06", _("%(component)s is not in the curriculum of %(student)s.")
                                        % {"component": data.discipline.display_name, "student": name}, "slots"))
        if slot.minutes < 1:
            errors.append(RuleViolation(None, _("The slot of %(student)s has no duration.") % {"student": name},
                                        "slots"))
        slot_end = slot.starts_at + timedelta(minutes=slot.minutes)
        if slot.starts_at < data.starts_at or slot_end > data.ends_at:
            errors.append(RuleViolation(None, _("The slot of %(student)s is outside the session's time.")
                                        % {"student": name}, "slots"))
        for check in (rules.oral_slot_check(form=data.form, minutes=slot.minutes, student=name),):
            if check:
                errors.append(check)
        if data.form == Exam.Form.DEFENCE:
            for check in (rules.defence_slot_check(minutes=slot.minutes, student=name),
                          rules.report_check(report_minutes=slot.report_minutes, minutes=slot.minutes, student=name)):
                if check:
                    errors.append(check)
            if policy.online_profile:
                online = rules.online_defence_warning(mode=data.mode, minutes=slot.minutes, student=name)
                if online:
                    warnings.append(online)
            if selectors.diploma_component(college=college, program_id=program_id) is None:
                errors.append(RuleViolation("GEN-06", _("The curriculum of %(student)s has no diploma project (work) "
                                                        "component to record the defence on.") % {"student": name},
                                            "slots"))
            work = DiplomaWork.objects.filter(college=college, campaign=campaign, student=student).first()
            materials = rules.defence_materials_check(
                has_work=bool(work and work.file), has_review=bool(work and work.review),
                has_presentation=bool(work and work.presentation), student=name)
            if materials:
                errors.append(materials)
            elif work is not None:
                works[student.pk] = work
        if data.is_resit and slot.attempt_reason not in (AttemptReason.EXCUSED_RESIT, AttemptReason.TECH_FAILURE):
            errors.append(RuleViolation("SCH-02", _("A re-sitting session is only for students re-admitted after a "
                                                    "valid absence or a technical failure (%(student)s is not).")
                                        % {"student": name}, "slots"))
    if any(p.is_medical for p in programs.values()):
        agreement = rules.medical_agreement_warning(is_medical=True, agreement_ref=data.medical_agreement_ref)
        if agreement:
            warnings.append(agreement)

    # SCH-03: the commission's sittings that day, this session included (as it will be).
    tz = college.zone
    day_start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    others = Exam.objects.filter(college=college, commission=commission, starts_at__gte=day_start,
                                 starts_at__lt=day_start + timedelta(days=1))
    if exam is not None:
        others = others.exclude(pk=exam.pk)
    intervals = [(s.starts_at, s.starts_at + timedelta(minutes=s.minutes))
                 for s in ExamSlot.objects.filter(college=college, exam__in=others)]
    intervals += [(s.starts_at, s.starts_at + timedelta(minutes=s.minutes)) for s in data.slots]
    deliberation = data.deliberation_minutes + sum(others.values_list("deliberation_minutes", flat=True))
    too_long = rules.daily_limit_check(day=day, minutes=rules.session_minutes(intervals, deliberation),
                                       commission=str(commission))
    if too_long:
        errors.append(too_long)
    return rules.Verdict(errors, warnings), works


def _notify_slots(*, college: College, slots: list[ExamSlot], subject: str) -> int:
    users = _student_users([slot.student for slot in slots])
    if not users:
        return 0
    from django.urls import reverse

    url = reverse("commissions:my_attestation", kwargs={"college": college.slug})
    by_user = {}
    for slot in slots:
        if slot.student.user_id:
            start = timezone.localtime(slot.starts_at, college.zone)
            by_user.setdefault(slot.student.user_id, []).append(
                f"{slot.exam} — {start:%d.%m.%Y %H:%M}, {slot.minutes} {_('min')}; {slot.exam.room}")
    for user in users:
        notify(college=college, users=[user], subject=subject, body="\n".join(by_user.get(user.pk, [])), url=url)
    return len(users)


@transaction.atomic
def exam_save(*, college: College, by: User, data: ExamInput, exam: Exam | None = None,
              version: int | None = None, force_majeure: ForceMajeureDecision | None = None
              ) -> tuple[Exam, list[RuleViolation]]:
    """Create or change a session with its slots (the slot list replaces the old one). Refuses everything the
    schedule rules refuse, at once (422). After publication the students concerned are notified."""
    _same_college(college, commission=data.commission, discipline=data.discipline, force_majeure=force_majeure)
    if exam is not None:
        exam = Exam.objects.select_for_update().select_related("schedule", "commission").get(pk=exam.pk,
                                                                                           college=college)
        if version is not None and exam.version != version:
            raise VersionConflict(_("The session was changed by someone else meanwhile (version %(stored)s, yours "
                                    "%(sent)s); reload it.") % {"stored": exam.version, "sent": version}, exam)
        if Protocol.objects.filter(college=college, exam=exam).exists():
            raise ProtocolLocked(_("The session has started: its protocol is open, the session no longer changes."))
        if exam.commission.campaign_id != data.commission.campaign_id:
            raise _field_error("commission", _("A session stays in the schedule of its campaign."))
    verdict, works = _exam_verdict(college=college, data=data, exam=exam)
    errors = list(verdict.errors)
    schedule = schedule_for(college=college, campaign=data.commission.campaign)
    if exam is not None:
        form_changed = (data.form, data.mode) != (exam.form, exam.mode)
        decision = force_majeure or (exam.force_majeure if form_changed and exam.force_majeure_id else None)
        change = rules.form_change_check(schedule_published=schedule.is_published, form_changed=form_changed,
                                         decision_changes_form=bool(decision and decision.changes_form
                                                                    and decision.commission_id == data.commission.pk))
        if change:
            errors.append(change)
    if errors:
        raise _broken(errors, _("The session cannot be scheduled."))
    created = exam is None
    values = {name: getattr(data, name) for name in (
        "commission", "form", "mode", "discipline", "title", "starts_at", "ends_at", "room", "preparation_minutes",
        "deliberation_minutes", "ticket_count", "medical_agreement_ref", "is_resit", "procedure")}
    if created:
        exam = Exam.objects.create(college=college, schedule=schedule, **values)
        before: dict[int, tuple] = {}
    else:
        before = {s.student_id: (s.starts_at, s.minutes) for s in exam.slots.all()}
        for name, value in values.items():
            setattr(exam, name, value)
        exam.version += 1
        if force_majeure is not None:
            exam.force_majeure = force_majeure
        exam.save()
    wanted = {slot.student.pk: slot for slot in data.slots}
    try:
        with transaction.atomic():
            exam.slots.exclude(student_id__in=wanted).delete()
    except ProtectedError as exc:
        raise _field_error("slots", _("A slot that was rescheduled cannot be removed.")) from exc
    stored = {s.student_id: s for s in exam.slots.all()}
    changed_slots = []
    for student_id, slot in wanted.items():
        current = stored.get(student_id)
        fields = {"starts_at": slot.starts_at, "minutes": slot.minutes, "report_minutes": slot.report_minutes,
                  "attempt_reason": slot.attempt_reason, "replaces": slot.replaces,
                  "diploma_work": works.get(student_id)}
        if current is None:
            current = ExamSlot.objects.create(college=college, exam=exam, student=slot.student, **fields)
        else:
            for name, value in fields.items():
                setattr(current, name, value)
            current.save()
        if before.get(student_id) != (current.starts_at, current.minutes):
            changed_slots.append(current)
    audit_log(action="exam.created" if created else "exam.updated", college=college, actor=by, obj=exam,
              data={"commission": exam.commission_id, "form": exam.form, "mode": exam.mode,
                    "starts_at": exam.starts_at, "ends_at": exam.ends_at, "room": exam.room,
                    "slots": [[s.student.pk, s.starts_at, s.minutes] for s in data.slots],
                    "warnings": [w.rule for w in verdict.warnings]})
    if schedule.is_published and changed_slots:
        for slot in changed_slots:
            slot.exam = exam
        with college.in_language():
            _notify_slots(college=college, slots=changed_slots, subject=_("Your attestation schedule has changed"))
    return exam, verdict.warnings


@transaction.atomic
def exam_delete(*, college: College, by: User, exam: Exam) -> None:
    if Protocol.objects.filter(college=college, exam=exam).exists():
        raise ProtocolLocked(_("The session has a protocol; it cannot be deleted."))
    audit_log(action="exam.deleted", college=college, actor=by, obj=exam, data={"str": str(exam)})
    exam.slots.all().delete()
    exam.delete()


def slot_add(*, college: College, by: User, exam: Exam, slot: SlotInput) -> ExamSlot:
    """Add one student's slot to an existing session (re-sittings), through every scheduling rule."""
    existing = [SlotInput(s.student, s.starts_at, s.minutes, s.report_minutes, s.attempt_reason, s.replaces)
                for s in exam.slots.select_related("student__group", "replaces")]
    data = ExamInput(commission=exam.commission, form=exam.form, starts_at=exam.starts_at, ends_at=exam.ends_at,
                     mode=exam.mode, discipline=exam.discipline, title=exam.title, room=exam.room,
                     preparation_minutes=exam.preparation_minutes, deliberation_minutes=exam.deliberation_minutes,
                     ticket_count=exam.ticket_count, medical_agreement_ref=exam.medical_agreement_ref,
                     is_resit=exam.is_resit, procedure=exam.procedure, slots=existing + [slot])
    exam, _warnings = exam_save(college=college, by=by, data=data, exam=exam)
    return ExamSlot.objects.get(college=college, exam=exam, student=slot.student)


@transaction.atomic
def schedule_publish(*, college: College, by: User, schedule: Schedule,
                     language: str | None = None) -> tuple[Schedule, list[RuleViolation], int]:
    """Publish the schedule: SCH-05 (3 working days before the first defence; refused or warned by the
    college's setting), then every student with a slot is notified (e-mail + portal) and the schedule PDF
    issued. Returns (schedule, warnings, students notified)."""
    schedule = Schedule.objects.select_for_update().select_related("campaign").get(pk=schedule.pk, college=college)
    if schedule.is_published:
        raise _field_error("status", _("The schedule is already published; later changes are sent to the students "
                                       "concerned automatically."))
    exams = list(Exam.objects.filter(college=college, schedule=schedule).select_related("college", "discipline",
                                                                                         "commission"))
    if not exams:
        raise _field_error("status", _("The schedule has no sessions yet."))
    unapproved = [rules.commission_approved_check(status=e.commission.status, name=str(e.commission)) for e in exams]
    errors = [v for v in unapproved if v]
    defences = sorted(e.held_on for e in exams if e.is_defence)
    today = college.today()
    late = rules.schedule_publish_check(published_on=today, first_defence=defences[0] if defences else None,
                                        calendar=working_calendar())
    warnings = []
    if late is not None:
        if _policy(college).late_schedule == RuleMode.ERROR:
            errors.append(late)
        else:
            warnings.append(late)
    if errors:
        raise _broken(errors, _("The schedule cannot be published."))
    schedule.status = Schedule.Status.PUBLISHED
    schedule.published_at = timezone.now()
    schedule.published_by = by
    schedule.publish_warnings = [{"rule": w.rule, "message": w.message} for w in warnings]
    schedule.save()
    schedule.document = _request_document(college=college, kind="schedule", subject_id=schedule.pk, by=by,
                                          language=language)
    schedule.save(update_fields=["document"])
    slots = list(ExamSlot.objects.filter(college=college, exam__schedule=schedule)
                 .select_related("student__user", "exam__college", "exam__discipline"))
    with college.in_language():
        notified = _notify_slots(college=college, slots=slots,
                                 subject=_("Your final attestation schedule is published"))
    audit_log(action="schedule.published", college=college, actor=by, obj=schedule,
              data={"students_notified": notified, "slots": len(slots), "warnings": schedule.publish_warnings})
    return schedule, warnings, notified


@transaction.atomic
def procedure_send(*, college: College, by: User, exam: Exam, procedure: str | None = None
                   ) -> tuple[Exam, list[RuleViolation], int]:
    """DIST-09: send the procedure of a distance exam or defence to its students (e-mail + portal) with a link to
    confirm reading; a warning when later than 20 working days before."""
    exam = Exam.objects.select_for_update().select_related("college").get(pk=exam.pk, college=college)
    if not exam.is_distance:
        raise _field_error("mode", _("The procedure is sent for distance sessions."))
    if procedure is not None:
        exam.procedure = procedure.strip()
    if not exam.procedure:
        raise _field_error("procedure", _("Write the procedure first."))
    warnings = []
    late = rules.procedure_send_check(sent_on=college.today(), exam_day=exam.held_on,
                                      calendar=working_calendar())
    if late and _policy(college).online_profile:
        warnings.append(late)
    exam.procedure_sent_at = timezone.now()
    exam.save(update_fields=["procedure", "procedure_sent_at"])
    slots = list(exam.slots.select_related("student__user"))
    from django.urls import reverse

    with college.in_language():
        users = _student_users([s.student for s in slots])
        if users:
            notify(college=college, users=users, subject=_("Procedure of the distance exam: please read and confirm"),
                   body=exam.procedure, url=reverse("commissions:my_attestation", kwargs={"college": college.slug}))
    audit_log(action="exam.procedure_sent", college=college, actor=by, obj=exam,
              data={"students": len(users), "warnings": [w.rule for w in warnings]})
    return exam, warnings, len(users)


@transaction.atomic
def procedure_confirm(*, college: College, by: User, slot: ExamSlot) -> ExamSlot:
    """DIST-09: the student confirms having read the procedure (tracked per student)."""
    slot = ExamSlot.objects.select_for_update().select_related("exam").get(pk=slot.pk, college=college)
    if slot.student.user_id != by.pk:
        raise PermissionDenied
    if slot.exam.procedure_sent_at is None:
        raise _field_error("procedure", _("No procedure has been sent for this session."))
    if slot.procedure_confirmed_at is None:
        slot.procedure_confirmed_at = timezone.now()
        slot.save(update_fields=["procedure_confirmed_at"])
        audit_log(action="exam.procedure_confirmed", college=college, actor=by, obj=slot,
                  data={"exam": slot.exam_id})
    return slot


# --- Who may do what on a protocol ------------------------------------------------------------------------------------


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
        from django.http import Http404

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
    (``_locked_protocol``, ``selectors.result_row_locked``): nothing can close it or bump it meanwhile, so the
    queryset guard's question (is it closed?) would be a query for nothing on the busiest write; on PostgreSQL the
    database's own guard (migration commissions 0002) still stands behind this statement."""
    protocol.version += 1
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table(Protocol)} SET version = %s WHERE id = %s",  # noqa: S608 (a model's table)
                       [protocol.version, protocol.pk])
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
    from django.urls import reverse

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


# --- Signing, closing -------------------------------------------------------------------------------------------------


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
    from django.urls import reverse

    from grading import services as grading_services

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


# --- Re-admission (RET-01, RET-02) ------------------------------------------------------------------------------------


@transaction.atomic
def readmission_apply(*, college: College, by: User, student: Student, result: ProtocolResult, reason: str,
                      application: str, document) -> ReAdmission:
    """RET-01: a student who did not appear applies with a document; RET-02: a health document after an
    unsatisfactory grade is not considered."""
    _same_college(college, student=student, result=result)
    if result.student_id != student.pk:
        from django.http import Http404

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
        from django.urls import reverse

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


# --- Force majeure (EXE-01, DIST-17) ----------------------------------------------------------------------------------


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
            from django.urls import reverse

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
