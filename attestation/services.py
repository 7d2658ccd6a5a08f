"""Writes of the registry: check the rules, save, audit. Views, the API and imports call these.

Every function takes the college explicitly (it comes from the URL, never from a request body) and
the user acting (``by``) for the audit log.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from . import scale
from .audit import audit_log
from .grade_entry import grade_entry_check
from .models import (
    AttemptReason,
    CalendarOverride,
    Campaign,
    CampaignGroup,
    College,
    Discipline,
    Group,
    Membership,
    Notification,
    Program,
    Role,
    Student,
    TranscriptEntry,
    User,
    academic_year_bounds,
)
from .rules import RulesBroken, RuleViolation, iin_check
from .tenancy import unread_forget


def _field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _same_college(college: College, **objects: Any) -> None:
    """Defence in depth: related objects must belong to the acting college."""
    for field, obj in objects.items():
        if obj is not None and obj.college_id != college.pk:
            raise _field_error(field, _("Not found in this college."))


def _changes(instance, fields: dict[str, Any]) -> dict[str, Any]:
    changed = {}
    for name, value in fields.items():
        old = getattr(instance, name)
        if old != value:
            changed[name] = [old, value]
            setattr(instance, name, value)
    return changed


# --- Colleges and members ---------------------------------------------------------------------------


@transaction.atomic
def college_create(*, by: User, admin: dict[str, str] | None = None, **fields: Any) -> College:
    """Operator: create a college and, when given, its first administrator."""
    college = College(**fields)
    college.full_clean()
    college.save()
    audit_log(action="college.created", college=college, actor=by, obj=college, data={"slug": college.slug})
    if admin:
        member_add(college=college, by=by, role=Role.ADMIN, **admin)
    return college


def _account(*, username: str, email: str, full_name: str, password: str,
             password_required: bool) -> tuple[User, bool]:
    """The user with this username, or a new account; (user, created)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    if not password and password_required:
        raise _field_error("password", _("A password is required to create a new account."))
    user = User(username=username, email=email or "", full_name=full_name or "")
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()  # the person sets a password through "forgot password"
    user.full_clean(exclude=["password"])
    user.save()
    return user, True


@transaction.atomic
def member_add(
    *, college: College, by: User, username: str, role: str, email: str = "", full_name: str = "",
    password: str = "",
) -> Membership:
    """Give a user a role in the college, creating the account when the username is new."""
    if role not in Role.values:
        raise _field_error("role", _("Unknown role."))
    user, created = _account(username=username, email=email, full_name=full_name, password=password,
                             password_required=True)
    with scopes_disabled():
        if Membership.objects.filter(college=college, user=user).exists():
            raise _field_error("username", _("This user is already a member of the college."))
    membership = Membership.objects.create(college=college, user=user, role=role)
    audit_log(action="member.added", college=college, actor=by, obj=membership,
              data={"username": user.username, "role": role, "account_created": created})
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, by: User) -> None:
    college = membership.college
    if membership.role == Role.ADMIN:
        admins = Membership.objects.filter(college=college, role=Role.ADMIN).count()
        if admins <= 1:
            raise _field_error("role", _("The last administrator of a college cannot be removed."))
    audit_log(action="member.removed", college=college, actor=by, obj=membership,
              data={"username": membership.user.username, "role": membership.role})
    membership.delete()


# --- Programs, groups, disciplines -----------------------------------------------------------------


def _check_unique(queryset, field: str, message: str) -> None:
    if queryset.exists():
        raise _field_error(field, message)


@transaction.atomic
def program_save(*, college: College, by: User, program: Program | None = None, **fields: Any) -> Program:
    """Create (program=None) or update a program."""
    code = fields.get("code", program.code if program else "")
    others = Program.objects.filter(college=college, code=code)
    if program is not None:
        others = others.exclude(pk=program.pk)
    _check_unique(others, "code", _("A program with this code already exists in this college."))
    return _registry_save(college=college, by=by, instance=program, model=Program, fields=fields)


@transaction.atomic
def group_save(*, college: College, by: User, group: Group | None = None, **fields: Any) -> Group:
    _same_college(college, program=fields.get("program"))
    name = fields.get("name", group.name if group else "")
    others = Group.objects.filter(college=college, name=name)
    if group is not None:
        others = others.exclude(pk=group.pk)
    _check_unique(others, "name", _("A group with this name already exists in this college."))
    return _registry_save(college=college, by=by, instance=group, model=Group, fields=fields)


