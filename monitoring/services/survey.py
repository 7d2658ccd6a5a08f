"""Writes of the anonymous satisfaction survey (MON-21): lists of one-time invitations issued by a college's
administrator or the ministry, and an answer.

An answer is added to the tallies (counts per question and option, ``SurveyTally``) and its invitation is marked used,
in one transaction: the conditional ``UPDATE … SET used = true WHERE used = false`` lets exactly one of many answers
on the same link through (the others find it used: 409, MON-21). Nothing is written that ties the answer to the
invitation or to anyone: no row of its own, no time, no address, no user, no audit entry (docs/monitoring.md
"The survey")."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from attestation.audit import audit_log
from attestation.models import User
from attestation.rules import RulesBroken, RuleViolation

from .. import rules, survey
from ..models import Respondent, Round, RoundCollege, SurveyBatch, SurveyInvitation, SurveyTally
from . import MonitoringConflict

MAX_BATCH = 500
ISSUABLE = (Round.Status.NOTIFIED, Round.Status.TESTING, Round.Status.RESULTS)


def _refuse(message: str, field: str | None = None) -> RulesBroken:
    return RulesBroken([RuleViolation("MON-21", message, field)], _("The survey refuses this."))


def open_check(*, round: Round, round_college: RoundCollege, today: date) -> RuleViolation | None:
    """MON-21: the survey is held after the testing; answers are taken from the testing day until the comprehensive
    analysis is due (MON-25), in a college where the testing was not cancelled (MON-11)."""
    if round.status == Round.Status.CANCELLED or round_college.is_cancelled:
        return RuleViolation("MON-11", _("The testing was cancelled in this college: there is no survey."), "token")
    if today < round.testing_on or round.status in (Round.Status.DRAFT, Round.Status.NOTIFIED):
        return RuleViolation("MON-21", _("The survey opens on the day of the testing, %(date)s.")
                             % {"date": round.testing_on.strftime("%d.%m.%Y")}, "token")
    due = rules.analysis_due(testing_on=round.testing_on)
    if today > due:
        return RuleViolation("MON-21", _("The survey closed on %(date)s, when the analysis was due.")
                             % {"date": due.strftime("%d.%m.%Y")}, "token")
    return None


def invitations_issue(*, round_college: RoundCollege, by: User, respondent: str, label: str, size: int
                      ) -> SurveyBatch:
    """A list of ``size`` one-time invitations for a room, a group or the teachers of a selected college (the
    college's administrator or the ministry). The tallies its answers will go to are made now, with nothing in them."""
    label = (label or "").strip()
    violations = []
    if respondent not in Respondent.values:
        violations.append(RuleViolation("MON-21", _("Choose who answers: testees or teachers."), "respondent"))
    if not label or len(label) > 64:
        violations.append(RuleViolation("MON-21", _("Name the room or group (up to 64 characters)."), "label"))
    if not 1 <= size <= MAX_BATCH:
        violations.append(RuleViolation("MON-21", _("A list has 1 to %(max)s invitations.") % {"max": MAX_BATCH},
                                        "size"))
    if violations:
        raise RulesBroken(violations, _("No invitations were issued."))
    with transaction.atomic(), scopes_disabled():
        rc = RoundCollege.objects.select_for_update().select_related("round").get(pk=round_college.pk)
        if rc.is_cancelled:
            raise _refuse(_("The testing was cancelled in this college: there is no survey."))
        if rc.round.status not in ISSUABLE:
            raise _refuse(_("Invitations are issued once the colleges are notified and until the round is "
                            "analysed; the round is «%(status)s».") % {"status": rc.round.get_status_display()})
        batch = SurveyBatch.objects.create(college_id=rc.college_id, round_id=rc.round_id, round_college=rc,
                                           respondent=respondent, label=label, size=size, issued_by=by)
        SurveyInvitation.objects.bulk_create([SurveyInvitation(college_id=rc.college_id, batch=batch,
                                                               token=invitation_token(rc.college_id))
                                              for _n in range(size)])
        cells = [("", 0)] + [(code, option) for code in survey.question_codes(respondent) for option in survey.OPTIONS]
        SurveyTally.objects.bulk_create([SurveyTally(college_id=rc.college_id, round_id=rc.round_id,
                                                     respondent=respondent, question=q, option=o) for q, o in cells],
                                        ignore_conflicts=True)
        audit_log(action="monitoring.survey.issued", college=rc.college_id, actor=by, obj=batch,
                  data={"round": rc.round_id, "respondent": respondent, "label": label, "size": size})
    return batch


def invitation_token(college_id: int) -> str:
    """A new link's token: the college's id and 128 random bits (``12.q3Xz…``). Unique with its college (the
    invitation's key), and the college is read back from the link to find it."""
    return f"{college_id}.{secrets.token_urlsafe(16)}"


def invitation_for(token: str) -> SurveyInvitation:
    """The invitation of a link, or 404 (an unknown or malformed token): looked up by its college and token."""
    college_id, dot, secret = (token or "").partition(".")
    if not dot or not secret or not college_id.isascii() or not college_id.isdigit() or len(token) > 43:
        raise Http404
    with scopes_disabled():
        found = (SurveyInvitation.objects.filter(college_id=int(college_id), token=token)
                 .select_related("batch__round", "batch__round_college", "batch__college").first())
    if found is None:
        raise Http404
    return found


def answers_check(respondent: str, answers: dict) -> list[RuleViolation]:
    """Every question answered with one of the options 1 … 5, and nothing else."""
    codes = survey.question_codes(respondent)
    violations = []
    if not isinstance(answers, dict):
        return [RuleViolation("MON-21", _("Answer every question."), "answers")]
    for code in codes:
        value = answers.get(code)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if value not in survey.OPTIONS or isinstance(value, bool):
            violations.append(RuleViolation("MON-21", _("Choose one of the five answers."), code))
    unknown = set(answers) - set(codes)
    if unknown:
        violations.append(RuleViolation("MON-21", _("Unknown questions: %(names)s.")
                                        % {"names": ", ".join(sorted(map(str, unknown)))}, "answers"))
    return violations


def survey_answer(*, token: str, answers: dict, today: date | None = None) -> None:
    """MON-21: one answer per invitation, added to the tallies; the invitation is marked used in the same
    transaction. Raises Http404 (unknown link), RulesBroken (incomplete answer, survey not open) or
    MonitoringConflict (answered already)."""
    invitation = invitation_for(token)
    batch = invitation.batch
    violation = open_check(round=batch.round, round_college=batch.round_college,
                           today=today or timezone.localdate())
    if violation is not None:
        raise RulesBroken([violation], _("The answer was not taken."))
    violations = answers_check(batch.respondent, answers)
    if violations:
        raise RulesBroken(violations, _("The answer was not taken."))
    chosen = {code: int(answers[code]) for code in survey.question_codes(batch.respondent)}
    with transaction.atomic(), scopes_disabled():
        if not SurveyInvitation.objects.filter(pk=invitation.pk, used=False).update(used=True):
            raise MonitoringConflict("MON-21", _("This invitation has been answered already: one answer per "
                                                 "invitation."), "token")
        cells = Q(question="", option=0)
        for code, option in chosen.items():
            cells |= Q(question=code, option=option)
        added = SurveyTally.objects.filter(cells, college_id=batch.college_id, round_id=batch.round_id,
                                           respondent=batch.respondent).update(count=F("count") + 1)
        if added != len(chosen) + 1:  # the tallies are made with the list: a missing one is a fault, not an answer
            raise RuntimeError(f"survey tallies of batch {batch.pk} are incomplete ({added} of {len(chosen) + 1})")
