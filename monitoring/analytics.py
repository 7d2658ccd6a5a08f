"""Analytics of a round (MON-24 … MON-26), read from the summary rows only (``ResultSummary``: one row per round,
college, subject and cohort, annulled results already left out of every sum), never from the 480,000 results.

``analysis(viewer, round, group_by=…)`` groups the rows the viewer may see (``selectors.summaries``) by region,
college, territory, language of instruction, kind, subject or cohort, and gives each group its count, mean, standard
deviation, 95% confidence interval, distribution over tenths of the maximum and its place against the national mean;
the national mean is read over every college of the round but handed to a region or a college as a single figure.
``trend`` gives the same groups' means year by year over the rounds with results. A view is a fixed handful of
queries whatever the number of colleges (tests/monitoring/test_analytics.py counts them at two sizes).

``public_tables`` is what anyone may see (MON-24): aggregates of every college, each table's groups of fewer than
``rules.MIN_GROUP`` results hidden, with the secondary suppression of ``rules.suppressed_groups``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from attestation.models import College, Language, kz_reference

from . import rules, selectors
from .models import Cohort, ResultSummary, Round
from .statistics import Sums, position

GROUP_BY = ("region", "college", "territory", "language", "kind", "subject", "cohort")
FIELDS = {"region": "round_college__region", "college": "college_id", "territory": "round_college__territory",
          "language": "round_college__language", "kind": "round_college__kind", "subject": "subject",
          "cohort": "cohort"}
ANALYSED = (Round.Status.RESULTS, Round.Status.ANALYSED)


def group_by_labels() -> dict[str, str]:
    return {"region": _("region"), "college": _("college"), "territory": _("territory"),
            "language": _("language of instruction"), "kind": _("kind of college"), "subject": _("subject or module"),
            "cohort": _("cohort")}


POSITION_LABELS = {"above": _("above the national mean"), "below": _("below the national mean"),
                   "within": _("no significant difference"), "": "—"}


@dataclass
class Group:
    key: str
    label: str
    sums: Sums
    colleges: set = field(default_factory=set)
    suppressed: bool = False
    reference: float | None = None  # the national mean it is compared with

    @property
    def n(self) -> int:
        return self.sums.n

    @property
    def mean(self) -> float | None:
        return self.sums.mean

    @property
    def sd(self) -> float | None:
        return self.sums.sd

    @property
    def ci_low(self) -> float | None:
        return self.sums.ci[0] if self.sums.ci else None

    @property
    def ci_high(self) -> float | None:
        return self.sums.ci[1] if self.sums.ci else None

    @property
    def difference(self) -> float | None:
        if self.mean is None or self.reference is None:
            return None
        return self.mean - self.reference

    @property
    def position(self) -> str:
        return position(self.sums, self.reference)

    @property
    def position_label(self) -> str:
        return str(POSITION_LABELS[self.position])

    @property
    def shares(self) -> list[float]:
        """The distribution as percentages of the group's results."""
        return [100.0 * count / self.n if self.n else 0.0 for count in self.sums.distribution]


@dataclass
class Analysis:
    round: Round
    group_by: str
    subject: str
    cohort: str
    groups: list[Group]
    total: Group  # every row the viewer sees
    national: Group  # every college of the round; for a region or a college only its mean and count are shown
    subjects: list[str]
    viewer_is_national: bool


class Labels:
    """Names of the groups' keys in the current language, read once per analysis."""

    def __init__(self) -> None:
        self.language = (get_language() or "kk")[:2]
        self.regions = {r["code"]: r.get(self.language) or r["en"] for r in kz_reference()["regions"]}
        self.choices = {"territory": dict(College.Territory.choices), "kind": dict(College.Kind.choices),
                        "language": dict(Language.choices), "cohort": dict(Cohort.choices)}

    def __call__(self, group_by: str, key) -> str:
        if group_by == "region":
            return self.regions.get(key, key)
        if group_by in self.choices:
            return str(self.choices[group_by].get(key, key))
        return str(key)

    def stratum(self, key: str) -> str:
        """A stratum's key (``region/territory/kind/language/band``, rules.stratum_key) in words: «Алматы қаласы ·
        қала · колледж · қазақ тілі · шағын (< 500)». The key itself stays the draw's verification material."""
        parts = key.split("/")
        if len(parts) != 5:
            return key
        region, territory, kind, language, band = parts
        return " · ".join([self.regions.get(region, region), self("territory", territory), self("kind", kind),
                           self("language", language), str(band_labels().get(band, band))])


