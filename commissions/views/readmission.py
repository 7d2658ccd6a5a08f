"""Re-admission applications as the commission decides them (RET-01, RET-02)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.rules import RulesBroken
from attestation.views import college_view

from .. import forms, selectors, services
from .common import _refusal, _resit_exams, _url


def _readmission(request: HttpRequest, pk: int):
    return selectors.readmission_get(access=request.access, pk=pk)


@college_view("admin", "staff")
def readmissions(request: HttpRequest) -> HttpResponse:
    return render(request, "commissions/readmissions.html",
                  {"readmissions": selectors.readmissions_list(access=request.access)})


def _readmission_page(request: HttpRequest, readmission, *, decide_form=None, slot_form=None,
                      refusal: list[dict] | None = None, status: int = 200) -> HttpResponse:
    exams = _resit_exams(request, readmission.result.protocol.exam)
    try:
        services.readmission_decider_check(access=request.access, readmission=readmission)
        can_decide = True
    except PermissionDenied:
        can_decide = False
    return render(request, "commissions/readmission.html", {
        "readmission": readmission, "can_decide": can_decide, "refusal": refusal or [],
        "decide_form": decide_form or forms.ReadmissionDecisionForm(exams_qs=exams),
        "slot_form": slot_form or forms.SlotForm(exams_qs=exams)}, status=status)


@college_view("admin", "staff")
def readmission(request: HttpRequest, pk: int) -> HttpResponse:
    return _readmission_page(request, _readmission(request, pk))


@college_view("admin", "staff")
def readmission_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The supporting document, served after the permission check (never from the web root)."""
    item = _readmission(request, pk)
    if not item.document:
        raise Http404
    return FileResponse(item.document.open("rb"), as_attachment=True,
                        filename=f"readmission-{item.pk}.{item.document.name.rsplit('.', 1)[-1]}")


@college_view("admin", "staff")
@require_POST
def readmission_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = _readmission(request, pk)
    services.readmission_decider_check(access=request.access, readmission=item)
    form = forms.ReadmissionDecisionForm(request.POST, exams_qs=_resit_exams(request, item.result.protocol.exam))
    if not form.is_valid():
        return _readmission_page(request, item, decide_form=form, status=400)
    data = form.cleaned_data
    try:
        services.readmission_decide(college=request.college, by=request.user, readmission=item,
                                    approve=data["approve"], note=data["note"], exam=data["exam"],
                                    starts_at=data["starts_at"], minutes=data["minutes"])
    except (RulesBroken, ValidationError) as exc:
        return _readmission_page(request, item, decide_form=form, refusal=_refusal(exc), status=422)
    messages.success(request, _("The decision is recorded."))
    return redirect(_url(request, "readmission", pk=item.pk))


@college_view("admin", "staff")
@require_POST
def readmission_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    item = _readmission(request, pk)
    services.readmission_decider_check(access=request.access, readmission=item)
    form = forms.SlotForm(request.POST, exams_qs=_resit_exams(request, item.result.protocol.exam))
    if not form.is_valid():
        return _readmission_page(request, item, slot_form=form, status=400)
    data = form.cleaned_data
    try:
        services.readmission_schedule(college=request.college, by=request.user, readmission=item, exam=data["exam"],
                                      starts_at=data["starts_at"], minutes=data["minutes"],
                                      report_minutes=data.get("report_minutes"))
    except (RulesBroken, ValidationError) as exc:
        return _readmission_page(request, item, slot_form=form, refusal=_refusal(exc), status=422)
    messages.success(request, _("The new slot is scheduled."))
    return redirect(_url(request, "readmission", pk=item.pk))
