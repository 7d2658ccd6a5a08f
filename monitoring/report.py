"""The analytical report of a round (MON-25, MON-26) as a PDF, in Kazakh and Russian: a college's comprehensive
analysis beside the national mean goes through the documents pipeline (kind ``monitoring_analysis``: outbox, render
task, QR code and verification link, the college's documents list), and the national or regional report is the same
template rendered on request by the same renderer for the ministry or a regional department (it belongs to no
college, which a pipeline document must).

The payload is plain numbers and words, built in the report's language: tables by subject and, beyond one college,
by region (or college), territory, language, kind and cohort; the distribution as an SVG bar chart drawn from the
numbers (WeasyPrint draws SVG) with its table beside it; year over year; the satisfaction survey's groups of at least
``rules.MIN_GROUP`` answers (MON-21)."""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from attestation.models import region_name

from . import analytics, rules, selectors, survey
from .models import Round, RoundCollege

SCOPE_NATIONAL, SCOPE_REGION, SCOPE_COLLEGE = "national", "region", "college"
BAR_HEIGHT = 40.0  # mm of the tallest bar in the distribution chart
REPORT_CACHE_SECONDS = 24 * 3600
AXIS_Y = 46.0  # mm from the chart's top to its axis: room above the tallest bar for its label


def _figure(value: float | None) -> float | None:
    """A figure of the payload: a number (the template prints it with one decimal, in the report's language), or
    None where there is none."""
    return None if value is None else round(value, 4)


def _group_row(group: analytics.Group) -> dict:
    return {"label": group.label, "n": group.n, "colleges": len(group.colleges), "mean": _figure(group.mean),
            "ci_low": _figure(group.ci_low), "ci_high": _figure(group.ci_high),
            "difference": _figure(group.difference), "position": group.position_label}


def _table(viewer, round, group_by: str) -> dict:
    found = analytics.analysis(viewer, round, group_by=group_by)
    return {"title": str(analytics.group_by_labels()[group_by]).capitalize(),
            "rows": [_group_row(g) for g in found.groups]}


def _chart(shares: list[float]) -> list[dict]:
    """The distribution's bars in millimetres of the SVG (x, y, height), with their labels."""
    top = max(shares) if shares and max(shares) > 0 else 1.0
    bars = []
    for index, share in enumerate(shares):
        height = BAR_HEIGHT * share / top
        bars.append({"x": 12 + index * 16, "y": round(AXIS_Y - height, 2), "height": round(height, 2),
                     "label_y": round(AXIS_Y - height - 1.5, 2), "share": _figure(share),
                     "range": f"{10 * index}–{10 * index + 10}"})
    return bars


def report_payload(viewer: selectors.Viewer, round: Round, *, language: str, scope: str, scope_label: str,
                   college: dict | None = None) -> dict:
    """The report's content for this viewer (its colleges only; the national mean as a single figure)."""
    with translation.override(language):
        total = analytics.analysis(viewer, round, group_by="subject")
        tables = [_table(viewer, round, "subject")]
        if scope != SCOPE_COLLEGE:
            first = "region" if scope == SCOPE_NATIONAL else "college"
            tables += [_table(viewer, round, group_by) for group_by in
                       (first, "territory", "language", "kind", "cohort")]
        years = analytics.trend(viewer, group_by="subject")
        opinions = survey.results(viewer, round, by="college" if scope == SCOPE_COLLEGE else "region")
        return {
            "scope": scope, "scope_label": scope_label, "college": college or {"name": scope_label, "region": ""},
            "round": {"year": round.year, "testing_on": round.testing_on.isoformat(),
                      "analysis_due": rules.analysis_due(testing_on=round.testing_on).isoformat(),
                      "cohorts": round.cohort_labels},
            "generated": timezone.localdate().isoformat(),
            "total": _group_row(total.total), "annulled": total.total.sums.annulled,
            "national": {"mean": _figure(total.national.mean), "n": total.national.n},
            "tables": tables,
            "chart": _chart(total.total.shares),
            "trend": {"years": years.years, "rows": [{"label": label, "means": [_figure(m) for m in means]}
                                                     for _key, label, means in years.rows],
                      "national": [_figure(m) for m in years.national]},
            "survey": opinions.as_payload(),
            "min_group": rules.MIN_GROUP,
        }


def college_payload(*, college, subject_id: int, language: str) -> dict:
    """The pipeline's builder for a college's analysis: the college's own rows beside the national mean."""
    from django.http import Http404
    from django_scopes import scopes_disabled

    with scopes_disabled():
        rc = RoundCollege.objects.filter(college=college, pk=subject_id).select_related("round").first()
        if rc is None:
            raise Http404
        viewer = selectors.Viewer(None, selectors.COLLEGE, college_ids=frozenset({college.pk}))
        return report_payload(viewer, rc.round, language=language, scope=SCOPE_COLLEGE,
                              scope_label=college.name_in(language),
                              college={"name": college.name_in(language),
                                       "region": region_name(college.region, language), "code": college.slug})


def report_title(payload: dict, language: str) -> str:
    return _("Analysis of the monitoring of educational achievements %(year)s: %(scope)s") % {
        "year": payload["round"]["year"], "scope": payload["scope_label"]}


def authority_report_pdf(viewer: selectors.Viewer, round: Round, *, language: str) -> bytes:
    """The national (ministry) or regional report, rendered now by the documents' renderer."""
    from attestation.documents.render import html_render, pdf_from_html

    from .documents import ANALYSIS

    if viewer.is_ministry:
        scope, label = SCOPE_NATIONAL, _national_label(language)
    else:
        scope, label = SCOPE_REGION, region_name(viewer.region, language)
    payload = report_payload(viewer, round, language=language, scope=scope, scope_label=label)
    # The same figures give the same PDF: the rendered report is kept by its payload's digest, so the ministry's
    # analysts asking for it again (or at once) cost one render until an import, an act or a new day changes it.
    key = "monitoring-report:" + hashlib.sha256(
        json.dumps([payload, language], sort_keys=True, default=str).encode()).hexdigest()
    found = cache.get(key)
    if found is not None:
        return found
    with translation.override(language):
        html = html_render(ANALYSIS.template, {"payload": payload, "title": report_title(payload, language),
                                               "language": language})
    pdf = pdf_from_html(html, ANALYSIS.stylesheet)
    cache.set(key, pdf, REPORT_CACHE_SECONDS)
    return pdf


def _national_label(language: str) -> str:
    with translation.override(language):
        return _("Republic of Kazakhstan")