def band_labels() -> dict[str, str]:
    """The contingent bands of the draw's strata (rules.CONTINGENT_BANDS) in words."""
    return {"small": _("small (under 500 students)"), "medium": _("medium (500 to 999 students)"),
            "large": _("large (1,000 students or more)")}


def _filtered(queryset, subject: str, cohort: str):
    if subject:
        queryset = queryset.filter(subject=subject)
    if cohort:
        queryset = queryset.filter(cohort=cohort)
    return queryset


def national_sums(round: Round, *, subject: str = "", cohort: str = "") -> Sums:
    """Every college of the round (annulled results left out), from the round's national sums (no query: the round
    is read already, and a college's transaction could not see the other colleges' summary rows)."""
    sums = Sums()
    for row_subject, row_cohort, n, annulled, total, squares, distribution in round.national or []:
        if (not subject or row_subject == subject) and (not cohort or row_cohort == cohort):
            sums.add(n=n, annulled=annulled, total=total, squares=squares, distribution=distribution)
    return sums


def analysis(viewer: selectors.Viewer, round: Round, *, group_by: str = "region", subject: str = "",
             cohort: str = "") -> Analysis:
    """The viewer's groups of one round (see the module docstring). ``group_by`` is one of GROUP_BY."""
    if group_by not in GROUP_BY:
        raise ValueError(group_by)
    labels = Labels()
    key_field = FIELDS[group_by]
    rows = _filtered(selectors.summaries(viewer, round), subject, cohort).values_list(
        key_field, "college_id", "college__slug", "college__name_kk", "college__name_ru", "college__name_en", "count",
        "annulled", "percent_sum", "percent_sq_sum", "distribution").order_by()
    groups: dict[str, Group] = {}
    total = Group("", str(_("all visible colleges")), Sums())
    for key, college_id, slug, name_kk, name_ru, name_en, n, annulled, psum, psq, distribution in rows:
        if group_by == "college":
            names = {"kk": name_kk, "ru": name_ru, "en": name_en}
            key, label = slug, names.get(labels.language) or name_kk
        else:
            label = labels(group_by, key)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key, label, Sums())
        for target in (group, total):
            target.sums.add(n=n, annulled=annulled, total=psum, squares=psq, distribution=distribution)
            target.colleges.add(college_id)
    if viewer.is_ministry:  # the ministry sees every college: its total is the national figure
        national = Group("national", str(_("national")), total.sums, set(total.colleges))
    else:
        national = Group("national", str(_("national")), national_sums(round, subject=subject, cohort=cohort))
    for group in [*groups.values(), total]:
        group.reference = national.mean
    ordered = sorted(groups.values(), key=lambda g: (g.label.casefold(), g.key))
    subjects = sorted({row[0] for row in round.national or []}, key=str.casefold)
    return Analysis(round, group_by, subject, cohort, ordered, total, national, subjects, viewer.is_ministry)


@dataclass
class Trend:
    """Year over year: each group's mean in each round with results, the national mean of each year beside it."""

    years: list[int]
    rows: list[tuple[str, str, list[float | None]]]  # key, label, mean per year
    national: list[float | None]


def trend(viewer: selectors.Viewer, *, group_by: str = "region", subject: str = "", cohort: str = "") -> Trend:
    """Means by year over the rounds with results the viewer sees; for colleges only those in two rounds or more."""
    labels = Labels()
    key_field = FIELDS[group_by] if group_by != "college" else "college__slug"
    visible = selectors.visible_round_colleges(viewer).filter(round__status__in=ANALYSED)
    summaries = _filtered(ResultSummary.objects.with_scopes_disabled().filter(round_college__in=visible), subject,
                          cohort)
    per: dict[tuple[str, int], Sums] = {}
    names: dict[str, str] = {}
    fields = [key_field, "round__year", "count", "percent_sum", "percent_sq_sum", "college__name_kk",
              "college__name_ru", "college__name_en"]
    for key, year, n, psum, psq, name_kk, name_ru, name_en in summaries.values_list(*fields).order_by():
        per.setdefault((key, year), Sums()).add(n=n, annulled=0, total=psum, squares=psq, distribution=[])
        if key not in names:
            names[key] = ({"kk": name_kk, "ru": name_ru, "en": name_en}.get(labels.language) or name_kk
                          if group_by == "college" else labels(group_by, key))
    years = sorted({year for _key, year in per})
    national = {r.year: national_sums(r, subject=subject, cohort=cohort).mean
                for r in Round.objects.filter(status__in=ANALYSED, year__in=years).only("year", "national")}
    rows = []
    for key in sorted(names, key=lambda k: (names[k].casefold(), k)):
        means = [per[(key, year)].mean if (key, year) in per else None for year in years]
        if group_by == "college" and sum(1 for m in means if m is not None) < 2:
            continue
        rows.append((key, names[key], means))
    return Trend(years, rows, [national.get(year) for year in years])