@transaction.atomic
def discipline_save(*, college: College, by: User, discipline: Discipline | None = None,
                    **fields: Any) -> Discipline:
    program = fields.get("program", discipline.program if discipline else None)
    _same_college(college, program=program)
    code = fields.get("code", discipline.code if discipline else "")
    others = Discipline.objects.filter(college=college, program=program, code=code)
    if discipline is not None:
        others = others.exclude(pk=discipline.pk)
    _check_unique(others, "code", _("This program already has a discipline with this code."))
    return _registry_save(college=college, by=by, instance=discipline, model=Discipline, fields=fields)


def _registry_save(*, college: College, by: User, instance, model, fields: dict[str, Any]):
    label = model._meta.model_name
    if instance is None:
        instance = model(college=college, **fields)
        instance.full_clean(validate_unique=False, validate_constraints=False)
        instance.save()
        audit_log(action=f"{label}.created", college=college, actor=by, obj=instance, data=fields)
        return instance
    changed = _changes(instance, fields)
    if changed:
        instance.full_clean(validate_unique=False, validate_constraints=False)
        instance.save()
        audit_log(action=f"{label}.updated", college=college, actor=by, obj=instance, data=changed)
    return instance


@transaction.atomic
def registry_delete(*, college: College, by: User, instance) -> None:
    """Delete a program, group or discipline that nothing refers to any more."""
    label = instance._meta.model_name
    blockers = {
        "program": lambda: instance.groups.exists() or instance.disciplines.exists(),
        "group": lambda: instance.students.exists(),
        "discipline": lambda: instance.transcript_entries.exists(),
    }
    if blockers[label]():
        raise _field_error("non_field_errors", _("It is still in use and cannot be deleted."))
    audit_log(action=f"{label}.deleted", college=college, actor=by, obj=instance, data={"str": str(instance)})
    instance.delete()


# --- Students --------------------------------------------------------------------------------------


def student_check(*, college: College, iin: str, student: Student | None = None) -> None:
    """IIN well-formed and unique within the college (a clear field error otherwise)."""
    violation = iin_check(iin)
    if violation is not None:
        raise _field_error("iin", violation.message)
    others = Student.objects.filter(college=college, iin=iin)
    if student is not None:
        others = others.exclude(pk=student.pk)
    _check_unique(others, "iin", _("A student with this IIN already exists in this college."))


def _student_account(*, college: College, by: User, username: str, email: str = "", full_name: str,
                     password: str = "") -> User:
    """Link (or create) the student's account and make it a student member of the college."""
    user, created = _account(username=username, email=email, full_name=full_name, password=password,
                             password_required=False)
    with scopes_disabled():
        membership = Membership.objects.filter(college=college, user=user).first()
    if membership is None:
        Membership.objects.create(college=college, user=user, role=Role.STUDENT)
        audit_log(action="member.added", college=college, actor=by, obj=user,
                  data={"username": username, "role": Role.STUDENT, "account_created": created})
    elif membership.role != Role.STUDENT:
        raise _field_error("username", _("This account is a staff account of the college, not a student's."))
    if Student.objects.filter(college=college, user=user).exists():
        raise _field_error("username", _("This account is already linked to another student."))
    return user


@transaction.atomic
def student_create(*, college: College, by: User, iin: str, full_name: str, group: Group, username: str = "",
                   email: str = "", password: str = "") -> Student:
    iin = iin.strip()
    _same_college(college, group=group)
    student_check(college=college, iin=iin)
    user = None
    if username:
        user = _student_account(college=college, by=by, username=username, email=email, full_name=full_name,
                                password=password)
    student = Student(college=college, iin=iin, full_name=full_name.strip(), group=group, user=user)
    student.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            student.save()
    except IntegrityError as exc:  # a concurrent insert of the same IIN
        raise _field_error("iin", _("A student with this IIN already exists in this college.")) from exc
    audit_log(action="student.created", college=college, actor=by, obj=student,
              data={"iin": iin, "full_name": student.full_name, "group": group.pk})
    return student


@transaction.atomic
def student_update(*, college: College, by: User, student: Student, username: str | None = None,
                   **fields: Any) -> Student:
    if "iin" in fields:
        fields["iin"] = fields["iin"].strip()
        student_check(college=college, iin=fields["iin"], student=student)
    _same_college(college, group=fields.get("group"))
    if username and (student.user is None or student.user.username != username):
        fields["user"] = _student_account(college=college, by=by, username=username,
                                          full_name=fields.get("full_name", student.full_name))
    changed = _changes(student, fields)
    if changed:
        student.full_clean(validate_unique=False, validate_constraints=False)
        student.save()
        audit_log(action="student.updated", college=college, actor=by, obj=student, data=changed)
    return student


