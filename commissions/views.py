"""Pages of the commissions app: commissions with members and approval, the schedule with publication, the
secretary's protocol page (rows saved as typed with htmx, version conflicts shown), signing and closing, and the
student's "my attestation". Thin: selectors read, services write, refusals are shown with their rule ids."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.errors import error_item
from attestation.rules import RulesBroken
from attestation.uploads import UploadRefused
from attestation.views import _apply_errors, college_view
from grading.rules import GRADE_SCALE

from . import forms, selectors, services
from .models import Commission, Protocol, ProtocolLocked
from .services import VersionConflict


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(f"commissions:{name}", kwargs={"college": request.college.slug, **kwargs})


def _refusal(exc: Exception) -> list[dict]:
    """The refusal as (rule, message) items, for the page."""
    if isinstance(exc, RulesBroken):
        return [error_item(v.field, v.message, v.rule) for v in exc.violations]
    if isinstance(exc, ValidationError):
        return [error_item(None, m, None) for m in exc.messages]
    return [error_item(None, str(getattr(exc, "message", None) or exc), None)]


# --- Commissions ---------------------------------------------------------------------------------------------------


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


# --- Schedule ------------------------------------------------------------------------------------------------------


@college_view("admin", "staff")
def schedules(request: HttpRequest) -> HttpResponse:
    rows = []
    for schedule in selectors.schedules_list(college=request.college):
        rows.append((schedule, list(selectors.exams_list(college=request.college, schedule_id=schedule.pk)
                                    .prefetch_related("protocols"))))
    from attestation.models import Campaign

    campaigns = Campaign.objects.filter(college=request.college).order_by("-starts_on")
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
    from attestation.models import Campaign

    campaign = Campaign.objects.filter(college=request.college, pk=pk).first()
    if campaign is None:
        raise Http404
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


# --- The secretary's protocol ----------------------------------------------------------------------------------------


def _exam_for_protocol(request: HttpRequest, pk: int):
    exam = selectors.exam_get(college=request.college, pk=pk)
    services.protocol_reader_check(access=request.access, exam=exam)
    return exam


def render_row(r, *, exam, can_edit: bool, L: dict, row_base: str, row_error: str = "") -> str:  # noqa: N803
    """One student's row of the protocol as HTML. Built here rather than by a template: it is rendered 30 times
    per page and once per save, and is the hot path of the secretary's page (bench/commissions_protocol_page.py).
    Every value is escaped."""
    settled = r.status in ("tech_failure", "derived")
    off = "" if can_edit else " disabled"
    pk = r.pk
    hx = (f' hx-post="{row_base}{pk}/" hx-trigger="change" hx-include="this" hx-target="this" hx-swap="outerHTML"'
          if can_edit else "")
    badge = f' <span class="badge text-bg-warning">{escape(L["derived"])}</span>' if r.origin == "derived" else ""

    def sel(value: str) -> str:
        return " selected" if r.status == value else ""

    extra = f"<option selected>{escape(r.get_status_display())}</option>" if settled else ""
    percent = "" if r.percent_raw is None else r.percent_raw.normalize()
    parts = [
        f'<tr id="row-{pk}" data-student="{r.student_id}"{hx}>',
        f'<th scope="row">{escape(r.student.full_name)}{badge}</th>',
        f'<td><input type="hidden" name="version" value="{r.version}"><label class="visually-hidden" '
        f'for="status-{pk}">{escape(L["attendance"])}</label><select class="form-select form-select-sm" '
        f'id="status-{pk}" name="status"{" disabled" if settled or not can_edit else ""}>'
        f'<option value=""{sel("")}>—</option><option value="present"{sel("present")}>{escape(L["present"])}</option>'
        f'<option value="absent"{sel("absent")}>{escape(L["absent"])}</option>{extra}</select></td>',
        f'<td><label class="visually-hidden" for="percent-{pk}">{escape(L["percent"])}</label><input '
        f'class="form-control form-control-sm percent" id="percent-{pk}" name="percent" inputmode="decimal" size="5" '
        f'value="{escape(percent)}"{off}></td>',
        f'<td class="letter" aria-live="polite">{escape(r.letter)}</td>',
        f'<td class="traditional">{escape(r.get_traditional_display() if r.traditional else "")}</td>',
        f'<td><label class="visually-hidden" for="questions-{pk}">{escape(L["questions"])}</label><textarea '
        f'class="form-control form-control-sm" id="questions-{pk}" name="questions" rows="1"{off}>'
        f'{escape(r.questions)}</textarea></td>',
        f'<td><label class="visually-hidden" for="notes-{pk}">{escape(L["notes"])}</label><textarea '
        f'class="form-control form-control-sm" id="notes-{pk}" name="notes" rows="1"{off}>{escape(r.notes)}</textarea>'
        f'</td>',
    ]
    if exam.is_distance:
        checked = " checked" if r.id_checked else ""
        parts.append(f'<td><input type="hidden" name="id_checked_present" value="1"><input class="form-check-input" '
                     f'type="checkbox" id="id-{pk}" name="id_checked"{checked}{off}> <label class="form-check-label" '
                     f'for="id-{pk}">{escape(L["identity"])}</label></td>')
    ticket = ""
    if r.ticket_number:
        ticket = str(r.ticket_number)
    elif can_edit and exam.ticket_count and not exam.is_defence:
        ticket = (f'<button class="btn btn-sm btn-outline-secondary" type="button" hx-post="{row_base}{pk}/draw/" '
                  f'hx-target="closest tr" hx-swap="outerHTML">{escape(L["draw"])}</button>')
    if row_error:
        ticket += f'<div class="text-danger small conflict" role="alert">{escape(row_error)}</div>'
    parts.append(f"<td>{ticket}</td></tr>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def _row_labels(request: HttpRequest) -> dict[str, Any]:
    """What every row of the protocol shows alike, translated and reversed once per page, not once per row."""
    labels = {"derived": _("derived"), "attendance": _("Attendance"), "present": _("present"),
              "absent": _("did not appear"), "percent": _("percent"), "questions": _("questions asked"),
              "notes": _("notes"), "identity": _("identity checked"), "draw": _("Draw a ticket")}
    return {"L": labels, "row_base": _url(request, "protocol_row", pk=0)[:-2]}


def _protocol_context(request: HttpRequest, exam, refusal: list[dict] | None = None) -> dict[str, Any]:
    protocol = selectors.protocol_full(college=request.college, exam=exam, amendments=False)
    context: dict[str, Any] = {"exam": exam, "protocol": protocol, "refusal": refusal or [],
                               "can_edit": False, "member": None, "scale": GRADE_SCALE}
    if protocol is not None:  # the members are in the attendance rows already read
        member = next((a.member for a in protocol.attendance.all() if a.member.user_id == request.user.pk), None)
    else:
        member = selectors.member_of(commission=exam.commission, user=request.user)
    context["member"] = member
    # The rule of services.protocol_editor_check, with the member already read.
    editor = request.access.is_admin or (member is not None and member.role == "secretary")
    context["can_edit"] = editor and protocol is not None and not protocol.is_closed
    if protocol is not None:
        protocol.exam = exam
        context["state"] = services.protocol_state(college=request.college, protocol=protocol)
        signed = {s.member_id: s for s in protocol.signatures.all()}
        context["attendance"] = [(a, signed.get(a.member_id)) for a in protocol.attendance.all()]
        labels = _row_labels(request)
        context["rows_html"] = mark_safe("".join(  # noqa: S308 (render_row escapes)
            render_row(r, exam=exam, can_edit=context["can_edit"], **labels) for r in protocol.results.all()))
        context["can_sign"] = (member is not None and member.votes and not protocol.is_closed)
    return context


@college_view("admin", "staff")
def protocol(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam_for_protocol(request, pk)
    return render(request, "commissions/protocol.html", _protocol_context(request, exam))


@college_view("admin", "staff")
@require_POST
def protocol_open(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam_for_protocol(request, pk)
    services.protocol_editor_check(access=request.access, exam=exam)
    try:
        services.protocol_open(college=request.college, by=request.user, exam=exam)
    except (RulesBroken, ValidationError) as exc:
        return render(request, "commissions/protocol.html", _protocol_context(request, exam, _refusal(exc)),
                      status=422)
    return redirect(_url(request, "protocol", pk=exam.pk))


def _open_protocol_of(request: HttpRequest, exam) -> Protocol:
    protocol = selectors.protocol_of(college=request.college, exam=exam)
    if protocol is None:
        raise Http404
    return protocol


def _result_for(request: HttpRequest, pk: int):
    from .models import ProtocolResult

    row = (ProtocolResult.objects.filter(college=request.college, pk=pk)
           .select_related("protocol__exam__commission", "protocol__exam__college", "student", "slot").first())
    if row is None:
        raise Http404
    services.protocol_reader_check(access=request.access, exam=row.protocol.exam)
    return row


def _row_response(request, row, *, error: str = "", status: int = 200) -> HttpResponse:
    html = render_row(row, exam=row.protocol.exam, can_edit=not row.protocol.is_closed, row_error=error,
                      **_row_labels(request))
    return HttpResponse(html, status=status)


@college_view("admin", "staff")
@require_POST
def protocol_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One student's row, saved as it is typed (htmx). A stale version answers 409 with the stored row and a
    message saying who changed it; nothing of the entry is lost silently."""
    row = _result_for(request, pk)
    services.protocol_editor_check(access=request.access, exam=row.protocol.exam)
    fields: dict[str, Any] = {}
    for name in ("percent", "questions", "notes", "id_document_tail", "status"):
        if name in request.POST:
            fields[name] = request.POST[name]
    if not fields.get("status"):
        fields.pop("status", None)  # "—" in the select: typing a grade marks the student present
    if "id_checked_present" in request.POST:
        fields["id_checked"] = request.POST.get("id_checked") == "on"
    version = request.POST.get("version", "")
    try:
        saved = services.protocol_row_save(college=request.college, by=request.user, result=row, fields=fields,
                                           version=int(version) if version.isdigit() else None)
    except VersionConflict as exc:
        current = _result_for(request, pk)
        return _row_response(request, current, error=exc.message, status=409)
    except ProtocolLocked as exc:
        return _row_response(request, _result_for(request, pk), error=str(exc), status=409)
    except (RulesBroken, ValidationError) as exc:
        items = _refusal(exc)
        text = " ".join(f"[{i['rule']}] {i['message']}" if i["rule"] else i["message"] for i in items)
        return _row_response(request, _result_for(request, pk), error=text, status=422)
    saved.protocol = row.protocol
    return _row_response(request, saved)


