"""Document kinds of the monitoring: the notice to a selected college (MON-09), its seating sheet (MON-14) and the
violation acts (MON-16 Annex 1, MON-17 Annex 2).

The payload is built when the document is requested, so the PDF shows things as they were then; it holds dates as
ISO strings and numbers as numbers, which the templates print with the one formatter (``{% load numbers %}``:
``dd.mm.yyyy``, ``89,5``). Every kind prints with every document's stylesheet (``templates/documents/print.css``).
The fixed wording of the acts is in their templates, one per language
(``templates/documents/monitoring/act.<kk|ru|en>.html``): they follow the annexes of seed 002 word for word in
Kazakh, and their Russian rendering.
"""

from __future__ import annotations

import base64

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from attestation.documents.kinds import DocumentKind, register
from attestation.models import College, User, region_name

from . import rules
from .models import Act, Cohort, Participant, ParticipantStatus, RoundCollege

# The month in the act's date line ("«05» қараша 2026 жыл"), in the form each language writes it there.
MONTHS = {
    "kk": ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан", "қараша",
           "желтоқсан"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
           "декабря"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


def _date(value) -> str:
    """A date of the payload: ISO, printed by the templates' ``date_text``."""
    return value.isoformat() if value else ""


def _college(college: College, language: str) -> dict:
    return {"code": college.slug, "name": college.name_in(language), "region": region_name(college.region, language)}


def _round_college(college: College, subject_id: int) -> RoundCollege:
    with scopes_disabled():
        found = RoundCollege.objects.filter(college=college, pk=subject_id).select_related("round").first()
    if found is None:
        raise Http404
    return found


def _cohorts(round, language: str) -> list[str]:
    with translation.override(language):
        labels = dict(Cohort.choices)
        return [str(labels[c]) for c in round.cohorts]


# --- The notice (MON-09) -------------------------------------------------------------------------------------------


def notice_payload(*, college: College, subject_id: int, language: str) -> dict:
    rc = _round_college(college, subject_id)
    round = rc.round
    with scopes_disabled():
        counts = dict.fromkeys(round.cohorts, 0)
        for cohort in Participant.objects.filter(round_college=rc).values_list("cohort", flat=True):
            counts[cohort] = counts.get(cohort, 0) + 1
    labels = dict(zip(round.cohorts, _cohorts(round, language), strict=True))
    return {
        "college": _college(college, language),
        "round": {"id": round.pk, "year": round.year, "testing_on": _date(round.testing_on),
                  "notice_on": _date(round.notice_on), "cohorts": [labels[c] for c in round.cohorts]},
        "selection": {"number": rc.number, "draw": rc.draw.number, "seed": rc.draw.seed},
        "participants": [{"cohort": labels.get(c, c), "count": n} for c, n in counts.items()],
        "total": sum(counts.values()),
    }


def notice_title(payload: dict, language: str) -> str:
    return _("Notice of the monitoring of educational achievements %(year)s") % {"year": payload["round"]["year"]}


NOTICE = register(DocumentKind(
    code="monitoring_notice",
    label=gettext_lazy("notice of the monitoring of educational achievements"),
    template="documents/monitoring/notice.html",
    build_payload=notice_payload,
    title=notice_title,
    student_of=lambda *, college, subject_id: None,
))


# --- The seating sheet (MON-14) ------------------------------------------------------------------------------------


def seating_payload(*, college: College, subject_id: int, language: str) -> dict:
    rc = _round_college(college, subject_id)
    with scopes_disabled():
        testees = list(Participant.objects.filter(round_college=rc, status=ParticipantStatus.PARTICIPANT)
                       .order_by("room", "seat", "code"))
    labels = dict(zip(rc.round.cohorts, _cohorts(rc.round, language), strict=True))
    rooms: dict[str, list[dict]] = {}
    unseated = []
    for p in testees:
        row = {"code": p.code, "full_name": p.full_name, "group": p.group_name, "seat": p.seat,
               "cohort": labels.get(p.cohort, p.cohort)}
        if p.seat is None:
            unseated.append(row)
        else:
            rooms.setdefault(p.room, []).append(row)
    return {
        "college": _college(college, language),
        "round": {"id": rc.round_id, "year": rc.round.year, "testing_on": _date(rc.round.testing_on)},
        "rooms": [{"room": room, "numbered": room.isdigit(), "testees": rows}
                  for room, rows in sorted(rooms.items(), key=lambda r: _room_key(r[0]))],
        "unseated": unseated,
        "total": len(testees),
    }


def _room_key(name: str) -> tuple:
    return (0, int(name), name) if name.isdigit() else (1, 0, name)


def seating_title(payload: dict, language: str) -> str:
    return _("Seating sheet: monitoring of educational achievements %(year)s") % {"year": payload["round"]["year"]}


SEATING = register(DocumentKind(
    code="monitoring_seating",
    label=gettext_lazy("seating sheet of the monitoring"),
    template="documents/monitoring/seating.html",
    build_payload=seating_payload,
    title=seating_title,
    student_of=lambda *, college, subject_id: None,
))


# --- The violation acts (MON-16, MON-17) --------------------------------------------------------------------------


def _image(field) -> str:
    if not field:
        return ""
    with field.open("rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")


def act_payload(*, college: College, subject_id: int, language: str) -> dict:
    with scopes_disabled():
        act = Act.objects.filter(college=college, pk=subject_id).select_related("round", "participant").first()
        if act is None:
            raise Http404
        representative = User.objects.filter(pk=act.representative_id).first()
    local = college.local(act.occurred_at)
    with translation.override(language):
        stage = str(act.get_stage_display()) if act.stage else ""
    return {
        "college": _college(college, language),
        "act": {"id": act.pk, "kind": act.kind, "annex": 1 if act.kind == rules.ACT_FORBIDDEN_ITEMS else 2,
                "day": f"{local.day:02d}", "month": MONTHS.get(language, MONTHS["en"])[local.month - 1],
                "year": local.year, "hour": f"{local.hour:02d}",
                "minute": f"{local.minute:02d}", "date": _date(local.date()), "room": act.room, "seat": act.seat,
                "variant": act.variant, "items": act.items, "stage": act.stage, "stage_label": stage,
                "outsider_name": act.outsider_name, "decision": act.decision, "drawn_up_by": act.drawn_up_by},
        "round": {"id": act.round_id, "year": act.round.year},
        "testee": {"full_name": act.testee_name, "code": act.testee_code, "signed_name": act.testee_signed_name,
                   "signature": _image(act.testee_signature), "group": act.participant.group_name},
        "representative": {"full_name": act.representative_name, "signed_name": act.representative_signed_name,
                           "signature": _image(act.representative_signature),
                           "username": representative.username if representative else ""},
        "scan": {"attached": bool(act.signed_scan), "type": act.signed_scan_type},
    }


def act_title(payload: dict, language: str) -> str:
    if payload["act"]["kind"] == rules.ACT_FORBIDDEN_ITEMS:
        return _("Act on confiscation of prohibited items and removal of the testee: %(code)s") % {
            "code": payload["testee"]["code"]}
    return _("Act on detection of an outsider: %(code)s") % {"code": payload["testee"]["code"]}


ACT = register(DocumentKind(
    code="violation_act",
    label=gettext_lazy("violation act of the monitoring"),
    template="documents/monitoring/act.html",
    build_payload=act_payload,
    title=act_title,
    student_of=lambda *, college, subject_id: None,
))


# --- The comprehensive analysis of a college's results (MON-25, MON-26) ------------------------------------------

from .report import college_payload, report_title  # noqa: E402 — the report reads the analytics, which read kinds

ANALYSIS = register(DocumentKind(
    code="monitoring_analysis",
    label=gettext_lazy("analysis of the monitoring results"),
    template="documents/monitoring/analysis.html",
    build_payload=college_payload,
    title=report_title,
    student_of=lambda *, college, subject_id: None,
))
