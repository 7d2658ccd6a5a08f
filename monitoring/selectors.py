"""Reads of the monitoring, all through one question: which selected colleges of a round may this person see?

``round_colleges(viewer, round)`` answers it, and every other read (participants, acts, results, representatives,
documents, exports; pages and API alike) starts from its answer, so a regional analyst never reaches another
region's college, act or result, a representative only the colleges they are assigned to, and a college
administrator only their own college. The authorities' area has no college scope: these reads disable the scope
explicitly and filter by the viewer instead (DESIGN.md "Monitoring")."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from attestation.models import AuditEntry, College, Document, Membership, Role, Student, User

from .models import Act, Participant, ParticipantStatus, Representative, Result, ResultSummary, Round, RoundCollege

MINISTRY = "ministry"
REGION = "region"
REPRESENTATIVE = "representative"
COLLEGE = "college"


@dataclass(frozen=True)
class Viewer:
    """Who reads: the ministry (and the platform operator) everything; a regional department its region; a
    representative the colleges assigned to them; a college administrator the colleges they administer."""

    user: User
    kind: str
    region: str = ""
    college_ids: frozenset[int] = frozenset()

    @property
    def is_ministry(self) -> bool:
        return self.kind == MINISTRY

    @property
    def is_authority(self) -> bool:
        """Ministry or regional department: the analysts who read rounds, pools and draws."""
        return self.kind in (MINISTRY, REGION)


def viewer_for(user: User) -> Viewer | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if user.authority == User.Authority.MINISTRY or user.is_operator:
        return Viewer(user, MINISTRY)
    if user.authority == User.Authority.REGION:
        return Viewer(user, REGION, region=user.authority_region)
    if user.authority == User.Authority.REPRESENTATIVE:
        return Viewer(user, REPRESENTATIVE)
    with scopes_disabled():
        ids = frozenset(Membership.objects.filter(user=user, role=Role.ADMIN).values_list("college_id", flat=True))
    return Viewer(user, COLLEGE, college_ids=ids) if ids else None


def college_viewer(user: User, college: College) -> Viewer:
    """A college administrator on their college's pages: that college only."""
    return Viewer(user, COLLEGE, college_ids=frozenset({college.pk}))


# --- Rounds ---------------------------------------------------------------------------------------------------


def rounds(viewer: Viewer) -> QuerySet[Round]:
    """The rounds a viewer sees: the analysts every round; others the rounds where they have a college."""
    if viewer.is_authority:
        return Round.objects.all()
    return Round.objects.filter(pk__in=_all_round_colleges(viewer).values("round_id"))


def round_get(viewer: Viewer, pk: int) -> Round:
    found = rounds(viewer).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _all_round_colleges(viewer: Viewer) -> QuerySet[RoundCollege]:
    selected = RoundCollege.objects.with_scopes_disabled().all()
    if viewer.kind == MINISTRY:
        return selected
    if viewer.kind == REGION:
        return selected.filter(college__region=viewer.region)
    if viewer.kind == REPRESENTATIVE:
        assigned = Representative.objects.with_scopes_disabled().filter(user=viewer.user)
        return selected.filter(pk__in=assigned.values("round_college_id"))
    return selected.filter(college_id__in=viewer.college_ids)


def visible_round_colleges(viewer: Viewer) -> QuerySet[RoundCollege]:
    """The selected colleges of every round this viewer may see."""
    return _all_round_colleges(viewer)


def round_colleges(viewer: Viewer, round: Round) -> QuerySet[RoundCollege]:
    """THE filter: the selected colleges of a round this viewer may see."""
    return _all_round_colleges(viewer).filter(round=round)


def round_college_get(viewer: Viewer, round: Round, college_id: int) -> RoundCollege:
    found = round_colleges(viewer, round).select_related("college", "round").filter(college_id=college_id).first()
    if found is None:
        raise Http404
    return found


def round_colleges_overview(viewer: Viewer, round: Round) -> QuerySet[RoundCollege]:
    """The visible selected colleges with their counts of participants, excused, acts and results."""
    return (round_colleges(viewer, round).select_related("college")
            .annotate(participants_count=Count("participants", distinct=True),
                      excused_count=Count("participants", filter=Q(participants__status=ParticipantStatus.EXCUSED),
                                          distinct=True),
                      acts_count=Count("acts", distinct=True))
            .order_by("number"))


def results_counts(viewer: Viewer, round: Round) -> dict[int, int]:
    """Results per visible college (id → count), in one query."""
    rows = (Result.objects.with_scopes_disabled().filter(round=round, college_id__in=round_colleges(viewer, round)
                                                          .values("college_id"))
            .values("college_id").annotate(n=Count("id")))
    return {row["college_id"]: row["n"] for row in rows}


# --- Rows of the visible colleges -----------------------------------------------------------------------------


