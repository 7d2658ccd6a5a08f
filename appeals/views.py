"""Pages of the appeals app: the student's results with their appeal window and the mobile-first filing form; the
administrator's queue with the clock; the appeal page (assignment for the administrator, review and decision for
the appeal commission, the decision for the student); attachments served only after a permission check."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attestation.rules import RulesBroken
from attestation.selectors import documents_list
from attestation.uploads import UploadRefused
from attestation.views import _apply_errors, college_view

from . import rules, selectors, services
from .models import Appeal

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


def _url(request: HttpRequest, name: str, **kwargs) -> str:
    return reverse(f"appeals:{name}", kwargs={"college": request.college.slug, **kwargs})


class AppealForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason of the appeal"), max_length=10000,
                             widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"}),
                             help_text=gettext_lazy("Addressed to the head of the college, in free form (APP-01)."))


class AssignForm(forms.Form):
    commission = forms.ModelChoiceField(label=gettext_lazy("Appeal commission"), queryset=None,
                                        widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, college, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commission"].queryset = selectors.approved_appeal_commissions(college=college)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Decision"), widget=forms.RadioSelect,
                                choices=[(Appeal.Outcome.UPHELD, gettext_lazy("grade upheld")),
                                         (Appeal.Outcome.GRADE_CHANGED, gettext_lazy("grade changed"))])
    new_percent = forms.CharField(label=gettext_lazy("New grade, percent"), required=False,
                                  widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}))
    justification = forms.CharField(label=gettext_lazy("Justification"), required=False, max_length=10000,
                                    widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
                                    help_text=gettext_lazy("Required when the grade is changed (OQ-12)."))
    present = forms.MultipleChoiceField(label=gettext_lazy("Present at the session"), required=False,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(str(m.pk), f"{m.full_name} ({m.get_role_display()})") for m in members]


def _conflict_text(exc: services.AppealConflict) -> str:
    """A conflict (409) as the pages show it: with its rule, as every refusal."""
    return f"[{exc.rule}] {exc.message}" if exc.rule else exc.message


# --- The student: results and filing -------------------------------------------------------------------------


@college_view()
def appeals_list(request: HttpRequest) -> HttpResponse:
    """Students: their results with the window of each and their appeals. Administrator and staff: the queue."""
    access = request.access
    today = request.college.today()
    if access.is_student:
        appeals = selectors.student_appeals(access=access)
        return render(request, "appeals/student.html", {
            "rows": selectors.student_results(access=access, appeals=appeals), "today": today, "appeals": appeals})
    if not access.is_staff_or_admin:
        raise PermissionDenied
    status = request.GET.get("status", "open")
    if status not in ("open", "all", *Appeal.Status.values):
        status = "open"
    rows = selectors.appeals_queue(access=access, status="" if status == "all" else status, today=today)
    return render(request, "appeals/queue.html", {"rows": rows, "base": _url(request, "list"), "status": status,
                                                  "statuses": Appeal.Status.choices})


@college_view()
def appeal_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The mobile-first filing form of one result: the deadline and the due date shown before and after."""
    row = selectors.student_result(access=request.access, pk=pk)  # 404 unless it is the student's own result
    form = AppealForm(request.POST or None)
    refusal: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                appeal = services.appeal_file(college=request.college, by=request.user, student=request.access.student,
                                              entry=row.entry, reason=form.cleaned_data["reason"],
                                              uploads=request.FILES.getlist("attachments"))
            except RulesBroken as exc:
                _apply_errors(form, exc)
                status = 422
            except ValidationError as exc:
                refusal.extend(exc.messages)
                status = 400
            except UploadRefused as exc:
                refusal.append(exc.message)
                status = exc.status
            except services.AppealConflict as exc:
                refusal.append(_conflict_text(exc))
                status = 409
            else:
                messages.success(request, _("Your appeal is received. The decision is due by %(due)s.")
                                 % {"due": appeal.decision_due.strftime("%d.%m.%Y")})
                return redirect(_url(request, "detail", pk=appeal.pk))
        else:
            status = 400
    return render(request, "appeals/file.html", {
        "row": row, "form": form, "refusal": refusal, "accept": ACCEPT, "max_files": rules.MAX_ATTACHMENTS,
        "max_mb": rules.MAX_ATTACHMENT_BYTES // (1024 * 1024), "tz": request.college.timezone,
    }, status=status)


