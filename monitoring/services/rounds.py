"""A monitoring round from its creation to its analysis: the frozen pool, the published seed, the draw's versions
(MON-10), the notice (MON-09), testing, results and analysis, and cancellation for an emergency (MON-11).

Every change locks the round's row, so two people acting at once are put in line (two draws at once make versions n
and n + 1, never two n), and writes its audit entry in the same transaction."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from attestation.audit import audit_entry, audit_log
from attestation.documents.pipeline import document_request
from attestation.models import AuditEntry, College, Membership, Role, Student, User
from attestation.rules import RulesBroken, RuleViolation
from attestation.services import notify

from .. import rules
from ..models import CancelBasis, DrawVersion, Participant, ParticipantStatus, Round, RoundCollege
from .participants import participants_generate

POOL_COLUMNS = ("code", "name_kk", "name_ru", "region", "territory", "kind", "language", "students",
                "cohort_students", "band", "stratum", "took_part")


def _locked(round: Round) -> Round:
    return Round.objects.select_for_update().get(pk=round.pk)


def _audit(action: str, round: Round, by: User | None, data: dict[str, Any] | None = None, college=None) -> None:
    audit_log(action=action, college=college, actor=by, obj=round, data={"round": round.pk, **(data or {})})


def _refuse(rule: str | None, message: str, field: str | None = None, detail: str | None = None) -> RulesBroken:
    return RulesBroken([RuleViolation(rule, message, field)], detail or _("The round cannot be changed so."))


def _require_status(round: Round, allowed: tuple[str, ...], rule: str, what: str) -> None:
    if round.status not in allowed:
        raise _refuse(rule, _("%(what)s is not possible while the round is «%(status)s».")
                      % {"what": what, "status": round.get_status_display()}, "status")


# --- Create and edit (MON-05, MON-07, MON-10) -------------------------------------------------------------------


def round_check(*, year: int, testing_on: date, cohorts: list[str], share, round: Round | None = None
                ) -> tuple[list[RuleViolation], list[RuleViolation]]:
    """(errors, warnings) of a round's settings."""
    errors = [v for v in (rules.cohorts_check(cohorts), rules.testing_date_check(year=year, testing_on=testing_on),
                          rules.share_check(share)) if v]
    others = Round.objects.filter(year=year)
    if round is not None:
        others = others.exclude(pk=round.pk)
    if others.exists():
        errors.append(RuleViolation("MON-07", _("There is already a round of %(year)s: one round a year.")
                                    % {"year": year}, "year"))
    warnings = [v for v in (rules.testing_month_warning(testing_on=testing_on),) if v]
    return errors, warnings


@transaction.atomic
def round_create(*, by: User, year: int, testing_on: date, cohorts: list[str], share=rules.SHARE_DECIMAL
                 ) -> tuple[Round, list[RuleViolation]]:
    """Ministry: a new round in draft. Returns the round and its warnings (MON-07: not in November)."""
    errors, warnings = round_check(year=year, testing_on=testing_on, cohorts=cohorts, share=share)
    if errors:
        raise RulesBroken(errors, _("The round cannot be created."))
    round = Round.objects.create(year=year, testing_on=testing_on, cohorts=list(cohorts), share=share, created_by=by)
    _audit("monitoring.round.created", round, by, {"year": year, "testing_on": testing_on, "cohorts": cohorts,
                                                    "warnings": [w.rule for w in warnings]})
    return round, warnings


@transaction.atomic
def round_update(*, round: Round, by: User, **fields: Any) -> tuple[Round, list[RuleViolation]]:
    """Ministry: change a draft round. Its cohorts are fixed once the pool is frozen (the pool depends on them)."""
    round = _locked(round)
    _require_status(round, (Round.Status.DRAFT,), "MON-09", _("Changing the round"))
    values = {"year": round.year, "testing_on": round.testing_on, "cohorts": round.cohorts, "share": round.share}
    values.update({k: v for k, v in fields.items() if k in values})
    if round.pool_frozen_at and sorted(values["cohorts"]) != sorted(round.cohorts):
        raise _refuse("MON-10", _("The pool was frozen for these cohorts; the cohorts can no longer change."),
                      "cohorts")
    errors, warnings = round_check(round=round, **values)
    if errors:
        raise RulesBroken(errors, _("The round cannot be changed so."))
    changed = {k: [getattr(round, k), v] for k, v in values.items() if getattr(round, k) != v}
    for key, value in values.items():
        setattr(round, key, value)
    round.save()
    if changed:
        _audit("monitoring.round.updated", round, by, {"changed": changed})
    return round, warnings


