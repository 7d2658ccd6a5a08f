"""The authorities' pages of a round's selected colleges: the list (a region: its own), a college with its
participants, representatives, acts, results and documents, the ministry's assignment of representatives (MON-13),
the results import (MON-22) and the downloads (each through the viewer's selectors: another region's answers 404)."""

from __future__ import annotations

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

from .. import analytics, exports, rules, selectors
from ..forms import AssignForm, ResultsImportForm
from ..models import ParticipantStatus, Round
from ..services import acts as act_services
from ..services import results as result_services
from .common import REFUSALS, acts_open, authority_view, download, file_response, refuse

MINISTRY = selectors.MINISTRY
ANALYSTS = (selectors.MINISTRY, selectors.REGION)
EVERYONE = (selectors.MINISTRY, selectors.REGION, selectors.REPRESENTATIVE)


def results_late(round: Round, rc, due) -> bool:
    if rc.is_cancelled or round.status in (Round.Status.DRAFT, Round.Status.NOTIFIED, Round.Status.CANCELLED):
        return False
    received = timezone.localtime(rc.results_imported_at).date() if rc.results_imported_at else None
    return (received or timezone.localdate()) > due


@authority_view(*ANALYSTS)
def colleges(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    due = rules.results_due(testing_on=round.testing_on, calendar=working_calendar())
    counts = selectors.results_counts(viewer, round)
    rows = [{"rc": rc, "results": counts.get(rc.college_id, 0), "late": results_late(round, rc, due)}
            for rc in selectors.round_colleges_overview(viewer, round)]
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "monitoring/colleges.html", {"round": round, "page": page, "rows": page.object_list,
                                                        "results_due": due})


@authority_view(*EVERYONE)
def college_detail(request: HttpRequest, pk: int, college: int) -> HttpResponse:
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    rc = selectors.round_college_get(viewer, round, college)
    participants = list(selectors.participants(viewer, round, college_id=college))
    acts = list(selectors.acts(viewer, round, college_id=college))
    from ..documents import ACT, NOTICE, SEATING

    documents = selectors.documents(viewer, round, kinds=(NOTICE.code, SEATING.code), subject_ids=[rc.pk],
                                    college_id=college)
    act_documents: dict[int, list] = {}
    for document in selectors.documents(viewer, round, kinds=(ACT.code,), subject_ids=[a.pk for a in acts],
                                        college_id=college):
        act_documents.setdefault(document.subject_id, []).append(document)
    results = selectors.results(viewer, round, college_id=college)
    due = rules.results_due(testing_on=round.testing_on, calendar=working_calendar())
    return render(request, "monitoring/college.html", {
        "round": round, "rc": rc, "participants": participants, "acts": [(a, act_documents.get(a.pk, []))
                                                                        for a in acts],
        "documents": documents, "results": Paginator(results, 200).get_page(request.GET.get("page")),
        "representatives": selectors.representatives(viewer, round).filter(round_college=rc),
        "results_due": due, "late": results_late(round, rc, due), "stratum": analytics.Labels().stratum(rc.stratum),
        "excused": sum(1 for p in participants if p.status == ParticipantStatus.EXCUSED),
        "can_record": viewer.kind == selectors.REPRESENTATIVE and acts_open(round, rc),
        "is_ministry": viewer.is_ministry,
    })


