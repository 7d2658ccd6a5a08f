"""Analytics pages (MON-24 … MON-26): the authorities' dashboard of a round with its charts, tables and exports, the
analytical report, the survey's invitations (MON-21) and the public pages: the results of a year (MON-24) and the
survey itself, both without an account. A college administrator's own analytics are in ``college_analytics``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from attestation.audit import audit_log
from attestation.calendar import working_calendar

from .. import analytics, exports, report, rules, selectors, survey
from ..forms import SurveyAnswerForm, SurveyIssueForm
from ..models import Cohort, Round, SurveyBatch
from ..services import MonitoringConflict
from ..services import analysis as analysis_services
from ..services import survey as survey_services
from .common import REFUSALS, authority_view, download, refuse

MINISTRY = selectors.MINISTRY
ANALYSTS = (selectors.MINISTRY, selectors.REGION)
FORMATS = {"csv": (exports.analysis_csv, exports.CSV), "xlsx": (exports.analysis_xlsx, exports.XLSX)}


def choice(request: HttpRequest, name: str, allowed, default: str = "") -> str:
    value = request.GET.get(name, default)
    return value if value in allowed else default


def chart_data(found: analytics.Analysis, years: analytics.Trend) -> dict:
    """What static/js/analytics.js draws, as JSON in the page (no inline script: CSP)."""
    def r(value):
        return None if value is None else round(value, 2)

    return {
        "groups": {"labels": [g.label for g in found.groups], "means": [r(g.mean) for g in found.groups],
                   "ci": [[r(g.ci_low), r(g.ci_high)] if g.ci_low is not None else None for g in found.groups],
                   "national": r(found.national.mean)},
        "distribution": {"labels": [f"{10 * i}–{10 * i + 10}%" for i in range(rules.DISTRIBUTION_BINS)],
                         "shares": [r(s) for s in found.total.shares]},
        "trend": {"years": years.years, "series": [{"label": label, "means": [r(m) for m in means]}
                                                   for _key, label, means in years.rows[:12]],
                  "national": [r(m) for m in years.national]},
        "text": {"mean": _("Mean, % of the maximum"), "ci": _("95% confidence interval"),
                 "national": _("National mean"), "share": _("Share of results, %")},
    }


def analytics_context(request: HttpRequest, viewer: selectors.Viewer, round: Round, *, default: str) -> dict:
    group_by = choice(request, "group_by", analytics.GROUP_BY, default)
    found = analytics.analysis(viewer, round, group_by=group_by, subject=request.GET.get("subject", ""),
                               cohort=choice(request, "cohort", round.cohorts))
    years = analytics.trend(viewer, group_by=group_by, subject=found.subject, cohort=found.cohort)
    labels = analytics.group_by_labels()
    return {"round": round, "analysis": found, "trend": years, "chart": chart_data(found, years),
            "group_by_labels": labels, "group_by_label": labels[group_by],
            "cohort_choices": [(code, label) for code, label in Cohort.choices if code in round.cohorts],
            "distribution_rows": [(f"{10 * i}–{10 * i + 10}%", count, share) for i, (count, share) in
                                  enumerate(zip(found.total.sums.distribution, found.total.shares, strict=True))],
            "opinions": survey.results(viewer, round, by="college" if viewer.kind == selectors.COLLEGE else "region"),
            "min_group": rules.MIN_GROUP, "query": request.GET.urlencode()}


def export(request: HttpRequest, found: analytics.Analysis, fmt: str, college=None) -> HttpResponse:
    make, content_type = FORMATS[fmt]
    audit_log(action="monitoring.export.analytics", college=college, actor=request.user, obj=found.round,
              data={"round": found.round.pk, "format": fmt, "group_by": found.group_by, "subject": found.subject,
                    "cohort": found.cohort})
    return download(make(found), content_type, f"bbzhm-{found.round.year}-{found.group_by}.{fmt}")


@authority_view(*ANALYSTS)
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    context = analytics_context(request, viewer, round, default="region" if viewer.is_ministry else "college")
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        return export(request, context["analysis"], fmt)
    context["readiness"] = analytics.readiness(viewer, round, today=timezone.localdate(), calendar=working_calendar(),
                                               annulled=context["analysis"].total.sums.annulled)
    context["is_ministry"] = viewer.is_ministry
    return render(request, "monitoring/analytics.html", context)


@authority_view(*ANALYSTS)
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """MON-26: the national (ministry) or regional report, in Kazakh or Russian."""
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    language = choice(request, "language", ("kk", "ru"), "kk")
    content = report.authority_report_pdf(viewer, round, language=language)
    audit_log(action="monitoring.export.report", college=None, actor=request.user, obj=round,
              data={"round": round.pk, "language": language, "region": viewer.region})
    return download(content, "application/pdf", f"bbzhm-{round.year}-analysis-{language}.pdf")


@require_POST
@authority_view(MINISTRY)
def analysis_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """MON-25: the analysis of each college with results, to the colleges (kk and ru, through the pipeline)."""
    round = selectors.round_get(request.viewer, pk)
    created = analysis_services.analyses_request(round=round, by=request.user,
                                                 selected=selectors.round_colleges(request.viewer, round))
    messages.success(request, _("%(count)s analysis documents are being prepared for the colleges.")
                     % {"count": created})
    return redirect(reverse("monitoring:analytics", kwargs={"pk": round.pk}))


# --- The survey's invitations (MON-21) -----------------------------------------------------------------------------


@authority_view(*ANALYSTS)
def survey_batches(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    selected = list(selectors.round_colleges(viewer, round).select_related("college").order_by("number"))
    form = SurveyIssueForm(request.POST or None, colleges=selected)
    if request.method == "POST":
        if not viewer.is_ministry:
            raise PermissionDenied
        if form.is_valid():
            rc = selectors.round_college_get(viewer, round, int(form.cleaned_data["college"]))
            try:
                batch = survey_services.invitations_issue(round_college=rc, by=request.user, **form.issue_data())
            except REFUSALS as exc:
                refuse(request, exc)
            else:
                messages.success(request, _("%(count)s invitations are issued.") % {"count": batch.size})
                return redirect(reverse("monitoring:survey", kwargs={"pk": round.pk}))
    batches = (SurveyBatch.objects.with_scopes_disabled().filter(round=round, round_college__in=selected)
               .select_related("college").order_by("college__name_kk", "respondent", "label"))
    return render(request, "monitoring/survey_batches.html", {
        "round": round, "form": form, "batches": batches, "is_ministry": viewer.is_ministry,
        "opinions": survey.results(viewer, round), "min_group": rules.MIN_GROUP})


def _batch(viewer, round: Round, batch: int) -> SurveyBatch:
    found = (SurveyBatch.objects.with_scopes_disabled()
             .filter(round=round, pk=batch, round_college__in=selectors.round_colleges(viewer, round))
             .select_related("college", "round").first())
    if found is None:
        raise Http404
    return found


def links_response(request: HttpRequest, batch: SurveyBatch, fmt: str) -> HttpResponse:
    """The batch's links as a printable page of slips, or as XLSX; the download is audited (the links, not who
    answers them)."""
    invitations = list(batch.invitations.model.objects.with_scopes_disabled().filter(batch=batch).order_by("pk"))
    base = request.build_absolute_uri("/")[:-1]
    slips = [{"number": n, "url": base + reverse("monitoring:survey_page", kwargs={"token": i.token}),
              "used": i.used} for n, i in enumerate(invitations, start=1)]
    audit_log(action="monitoring.export.survey_links", college=batch.college_id, actor=request.user, obj=batch,
              data={"round": batch.round_id, "format": fmt or "html"})
    if fmt == "xlsx":
        return download(exports.survey_links_xlsx(batch, slips), exports.XLSX,
                        f"survey-{batch.college.slug}-{batch.pk}.xlsx")
    from attestation.documents.render import qr_data_uri

    for slip in slips:
        slip["qr"] = qr_data_uri(slip["url"])
    return render(request, "monitoring/survey_slips.html", {"batch": batch, "slips": slips})


@authority_view(MINISTRY)
def survey_links(request: HttpRequest, pk: int, batch: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    return links_response(request, _batch(request.viewer, round, batch), request.GET.get("format", ""))


# --- Without an account: the survey (MON-21) and the public results (MON-24) -----------------------------------


def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    """The anonymous questionnaire of one invitation: no account, no session, nothing logged of who answers."""
    invitation = survey_services.invitation_for(token)
    batch = invitation.batch
    refusal = None if not invitation.used else _("This invitation has been answered already: one answer per "
                                                 "invitation.")
    closed = survey_services.open_check(round=batch.round, round_college=batch.round_college,
                                        today=timezone.localdate())
    form = SurveyAnswerForm(request.POST or None, respondent=batch.respondent)
    done = False
    if request.method == "POST" and refusal is None and closed is None and form.is_valid():
        try:
            survey_services.survey_answer(token=token, answers=form.cleaned_data)
        except MonitoringConflict as exc:
            refusal = exc.violation.message
        except REFUSALS as exc:
            refuse(request, exc)
        else:
            done = True
    with scopes_disabled():
        college = batch.college
    return render(request, "monitoring/survey_page.html", {
        "form": form, "done": done, "refusal": refusal, "closed": closed, "college": None,
        "college_name": college.name, "year": batch.round.year, "respondent": batch.get_respondent_display(),
        "options": survey.option_labels()})


def public(request: HttpRequest, year: int) -> HttpResponse:
    """MON-24: the results of a year's round for everyone: aggregates only, no group under rules.MIN_GROUP."""
    round = Round.objects.filter(year=year, status__in=analytics.ANALYSED).first()
    if round is None:
        raise Http404
    return render(request, "monitoring/public.html", {
        "round": round, "tables": analytics.public_tables(round), "group_by_labels": analytics.group_by_labels(),
        "opinions": survey.results(None, round), "min_group": rules.MIN_GROUP,
        "years": list(Round.objects.filter(status__in=analytics.ANALYSED).order_by("-year")
                      .values_list("year", flat=True))})