# --- The appeal: assignment, review, decision ----------------------------------------------------------------


@college_view()
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access
    appeal = selectors.appeal_get(access=access, pk=pk)
    members = list(appeal.commission.members.order_by("role", "id")) if appeal.commission_id else []
    can_assign = access.is_admin and appeal.is_open
    can_decide = services.can_decide(appeal=appeal, user=request.user)
    assign_form = AssignForm(college=request.college)
    decide_form = DecideForm(members=members)
    status = 200
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "assign":
        if not can_assign:
            raise PermissionDenied
        assign_form = AssignForm(request.POST, college=request.college)
        if assign_form.is_valid():
            try:
                _appeal, warnings = services.appeal_assign(college=request.college, by=request.user, appeal=appeal,
                                                           commission=assign_form.cleaned_data["commission"])
            except (RulesBroken, ValidationError) as exc:
                _apply_errors(assign_form, exc)
                status = 422
            except services.AppealConflict as exc:
                assign_form.add_error(None, _conflict_text(exc))
                status = 409
            else:
                messages.success(request, _("The appeal is assigned to the appeal commission."))
                for warning in warnings:
                    messages.warning(request, f"[{warning.rule}] {warning.message}")
                return redirect(_url(request, "detail", pk=appeal.pk))
        else:
            status = 400
    elif action == "decide":
        if not can_decide:
            if appeal.is_open:
                raise PermissionDenied
            messages.error(request, _("The appeal is already decided."))
            return redirect(_url(request, "detail", pk=appeal.pk))
        decide_form = DecideForm(request.POST, members=members)
        if decide_form.is_valid():
            data = decide_form.cleaned_data
            try:
                services.appeal_decide(college=request.college, by=request.user, appeal=appeal,
                                       outcome=data["outcome"], new_percent=data["new_percent"] or None,
                                       justification=data["justification"],
                                       present=[int(p) for p in data["present"]])
            except RulesBroken as exc:
                _apply_errors(decide_form, exc)
                status = 422
            except services.AppealConflict as exc:
                decide_form.add_error(None, _conflict_text(exc))
                status = 409
            else:
                messages.success(request, _("The decision is recorded; the student is notified."))
                return redirect(_url(request, "detail", pk=appeal.pk))
        else:
            status = 400
    elif request.method == "POST":
        raise Http404
    protocol = None
    if access.is_staff_or_admin:
        protocol, _examiners = services.examiners_of(college=request.college, entry=appeal.transcript_entry)
    context = {
        "appeal": appeal, "entry": appeal.transcript_entry, "members": members, "protocol": protocol,
        "clock": selectors.clock(appeal, request.college.today(), request.college.timezone),
        "can_assign": can_assign, "can_decide": can_decide, "assign_form": assign_form, "decide_form": decide_form,
        "history": selectors.appeal_history(college=request.college, appeal=appeal) if access.is_staff_or_admin
        else [],
        "documents": _documents(request, appeal),
    }
    return render(request, "appeals/detail.html", context, status=status)


def _documents(request: HttpRequest, appeal: Appeal):
    if appeal.decided_at is None:
        return []
    return list(documents_list(access=request.access, kind="appeal_protocol", subject_id=appeal.pk)
                .order_by("language", "-created_at"))


@college_view()
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment, only for those who may see its appeal (its student, administrators, staff)."""
    item = selectors.attachment_get(access=request.access, pk=pk)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type, as_attachment=True,
                            filename=item.original_name or f"attachment-{item.pk}")
    response["X-Content-Type-Options"] = "nosniff"
    return response