@transaction.atomic
def student_delete(*, college: College, by: User, student: Student) -> None:
    if student.transcript.exists() or student.documents.exists():
        raise _field_error("non_field_errors",
                           _("The student has grades or documents and cannot be deleted."))
    audit_log(action="student.deleted", college=college, actor=by, obj=student,
              data={"iin": student.iin, "full_name": student.full_name})
    student.delete()


# --- Transcript -------------------------------------------------------------------------------------


def transcript_grade(percent: object, letter: str = "") -> dict[str, Any]:
    """GRD-01: the stored grade fields of a percentage (rounded half up, OQ-16, raw value kept).
    Raises RulesBroken citing GRD-01 for a percentage that is not a number in 0..100 or a letter that
    does not match it."""
    parsed = scale.percent_parse(percent)
    if isinstance(parsed, RuleViolation):
        raise RulesBroken([parsed], _("The grade is not valid."))
    rounded = scale.percent_round(parsed)
    if letter:
        violation = scale.letter_check(letter, rounded)
        if violation is not None:
            raise RulesBroken([violation], _("The grade is not valid."))
    band = scale.band_for_percent(rounded)
    return {"percent": rounded, "percent_raw": parsed.quantize(Decimal("0.01")), "letter": band.letter,
            "points": band.points, "traditional": band.traditional}


def transcript_check(*, college: College, student: Student, discipline: Discipline, attempt: int,
                     entry: TranscriptEntry | None = None, attempt_reason: str | None = None,
                     held_on: date | None = None) -> None:
    _same_college(college, student=student, discipline=discipline)
    if discipline.program_id != student.group.program_id:
        # GEN-06: a graded component must belong to the working curriculum of the student's program.
        raise RulesBroken(
            [RuleViolation(
                "GEN-06", _("Discipline %(code)s is not in the curriculum of the student's program.")
                % {"code": discipline.code}, "discipline")],
            _("The grade is not valid."),
        )
    if attempt < 1:
        raise _field_error("attempt", _("The attempt number starts at 1."))
    others = TranscriptEntry.objects.filter(college=college, student=student, discipline=discipline,
                                            attempt=attempt)
    if entry is not None:
        others = others.exclude(pk=entry.pk)
    _check_unique(others, "attempt", _("This attempt of this discipline is already in the transcript."))
    if held_on is not None:
        grade_entry_check(college=college, student=student, discipline=discipline, attempt=attempt,
                          attempt_reason=attempt_reason or AttemptReason.FIRST, held_on=held_on, entry=entry)


@transaction.atomic
def transcript_entry_create(
    *, college: College, by: User, student: Student, discipline: Discipline, percent: object,
    held_on: date, attempt: int = 1, attempt_reason: str = AttemptReason.FIRST,
    is_final_attestation: bool = False, letter: str = "",
) -> TranscriptEntry:
    grade = transcript_grade(percent, letter)
    transcript_check(college=college, student=student, discipline=discipline, attempt=attempt,
                     attempt_reason=attempt_reason, held_on=held_on)
    entry = TranscriptEntry(college=college, student=student, discipline=discipline, held_on=held_on,
                            attempt=attempt, attempt_reason=attempt_reason,
                            is_final_attestation=is_final_attestation, **grade)
    entry.full_clean(validate_unique=False, validate_constraints=False)
    entry.save()
    audit_log(action="transcript.created", college=college, actor=by, obj=entry,
              data={"student": student.pk, "discipline": discipline.pk, "percent": str(grade["percent_raw"]),
                    "attempt": attempt})
    return entry


@transaction.atomic
def transcript_entry_update(*, college: College, by: User, entry: TranscriptEntry, **fields: Any) -> TranscriptEntry:
    if "percent" in fields or "letter" in fields:
        fields.update(transcript_grade(fields.pop("percent", entry.percent_raw), fields.pop("letter", "")))
    transcript_check(college=college, student=fields.get("student", entry.student),
                     discipline=fields.get("discipline", entry.discipline),
                     attempt=fields.get("attempt", entry.attempt), entry=entry,
                     attempt_reason=fields.get("attempt_reason", entry.attempt_reason),
                     held_on=fields.get("held_on", entry.held_on))
    changed = _changes(entry, fields)
    if changed:
        entry.full_clean(validate_unique=False, validate_constraints=False)
        entry.save()
        audit_log(action="transcript.updated", college=college, actor=by, obj=entry, data=changed)
    return entry


@transaction.atomic
def transcript_entry_delete(*, college: College, by: User, entry: TranscriptEntry) -> None:
    audit_log(action="transcript.deleted", college=college, actor=by, obj=entry,
              data={"student": entry.student_id, "discipline": entry.discipline_id, "percent": entry.percent,
                    "attempt": entry.attempt})
    entry.delete()


