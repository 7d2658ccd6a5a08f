"""Pages of the grading app: admission of a group, results, honours, decisions with the batch's progress bar
(htmx polling), individual attestation, and the student's own final attestation page. Thin: selectors read,
services write."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation import selectors as registry
from attestation.formatting import number_text
from attestation.models import Campaign, Group, Student
from attestation.rules import RulesBroken
from attestation.uploads import UploadRefused
from attestation.views import _apply_errors, college_view

from . import forms, rules, selectors, services
from .models import DecisionBatch, DiplomaDecision


def _url(request: HttpRequest, name: str, **kwargs) -> str:
    return reverse(f"grading:{name}", kwargs={"college": request.college.slug, **kwargs})


def figure(value: Decimal | None, places: int = 2) -> str:
    """A figure for people in the page's language (3,49 in kk/ru): truncated, never rounded up, so 3.4999 shows 3,49
    and not a passing 3,50."""
    if value is None:
        return "—"
    return number_text(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN), places, fixed=True)


def share_percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{figure(value * 100, 1)}%"


def _groups(request: HttpRequest):
    return selectors.groups_list(college=request.college)


def _chosen_group(request: HttpRequest) -> Group | None:
    value = request.GET.get("group") or request.POST.get("group") or ""
    if not value.isdigit():
        return None
    return selectors.group_get(college=request.college, pk=int(value))


def _violations_text(exc: RulesBroken) -> list[str]:
    return [f"[{v.rule}] {v.message}" if v.rule else str(v.message) for v in exc.violations]


def _group_context(request: HttpRequest, group: Group | None) -> dict[str, Any]:
    campaign = selectors.campaign_of_group(college=request.college, group_id=group.pk) if group else None
    return {"groups": _groups(request), "group": group, "campaign": campaign}


# --- Admission (ADM-01, ADM-02) -----------------------------------------------------------------------------------


@college_view("admin", "staff")
def admissions(request: HttpRequest) -> HttpResponse:
    """A group's admission page: per student eligible or the open components; admit the eligible ones with one
    action (the order on admission, ADM-02); later changes as supplementary orders."""
    group = _chosen_group(request)
    form = forms.AdmissionOrderForm(request.POST or None)
    refusal: list[str] = []
    if request.method == "POST":
        if not request.access.is_admin:
            raise Http404
        if group is None:
            raise Http404
        chosen = {name: [int(v) for v in request.POST.getlist(name) if v.isdigit()] for name in ("students", "revoke")}
        students = list(selectors.group_students(college=request.college, group=group, pks=chosen["students"]))
        revoke = list(selectors.group_students(college=request.college, group=group, pks=chosen["revoke"]))
        if form.is_valid():
            try:
                order = services.admission_order_issue(
                    college=request.college, by=request.user, group=group, students=students, revoke=revoke,
                    number=form.cleaned_data["order_number"], order_date=form.cleaned_data["order_date"])
            except RulesBroken as exc:
                refusal = _violations_text(exc)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Order № %(number)s is issued; its PDF is being prepared.")
                                 % {"number": order.number})
                return redirect(f"{_url(request, 'admissions')}?group={group.pk}")
    context = _group_context(request, group)
    if group is not None:
        context["rows"] = selectors.evaluate(college=request.college,
                                             students=selectors.group_students(college=request.college, group=group))
        context["eligible_count"] = sum(1 for r in context["rows"] if r.eligible and not r.admitted)
        context["orders"] = selectors.admission_orders_list(college=request.college, group_id=group.pk)
    context.update({"form": form, "refusal": refusal})
    return render(request, "grading/admissions.html", context, status=422 if refusal else 200)


# --- Individual attestation (EAR-01 … EAR-03) ---------------------------------------------------------------------


@college_view("admin")
def individual(request: HttpRequest) -> HttpResponse:
    form = forms.IndividualAttestationForm(request.POST or None, request.FILES or None, college=request.college)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("student", "kind", "reason", "planned_on", "order_number",
                                                   "order_date", "note")}
        try:
            services.individual_attestation_create(college=request.college, by=request.user,
                                                   document=form.cleaned_data["document"], **data)
        except (RulesBroken, ValidationError) as exc:
            _apply_errors(form, exc)
        except UploadRefused as exc:
            form.add_error("document", exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(_url(request, "individual"))
    records = selectors.individual_attestations_list(college=request.college)
    rows = [(r, rules.early_attestation_earliest(fa_start=r.campaign.starts_on,
                                                 correctional=request.college.is_correctional)) for r in records]
    return render(request, "grading/individual.html", {"form": form, "rows": rows})


@college_view("admin", "staff")
def individual_file(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.individual_attestation_get(college=request.college, pk=pk)
    return FileResponse(record.document.open("rb"), as_attachment=True,
                        filename=record.document_name or record.document.name.rsplit("/", 1)[-1])


@college_view("admin")
@require_POST
def individual_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.individual_attestation_get(college=request.college, pk=pk)
    try:
        services.individual_attestation_delete(college=request.college, by=request.user, record=record)
        messages.success(request, _("Deleted."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_url(request, "individual"))


# --- Results ------------------------------------------------------------------------------------------------------


@college_view("admin", "staff")
def results(request: HttpRequest) -> HttpResponse:
    group = _chosen_group(request)
    context = _group_context(request, group)
    if group is not None:
        context["results"] = selectors.results_list(access=request.access, group_id=group.pk)
    return render(request, "grading/results.html", context)


# --- Honours (HON-01, HON-02, HON-03) -----------------------------------------------------------------------------


@college_view("admin", "staff")
def honours(request: HttpRequest) -> HttpResponse:
    group = _chosen_group(request)
    context = _group_context(request, group)
    if group is not None:
        rows = selectors.evaluate(college=request.college,
                                  students=selectors.group_students(college=request.college, group=group))
        context["rows"] = [(r, figure(r.honours.gpa), share_percent(r.honours.excellent_share)) for r in rows]
        context["system_label"] = group.program.get_grading_system_display()
    context["form"] = forms.HonoursConfirmForm()
    return render(request, "grading/honours.html", context)


@college_view("admin")
@require_POST
def honours_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    student = registry.student_get(access=request.access, pk=pk)
    form = forms.HonoursConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            services.honours_confirm(college=request.college, by=request.user, student=student,
                                     protocol_reference=form.cleaned_data["protocol_reference"],
                                     awarded=form.cleaned_data["awarded"])
        except RulesBroken as exc:
            messages.error(request, " ".join(_violations_text(exc)))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The commission's decision on honours is recorded."))
    return redirect(f"{_url(request, 'honours')}?group={student.group_id}")


# --- Decisions (QUA-01, RET-04) -----------------------------------------------------------------------------------


@college_view("admin", "staff")
def decisions(request: HttpRequest) -> HttpResponse:
    """Diploma decisions and certificates of a group: one action starts the background batch; its progress bar
    polls (htmx) until every PDF is ready."""
    group = _chosen_group(request)
    if request.method == "POST":
        if not request.access.is_admin or group is None:
            raise Http404
        form = forms.DecisionLanguageForm(request.POST)
        language = (form.cleaned_data.get("language") if form.is_valid() else "") or None
        try:
            batch, created = services.decision_batch_start(college=request.college, by=request.user, group=group,
                                                           language=language)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if created:
                messages.success(request, _("The decisions of group %(group)s are being prepared.")
                                 % {"group": group.name})
            else:
                messages.info(request, _("A batch for this group is already running; showing its progress."))
        return redirect(f"{_url(request, 'decisions')}?group={group.pk}")
    context = _group_context(request, group)
    if group is not None:
        batch = selectors.decision_batches_list(college=request.college, group_id=group.pk).first()
        context["batch"] = batch
        context["progress"] = selectors.decision_batch_progress(batch=batch) if batch else None
        context["decisions"] = selectors.decisions_list(access=request.access, group_id=group.pk)
        context["pending"] = [r for r in selectors.evaluate(
            college=request.college, students=selectors.group_students(college=request.college, group=group))
            if r.decision is None]
    return render(request, "grading/decisions.html", context)


@college_view("admin", "staff")
def decision_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the progress bar of a batch, polled while it runs."""
    batch = selectors.decision_batch_get(college=request.college, pk=pk)
    if batch.status == DecisionBatch.Status.PENDING:
        services.decision_batch_resend_stale(batch=batch)
    return render(request, "grading/_batch_progress.html",
                  {"batch": batch, "progress": selectors.decision_batch_progress(batch=batch)})


