"""The schedule: sessions with their slots, publication (SCH-01 … SCH-08), and the procedure of a distance session
sent to its students (DIST-09)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.rules import RulesBroken
from attestation.selectors import campaign_get, campaigns_list
from attestation.views import college_view

from .. import forms, selectors, services
from .common import _refusal, _url


@college_view("admin", "staff")
def schedules(request: HttpRequest) -> HttpResponse:
    rows = []
    for schedule in selectors.schedules_list(college=request.college):
        rows.append((schedule, list(selectors.exams_list(college=request.college, schedule_id=schedule.pk)
                                    .prefetch_related("protocols"))))
    campaigns = campaigns_list(college=request.college)
    return render(request, "commissions/schedules.html", {"schedules": rows, "refusal": [], "campaigns": campaigns})


@college_view("admin")
@require_POST
def schedule_publish(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = selectors.schedule_get(college=request.college, pk=pk)
    try:
        _schedule, warnings, notified = services.schedule_publish(college=request.college, by=request.user,
                                                                  schedule=schedule)
    except (RulesBroken, ValidationError) as exc:
        rows = [(s, list(selectors.exams_list(college=request.college, schedule_id=s.pk)))
                for s in selectors.schedules_list(college=request.college)]
        return render(request, "commissions/schedules.html", {"schedules": rows, "refusal": _refusal(exc)},
                      status=422)
    for warning in warnings:
        messages.warning(request, f"[{warning.rule}] {warning.message}")
    messages.success(request, _("The schedule is published; %(count)s students were notified.") % {"count": notified})
    return redirect(_url(request, "schedules"))


@college_view("admin")
def exam_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A session of the schedule with a slot per student; every scheduling rule refuses at once (422)."""
    campaign = campaign_get(college=request.college, pk=pk)
    students = selectors.campaign_students(college=request.college, campaign=campaign).select_related("group")
    form = forms.ExamForm(request.POST or None, college=request.college, campaign=campaign, students_qs=students)
    refusal: list[dict] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        slots = [services.SlotInput(student, start, data["slot_minutes"], data.get("report_minutes"))
                 for student, start in form.slot_times()]
        exam_input = services.ExamInput(
            commission=data["commission"], form=data["form"], mode=data["mode"], discipline=data["discipline"],
            title=data["title"], starts_at=forms.aware(request.college, data["day"], data["starts"]),
            ends_at=forms.aware(request.college, data["day"], data["ends"]), room=data["room"],
            preparation_minutes=data["preparation_minutes"], deliberation_minutes=data["deliberation_minutes"] or 0,
            ticket_count=data["ticket_count"], medical_agreement_ref=data["medical_agreement_ref"],
            is_resit=data["is_resit"], slots=slots)
        try:
            _exam, warnings = services.exam_save(college=request.college, by=request.user, data=exam_input)
        except (RulesBroken, ValidationError) as exc:
            refusal = _refusal(exc)
        else:
            for warning in warnings:
                messages.warning(request, f"[{warning.rule}] {warning.message}")
            return redirect(_url(request, "schedules"))
    status = 422 if refusal else (400 if form.errors else 200)
    return render(request, "commissions/exam_form.html", {"form": form, "campaign": campaign, "refusal": refusal},
                  status=status)


def _procedure_page(request: HttpRequest, exam, *, form=None, refusal: list[dict] | None = None,
                    status: int = 200) -> HttpResponse:
    slots = selectors.slots_of(college=request.college, exam=exam)
    return render(request, "commissions/procedure.html", {
        "exam": exam, "slots": slots, "refusal": refusal or [],
        "form": form or forms.ProcedureForm(initial={"procedure": exam.procedure})}, status=status)


@college_view("admin", "staff")
def exam_procedure(request: HttpRequest, pk: int) -> HttpResponse:
    """DIST-09: the procedure of a distance session sent to its students, with who confirmed reading it."""
    exam = selectors.exam_get(college=request.college, pk=pk)
    if request.method != "POST":
        return _procedure_page(request, exam)
    if not request.access.is_admin:
        raise PermissionDenied
    form = forms.ProcedureForm(request.POST)
    if not form.is_valid():
        return _procedure_page(request, exam, form=form, status=400)
    try:
        _exam, warnings, sent = services.procedure_send(college=request.college, by=request.user, exam=exam,
                                                        procedure=form.cleaned_data["procedure"])
    except (RulesBroken, ValidationError) as exc:
        return _procedure_page(request, exam, form=form, refusal=_refusal(exc), status=422)
    for warning in warnings:
        messages.warning(request, f"[{warning.rule}] {warning.message}")
    messages.success(request, _("The procedure is sent; %(count)s students were notified.") % {"count": sent})
    return redirect(_url(request, "exam_procedure", pk=exam.pk))
