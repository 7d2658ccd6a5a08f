"""The schedule: sessions (exams and defences) with their slots, publication (SCH-01 … SCH-08), and the
procedure of a distance session (DIST-09)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.calendar import working_calendar
from attestation.models import AttemptReason, Campaign, College, Discipline, Student, User
from attestation.rules import RuleViolation
from attestation.services import notify
from grading.selectors import admitted_student_ids

from .. import rules, selectors
from ..models import (
    Commission,
    DiplomaWork,
    Exam,
    ExamSlot,
    ForceMajeureDecision,
    Protocol,
    ProtocolLocked,
    RuleMode,
    Schedule,
)
from .common import VersionConflict, _broken, _field_error, _policy, _request_document, _same_college, _student_users


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
