"""Commissions with their members and approval by the head's order (COM-01 … COM-06)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.rules import RulesBroken
from attestation.views import _apply_errors, college_view

from .. import forms, selectors, services
from ..models import Commission
from .common import _refusal, _url


@college_view("admin", "staff")
def commissions(request: HttpRequest) -> HttpResponse:
    form = forms.CommissionForm(request.POST or None, college=request.college)
    if request.method == "POST":
        if not request.access.is_admin:
            raise PermissionDenied
        if form.is_valid():
            try:
                commission = services.commission_create(college=request.college, by=request.user, **form.cleaned_data)
            except (ValidationError, RulesBroken) as exc:
                _apply_errors(form, exc)
            else:
                return redirect(_url(request, "commission", pk=commission.pk))
    rows = selectors.commissions_list(college=request.college).prefetch_related("members")
    return render(request, "commissions/commissions.html", {"commissions": rows, "form": form},
                  status=400 if form.errors else 200)


@college_view("admin", "staff")
def commission(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.commission_get(college=request.college, pk=pk)
    form = forms.MemberForm(request.POST or None)
    if request.method == "POST":
        if not request.access.is_admin:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.member_add(college=request.college, by=request.user, commission=item, **form.cleaned_data)
            except (ValidationError, RulesBroken) as exc:
                _apply_errors(form, exc)
            else:
                return redirect(_url(request, "commission", pk=item.pk))
    return _commission_page(request, item, form, refusal=[], status=400 if form.errors else 200)


def _commission_page(request, item: Commission, form, refusal: list[dict], status: int = 200) -> HttpResponse:
    members = selectors.members_list(college=request.college, commission=item).select_related("user")
    verdict = services.commission_verdict(college=request.college, commission=item) if item.status == "draft" else None
    return render(request, "commissions/commission.html",
                  {"commission": item, "members": members, "form": form, "refusal": refusal, "verdict": verdict},
                  status=status)


@college_view("admin")
@require_POST
def commission_approve(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.commission_get(college=request.college, pk=pk)
    try:
        services.commission_approve(college=request.college, by=request.user, commission=item)
    except RulesBroken as exc:
        return _commission_page(request, item, forms.MemberForm(), _refusal(exc), status=422)
    messages.success(request, _("The commission is approved; its order is being prepared as a PDF."))
    return redirect(_url(request, "commission", pk=item.pk))
