"""The participants of each selected college (MON-05, MON-08): made from the college's registry for the round's
cohorts when the college is notified, refreshed until the day, excused with a reason and a supporting document
before the day, and seated in the computer rooms (MON-14) for the seating sheet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from attestation.audit import audit_log
from attestation.models import Student, User
from attestation.rules import RulesBroken, RuleViolation
from attestation.uploads import DOCUMENT_MAX_BYTES, JPEG, PDF, PNG, upload_check

from .. import rules
from ..models import Participant, ParticipantStatus, Round, RoundCollege

EXCUSAL_FILE_TYPES = (PDF, JPEG, PNG)
OPEN_FOR_COLLEGES = (Round.Status.NOTIFIED,)


def _cohort_students(round: Round, college_id: int) -> list[tuple[Student, str]]:
    """MON-05: the college's students of the round's cohorts, by the program's year of study, in the order their codes
    are given (group, then name)."""
    years = {rules.COHORT_YEARS[c]: c for c in round.cohorts}
    students = (Student.objects.filter(college_id=college_id, group__year_of_study__in=list(years))
                .select_related("group__program").order_by("group__name", "full_name", "pk"))
    return [(student, years[student.group.year_of_study]) for student in students]


def _participant(round: Round, rc: RoundCollege, student: Student, cohort: str, sequence: int) -> Participant:
    return Participant(
        college_id=rc.college_id, round=round, round_college=rc, student=student,
        code=rules.personal_code(year=round.year, college_number=rc.number, sequence=sequence),
        full_name=student.full_name, group_name=student.group.name, program_code=student.group.program.code,
        year_of_study=student.group.year_of_study, cohort=cohort, language=rc.language)


def participants_generate(*, round: Round, round_colleges: Sequence[RoundCollege]) -> dict[int, int]:
    """The participants of newly selected colleges (called by the notice, in its transaction). → {rc id: count}"""
    counts = {}
    with scopes_disabled():
        for rc in round_colleges:
            rows = [_participant(round, rc, student, cohort, sequence)
                    for sequence, (student, cohort) in enumerate(_cohort_students(round, rc.college_id), start=1)]
            Participant.objects.bulk_create(rows, batch_size=1000)
            counts[rc.pk] = len(rows)
    return counts


def _college_can_change(rc: RoundCollege, *, today: date, what: str) -> None:
    """MON-08: the college prepares its list (excusals, seating, new students) after the notice and before the day."""
    if rc.round.status not in OPEN_FOR_COLLEGES or rc.is_cancelled:
        raise RulesBroken([RuleViolation("MON-08", _("%(what)s is possible after the notice and before the testing.")
                                         % {"what": what}, "status")], _("The list of participants is closed."))
    if today >= rc.round.testing_on:
        raise RulesBroken([RuleViolation("MON-08", _("%(what)s is possible until the day before the testing "
                                                     "(%(date)s).")
                                         % {"what": what, "date": rc.round.testing_on.strftime("%d.%m.%Y")},
                                         "status")], _("The list of participants is closed."))


@transaction.atomic
def participants_refresh(*, round_college: RoundCollege, by: User, today: date | None = None) -> dict[str, int]:
    """College administrator: bring the list up to date with the registry before the day: students new in the
    cohorts get the next codes; those no longer there leave the list (codes are never given again)."""
    rc = RoundCollege.objects.with_scopes_disabled().select_for_update(of=("self",)).select_related(
        "round", "college").get(pk=round_college.pk)
    _college_can_change(rc, today=today or rc.college.today(), what=_("Refreshing the list"))
    with scopes_disabled():
        current = {s.pk: (s, c) for s, c in _cohort_students(rc.round, rc.college_id)}
        existing = list(Participant.objects.filter(round_college=rc))
        listed = {p.student_id for p in existing if p.student_id}
        last = max((int(p.code[6:10]) for p in existing), default=0)
        new = [_participant(rc.round, rc, student, cohort, last + index)
               for index, (student, cohort) in enumerate(
                   (current[pk] for pk in current if pk not in listed), start=1)]
        Participant.objects.bulk_create(new)
        gone = [p.pk for p in existing if (p.student_id is None or p.student_id not in current)
                and p.status in (ParticipantStatus.PARTICIPANT, ParticipantStatus.EXCUSED)
                and not p.acts.exists() and not p.results.exists()]
        Participant.objects.filter(pk__in=gone).delete()
    audit_log(action="monitoring.participants.refreshed", college=rc.college_id, actor=by, obj=rc,
              data={"round": rc.round_id, "added": len(new), "removed": len(gone)})
    return {"added": len(new), "removed": len(gone)}


@transaction.atomic
def excusal_set(*, participant: Participant, by: User, reason: str, note: str = "", upload=None,
                today: date | None = None) -> Participant:
    """College administrator: excuse a participant (MON-08) with the reason and its supporting document, before the
    day. The seat is freed."""
    # The college's selection first, as seating takes it: an excusal never lands between seating's read and write.
    RoundCollege.objects.with_scopes_disabled().select_for_update().filter(pk=participant.round_college_id).exists()
    participant = Participant.objects.with_scopes_disabled().select_for_update(of=("self",)).select_related(
        "round_college__round", "college").get(pk=participant.pk)
    rc = participant.round_college
    _college_can_change(rc, today=today or participant.college.today(), what=_("Excusing a participant"))
    violations = rules.excusal_check(today=today or participant.college.today(), testing_on=rc.round.testing_on,
                                     reason=reason, has_file=upload is not None)
    if participant.status not in (ParticipantStatus.PARTICIPANT, ParticipantStatus.EXCUSED):
        violations.append(RuleViolation("MON-08", _("This participant is %(status)s.")
                                        % {"status": participant.get_status_display()}, "participant"))
    if violations:
        raise RulesBroken(violations, _("The participant cannot be excused."))
    checked = upload_check(upload, allowed=EXCUSAL_FILE_TYPES, max_bytes=DOCUMENT_MAX_BYTES, field="file")
    if participant.excusal_file:
        participant.excusal_file.delete(save=False)
    participant.excusal_file.save(checked.name, ContentFile(checked.data), save=False)
    participant.excusal_file_type = checked.content_type
    participant.status = ParticipantStatus.EXCUSED
    participant.excusal_reason, participant.excusal_note = reason, (note or "").strip()[:500]
    participant.excused_at, participant.excused_by = timezone.now(), by
    participant.room, participant.seat = "", None
    participant.save()
    audit_log(action="monitoring.participant.excused", college=participant.college_id, actor=by, obj=participant,
              data={"round": participant.round_id, "code": participant.code, "reason": reason,
                    "file_sha256": checked.sha256})
    return participant


@transaction.atomic
def excusal_clear(*, participant: Participant, by: User, today: date | None = None) -> Participant:
    """College administrator: the participant takes part after all (before the day); the document is kept on record
    in the audit entry's hash, the file removed."""
    # The college's selection first, as seating takes it: an excusal never lands between seating's read and write.
    RoundCollege.objects.with_scopes_disabled().select_for_update().filter(pk=participant.round_college_id).exists()
    participant = Participant.objects.with_scopes_disabled().select_for_update(of=("self",)).select_related(
        "round_college__round", "college").get(pk=participant.pk)
    _college_can_change(participant.round_college, today=today or participant.college.today(),
                        what=_("Withdrawing an excusal"))
    if participant.status != ParticipantStatus.EXCUSED:
        raise RulesBroken([RuleViolation("MON-08", _("This participant is not excused."), "participant")],
                          _("Nothing to withdraw."))
    if participant.excusal_file:
        participant.excusal_file.delete(save=False)
    participant.status = ParticipantStatus.PARTICIPANT
    participant.excusal_reason = participant.excusal_note = participant.excusal_file_type = ""
    participant.excusal_file = ""
    participant.excused_at = participant.excused_by = None
    participant.save()
    audit_log(action="monitoring.participant.excusal_withdrawn", college=participant.college_id, actor=by,
              obj=participant, data={"round": participant.round_id, "code": participant.code})
    return participant