# --- Calendar -----------------------------------------------------------------------------------------


@transaction.atomic
def calendar_override_set(*, by: User, day: date, is_working_day: bool, note: str = "") -> CalendarOverride:
    """Operator: declare a day working or not, ahead of the `holidays` package."""
    override, created = CalendarOverride.objects.update_or_create(
        date=day, defaults={"is_working_day": is_working_day, "note": note, "created_by": by}
    )
    audit_log(action="calendar.override_set", college=None, actor=by, obj=override,
              data={"date": day.isoformat(), "is_working_day": is_working_day, "note": note})
    return override


# --- Campaigns ------------------------------------------------------------------------------------------


def campaign_check(*, college: College, academic_year: str, starts_on: date, ends_on: date, groups: list[Group],
                   campaign: Campaign | None = None) -> None:
    """Dates in order and inside the academic year; every group of this college; no group in two
    campaigns that overlap."""
    errors: dict[str, list[str]] = {}
    bounds = academic_year_bounds(academic_year)
    if bounds is None:
        errors["academic_year"] = [_("An academic year is written like 2026-2027.")]
    elif not (bounds[0] <= starts_on <= bounds[1] and bounds[0] <= ends_on <= bounds[1]):
        errors["starts_on"] = [_("The campaign must lie within the academic year %(year)s.") % {"year": academic_year}]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The end is before the start.")]
    if not groups:
        errors["groups"] = [_("Choose at least one group.")]
    for group in groups:
        _same_college(college, groups=group)
    overlapping = CampaignGroup.objects.filter(
        college=college, group__in=groups, campaign__starts_on__lte=ends_on, campaign__ends_on__gte=starts_on)
    if campaign is not None:
        overlapping = overlapping.exclude(campaign=campaign)
    clash = overlapping.select_related("group").first()
    if clash is not None:
        errors["groups"] = [_("Group %(group)s is already in a campaign at that time.") % {"group": clash.group.name}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def campaign_save(*, college: College, by: User, academic_year: str, starts_on: date, ends_on: date,
                  groups: list[Group], name: str = "", campaign: Campaign | None = None) -> Campaign:
    campaign_check(college=college, academic_year=academic_year, starts_on=starts_on, ends_on=ends_on,
                   groups=groups, campaign=campaign)
    created = campaign is None
    if created:
        campaign = Campaign(college=college)
    campaign.academic_year, campaign.name, campaign.starts_on, campaign.ends_on = (
        academic_year, name, starts_on, ends_on)
    campaign.save()
    wanted = {g.pk for g in groups}
    existing = set(campaign.campaign_groups.values_list("group_id", flat=True))
    campaign.campaign_groups.filter(group_id__in=existing - wanted).delete()
    CampaignGroup.objects.bulk_create([CampaignGroup(college=college, campaign=campaign, group_id=pk)
                                       for pk in sorted(wanted - existing)])
    audit_log(action="campaign.created" if created else "campaign.updated", college=college, actor=by,
              obj=campaign, data={"academic_year": academic_year, "starts_on": starts_on, "ends_on": ends_on,
                                  "groups": sorted(wanted)})
    return campaign


@transaction.atomic
def campaign_delete(*, college: College, by: User, campaign: Campaign) -> None:
    audit_log(action="campaign.deleted", college=college, actor=by, obj=campaign, data={"str": str(campaign)})
    try:
        with transaction.atomic():
            campaign.delete()
    except ProtectedError as exc:
        raise _field_error("non_field_errors", _("It is still in use and cannot be deleted.")) from exc


# --- Notifications ------------------------------------------------------------------------------------------


def notify(*, college: College, users: list[User], subject: str, body: str = "", url: str = "",
           email: bool = True) -> list[Notification]:
    """A notice in the portal for each user and, when they have an address, an e-mail (sent after commit,
    so a rolled-back change sends nothing). ``subject`` and ``body`` are already in the reader's language."""
    notices = Notification.objects.bulk_create([
        Notification(college=college, user=user, subject=subject[:255], body=body, url=url,
                     emailed=bool(email and user.email)) for user in users])
    user_ids = [user.pk for user in users]
    transaction.on_commit(lambda: unread_forget(college, user_ids))
    recipients = [(user.email, user.display_name) for user in users if email and user.email]
    if recipients:
        link = f"{settings.PUBLIC_BASE_URL}{url}" if url else ""
        messages = [(subject, f"{body}\n\n{link}".strip(), settings.DEFAULT_FROM_EMAIL, [address])
                    for address, _name in recipients]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return notices


@transaction.atomic
def notification_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        unread_forget(notification.college, [notification.user_id])
