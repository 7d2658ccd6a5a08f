"""The secretary's protocol page: rows saved as typed with htmx (version conflicts shown), attendance, ticket
draws, signing and closing, the technical failure act of a distance session (DIST-07) and the amendment of a
closed protocol."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.errors import error_item
from attestation.rules import RulesBroken
from attestation.scale import GRADE_SCALE
from attestation.uploads import UploadRefused
from attestation.views import _apply_errors, college_view

from .. import forms, selectors, services
from ..models import Protocol, ProtocolLocked
from ..services import VersionConflict
from .common import _refusal, _refusal_text, _resit_exams, _url


def _exam_for_protocol(request: HttpRequest, pk: int):
    exam = selectors.exam_get(college=request.college, pk=pk)
    services.protocol_reader_check(access=request.access)
    return exam


def _row_labels() -> dict[str, str]:
    """What every row of the protocol shows alike, translated once per request rather than once per row: the rows
    are the secretary's hot path (bench/commissions_protocol_page.py)."""
    return {"derived": _("derived"), "attendance": _("Attendance"), "present": _("present"),
            "absent": _("did not appear"), "percent": _("percent"), "questions": _("questions asked"),
            "notes": _("notes"), "identity": _("identity checked"), "draw": _("Draw a ticket"),
            "failure": _("Technical failure"), "no_vote": _("no vote"), "signed": _("signed")}


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
        context["state"] = services.protocol_state(college=request.college, protocol=protocol, page=page)
        links = _protocol_links(request.college.slug)
        context.update(links, attendance=page.attendance, rows=page.rows, labels=_row_labels())
        session = f"{links['session_base']}{exam.pk}/protocol/"
        context["links"] = {"sign": f"{session}sign/", "close": f"{session}close/"}
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
    """One student's row as the page shows it (the answer of the htmx save), with the reason an entry was not
    saved."""
    return HttpResponse(render_to_string("commissions/_protocol_row.html", {
        "r": row, "exam": row.protocol.exam, "can_edit": not row.protocol.is_closed, "row_error": error,
        "labels": _row_labels(), **_protocol_links(request.college.slug)}), status=status)


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
    return HttpResponse(render_to_string("commissions/_attendance_row.html", {
        "a": row, "signed_ids": (), "can_edit": not row.protocol.is_closed, "row_error": error,
        "labels": _row_labels(), **_protocol_links(request.college.slug)}), status=status)


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