@transaction.atomic
def round_delete(*, round: Round, by: User) -> None:
    round = _locked(round)
    if round.status != Round.Status.DRAFT or round.draws.exists():
        raise _refuse("MON-10", _("A round that was drawn is kept: cancel it instead (MON-11)."), "status")
    _audit("monitoring.round.deleted", round, by, {"year": round.year})
    round.delete()


# --- The pool (MON-10) -------------------------------------------------------------------------------------------


def pool_csv(pool: list[dict]) -> bytes:
    """The pool as published: UTF-8, comma-separated, fixed English headers, one college a line in code order. Its
    sha256 is the round's ``pool_sha256``, so ``sha256sum pool.csv`` checks a download against the round."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(POOL_COLUMNS)
    for row in pool:
        writer.writerow([" ".join(str(y) for y in row["took_part"]) if key == "took_part" else row[key]
                         for key in POOL_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def pool_build(*, round: Round) -> list[dict]:
    """OQ-25: the eligible colleges (with at least one student of the round's cohorts, by the program's year of
    study), each with its stratum and the years it took part before (selected in an earlier round and not released
    by a cancellation)."""
    years = [rules.COHORT_YEARS[c] for c in round.cohorts]
    with scopes_disabled():
        totals = dict(Student.objects.values_list("college_id").annotate(n=Count("id")))
        in_cohorts = dict(Student.objects.filter(group__year_of_study__in=years).values_list("college_id")
                          .annotate(n=Count("id")))
        took_part: dict[int, set[int]] = {}
        for college_id, year in (RoundCollege.objects.filter(round__year__lt=round.year, cancelled_at__isnull=True)
                                 .exclude(round__status=Round.Status.CANCELLED)
                                 .values_list("college_id", "round__year")):
            took_part.setdefault(college_id, set()).add(year)
    pool = []
    for college in College.objects.filter(pk__in=list(in_cohorts)).order_by("slug"):
        band = rules.contingent_band(totals.get(college.pk, 0))
        pool.append({
            "code": college.slug, "name_kk": college.name_kk, "name_ru": college.name_ru, "region": college.region,
            "territory": college.territory, "kind": college.kind, "language": college.language,
            "students": totals.get(college.pk, 0), "cohort_students": in_cohorts[college.pk], "band": band,
            "stratum": rules.stratum_key(region=college.region, territory=college.territory, kind=college.kind,
                                         language=college.language, band=band),
            "took_part": sorted(took_part.get(college.pk, ())),
        })
    return pool


@transaction.atomic
def pool_freeze(*, round: Round, by: User) -> Round:
    """Ministry: freeze the list of eligible colleges the draw runs on (MON-10). Again, while no seed is published
    and nothing is drawn; after that the pool is the published input and never changes."""
    round = _locked(round)
    _require_status(round, (Round.Status.DRAFT,), "MON-10", _("Freezing the pool"))
    if round.seed_published_at or round.draws.exists():
        raise _refuse("MON-10", _("The pool is frozen before the seed is published; after that it never changes."),
                      "pool")
    pool = pool_build(round=round)
    if not pool:
        raise _refuse("MON-10", _("No college has students of the round's cohorts."), "pool")
    round.pool = pool
    round.pool_sha256 = hashlib.sha256(pool_csv(pool)).hexdigest()
    round.pool_frozen_at = timezone.now()
    round.save(update_fields=["pool", "pool_sha256", "pool_frozen_at", "updated_at"])
    _audit("monitoring.pool.frozen", round, by, {"colleges": len(pool), "pool_sha256": round.pool_sha256})
    return round


# --- The seed and the draw (MON-10, OQ-25) ---------------------------------------------------------------------------


@transaction.atomic
def seed_publish(*, round: Round, by: User, seed: str = "") -> Round:
    """Ministry: publish the seed of the next draw, after the pool is frozen (so neither can be fitted to the other).
    Without a seed given, 128 random bits are published."""
    round = _locked(round)
    _require_status(round, (Round.Status.DRAFT,), "MON-10", _("Publishing a seed"))
    if not round.pool_frozen_at:
        raise _refuse("MON-10", _("Freeze the pool first: the seed is published after the pool."), "seed")
    seed = seed or secrets.token_hex(16)
    violation = rules.seed_check(seed)
    if violation:
        raise RulesBroken([violation], _("The seed cannot be published."))
    round.seed = seed
    round.seed_published_at = timezone.now()
    round.save(update_fields=["seed", "seed_published_at", "updated_at"])
    _audit("monitoring.seed.published", round, by, {"seed": seed, "pool_sha256": round.pool_sha256})
    return round


def draw_result(draw: rules.Draw) -> dict:
    """A rules.Draw as stored with its version and published (JSON, CSV, the page)."""
    return {
        "strata": [{"key": s.key, "pool": s.pool, "new": s.new, "exact": str(s.exact), "quota": s.quota,
                    "extra": s.extra, "tiebreak": s.tiebreak, "selected": list(s.selected)} for s in draw.strata],
        "colleges": [{"code": c.code, "stratum": c.stratum, "took_part": list(c.took_part), "sha256": c.sha256,
                      "rank": c.rank, "selected": c.selected, "reason": c.reason} for c in draw.colleges],
    }


@transaction.atomic
def round_draw(*, round: Round, by: User) -> DrawVersion:
    """Ministry: draw the sample (MON-10) on the frozen pool with the published seed: a new version each time, the
    earlier ones kept. Refused once the colleges are notified (the selection is then what they were told)."""
    round = _locked(round)
    _require_status(round, (Round.Status.DRAFT,), "MON-10", _("A draw"))
    if not round.pool_frozen_at or not round.seed_published_at:
        raise _refuse("MON-10", _("Freeze the pool and publish the seed before the draw."), "seed")
    pool = [rules.PoolCollege(row["code"], row["stratum"], tuple(row["took_part"])) for row in round.pool]
    result = rules.draw(pool, seed=round.seed, share=rules.SHARE)
    number = (round.draws.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DrawVersion.objects.create(
        round=round, number=number, seed=round.seed, seed_published_at=round.seed_published_at,
        pool_sha256=round.pool_sha256, share=round.share, total=result.total, pool_size=len(pool),
        result=draw_result(result), selected=list(result.selected), drawn_by=by)
    _audit("monitoring.draw", round, by, {"version": number, "seed": round.seed, "pool_sha256": round.pool_sha256,
                                          "selected": len(result.selected)})
    return version


def latest_draw(round: Round) -> DrawVersion | None:
    return round.draws.order_by("-number").first()


# --- The notice (MON-09) ----------------------------------------------------------------------------------------------


@transaction.atomic
def round_notify(*, round: Round, by: User, today: date | None = None) -> Round:
    """Ministry: fix the latest draw's selection and notify the selected colleges at least a month before the testing
    (MON-09): each gets its participants (MON-08), a notice in the portal and by e-mail to its administrators, and the
    notice as a PDF."""
    from ..documents import NOTICE

    round = _locked(round)
    today = today or timezone.localdate()
    _require_status(round, (Round.Status.DRAFT,), "MON-09", _("Notifying the colleges"))
    version = latest_draw(round)
    if version is None:
        raise _refuse("MON-10", _("Draw the sample before notifying the colleges."), "status")
    violation = rules.notice_check(today=today, testing_on=round.testing_on)
    if violation:
        raise RulesBroken([violation], _("The colleges cannot be notified."))
    with scopes_disabled():  # every selected college at once: the reads below name their colleges
        pool = {row["code"]: row for row in round.pool}
        colleges = {c.slug: c for c in College.objects.filter(slug__in=version.selected)}
        missing = sorted(set(version.selected) - set(colleges))
        if missing:
            raise _refuse("MON-10", _("These colleges of the draw no longer exist: %(codes)s.")
                          % {"codes": ", ".join(missing)}, "status")
        now = timezone.now()
        selected = []
        for number, code in enumerate(sorted(version.selected), start=1):
            row = pool[code]
            selected.append(RoundCollege(
                college=colleges[code], round=round, number=number, draw=version, region=row["region"],
                territory=row["territory"], kind=row["kind"], language=row["language"], band=row["band"],
                stratum=row["stratum"], notified_at=now))
        RoundCollege.objects.bulk_create(selected)
        selected = list(RoundCollege.objects.filter(round=round).select_related("college"))
        counts = participants_generate(round=round, round_colleges=selected)
        admins: dict[int, list[User]] = {}
        for membership in Membership.objects.filter(college__in=[rc.college_id for rc in selected],
                                                    role=Role.ADMIN).select_related("user"):
            admins.setdefault(membership.college_id, []).append(membership.user)
        round.status = Round.Status.NOTIFIED
        round.notice_on = today
        round.save(update_fields=["status", "notice_on", "updated_at"])
        entries = []
        for rc in selected:
            college = rc.college
            with college.in_language():
                document, _created = document_request(college=college, kind=NOTICE, subject_id=rc.pk,
                                                      language=college.language, by=by)
                url = f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/"
                notify(college=college, users=admins.get(college.pk, []),
                       subject=_("Monitoring of educational achievements %(year)s: your college takes part")
                       % {"year": round.year},
                       body=_("Testing on %(date)s for %(cohorts)s. Participants: %(count)s. Enter excusals with their "
                              "documents and seat the testees before the day.")
                       % {"date": round.testing_on.strftime("%d.%m.%Y"), "cohorts": ", ".join(round.cohort_labels),
                          "count": counts.get(rc.pk, 0)}, url=url)
            rc.notice_document = document
            entries.append(audit_entry(action="monitoring.notice.sent", college=college, actor=by, obj=rc,
                                       data={"round": round.pk, "participants": counts.get(rc.pk, 0),
                                             "document": document.pk}))
        RoundCollege.objects.with_scopes_disabled().bulk_update(selected, ["notice_document"])
        AuditEntry.objects.bulk_create(entries)
    _audit("monitoring.round.notified", round, by, {"version": version.number, "colleges": len(selected),
                                                    "participants": sum(counts.values()), "notice_on": today})
    return round


# --- The rest of the state machine ------------------------------------------------------------------------------------


@transaction.atomic
def round_start_testing(*, round: Round, by: User, today: date | None = None) -> Round:
    """Ministry: the round moves to testing, no sooner than a month after its notice (MON-09)."""
    round = _locked(round)
    _require_status(round, (Round.Status.NOTIFIED,), "MON-09", _("Starting the testing"))
    violation = rules.testing_start_check(today=today or timezone.localdate(), notice_on=round.notice_on)
    if violation:
        raise RulesBroken([violation], _("The testing cannot start yet."))
    round.status = Round.Status.TESTING
    round.testing_started_at = timezone.now()
    round.save(update_fields=["status", "testing_started_at", "updated_at"])
    _audit("monitoring.round.testing", round, by)
    return round


@transaction.atomic
def round_mark_analysed(*, round: Round, by: User) -> Round:
    """Ministry: the comprehensive analysis is done (MON-25)."""
    round = _locked(round)
    _require_status(round, (Round.Status.RESULTS,), "MON-25", _("Marking the round analysed"))
    round.status = Round.Status.ANALYSED
    round.analysed_at = timezone.now()
    round.save(update_fields=["status", "analysed_at", "updated_at"])
    _audit("monitoring.round.analysed", round, by)
    return round


def _cancel_check(basis: str, reason: str) -> list[RuleViolation]:
    errors = []
    if basis not in CancelBasis.values:
        errors.append(RuleViolation("MON-11", _("Choose what the decision rests on (002 §15)."), "basis"))
    if not (reason or "").strip():
        errors.append(RuleViolation("MON-11", _("Give the reason: the emergency or the restrictive measures, and the "
                                                "decision's reference."), "reason"))
    return errors


def _release(selected: list[RoundCollege], *, basis: str, reason: str, by: User, round: Round) -> int:
    """Mark the colleges cancelled and release their participants who still take part; returns how many."""
    now = timezone.now()
    ids = [rc.pk for rc in selected]
    RoundCollege.objects.with_scopes_disabled().filter(pk__in=ids).update(cancelled_at=now, cancel_basis=basis,
                                                                          cancel_reason=reason)
    released = (Participant.objects.with_scopes_disabled()
                .filter(round_college_id__in=ids, status=ParticipantStatus.PARTICIPANT)
                .update(status=ParticipantStatus.RELEASED, room="", seat=None))
    AuditEntry.objects.bulk_create([
        audit_entry(action="monitoring.college.cancelled", college=rc.college_id, actor=by, obj=rc,
                    data={"round": round.pk, "basis": basis, "reason": reason}) for rc in selected])
    return released


@transaction.atomic
def round_cancel(*, round: Round, by: User, basis: str, reason: str) -> Round:
    """Ministry: the whole round is not held (MON-11), on a decision of the ministries of health or of emergencies
    or on the regional departments' proposals. The selected colleges are marked and their participants released."""
    round = _locked(round)
    _require_status(round, (Round.Status.DRAFT, Round.Status.NOTIFIED, Round.Status.TESTING), "MON-11",
                    _("Cancelling the round"))
    errors = _cancel_check(basis, reason)
    if errors:
        raise RulesBroken(errors, _("The round cannot be cancelled so."))
    selected = list(RoundCollege.objects.with_scopes_disabled().filter(round=round, cancelled_at__isnull=True))
    released = _release(selected, basis=basis, reason=reason, by=by, round=round)
    round.status = Round.Status.CANCELLED
    round.cancelled_at = timezone.now()
    round.cancel_basis, round.cancel_reason = basis, reason
    round.save(update_fields=["status", "cancelled_at", "cancel_basis", "cancel_reason", "updated_at"])
    _audit("monitoring.round.cancelled", round, by, {"basis": basis, "reason": reason, "colleges": len(selected),
                                                     "released": released})
    return round


