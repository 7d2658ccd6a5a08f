"""The student's own attestation: slots, results, re-admission applications (RET-01, RET-02) and the reading of a
distance procedure (DIST-09)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.rules import RulesBroken
from attestation.uploads import UploadRefused
from attestation.views import college_view

from .. import forms, selectors, services
from ..models import ExamSlot, Protocol, ProtocolResult
from .common import _refusal, _url


@college_view("student")
def my_attestation(request: HttpRequest) -> HttpResponse:
    return _my_attestation_page(request)


def _my_attestation_page(request: HttpRequest, refusal: list[dict] | None = None, status: int = 200) -> HttpResponse:
    slots = selectors.student_slots(access=request.access)
    results = selectors.student_results(access=request.access)
    readmissions = selectors.readmissions_list(access=request.access)
    return render(request, "commissions/my_attestation.html",
                  {"slots": slots, "results": results, "readmissions": readmissions, "refusal": refusal or []},
                  status=status)


@college_view()
def readmission_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """RET-01: the student absent for a valid reason applies with a document; RET-02 refuses a health document
    after an unsatisfactory grade."""
    student = request.access.student  # None for staff: the page exists only for the student's own results
    result = (ProtocolResult.objects.filter(college=request.college, pk=pk, student=student,
                                            protocol__status=Protocol.Status.CLOSED)
              .select_related("protocol__exam__college", "student").first() if student else None)
    if result is None:
        raise Http404
    form = forms.ReadmissionForm(request.POST or None, request.FILES or None)
    refusal: list[dict] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.readmission_apply(college=request.college, by=request.user, student=student, result=result,
                                       reason=form.cleaned_data["reason"],
                                       application=form.cleaned_data["application"],
                                       document=form.cleaned_data["document"])
        except UploadRefused as exc:
            form.add_error("document", exc.message)
        except (RulesBroken, ValidationError) as exc:
            refusal = _refusal(exc)
        else:
            messages.success(request, _("Your application is sent to the commission."))
            return redirect(_url(request, "my_attestation"))
    status = 422 if refusal else (400 if form.errors else 200)
    return render(request, "commissions/readmission_form.html", {"form": form, "result": result,
                                                                 "refusal": refusal}, status=status)


@college_view()
@require_POST
def procedure_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """DIST-09: the student confirms having read the procedure of their distance session."""
    student = request.access.student
    slot = ExamSlot.objects.filter(college=request.college, pk=pk, student=student).first() if student else None
    if slot is None:
        raise Http404
    try:
        services.procedure_confirm(college=request.college, by=request.user, slot=slot)
    except (RulesBroken, ValidationError) as exc:
        return _my_attestation_page(request, refusal=_refusal(exc), status=422)
    messages.success(request, _("Thank you: your reading of the procedure is recorded."))
    return redirect(_url(request, "my_attestation"))