@college_view("admin", "staff")
@require_POST
def protocol_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import ProtocolAttendance

    row = (ProtocolAttendance.objects.filter(college=request.college, pk=pk)
           .select_related("protocol__exam__commission", "member").first())
    if row is None:
        raise Http404
    exam = row.protocol.exam
    services.protocol_editor_check(access=request.access, exam=exam)
    version = request.POST.get("version", "")
    status = 200
    error = ""
    try:
        row = services.protocol_attendance_save(college=request.college, by=request.user, attendance=row,
                                                present=request.POST.get("present") == "on",
                                                version=int(version) if version.isdigit() else None)
    except (VersionConflict, ProtocolLocked) as exc:
        error, status = str(getattr(exc, "message", exc)), 409
        row = ProtocolAttendance.objects.select_related("member", "protocol").get(pk=row.pk)
    return render(request, "commissions/_attendance_row.html",
                  {"a": row, "can_edit": not row.protocol.is_closed, "row_error": error, "exam": exam}, status=status)


@college_view("admin", "staff")
@require_POST
def protocol_draw(request: HttpRequest, pk: int) -> HttpResponse:
    row = _result_for(request, pk)
    services.protocol_editor_check(access=request.access, exam=row.protocol.exam)
    try:
        services.protocol_ticket_draw(college=request.college, by=request.user, result=row)
    except (RulesBroken, ValidationError, ProtocolLocked) as exc:
        items = _refusal(exc)
        text = " ".join(f"[{i['rule']}] {i['message']}" if i["rule"] else i["message"] for i in items)
        return _row_response(request, _result_for(request, pk), error=text, status=422)
    return _row_response(request, _result_for(request, pk))