@transaction.atomic
def territory_cancel(*, round: Round, by: User, region: str, basis: str, reason: str,
                     college_ids: list[int] | None = None) -> list[RoundCollege]:
    """Ministry: the testing is not held in a territory (MON-11): the selected colleges of a region (or the given
    ones of it) are marked cancelled with the decision's basis and reason, and their participants released."""
    round = _locked(round)
    _require_status(round, (Round.Status.NOTIFIED, Round.Status.TESTING), "MON-11",
                    _("Cancelling the testing in a territory"))
    errors = _cancel_check(basis, reason)
    selected = RoundCollege.objects.with_scopes_disabled().filter(round=round, college__region=region,
                                                                  cancelled_at__isnull=True)
    if college_ids:
        selected = selected.filter(college_id__in=college_ids)
    selected = list(selected)
    if not selected:
        errors.append(RuleViolation("MON-11", _("No selected college of this territory is still to be tested."),
                                    "region"))
    if errors:
        raise RulesBroken(errors, _("The testing cannot be cancelled so."))
    released = _release(selected, basis=basis, reason=reason, by=by, round=round)
    _audit("monitoring.territory.cancelled", round, by, {"region": region, "basis": basis, "reason": reason,
                                                         "colleges": [rc.college_id for rc in selected],
                                                         "released": released})
    return selected


def overdue_round_ids(*, today: date, calendar, selected=None) -> set[int]:
    """MON-23: rounds in testing (or with results) whose due date passed while a college still waits for results
    (``selected``: among these selected colleges only, a viewer's)."""
    selected = RoundCollege.objects.with_scopes_disabled().all() if selected is None else selected
    waiting = (selected.filter(round__status__in=[Round.Status.TESTING, Round.Status.RESULTS],
                               cancelled_at__isnull=True, results_imported_at__isnull=True)
               .values_list("round_id", "round__testing_on").distinct())
    return {pk for pk, testing_on in waiting if today > rules.results_due(testing_on=testing_on, calendar=calendar)}


def round_pending_counts(round: Round, selected=None) -> dict[str, int]:
    """Colleges of the round (``selected``: a viewer's) still waiting for results, cancelled, and with results."""
    selected = RoundCollege.objects.with_scopes_disabled().filter(round=round) if selected is None else selected
    return selected.aggregate(
        waiting=Count("pk", filter=Q(cancelled_at__isnull=True, results_imported_at__isnull=True)),
        cancelled=Count("pk", filter=Q(cancelled_at__isnull=False)),
        received=Count("pk", filter=Q(results_imported_at__isnull=False)))