@authority_view(*ANALYSTS)
def representatives(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    selected = list(selectors.round_colleges(viewer, round).select_related("college").order_by("number"))
    form = AssignForm(request.POST or None, users=selectors.representative_candidates(), colleges=selected)
    if request.method == "POST":
        if not viewer.is_ministry:
            raise Http404
        if form.is_valid():
            rc = selectors.round_college_get(viewer, round, int(form.cleaned_data["college"]))
            try:
                act_services.representative_assign(round=round, by=request.user, user=form.cleaned_data["user"],
                                                   round_college=rc)
            except REFUSALS as exc:
                refuse(request, exc)
            else:
                messages.success(request, _("The representative is assigned."))
                return redirect(reverse("monitoring:representatives", kwargs={"pk": round.pk}))
    return render(request, "monitoring/representatives.html", {
        "round": round, "form": form, "assignments": selectors.representatives(viewer, round),
        "is_ministry": viewer.is_ministry})


@require_POST
@authority_view(MINISTRY)
def representative_remove(request: HttpRequest, pk: int, assignment: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    found = selectors.representatives(request.viewer, round).filter(pk=assignment).first()
    if found is None:
        raise Http404
    try:
        act_services.representative_remove(assignment=found, by=request.user)
    except REFUSALS as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("The assignment is removed."))
    return redirect(reverse("monitoring:representatives", kwargs={"pk": round.pk}))


@authority_view(*ANALYSTS)
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """The plain list of results (a region: its colleges), and for the ministry the import (MON-22)."""
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    form = ResultsImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST":
        if not viewer.is_ministry:
            raise Http404
        if form.is_valid():
            try:
                report = result_services.results_import(round=round, by=request.user, upload=form.cleaned_data["file"])
            except REFUSALS as exc:
                refuse(request, exc)
            else:
                if report.ok:
                    messages.success(request, _("%(rows)s results of %(colleges)s college(s) are imported.")
                                     % {"rows": report.rows, "colleges": report.colleges})
                    return redirect(reverse("monitoring:results", kwargs={"pk": round.pk}))
                messages.error(request, _("Nothing was imported: %(count)s error(s) in the file.")
                               % {"count": report.error_count})
    subject = request.GET.get("subject", "")
    found = selectors.results(viewer, round, subject=subject)
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    return render(request, "monitoring/results.html", {
        "round": round, "form": form, "report": report, "page": page, "subject": subject,
        "is_ministry": viewer.is_ministry, "imports": round.imports.order_by("-imported_at")[:20],
        "results_due": rules.results_due(testing_on=round.testing_on, calendar=working_calendar()),
        "can_import": viewer.is_ministry and round.status in (Round.Status.TESTING, Round.Status.RESULTS)})


@authority_view(MINISTRY)
def results_template(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    selectors.round_get(request.viewer, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    content, content_type = result_services.results_template(fmt)
    return download(content, content_type, f"results-template.{fmt}")


@authority_view(*EVERYONE)
def document_file(request: HttpRequest, pk: int, document: int) -> HttpResponse:
    """The PDF of a notice, seating sheet or act of a college the viewer sees (404 otherwise)."""
    round = selectors.round_get(request.viewer, pk)
    found = selectors.document_get(request.viewer, round, document)
    if found.status != "ready":
        messages.info(request, _("The document is being prepared; try again in a moment."))
        return redirect(reverse("monitoring:college", kwargs={"pk": round.pk, "college": found.college_id}))
    audit_log(action="monitoring.export.document", college=found.college_id, actor=request.user, obj=found,
              data={"round": round.pk, "kind": found.kind})
    return file_response(found.file, "application/pdf", f"{found.kind}-{found.pk}-{found.language}.pdf")


@authority_view(*ANALYSTS)
def excusal_file(request: HttpRequest, pk: int, participant: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    found = selectors.participant_get(request.viewer, round, participant)
    if not found.excusal_file:
        raise Http404
    audit_log(action="monitoring.export.excusal", college=found.college_id, actor=request.user, obj=found,
              data={"round": round.pk, "code": found.code})
    return file_response(found.excusal_file, found.excusal_file_type, found.excusal_file.name.rsplit("/", 1)[-1])


@authority_view(*EVERYONE)
def seating_xlsx(request: HttpRequest, pk: int, college: int) -> HttpResponse:
    round = selectors.round_get(request.viewer, pk)
    rc = selectors.round_college_get(request.viewer, round, college)
    participants = list(selectors.participants(request.viewer, round, college_id=college).order_by("room", "seat",
                                                                                                    "code"))
    audit_log(action="monitoring.export.seating", college=rc.college_id, actor=request.user, obj=rc,
              data={"round": round.pk, "format": "xlsx"})
    return download(exports.seating_xlsx(rc, participants), exports.XLSX,
                    f"seating-{rc.college.slug}-{round.year}.xlsx")