def participants(viewer: Viewer, round: Round, *, college_id: int | None = None) -> QuerySet[Participant]:
    visible = round_colleges(viewer, round)
    if college_id is not None:
        visible = visible.filter(college_id=college_id)
    return (Participant.objects.with_scopes_disabled().filter(round=round, round_college__in=visible)
            .select_related("college").order_by("college_id", "code"))


def participant_get(viewer: Viewer, round: Round, pk: int) -> Participant:
    found = participants(viewer, round).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def acts(viewer: Viewer, round: Round, *, college_id: int | None = None) -> QuerySet[Act]:
    visible = round_colleges(viewer, round)
    if college_id is not None:
        visible = visible.filter(college_id=college_id)
    return (Act.objects.with_scopes_disabled().filter(round=round, round_college__in=visible)
            .select_related("college", "participant").order_by("-occurred_at", "-id"))


def act_get(viewer: Viewer, round: Round, pk: int) -> Act:
    found = acts(viewer, round).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def results(viewer: Viewer, round: Round, *, college_id: int | None = None, subject: str = "") -> QuerySet[Result]:
    visible = round_colleges(viewer, round)
    if college_id is not None:
        visible = visible.filter(college_id=college_id)
    found = Result.objects.with_scopes_disabled().filter(round=round, college_id__in=visible.values("college_id"))
    if subject:
        found = found.filter(subject=subject)
    return found.select_related("participant", "college").order_by("college_id", "participant__code", "subject")


def summaries(viewer: Viewer, round: Round) -> QuerySet[ResultSummary]:
    """The summary rows analytics read, limited to the visible colleges."""
    return ResultSummary.objects.with_scopes_disabled().filter(
        round=round, round_college__in=round_colleges(viewer, round)).select_related("round_college")


def representatives(viewer: Viewer, round: Round) -> QuerySet[Representative]:
    return (Representative.objects.with_scopes_disabled().filter(round=round,
                                                                round_college__in=round_colleges(viewer, round))
            .select_related("user", "college", "round_college").order_by("round_college__number", "user__username"))


def documents(viewer: Viewer, round: Round, *, kinds: tuple[str, ...], subject_ids: list[int],
              college_id: int) -> list[Document]:
    """The ready or pending documents of these kinds and subjects in a visible college."""
    round_college_get(viewer, round, college_id)
    with scopes_disabled():
        return list(Document.objects.filter(college_id=college_id, kind__in=kinds, subject_id__in=subject_ids)
                    .order_by("kind", "subject_id", "language", "-created_at"))


def document_get(viewer: Viewer, round: Round, pk: int) -> Document:
    """A monitoring document (notice, seating sheet, act) of a visible college, or 404."""
    from .documents import ACT, ANALYSIS, NOTICE, SEATING

    with scopes_disabled():
        document = Document.objects.filter(pk=pk, kind__in=[NOTICE.code, SEATING.code, ACT.code,
                                                            ANALYSIS.code]).first()
    if document is None:
        raise Http404
    rc = round_college_get(viewer, round, document.college_id)
    subject_round = {NOTICE.code: lambda: rc.pk, SEATING.code: lambda: rc.pk, ANALYSIS.code: lambda: rc.pk,
                     ACT.code: lambda: acts(viewer, round).filter(pk=document.subject_id).values_list(
                         "round_college_id", flat=True).first()}[document.kind]()
    if subject_round != rc.pk or (document.kind != ACT.code and document.subject_id != rc.pk):
        raise Http404
    return document


# --- Representatives' own view ----------------------------------------------------------------------------------


def assignments(user: User) -> QuerySet[Representative]:
    """A representative's colleges in rounds still open (notified, testing, or with results while acts of the testing
    day are still taken), for their phone."""
    return (Representative.objects.with_scopes_disabled().filter(
        user=user, round__status__in=[Round.Status.NOTIFIED, Round.Status.TESTING, Round.Status.RESULTS])
        .select_related("round", "college", "round_college").order_by("-round__year", "round_college__number"))


def representative_candidates() -> QuerySet[User]:
    return User.objects.filter(authority=User.Authority.REPRESENTATIVE, is_active=True).order_by("full_name",
                                                                                                   "username")


# --- Audit of a round (ministry) --------------------------------------------------------------------------------


def round_audit(round: Round, *, limit: int = 200) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action__startswith="monitoring.", data__round=round.pk)
                    .select_related("college", "actor").order_by("-created_at", "-id")[:limit])


# --- The overview the dashboard has always shown ------------------------------------------------------------------


def colleges_overview(*, region: str | None) -> list[dict]:
    """Colleges (limited to one region for a regional department) with their student counts: aggregates only."""
    with scopes_disabled():
        colleges = College.objects.all()
        if region:
            colleges = colleges.filter(region=region)
        counts = dict(
            Student.objects.filter(college__in=colleges).values_list("college_id").annotate(n=Count("id"))
        )
        return [{"college": c, "students": counts.get(c.pk, 0)} for c in colleges.order_by("region", "name_kk")]
