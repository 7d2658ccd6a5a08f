"""The ministry's authorized representative on the testing day, on a phone: their colleges, and the acts of Annex 1
and Annex 2 with every field of the annex and both signatures drawn on the screen (static/js/signature.js) or a
signed scan (MON-13, MON-16, MON-17)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.calendar import working_calendar

from .. import rules, selectors
from ..forms import ActForm
from ..models import Act, ParticipantStatus
from ..services import acts as act_services
from .common import REFUSALS, acts_open, authority_view, refuse

REPRESENTATIVE = selectors.REPRESENTATIVE


@authority_view(REPRESENTATIVE)
def home(request: HttpRequest) -> HttpResponse:
    assignments = [(a, acts_open(a.round, a.round_college, a.college)) for a in selectors.assignments(request.user)]
    return render(request, "monitoring/representative.html", {"assignments": assignments})


@authority_view(REPRESENTATIVE)
def act_new(request: HttpRequest, pk: int, college: int) -> HttpResponse:
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    rc = selectors.round_college_get(viewer, round, college)
    kind = request.POST.get("kind") or request.GET.get("kind") or rules.ACT_FORBIDDEN_ITEMS
    if kind not in (rules.ACT_FORBIDDEN_ITEMS, rules.ACT_OUTSIDER):
        raise Http404
    testees = list(selectors.participants(viewer, round, college_id=college)
                   .filter(status=ParticipantStatus.PARTICIPANT).order_by("room", "seat", "code"))
    now = rc.college.local()
    initial = {"occurred_on": now.date(), "occurred_time": now.strftime("%H:%M"),
               "representative_signed_name": request.user.display_name, "stage": rules.STAGE_TESTING}
    chosen = next((p for p in testees if str(p.pk) == request.GET.get("participant", "")), None)
    if chosen is not None:
        initial.update({"participant": str(chosen.pk), "room": chosen.room, "seat": chosen.seat,
                        "testee_signed_name": chosen.full_name})
    form = ActForm(request.POST or None, request.FILES or None, participants=testees, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        participant = next((p for p in testees if str(p.pk) == data["participant"]), None)
        if participant is None:
            form.add_error("participant", _("Choose a testee who takes part."))
        else:
            occurred = datetime.combine(data["occurred_on"], data["occurred_time"]).replace(tzinfo=rc.college.zone)
            try:
                act = act_services.act_record(round=round, by=request.user, data=act_services.ActInput(
                    kind=kind, participant=participant, occurred_at=occurred, room=data["room"] or "",
                    seat=data["seat"], variant=data["variant"] or "", items=form.items(), stage=data["stage"] or "",
                    outsider_name=data["outsider_name"] or "",
                    drawn_up_by=[line for line in (data["drawn_up_by"] or "").splitlines() if line.strip()],
                    testee_signed_name=data["testee_signed_name"],
                    representative_signed_name=data["representative_signed_name"],
                    testee_signature=data["testee_signature"] or None,
                    representative_signature=data["representative_signature"] or None,
                    signed_scan=data.get("signed_scan")))
            except REFUSALS as exc:
                refuse(request, exc)
            else:
                messages.success(request, _("The act is recorded; its PDF in Kazakh and Russian is being prepared."))
                return redirect(reverse("monitoring:act", kwargs={"pk": round.pk, "act": act.pk}))
    return render(request, "monitoring/act_form.html", {
        "round": round, "rc": rc, "form": form, "kind": kind, "testees": testees,
        "open": acts_open(round, rc), "now": timezone.now(),
        "acts_close_on": rules.acts_close_on(testing_on=round.testing_on, calendar=working_calendar())})


@authority_view()
def act_detail(request: HttpRequest, pk: int, act: int) -> HttpResponse:
    viewer = request.viewer
    round = selectors.round_get(viewer, pk)
    found: Act = selectors.act_get(viewer, round, act)
    from ..documents import ACT

    documents = selectors.documents(viewer, round, kinds=(ACT.code,), subject_ids=[found.pk],
                                    college_id=found.college_id)
    return render(request, "monitoring/act.html", {"round": round, "act": found, "documents": documents,
                                                   "local": found.college.local(found.occurred_at)})
