"""The authorities' pages of a round: the dashboard, the round with its deadlines and the actions of its state
machine, the frozen pool and the draw (page and CSV, the public verification material of MON-10)."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.audit import audit_log
from attestation.calendar import working_calendar
from attestation.models import region_name

from .. import analytics, exports, rules, selectors
from ..forms import CancelForm, EmergencyForm, RoundForm, SeedForm
from ..models import DrawVersion, Round
from ..services import rounds as services
from .common import REFUSALS, authority_view, download, refuse

MINISTRY = selectors.MINISTRY
ANALYSTS = (selectors.MINISTRY, selectors.REGION)


def reason_labels() -> dict[str, str]:
    return {rules.DRAWN: _("drawn within the stratum's quota"),
            rules.DRAWN_AGAIN: _("drawn again: the stratum's colleges that never took part are exhausted"),
            rules.BEYOND_QUOTA: _("not drawn: after the stratum's quota"),
            rules.TOOK_PART_EARLIER: _("not drawn: took part earlier, and the stratum has enough colleges that did "
                                       "not")}


def audit_labels() -> dict[str, str]:
    """What each monitoring audit action means, for people (the log keeps the codes)."""
    return {
        "monitoring.round.created": _("round created"), "monitoring.round.updated": _("round changed"),
        "monitoring.round.deleted": _("round deleted"), "monitoring.pool.frozen": _("pool frozen"),
        "monitoring.seed.published": _("seed published"), "monitoring.draw": _("sample drawn"),
        "monitoring.round.notified": _("colleges notified"), "monitoring.notice.sent": _("notice sent"),
        "monitoring.round.testing": _("testing started"), "monitoring.round.results": _("results received"),
        "monitoring.round.analysed": _("marked analysed"), "monitoring.round.cancelled": _("round cancelled"),
        "monitoring.territory.cancelled": _("testing cancelled in a territory"),
        "monitoring.college.cancelled": _("testing cancelled in the college"),
        "monitoring.participants.refreshed": _("participants refreshed"),
        "monitoring.participant.excused": _("participant excused"),
        "monitoring.participant.excusal_withdrawn": _("excusal withdrawn"),
        "monitoring.seating.assigned": _("testees seated"),
        "monitoring.representative.assigned": _("representative assigned"),
        "monitoring.representative.removed": _("representative's assignment removed"),
        "monitoring.act.recorded": _("violation act recorded"), "monitoring.results.imported": _("results imported"),
        "monitoring.results.received": _("results reached the college"),
        "monitoring.export.pool": _("pool downloaded"), "monitoring.export.draw": _("draw downloaded"),
        "monitoring.export.seating": _("seating sheet downloaded"),
        "monitoring.export.document": _("document downloaded"),
        "monitoring.export.excusal": _("excusal document downloaded"),
        "monitoring.export.analytics": _("analytics exported"), "monitoring.export.report": _("report downloaded"),
        "monitoring.export.results": _("results exported"),
        "monitoring.export.survey_links": _("survey invitations downloaded"),
        "monitoring.survey.issued": _("survey invitations issued"),
        "monitoring.analysis.issued": _("analysis sent to the colleges"),
    }


def _round_url(round: Round) -> str:
    return reverse("monitoring:round", kwargs={"pk": round.pk})


@authority_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if viewer.kind == selectors.REPRESENTATIVE:
        return redirect("monitoring:representative")
    rounds = list(selectors.rounds(viewer).order_by("-year"))
    calendar = working_calendar()
    overdue = services.overdue_round_ids(today=timezone.localdate(), calendar=calendar,
                                         selected=selectors.visible_round_colleges(viewer))
    rows = [{"round": r, "overdue": r.pk in overdue,
             "results_due": rules.results_due(testing_on=r.testing_on, calendar=calendar),
             "colleges": selectors.round_colleges(viewer, r).count()} for r in rounds]
    overview = selectors.colleges_overview(region=viewer.region or None)
    return render(request, "monitoring/dashboard.html", {
        "rows": rows, "overview": overview, "region": viewer.region, "region_label": region_name(viewer.region)
        if viewer.region else "", "total_students": sum(r["students"] for r in overview),
        "can_create": viewer.is_ministry})


@authority_view(MINISTRY)
def round_new(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None, initial={"year": timezone.localdate().year,
                                                    "cohorts": ["general", "professional"]})
    if request.method == "POST" and form.is_valid():
        try:
            round, warnings = services.round_create(by=request.user, **form.cleaned_data)
        except REFUSALS as exc:
            refuse(request, exc)
        else:
            for warning in warnings:
                messages.warning(request, f"[{warning.rule}] {warning.message}")
            messages.success(request, _("The round of %(year)s is created.") % {"year": round.year})
            return redirect(_round_url(round))
    return render(request, "monitoring/round_form.html", {"form": form, "round": None})


@authority_view(MINISTRY)
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    form = RoundForm(request.POST or None, initial={"year": round.year, "testing_on": round.testing_on,
                                                    "cohorts": round.cohorts})
    if request.method == "POST" and form.is_valid():
        try:
            round, warnings = services.round_update(round=round, by=request.user, **form.cleaned_data)
        except REFUSALS as exc:
            refuse(request, exc)
        else:
            for warning in warnings:
                messages.warning(request, f"[{warning.rule}] {warning.message}")
            messages.success(request, _("The round is saved."))
            return redirect(_round_url(round))
    return render(request, "monitoring/round_form.html", {"form": form, "round": round})


@authority_view(*ANALYSTS)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    calendar = working_calendar()
    today = timezone.localdate()
    versions = list(DrawVersion.objects.filter(round=round).order_by("-number"))
    visible = selectors.round_colleges(viewer, round)
    counts = services.round_pending_counts(round, visible) if round.status != Round.Status.DRAFT else {}
    results_due = rules.results_due(testing_on=round.testing_on, calendar=calendar)
    return render(request, "monitoring/round.html", {
        "round": round, "versions": versions, "latest": versions[0] if versions else None,
        "is_ministry": viewer.is_ministry, "seed_form": SeedForm(),
        "notice_deadline": rules.notice_deadline(testing_on=round.testing_on),
        "testing_from": round.notice_on + relativedelta(months=rules.NOTICE_MONTHS) if round.notice_on else None,
        "results_due": results_due, "analysis_due": rules.analysis_due(testing_on=round.testing_on),
        "overdue": round.pk in services.overdue_round_ids(today=today, calendar=calendar, selected=visible),
        "counts": counts, "visible_colleges": visible.count(),
        "audit": [(entry, audit_labels().get(entry.action, entry.action))
                  for entry in (selectors.round_audit(round) if viewer.is_ministry else [])],
        "month_warning": rules.testing_month_warning(testing_on=round.testing_on),
    })


ACTIONS = {
    "freeze": lambda round, request: services.pool_freeze(round=round, by=request.user),
    "seed": lambda round, request: services.seed_publish(round=round, by=request.user,
                                                         seed=request.POST.get("seed", "").strip()),
    "draw": lambda round, request: services.round_draw(round=round, by=request.user),
    "notify": lambda round, request: services.round_notify(round=round, by=request.user),
    "testing": lambda round, request: services.round_start_testing(round=round, by=request.user),
    "analysed": lambda round, request: services.round_mark_analysed(round=round, by=request.user),
    "delete": lambda round, request: services.round_delete(round=round, by=request.user),
}


def action_done() -> dict[str, str]:
    return {"freeze": _("The pool of eligible colleges is frozen."), "seed": _("The seed is published."),
            "draw": _("The sample is drawn: a new version."), "notify": _("The selected colleges are notified."),
            "testing": _("The round is in testing."), "analysed": _("The round is marked analysed."),
            "delete": _("The round is deleted.")}


@require_POST
@authority_view(MINISTRY)
def round_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    if name not in ACTIONS:
        raise Http404
    try:
        ACTIONS[name](round, request)
    except REFUSALS as exc:
        refuse(request, exc)
    else:
        messages.success(request, action_done()[name])
        if name == "delete":
            return redirect("monitoring:dashboard")
        if name == "draw":
            return redirect(reverse("monitoring:draw", kwargs={"pk": round.pk}))
    return redirect(_round_url(round))


@authority_view(MINISTRY)
def round_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_cancel(round=round, by=request.user, **form.cleaned_data)
        except REFUSALS as exc:
            refuse(request, exc)
        else:
            messages.success(request, _("The round is cancelled; its participants are released."))
            return redirect(_round_url(round))
    return render(request, "monitoring/cancel.html", {"round": round, "form": form, "emergency": False})


@authority_view(MINISTRY)
def emergency(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    selected = list(selectors.round_colleges(request.viewer, round).select_related("college")
                    .filter(cancelled_at__isnull=True).order_by("college__region", "number"))
    form = EmergencyForm(request.POST or None, colleges=selected)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cancelled = services.territory_cancel(
                round=round, by=request.user, region=data["region"], basis=data["basis"], reason=data["reason"],
                college_ids=[int(c) for c in data["colleges"]] or None)
        except REFUSALS as exc:
            refuse(request, exc)
        else:
            messages.success(request, _("The testing is cancelled in %(count)s college(s); their participants are "
                                        "released.") % {"count": len(cancelled)})
            return redirect(_round_url(round))
    return render(request, "monitoring/cancel.html", {"round": round, "form": form, "emergency": True})


# --- The pool and the draw (MON-10) ----------------------------------------------------------------------------------


@authority_view(*ANALYSTS)
def pool(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    language = (request.LANGUAGE_CODE or "kk")[:2]
    labels = analytics.Labels()
    rows = [{**row, "name": row.get(f"name_{language}") or row["name_kk"], "region_label": region_name(row["region"]),
             "stratum_label": labels.stratum(row["stratum"])} for row in round.pool]
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "monitoring/pool.html", {"round": round, "page": page, "rows": page.object_list})


@authority_view(*ANALYSTS)
def pool_csv(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    if not round.pool_frozen_at:
        raise Http404
    audit_log(action="monitoring.export.pool", college=None, actor=request.user, obj=round,
              data={"round": round.pk, "pool_sha256": round.pool_sha256})
    return download(exports.round_pool_csv(round), exports.CSV, f"bbzhm-{round.year}-pool.csv")


def _version(round: Round, number: str | int | None) -> DrawVersion:
    versions = DrawVersion.objects.filter(round=round)
    version = (versions.filter(number=int(number)) if str(number or "").isdigit() else versions.order_by("-number")
               ).first()
    if version is None:
        raise Http404
    return version


@authority_view(*ANALYSTS)
def draw(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    versions = list(DrawVersion.objects.filter(round=round).order_by("-number"))
    if not versions:
        return render(request, "monitoring/draw.html", {"round": round, "version": None, "versions": []})
    version = _version(round, request.GET.get("version"))
    language = (request.LANGUAGE_CODE or "kk")[:2]
    names = {row["code"]: row.get(f"name_{language}") or row["name_kk"] for row in round.pool}
    labels = reason_labels()
    by_stratum: dict[str, list[dict]] = {}
    for college in version.result["colleges"]:
        by_stratum.setdefault(college["stratum"], []).append(
            {**college, "name": names.get(college["code"], college["code"]), "reason_label": labels[college["reason"]]})
    labels = analytics.Labels()
    strata = [{**stratum, "colleges": by_stratum.get(stratum["key"], []), "label": labels.stratum(stratum["key"])}
              for stratum in version.result["strata"]]
    selected_only = request.GET.get("show") == "selected"
    if selected_only:
        strata = [s for s in strata if s["quota"]]
    page = Paginator(strata, 60).get_page(request.GET.get("page"))
    return render(request, "monitoring/draw.html", {
        "round": round, "version": version, "versions": versions, "page": page, "strata": page.object_list,
        "selected_only": selected_only, "strata_count": len(version.result["strata"]),
        "query": f"version={version.number}&" + ("show=selected&" if selected_only else ""),
        "same_as_previous": _same_as_previous(version, versions)})


def _same_as_previous(version: DrawVersion, versions: list[DrawVersion]) -> int | None:
    for other in versions:
        if other.number < version.number:
            return other.number if other.selected == version.selected else None
    return None


@authority_view(*ANALYSTS)
def draw_csv(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    found = _version(round, version)
    audit_log(action="monitoring.export.draw", college=None, actor=request.user, obj=round,
              data={"round": round.pk, "version": found.number})
    return download(exports.draw_csv(found, round.pool), exports.CSV, f"bbzhm-{round.year}-draw-v{found.number}.csv")
