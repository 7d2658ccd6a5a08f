"""A college administrator's analytics of a round (their college beside the national mean, MON-25) and the survey's
invitations for their rooms, groups and teachers (MON-21), under /colleges/<college>/monitoring/."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from attestation.views import college_view

from .. import rules, selectors, survey
from ..documents import ANALYSIS
from ..forms import SurveyIssueForm
from ..models import Participant, SurveyBatch
from ..services import survey as survey_services
from .analytics import FORMATS, _batch, analytics_context, export, links_response
from .common import REFUSALS, refuse

ADMIN = "admin"


def _viewer_round(request: HttpRequest, pk: int):
    viewer = selectors.college_viewer(request.user, request.college)
    round = selectors.round_get(viewer, pk)
    rc = selectors.round_college_get(viewer, round, request.college.pk)
    return viewer, round, rc


@college_view(ADMIN)
def analytics(request: HttpRequest, pk: int) -> HttpResponse:
    viewer, round, rc = _viewer_round(request, pk)
    with scopes_disabled():
        context = analytics_context(request, viewer, round, default="subject")
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        return export(request, context["analysis"], fmt, college=request.college)
    from attestation.models import Document

    context.update({"rc": rc, "documents": list(Document.objects.filter(
        college=request.college, kind=ANALYSIS.code, subject_id=rc.pk).order_by("language", "-created_at")),
        "analysis_due": rules.analysis_due(testing_on=round.testing_on)})
    return render(request, "monitoring/college/analytics.html", context)


@college_view(ADMIN)
def survey_page(request: HttpRequest, pk: int) -> HttpResponse:
    viewer, round, rc = _viewer_round(request, pk)
    form = SurveyIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = survey_services.invitations_issue(round_college=rc, by=request.user, **form.issue_data())
        except REFUSALS as exc:
            refuse(request, exc)
        else:
            messages.success(request, _("%(count)s invitations are issued.") % {"count": batch.size})
            return redirect(reverse("college_monitoring:survey", kwargs={"college": request.college.slug,
                                                                          "pk": round.pk}))
    rooms = sorted({p.room for p in Participant.objects.filter(college=request.college, round_college=rc)
                    if p.room})
    with scopes_disabled():
        opinions = survey.results(viewer, round, by="college")
    return render(request, "monitoring/college/survey.html", {
        "rc": rc, "round": round, "form": form, "rooms": rooms, "opinions": opinions, "min_group": rules.MIN_GROUP,
        "batches": SurveyBatch.objects.filter(college=request.college, round_college=rc).order_by("respondent",
                                                                                                 "label")})


@college_view(ADMIN)
def survey_links(request: HttpRequest, pk: int, batch: int) -> HttpResponse:
    viewer, round, _rc = _viewer_round(request, pk)
    with scopes_disabled():
        found = _batch(viewer, round, batch)
        return links_response(request, found, request.GET.get("format", ""))