# --- The public page (MON-24) ------------------------------------------------------------------------------------

PUBLIC_GROUP_BY = ("region", "territory", "language", "kind", "subject", "cohort")


@dataclass
class PublicTable:
    group_by: str
    groups: list[Group]
    total: Group


def public_tables(round: Round) -> list[PublicTable]:
    """MON-24: aggregates of every college of a round by each public dimension, one query over the summary rows; each
    table's small groups hidden (rules.suppressed_groups), the total hidden too when it is small itself."""
    labels = Labels()
    rows = list(ResultSummary.objects.with_scopes_disabled().filter(round=round).values_list(
        *[FIELDS[g] for g in PUBLIC_GROUP_BY], "count", "annulled", "percent_sum", "percent_sq_sum", "distribution")
        .order_by())
    tables = []
    for index, group_by in enumerate(PUBLIC_GROUP_BY):
        groups: dict[str, Group] = {}
        total = Group("", str(_("all colleges")), Sums())
        for row in rows:
            key = row[index]
            n, annulled, psum, psq, distribution = row[len(PUBLIC_GROUP_BY):]
            group = groups.setdefault(key, Group(key, labels(group_by, key), Sums()))
            for target in (group, total):
                target.sums.add(n=n, annulled=annulled, total=psum, squares=psq, distribution=distribution)
        ordered = sorted(groups.values(), key=lambda g: (g.label.casefold(), g.key))
        for group, hidden in zip(ordered, rules.suppressed_groups([g.n for g in ordered]), strict=True):
            group.suppressed = hidden
        total.suppressed = 0 < total.n < rules.MIN_GROUP
        for group in [*ordered, total]:
            group.reference = None if total.suppressed else total.mean
        tables.append(PublicTable(group_by, ordered, total))
    return tables


# --- What the comprehensive analysis still waits for (MON-23, MON-25) ---------------------------------------------


@dataclass
class Readiness:
    due: object  # date: 3 months after the testing (MON-25)
    days_left: int
    results_due: object  # date: 3 working days after the testing (MON-23)
    results_overdue: bool
    colleges: int  # selected, not cancelled, visible
    without_results: list  # RoundCollege rows still waiting for results
    reports: int  # colleges with their analysis (MON-25) issued
    without_report: int
    analysed: bool
    annulled: int

    @property
    def received(self) -> int:
        return self.colleges - len(self.without_results)


def readiness(viewer: selectors.Viewer, round: Round, *, today, calendar, annulled: int) -> Readiness:
    """MON-25: the analysis is due 3 months after the testing; what is missing for it among the viewer's colleges:
    results not received (MON-23 flags them once the 3 working days are over), the analysis not yet issued to a
    college, the round not yet marked analysed. Two queries."""
    from attestation.models import Document

    from .documents import ANALYSIS

    selected = list(selectors.round_colleges(viewer, round).filter(cancelled_at__isnull=True)
                    .select_related("college").order_by("number"))
    with_report = set(Document.objects.with_scopes_disabled().filter(
        kind=ANALYSIS.code, subject_id__in=[rc.pk for rc in selected]).values_list("subject_id", flat=True))
    due = rules.analysis_due(testing_on=round.testing_on)
    results_due = rules.results_due(testing_on=round.testing_on, calendar=calendar)
    waiting = [rc for rc in selected if rc.results_imported_at is None]
    tested = round.status in (Round.Status.TESTING, Round.Status.RESULTS, Round.Status.ANALYSED)
    return Readiness(due=due, days_left=(due - today).days, results_due=results_due,
                     results_overdue=tested and bool(waiting) and today > results_due, colleges=len(selected),
                     without_results=waiting, reports=len(with_report),
                     without_report=sum(1 for rc in selected if rc.pk not in with_report),
                     analysed=round.status == Round.Status.ANALYSED, annulled=annulled)