@college_view("admin")
@require_POST
def decision_student(request: HttpRequest, pk: int) -> HttpResponse:
    """One student's decision or certificate (QUA-01 / RET-04)."""
    student = registry.student_get(access=request.access, pk=pk)
    try:
        decision, created = services.decision_take(college=request.college, by=request.user, student=student)
    except RulesBroken as exc:
        messages.error(request, " ".join(_violations_text(exc)))
    else:
        if decision.kind == DiplomaDecision.Kind.CERTIFICATE:
            messages.success(request, _("The certificate of completion of %(name)s is being prepared.")
                             % {"name": student.full_name})
        else:
            messages.success(request, _("The diploma decision of %(name)s is being prepared.")
                             % {"name": student.full_name})
    return redirect(f"{_url(request, 'decisions')}?group={student.group_id}")


# --- The student's own page, and the same for staff ---------------------------------------------------------------


def _attestation_context(request: HttpRequest, student: Student) -> dict[str, Any]:
    evaluation = selectors.evaluate_student(college=request.college, student=student)
    campaign = Campaign.objects.filter(college=request.college, pk=evaluation.campaign_id).first()
    documents = registry.documents_list(access=request.access).filter(
        student=student, kind__in=["diploma_decision", "completion_certificate"])
    return {"student": student, "evaluation": evaluation, "campaign": campaign,
            "gpa": figure(evaluation.gpa), "share": share_percent(evaluation.honours.excellent_share),
            "documents": documents}


@college_view("student")
def me(request: HttpRequest) -> HttpResponse:
    student = request.access.student
    if student is None:
        return render(request, "grading/student.html", {"student": None})
    return render(request, "grading/student.html", _attestation_context(request, student))


@college_view("admin", "staff")
def student(request: HttpRequest, pk: int) -> HttpResponse:
    student = registry.student_get(access=request.access, pk=pk)
    return render(request, "grading/student.html", _attestation_context(request, student))
