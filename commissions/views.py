"""Pages of the commissions app: commissions with members and approval, the schedule with publication, the
secretary's protocol page (rows saved as typed with htmx, version conflicts shown), signing and closing, and the
student's "my attestation". Thin: selectors read, services write, refusals are shown with their rule ids."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.errors import error_item
from attestation.html import escape_text
from attestation.rules import RulesBroken
from attestation.selectors import campaign_get, campaigns_list
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


def _refusal_text(exc: Exception) -> str:
    """The refusal in one line, each item with its rule, for a row's message."""
    return " ".join(f"[{i['rule']}] {i['message']}" if i["rule"] else i["message"] for i in _refusal(exc))


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


# --- The secretary's protocol ----------------------------------------------------------------------------------------


def _exam_for_protocol(request: HttpRequest, pk: int):
    exam = selectors.exam_get(college=request.college, pk=pk)
    services.protocol_reader_check(access=request.access)
    return exam


def render_row(r, *, exam, can_edit: bool, L: dict, row_base: str, row_error: str = "",  # noqa: N803
               **_: Any) -> str:
    """One student's row of the protocol as HTML. Built here rather than by a template: it is rendered 30 times
    per page and once per save, and is the hot path of the secretary's page (bench/commissions_protocol_page.py).
    Every value is escaped."""
    settled = r.status in ("tech_failure", "derived")
    off = "" if can_edit else " disabled"
    pk = r.pk
    hx = (f' hx-post="{row_base}{pk}/" hx-trigger="change" hx-include="this" hx-target="this" hx-swap="outerHTML"'
          if can_edit else "")
    badge = f' <span class="badge text-bg-warning">{L["derived"]}</span>' if r.origin == "derived" else ""

    def sel(value: str) -> str:
        return " selected" if r.status == value else ""

    extra = f"<option selected>{escape_text(r.get_status_display())}</option>" if settled else ""
    percent = "" if r.percent_raw is None else r.percent_raw.normalize()
    parts = [
        f'<tr id="row-{pk}" data-student="{r.student_id}"{hx}>',
        f'<th scope="row">{escape_text(r.student.full_name)}{badge}</th>',
        f'<td><input type="hidden" name="version" value="{r.version}"><label class="visually-hidden" '
        f'for="status-{pk}">{L["attendance"]}</label><select class="form-select form-select-sm" '
        f'id="status-{pk}" name="status"{" disabled" if settled or not can_edit else ""}>'
        f'<option value=""{sel("")}>—</option><option value="present"{sel("present")}>{L["present"]}</option>'
        f'<option value="absent"{sel("absent")}>{L["absent"]}</option>{extra}</select></td>',
        f'<td><label class="visually-hidden" for="percent-{pk}">{L["percent"]}</label><input '
        f'class="form-control form-control-sm percent" id="percent-{pk}" name="percent" inputmode="decimal" size="5" '
        f'value="{escape_text(percent)}"{off}></td>',
        f'<td class="letter" aria-live="polite">{escape_text(r.letter)}</td>',
        f'<td class="traditional">{escape_text(r.get_traditional_display() if r.traditional else "")}</td>',
        f'<td><label class="visually-hidden" for="questions-{pk}">{L["questions"]}</label><textarea '
        f'class="form-control form-control-sm" id="questions-{pk}" name="questions" rows="1"{off}>'
        f'{escape_text(r.questions)}</textarea></td>',
        f'<td><label class="visually-hidden" for="notes-{pk}">{L["notes"]}</label><textarea '
        f'class="form-control form-control-sm" id="notes-{pk}" name="notes" rows="1"{off}>'
        f'{escape_text(r.notes)}</textarea>'
        f'</td>',
    ]
    if exam.is_distance:
        checked = " checked" if r.id_checked else ""
        parts.append(f'<td><input type="hidden" name="id_checked_present" value="1"><input class="form-check-input" '
                     f'type="checkbox" id="id-{pk}" name="id_checked"{checked}{off}> <label class="form-check-label" '
                     f'for="id-{pk}">{L["identity"]}</label></td>')
    ticket = ""
    if r.ticket_number:
        ticket = str(r.ticket_number)
    elif can_edit and exam.ticket_count and not exam.is_defence:
        ticket = (f'<button class="btn btn-sm btn-outline-secondary" type="button" hx-post="{row_base}{pk}/draw/" '
                  f'hx-target="closest tr" hx-swap="outerHTML">{L["draw"]}</button>')
    if exam.is_distance:  # DIST-07: the technical failure act of this student (a page of its own)
        ticket += (f' <a class="btn btn-sm btn-outline-danger" href="{row_base}{pk}/tech-failure/">'
                   f'{L["failure"]}</a>')
    if row_error:
        ticket += f'<div class="text-danger small conflict" role="alert">{escape_text(row_error)}</div>'
    parts.append(f"<td>{ticket}</td></tr>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def render_attendance_row(a, *, signed: bool, can_edit: bool, L: dict, attendance_base: str,  # noqa: N803
                          row_error: str = "", **_: Any) -> str:
    """One member's line of the protocol (present or not, signed or not) as HTML, like ``render_row``: on the page
    and as the answer of the htmx save. Every value is escaped."""
    pk = a.pk
    hx = (f' hx-post="{attendance_base}{pk}/" hx-trigger="change" hx-include="this" hx-target="this" '
          f'hx-swap="outerHTML"' if can_edit else "")
    member = a.member
    vote = "" if member.votes else f', {L["no_vote"]}'
    parts = [
        f'<li id="attendance-{pk}" class="list-group-item"{hx}>',
        f'<input type="hidden" name="version" value="{a.version}"> ',
        f'<input class="form-check-input" type="checkbox" id="present-{pk}" name="present"'
        f'{" checked" if a.present else ""}{"" if can_edit else " disabled"}> ',
        f'<label class="form-check-label" for="present-{pk}">{escape_text(member.full_name)} '
        f'({escape_text(member.get_role_display())}{vote})</label>',
    ]
    if signed:
        parts.append(f' <span class="badge text-bg-success">{L["signed"]}</span>')
    if row_error:
        parts.append(f'<div class="text-danger small" role="alert">{escape_text(row_error)}</div>')
    parts.append("</li>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def _row_labels(request: HttpRequest) -> dict[str, Any]:
    """What every row of the protocol shows alike, translated and reversed once per page, not once per row."""
    labels = {"derived": _("derived"), "attendance": _("Attendance"), "present": _("present"),
              "absent": _("did not appear"), "percent": _("percent"), "questions": _("questions asked"),
              "notes": _("notes"), "identity": _("identity checked"), "draw": _("Draw a ticket"),
              "failure": _("Technical failure"), "no_vote": _("no vote"), "signed": _("signed")}
    return {"L": {key: escape_text(label) for key, label in labels.items()},  # escaped once, used as they are
            **_protocol_links(request.college.slug)}


@lru_cache(maxsize=4096)
def _protocol_links(slug: str) -> dict[str, str]:
    """The beginnings of the protocol page's addresses (a row's, a member's line's, a session's), reversed once per
    process: the page and every row save build their links from them."""
    def base(name: str) -> str:  # what comes before the pk: …/protocol-rows/0/ → …/protocol-rows/
        url = reverse(f"commissions:{name}", kwargs={"college": slug, "pk": 0})
        return url[:url.rindex("/0/") + 1]
    return {"row_base": base("protocol_row"), "attendance_base": base("protocol_attendance"),
            "session_base": base("protocol")}


def _protocol_context(request: HttpRequest, exam_pk: int, refusal: list[dict] | None = None,
                      amend_form=None) -> dict[str, Any]:
    page = selectors.protocol_page(college=request.college, exam_pk=exam_pk)
    exam, protocol = page.exam, page.protocol
    context: dict[str, Any] = {"exam": exam, "protocol": protocol, "refusal": refusal or [],
                               "can_edit": False, "member": None, "scale": GRADE_SCALE}
    if protocol is not None:  # the members are in the attendance rows already read
        member = next((a.member for a in page.attendance if a.member.user_id == request.user.pk), None)
    else:
        member = selectors.member_of(commission=exam.commission, user=request.user)
    context["member"] = member
    context["can_edit"] = (services.protocol_keeper(access=request.access, member=member) and protocol is not None
                           and not protocol.is_closed)
    if protocol is not None:
        state = context["state"] = services.protocol_state(college=request.college, protocol=protocol, page=page)
        labels = _row_labels(request)
        context["attendance_html"] = mark_safe("".join(  # noqa: S308 (render_attendance_row escapes)
            render_attendance_row(a, signed=a.member_id in state.signed, can_edit=context["can_edit"], **labels)
            for a in page.attendance))
        session = f"{labels['session_base']}{exam.pk}/protocol/"
        context["links"] = {"sign": f"{session}sign/", "close": f"{session}close/"}
        context["rows_html"] = mark_safe("".join(  # noqa: S308 (render_row escapes)
            render_row(r, exam=exam, can_edit=context["can_edit"], **labels) for r in page.rows))
        context["can_sign"] = services.protocol_signer(member=member, protocol=protocol)
        if exam.is_distance:
            context["acts"] = list(selectors.tech_failure_acts(college=request.college, protocol=protocol))
        if protocol.is_closed:
            context["amendments"] = (protocol.amendments.select_related("result__student", "created_by")
                                     .order_by("created_at", "id"))
            if request.access.is_admin:
                context["amend_form"] = amend_form or _amend_form(request, protocol)
    return context


def _protocol_page(request: HttpRequest, exam_pk: int, refusal: list[dict] | None = None, *, amend_form=None,
                   status: int = 200) -> HttpResponse:
    return render(request, "commissions/protocol.html",
                  _protocol_context(request, exam_pk, refusal, amend_form=amend_form), status=status)


@college_view("admin", "staff")
def protocol(request: HttpRequest, pk: int) -> HttpResponse:
    services.protocol_reader_check(access=request.access)
    return _protocol_page(request, pk)


@college_view("admin", "staff")
@require_POST
def protocol_open(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam_for_protocol(request, pk)
    services.protocol_editor_check(access=request.access, exam=exam)
    try:
        services.protocol_open(college=request.college, by=request.user, exam=exam)
    except (RulesBroken, ValidationError) as exc:
        return _protocol_page(request, exam.pk, _refusal(exc), status=422)
    return redirect(_url(request, "protocol", pk=exam.pk))


def _open_protocol_of(request: HttpRequest, exam) -> Protocol:
    protocol = selectors.protocol_of(college=request.college, exam=exam)
    if protocol is None:
        raise Http404
    return protocol


def _result_for(request: HttpRequest, pk: int):
    row = selectors.result_row_get(college=request.college, pk=pk)
    services.protocol_reader_check(access=request.access)
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
        saved = services.protocol_row_edit(access=request.access, pk=pk, fields=fields,
                                           version=int(version) if version.isdigit() else None)
    except VersionConflict as exc:
        return _row_response(request, _stored_row(request, pk), error=exc.message, status=409)
    except ProtocolLocked as exc:
        return _row_response(request, _stored_row(request, pk), error=str(exc), status=409)
    except (RulesBroken, ValidationError) as exc:
        return _row_response(request, _stored_row(request, pk), error=_refusal_text(exc), status=422)
    return _row_response(request, saved)


def _stored_row(request: HttpRequest, pk: int):
    """The row as stored now, answered with the reason an entry was not saved."""
    return selectors.result_row_stored(college=request.college, pk=pk)


@college_view("admin", "staff")
@require_POST
def protocol_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.attendance_row_get(college=request.college, pk=pk)
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
        row = selectors.attendance_row_get(college=request.college, pk=row.pk)
    return HttpResponse(render_attendance_row(row, signed=False, can_edit=not row.protocol.is_closed,
                                              row_error=error, **_row_labels(request)), status=status)


@college_view("admin", "staff")
@require_POST
def protocol_draw(request: HttpRequest, pk: int) -> HttpResponse:
    row = _result_for(request, pk)
    services.protocol_editor_check(access=request.access, exam=row.protocol.exam)
    try:
        services.protocol_ticket_draw(college=request.college, by=request.user, result=row)
    except (RulesBroken, ValidationError, ProtocolLocked) as exc:
        return _row_response(request, _result_for(request, pk), error=_refusal_text(exc), status=422)
    return _row_response(request, _result_for(request, pk))


@college_view("admin", "staff")
@require_POST
def protocol_sign(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam_for_protocol(request, pk)
    protocol = _open_protocol_of(request, exam)
    try:
        services.protocol_sign(college=request.college, by=request.user, protocol=protocol)
    except (ProtocolLocked, ValidationError) as exc:
        return _protocol_page(request, exam.pk, _refusal(exc), status=409)
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
        return _protocol_page(request, exam.pk, [error_item("signed_scan", exc.message, None)], status=exc.status)
    except (RulesBroken, ValidationError, ProtocolLocked) as exc:
        return _protocol_page(request, exam.pk, _refusal(exc), status=409 if isinstance(exc, ProtocolLocked) else 422)
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



# --- Diploma works (DEF-06, ADM-03) -----------------------------------------------------------------------------------


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


# --- Re-admission (RET-01, RET-02) ------------------------------------------------------------------------------------


def _readmission(request: HttpRequest, pk: int):
    return selectors.readmission_get(access=request.access, pk=pk)


def _resit_exams(request: HttpRequest, exam):
    return selectors.resit_exams(college=request.college, exam=exam)


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
    from django.http import FileResponse

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


# --- Technical failure of a distance session (DIST-07) ---------------------------------------------------------------


def _tech_failure_page(request: HttpRequest, row, *, form=None, slot_form=None, refusal: list[dict] | None = None,
                       status: int = 200) -> HttpResponse:
    exam = row.protocol.exam
    act = selectors.tech_failure_act_of(college=request.college, result=row)
    return render(request, "commissions/tech_failure.html", {
        "row": row, "exam": exam, "act": act, "refusal": refusal or [],
        "form": form or forms.TechFailureForm(),
        "slot_form": slot_form or forms.SlotForm(exams_qs=_resit_exams(request, exam))}, status=status)


@college_view("admin", "staff")
def protocol_tech_failure(request: HttpRequest, pk: int) -> HttpResponse:
    """DIST-07: the technical failure of one student's distance session: the act (a document sent to every member)
    is drawn up here; the student is then rescheduled."""
    row = _result_for(request, pk)
    services.protocol_editor_check(access=request.access, exam=row.protocol.exam)
    if request.method != "POST":
        return _tech_failure_page(request, row)
    form = forms.TechFailureForm(request.POST)
    if not form.is_valid():
        return _tech_failure_page(request, row, form=form, status=400)
    try:
        services.protocol_tech_failure(college=request.college, by=request.user, result=row,
                                       description=form.cleaned_data["description"],
                                       occurred_at=form.cleaned_data["occurred_at"])
    except ProtocolLocked as exc:
        return _tech_failure_page(request, row, form=form, refusal=_refusal(exc), status=409)
    except (RulesBroken, ValidationError) as exc:
        return _tech_failure_page(request, row, form=form, refusal=_refusal(exc), status=422)
    messages.success(request, _("The technical failure act is drawn up and sent to the members of the commission."))
    return redirect(_url(request, "protocol_tech_failure", pk=row.pk))


@college_view("admin")
@require_POST
def protocol_tech_failure_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    row = _result_for(request, pk)
    act = selectors.tech_failure_act_of(college=request.college, result=row)
    if act is None:
        raise Http404
    form = forms.SlotForm(request.POST, exams_qs=_resit_exams(request, row.protocol.exam))
    if not form.is_valid():
        return _tech_failure_page(request, row, slot_form=form, status=400)
    data = form.cleaned_data
    try:
        services.tech_failure_reschedule(college=request.college, by=request.user, act=act, exam=data["exam"],
                                         starts_at=data["starts_at"], minutes=data["minutes"],
                                         report_minutes=data.get("report_minutes"))
    except (RulesBroken, ValidationError) as exc:
        return _tech_failure_page(request, row, slot_form=form, refusal=_refusal(exc), status=422)
    messages.success(request, _("The new slot is scheduled."))
    return redirect(_url(request, "protocol_tech_failure", pk=row.pk))


# --- The procedure of a distance session (DIST-09) --------------------------------------------------------------------


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


@college_view()
@require_POST
def procedure_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """DIST-09: the student confirms having read the procedure of their distance session."""
    from .models import ExamSlot

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


# --- Amendments of a closed protocol ----------------------------------------------------------------------------------


@college_view("admin")
@require_POST
def protocol_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """A correction of a closed protocol's row: an amendment with its reason; the original row stays."""
    exam = _exam_for_protocol(request, pk)
    protocol = _open_protocol_of(request, exam)
    form = _amend_form(request, protocol, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.protocol_amend(college=request.college, by=request.user, result=data["result"],
                                    field_name=data["field"], value=data["value"], reason=data["reason"])
        except RulesBroken as exc:
            return _protocol_page(request, exam.pk, _refusal(exc), amend_form=form, status=422)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The amendment is recorded; a new protocol PDF is being prepared."))
            return redirect(_url(request, "protocol", pk=exam.pk))
    return _protocol_page(request, exam.pk, amend_form=form, status=400)


def _amend_form(request: HttpRequest, protocol, data=None):
    return forms.RowAmendForm(data, results_qs=selectors.protocol_results(college=request.college, protocol=protocol))