@college_view("admin", "staff")
@require_POST
def protocol_sign(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam_for_protocol(request, pk)
    protocol = _open_protocol_of(request, exam)
    try:
        services.protocol_sign(college=request.college, by=request.user, protocol=protocol)
    except (ProtocolLocked, ValidationError) as exc:
        return render(request, "commissions/protocol.html", _protocol_context(request, exam, _refusal(exc)),
                      status=409)
    messages.success(request, _("You signed the protocol."))
    return redirect(_url(request, "protocol", pk=exam.pk))


@college_view("admin", "staff")
@require_POST
def protocol_close(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam_for_protocol(request, pk)
    services.protocol_editor_check(access=request.access, exam=exam)
    protocol = _open_protocol_of(request, exam)
    try:
        services.protocol_close(college=request.college, by=request.user, protocol=protocol,
                                scan=request.FILES.get("signed_scan"))
    except UploadRefused as exc:
        return render(request, "commissions/protocol.html", _protocol_context(
            request, exam, [error_item("signed_scan", exc.message, None)]), status=exc.status)
    except (RulesBroken, ValidationError, ProtocolLocked) as exc:
        status = 409 if isinstance(exc, ProtocolLocked) else 422
        return render(request, "commissions/protocol.html", _protocol_context(request, exam, _refusal(exc)),
                      status=status)
    messages.success(request, _("The protocol is closed and locked; the results are published."))
    return redirect(_url(request, "protocol", pk=exam.pk))


@college_view("admin", "staff")
def protocol_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam_for_protocol(request, pk)
    protocol = selectors.protocol_of(college=request.college, exam=exam)
    if protocol is None or protocol.document_id is None:
        raise Http404
    return redirect(reverse("college:document_file", kwargs={"college": request.college.slug,
                                                             "pk": protocol.document_id}))


# --- Force majeure (EXE-01, DIST-17) ----------------------------------------------------------------------------------


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


# --- The student -----------------------------------------------------------------------------------------------------


@college_view("student")
def my_attestation(request: HttpRequest) -> HttpResponse:
    slots = selectors.student_slots(access=request.access)
    results = selectors.student_results(access=request.access)
    readmissions = selectors.readmissions_list(access=request.access)
    return render(request, "commissions/my_attestation.html",
                  {"slots": slots, "results": results, "readmissions": readmissions})


@college_view()
def readmission_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """RET-01: the student absent for a valid reason applies with a document; RET-02 refuses a health document
    after an unsatisfactory grade."""
    from .models import ProtocolResult

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

