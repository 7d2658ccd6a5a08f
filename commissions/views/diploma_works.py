"""Diploma works of a campaign with their files (DEF-06, ADM-03)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from attestation.rules import RulesBroken
from attestation.uploads import UploadRefused
from attestation.views import _apply_errors, college_view

from .. import forms, selectors, services
from ..models import ProtocolLocked
from .common import _refusal, _url


def _campaign_of_page(request: HttpRequest):
    """The campaign chosen on the page (``?campaign=``), else the latest of the college; another college's: 404."""
    return selectors.campaign_chosen(college=request.college,
                                     chosen=request.GET.get("campaign") or request.POST.get("campaign") or "")


@college_view("admin", "staff")
def diploma_works(request: HttpRequest) -> HttpResponse:
    """The diploma works of a campaign with their submission status, and the form to submit or replace a student's
    work with its review and presentation (files checked by content and size: 413/415 shown on the form)."""
    campaign, campaigns = _campaign_of_page(request)
    students = (selectors.campaign_students(college=request.college, campaign=campaign).select_related("group")
                if campaign is not None else None)
    form = (forms.DiplomaWorkForm(request.POST or None, request.FILES or None, students_qs=students)
            if campaign is not None else None)
    refusal: list[dict] = []
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                _work, warnings = services.diploma_work_save(
                    college=request.college, by=request.user, campaign=campaign, student=data["student"],
                    topic=data["topic"], kind=data["kind"], supervisor=data["supervisor"], file=data.get("file"),
                    review=data.get("review"), presentation=data.get("presentation"), replace=True)
            except UploadRefused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            except ProtocolLocked as exc:
                refusal, status = _refusal(exc), 409
            except RulesBroken as exc:
                refusal, status = _refusal(exc), 422
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                for warning in warnings:
                    messages.warning(request, f"[{warning.rule}] {warning.message}")
                messages.success(request, _("The diploma work is saved."))
                return redirect(f"{_url(request, 'diploma_works')}?campaign={campaign.pk}")
        if status == 200 and form.errors:
            status = 400
    works = (selectors.diploma_works_list(college=request.college, campaign_id=campaign.pk)
             if campaign is not None else [])
    return render(request, "commissions/diploma_works.html",
                  {"campaign": campaign, "campaigns": campaigns, "works": works, "form": form, "refusal": refusal},
                  status=status)
