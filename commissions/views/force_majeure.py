"""The commissions' force majeure decisions (EXE-01, DIST-17)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from attestation.rules import RulesBroken
from attestation.uploads import UploadRefused
from attestation.views import _apply_errors, college_view

from .. import forms, selectors, services
from .common import _refusal, _url


@college_view("admin")
def decisions(request: HttpRequest) -> HttpResponse:
    """The commissions' force majeure decisions, each linked to the authorities' decision; results derived under
    them are marked as derived in protocols and wherever they are shown."""
    form = forms.DecisionForm(request.POST or None, request.FILES or None, college=request.college)
    refusal: list[dict] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.force_majeure_create(college=request.college, by=request.user, **form.cleaned_data)
        except UploadRefused as exc:
            form.add_error("authority_document", exc.message)
        except (RulesBroken, ValidationError) as exc:
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                _apply_errors(form, exc)
            else:
                refusal = _refusal(exc)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect(_url(request, "decisions"))
    status = 422 if refusal else (400 if form.errors else 200)
    return render(request, "commissions/decisions.html",
                  {"form": form, "refusal": refusal, "decisions": selectors.decisions_list(college=request.college)},
                  status=status)