def rooms_parse(text: str) -> list[rules.Room] | RuleViolation:
    """Rooms as the page's text area has them: one a line, "name: seats" (or "name - seats", "name seats")."""
    rooms = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        for separator in (":", "—", "–", "-", "\t", " "):
            name, found, seats = line.rpartition(separator)
            if found and seats.strip().isdigit() and name.strip():
                rooms.append(rules.Room(name.strip()[:32], int(seats.strip())))
                break
        else:
            return RuleViolation("MON-14", _("Write each room on its own line as «room: seats», e.g. «204: 25».")
                                 , "rooms")
    return rooms


@transaction.atomic
def seating_assign(*, round_college: RoundCollege, by: User, rooms: list[rules.Room],
                   today: date | None = None) -> int:
    """College administrator: seat every participant who takes part (MON-14), in the order of their codes, room by
    room. Again as often as needed before the day. Returns how many were seated."""
    rc = (RoundCollege.objects.with_scopes_disabled().select_for_update(of=("self",))
          .select_related("round", "college").get(pk=round_college.pk))
    _college_can_change(rc, today=today or rc.college.today(), what=_("Seating"))
    with scopes_disabled():
        testees = list(Participant.objects.filter(round_college=rc, status=ParticipantStatus.PARTICIPANT)
                       .order_by("code"))
        plan = rules.seating_plan(codes=[p.code for p in testees], rooms=rooms)
        if isinstance(plan, RuleViolation):
            raise RulesBroken([plan], _("The testees cannot be seated."))
        Participant.objects.filter(round_college=rc).update(room="", seat=None)
        for participant in testees:
            participant.room, participant.seat = plan[participant.code]
        Participant.objects.bulk_update(testees, ["room", "seat"], batch_size=500)
    rc.seated_at = timezone.now()
    rc.save(update_fields=["seated_at"])
    audit_log(action="monitoring.seating.assigned", college=rc.college_id, actor=by, obj=rc,
              data={"round": rc.round_id, "rooms": [[r.name, r.seats] for r in rooms], "seated": len(testees)})
    return len(testees)

