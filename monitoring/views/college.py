"""The college administrator's monitoring pages, under /colleges/<college>/monitoring/ (the tenant middleware opens
the college's scope): the rounds the college is selected in, the notice (MON-09), the participants with their
personal codes, excusals with their documents before the day (MON-08), seating (MON-14) and, after the import, the
college's own results (MON-23). Nothing of another college is ever read here."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from attestation.audit import audit_log
from attestation.calendar import working_calendar
from attestation.documents.pipeline import document_request
from attestation.models import Document
from attestation.views import college_view

from .. import exports, rules, selectors
from ..documents import ACT, ANALYSIS, NOTICE, SEATING
from ..forms import ExcusalForm, SeatingForm
from ..models import Participant, ParticipantStatus, Round, RoundCollege
from ..services import participants as services
from .common import REFUSALS, download, file_response, refuse

ADMIN = "admin"


def _round_url(request: HttpRequest, round_id: int) -> str:
    return reverse("college_monitoring:round", kwargs={"college": request.college.slug, "pk": round_id})


def _selection(request: HttpRequest, pk: int) -> RoundCollege:
    viewer = selectors.college_viewer(request.user, request.college)
    round = selectors.round_get(viewer, pk)
    return selectors.round_college_get(viewer, round, request.college.pk)


@college_view(ADMIN)
def rounds(request: HttpRequest) -> HttpResponse:
    selected = (RoundCollege.objects.filter(college=request.college).select_related("round", "notice_document")
                .order_by("-round__year"))
    return render(request, "monitoring/college/rounds.html", {"selected": selected})


@college_view(ADMIN)
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    rc = _selection(request, pk)
    round = rc.round
    participants = list(Participant.objects.filter(college=request.college, round_college=rc).order_by("code"))
    documents = list(Document.objects.filter(college=request.college, kind__in=[NOTICE.code, SEATING.code],
                                             subject_id=rc.pk).order_by("kind", "-created_at"))
    acts = list(rc.acts.filter(college=request.college).order_by("-occurred_at"))
    act_documents: dict[int, list] = {}
    for document in Document.objects.filter(college=request.college, kind=ACT.code,
                                            subject_id__in=[a.pk for a in acts]).order_by("language"):
        act_documents.setdefault(document.subject_id, []).append(document)
    results = list(rc.round.results.filter(college=request.college).select_related("participant")
                   .order_by("participant__code", "subject"))
    today = request.college.today()
    open_ = round.status == Round.Status.NOTIFIED and not rc.is_cancelled and today < round.testing_on
    rooms = _rooms_text(participants)
    return render(request, "monitoring/college/round.html", {
        "rc": rc, "round": round, "participants": participants, "documents": documents,
        "acts": [(a, act_documents.get(a.pk, [])) for a in acts], "results": results, "open": open_,
        "excusal_form": ExcusalForm(), "seating_form": SeatingForm(initial={"rooms": rooms}),
        "results_due": rules.results_due(testing_on=round.testing_on, calendar=working_calendar()),
        "counts": {status: sum(1 for p in participants if p.status == status) for status in ParticipantStatus.values},
        "seated": sum(1 for p in participants if p.seat),
    })


def _rooms_text(participants: list[Participant]) -> str:
    rooms: dict[str, int] = {}
    for p in participants:
        if p.seat:
            rooms[p.room] = max(rooms.get(p.room, 0), p.seat)
    return "\n".join(f"{room}: {seats}" for room, seats in rooms.items())


def _participant(request: HttpRequest, rc: RoundCollege, participant: int) -> Participant:
    found = Participant.objects.filter(college=request.college, round_college=rc, pk=participant).first()
    if found is None:
        raise Http404
    return found


@require_POST
@college_view(ADMIN)
def excuse(request: HttpRequest, pk: int) -> HttpResponse:
    rc = _selection(request, pk)
    chosen = request.POST.get("participant", "")
    if not chosen.isdigit():
        messages.error(request, "[MON-08] " + _("Choose the participant to excuse."))
        return redirect(_round_url(request, pk) + "#excusal-form")
    found = _participant(request, rc, int(chosen))
    form = ExcusalForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.excusal_set(participant=found, by=request.user, reason=form.cleaned_data["reason"],
                                 note=form.cleaned_data["note"], upload=form.cleaned_data["file"])
        except REFUSALS as exc:
            refuse(request, exc)
        else:
            messages.success(request, _("%(code)s is excused.") % {"code": found.code})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"[MON-08] {error}")
    return redirect(_round_url(request, pk) + f"#p{found.pk}")


@require_POST
@college_view(ADMIN)
def withdraw(request: HttpRequest, pk: int, participant: int) -> HttpResponse:
    rc = _selection(request, pk)
    found = _participant(request, rc, participant)
    try:
        services.excusal_clear(participant=found, by=request.user)
    except REFUSALS as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("%(code)s takes part again.") % {"code": found.code})
    return redirect(_round_url(request, pk) + f"#p{found.pk}")


@college_view(ADMIN)
def excusal_file(request: HttpRequest, pk: int, participant: int) -> HttpResponse:
    rc = _selection(request, pk)
    found = _participant(request, rc, participant)
    if not found.excusal_file:
        raise Http404
    return file_response(found.excusal_file, found.excusal_file_type, found.excusal_file.name.rsplit("/", 1)[-1])


@require_POST
@college_view(ADMIN)
def seating(request: HttpRequest, pk: int) -> HttpResponse:
    rc = _selection(request, pk)
    form = SeatingForm(request.POST)
    if form.is_valid():
        rooms = services.rooms_parse(form.cleaned_data["rooms"])
        if isinstance(rooms, rules.RuleViolation):
            messages.error(request, f"[{rooms.rule}] {rooms.message}")
        else:
            try:
                seated = services.seating_assign(round_college=rc, by=request.user, rooms=rooms)
            except REFUSALS as exc:
                refuse(request, exc)
            else:
                messages.success(request, _("%(count)s testees are seated.") % {"count": seated})
    return redirect(_round_url(request, pk) + "#seating")


@require_POST
@college_view(ADMIN)
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    rc = _selection(request, pk)
    try:
        changed = services.participants_refresh(round_college=rc, by=request.user)
    except REFUSALS as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("The list is up to date: %(added)s added, %(removed)s removed.") % changed)
    return redirect(_round_url(request, pk))


@require_POST
@college_view(ADMIN)
def seating_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    rc = _selection(request, pk)
    document, _created = document_request(college=request.college, kind=SEATING, subject_id=rc.pk,
                                          language=request.college.language, by=request.user)
    messages.success(request, _("The seating sheet is being prepared; it appears below."))
    return redirect(_round_url(request, pk) + "#documents")


@college_view(ADMIN)
def seating_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    rc = _selection(request, pk)
    participants = list(Participant.objects.filter(college=request.college, round_college=rc)
                        .order_by("room", "seat", "code"))
    audit_log(action="monitoring.export.seating", college=request.college, actor=request.user, obj=rc,
              data={"round": rc.round_id, "format": "xlsx"})
    return download(exports.seating_xlsx(rc, participants), exports.XLSX,
                    f"seating-{request.college.slug}-{rc.round.year}.xlsx")


@college_view(ADMIN)
def document_file(request: HttpRequest, pk: int, document: int) -> HttpResponse:
    rc = _selection(request, pk)
    found = Document.objects.filter(college=request.college, pk=document,
                                    kind__in=[NOTICE.code, SEATING.code, ACT.code, ANALYSIS.code]).first()
    if found is None or (found.kind != ACT.code and found.subject_id != rc.pk) or (
            found.kind == ACT.code and not rc.acts.filter(pk=found.subject_id).exists()):
        raise Http404
    if found.status != Document.Status.READY:
        messages.info(request, _("The document is being prepared; try again in a moment."))
        return redirect(_round_url(request, pk) + "#documents")
    audit_log(action="monitoring.export.document", college=request.college, actor=request.user, obj=found,
              data={"round": rc.round_id, "kind": found.kind})
    return file_response(found.file, "application/pdf", f"{found.kind}-{found.pk}-{found.language}.pdf")
