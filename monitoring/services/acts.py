"""The ministry's authorized representatives (MON-13) and the acts they draw up on the testing day: Annex 1 (forbidden
items, the testee removed, MON-16) and Annex 2 (an outsider, MON-17). An act annuls the participant's results: any
already imported are kept, marked annulled and left out of the summaries analytics read. Acts are taken until the day
the results are due to the colleges (``rules.acts_close_on``), in testing and after the results' import alike."""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from PIL import Image, UnidentifiedImageError

from attestation.audit import audit_log
from attestation.calendar import working_calendar
from attestation.documents.pipeline import document_request
from attestation.models import User
from attestation.rules import RulesBroken, RuleViolation
from attestation.uploads import PNG, SCAN_MAX_BYTES, SCAN_TYPES, UploadRefused, sniff, upload_check

from .. import rules
from ..models import Act, Participant, ParticipantStatus, Representative, Result, Round, RoundCollege
from . import MonitoringConflict
from .results import summaries_rebuild

SIGNATURE_MAX_BYTES = 512 * 1024
ACT_LANGUAGES = ("kk", "ru")  # the act is printed in Kazakh and in Russian
ASSIGNABLE = (Round.Status.NOTIFIED, Round.Status.TESTING)


# --- Representatives (MON-13) ----------------------------------------------------------------------------------------


@transaction.atomic
def representative_assign(*, round: Round, by: User, user: User, round_college: RoundCollege) -> Representative:
    """Ministry: assign an authorized representative to a selected college of the round (MON-13)."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    errors = []
    if round.status not in ASSIGNABLE:
        errors.append(RuleViolation("MON-13", _("Representatives are assigned after the notice and until the end of "
                                                "the testing."), "status"))
    if user.authority != User.Authority.REPRESENTATIVE or not user.is_active:
        errors.append(RuleViolation("MON-13", _("This account is not an authorized representative of the ministry."),
                                    "user"))
    if round_college.round_id != round.pk:
        errors.append(RuleViolation("MON-13", _("This college is not selected in the round."), "college"))
    elif round_college.is_cancelled:
        errors.append(RuleViolation("MON-11", _("The testing is cancelled in this college."), "college"))
    if errors:
        raise RulesBroken(errors, _("The representative cannot be assigned."))
    with scopes_disabled():
        existing = Representative.objects.filter(round=round, round_college=round_college, user=user).first()
        if existing is not None:
            return existing
        assignment = Representative.objects.create(college_id=round_college.college_id, round=round,
                                                   round_college=round_college, user=user, assigned_by=by)
    audit_log(action="monitoring.representative.assigned", college=round_college.college_id, actor=by,
              obj=assignment, data={"round": round.pk, "user": user.username})
    return assignment


@transaction.atomic
def representative_remove(*, assignment: Representative, by: User) -> None:
    with scopes_disabled():
        if Act.objects.filter(round_college=assignment.round_college, representative=assignment.user).exists():
            raise RulesBroken([RuleViolation("MON-13", _("This representative drew up acts in the college; the "
                                                         "assignment stays on record."), "user")],
                              _("The assignment cannot be removed."))
        audit_log(action="monitoring.representative.removed", college=assignment.college_id, actor=by,
                  obj=assignment, data={"round": assignment.round_id, "user": assignment.user.username})
        assignment.delete()


def is_assigned(*, user: User, round_college: RoundCollege) -> bool:
    with scopes_disabled():
        return Representative.objects.filter(user=user, round_college=round_college).exists()


# --- Signatures ------------------------------------------------------------------------------------------------------


def signature_decode(value, *, field: str) -> bytes | None:
    """A signature drawn on the screen: a PNG as a ``data:image/png;base64,…`` URL (the page's canvas) or an uploaded
    PNG file (the API). None when nothing was sent. Refused (415/413) when it is not a PNG or too large, and (400)
    when nothing was drawn."""
    if value in (None, ""):
        return None
    if hasattr(value, "read"):
        data = upload_check(value, allowed=(PNG,), max_bytes=SIGNATURE_MAX_BYTES, field=field).data
    else:
        text = str(value).strip()
        if text.startswith("data:"):
            text = text.partition(",")[2]
        if len(text) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
            raise UploadRefused(_("The signature is larger than %(limit)s KB.")
                                % {"limit": SIGNATURE_MAX_BYTES // 1024}, 413, field)
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UploadRefused(_("The signature is not a PNG image."), 415, field) from exc
        if sniff(data) != PNG:
            raise UploadRefused(_("The signature is not a PNG image."), 415, field)
    if not signature_drawn(data):
        raise RulesBroken([RuleViolation(None, _("The signature is empty: sign on the screen."), field)],
                          _("The act cannot be recorded."))
    return data


def signature_drawn(data: bytes) -> bool:
    """Something was drawn: some pixel that is neither transparent nor white."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return False
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 200 else 0)
    from PIL import ImageChops

    return ImageChops.multiply(alpha, dark).getbbox() is not None


# --- Acts (MON-16, MON-17) -------------------------------------------------------------------------------------------


@dataclass
class ActInput:
    kind: str
    participant: Participant
    occurred_at: datetime | None
    room: str = ""
    seat: int | None = None
    variant: str = ""
    items: list[dict] = field(default_factory=list)
    stage: str = ""
    outsider_name: str = ""
    drawn_up_by: list[str] = field(default_factory=list)
    testee_signed_name: str = ""
    representative_signed_name: str = ""
    testee_signature: object = None  # data URL text or an uploaded PNG
    representative_signature: object = None
    signed_scan: object = None  # an uploaded PDF / JPEG / PNG of the signed paper act


def act_record(*, round: Round, by: User, data: ActInput, now: datetime | None = None) -> Act:
    """Representative: record an act for a participant of a college they are assigned to, on the testing day; the
    participant is removed (or found replaced by an outsider) and their results annulled. Exactly one act per
    participant: of two recorded at once, one is stored and the other refused (409)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _act_record(round=round, by=by, data=data, now=now)
    except IntegrityError as exc:  # the unique constraint: another act for the participant won the race
        raise MonitoringConflict("MON-16" if data.kind == rules.ACT_FORBIDDEN_ITEMS else "MON-17",
                                 _("An act for this participant is already recorded."), "participant") from exc


def _act_record(*, round: Round, by: User, data: ActInput, now: datetime) -> Act:
    rule = "MON-16" if data.kind == rules.ACT_FORBIDDEN_ITEMS else "MON-17"
    # The round's row is the line imports and acts stand in: an import never stores a result for a participant an act
    # is annulling at the same moment.
    round = Round.objects.select_for_update().get(pk=round.pk)
    with scopes_disabled():
        participant = (Participant.objects.select_for_update(of=("self",))
                       .select_related("round_college", "college").get(pk=data.participant.pk))
    rc = participant.round_college
    if participant.round_id != round.pk or not is_assigned(user=by, round_college=rc):
        raise RulesBroken([RuleViolation("MON-13", _("Only a representative assigned to this college in this round "
                                                     "records its acts."), "participant")],
                          _("The act cannot be recorded."))
    # An act of the testing day may reach the portal after the results' import (the round in «results»), until the
    # day the results are due to the colleges: it annuls the result already stored and the summaries are rewritten.
    window = rules.act_window_check(rule=rule, status=round.status, today=participant.college.local(now).date(),
                                    testing_on=round.testing_on, calendar=working_calendar())
    if window is not None:
        raise RulesBroken([window], _("The act cannot be recorded."))
    if rc.is_cancelled:
        raise RulesBroken([RuleViolation("MON-11", _("The testing is cancelled in this college."), "participant")],
                          _("The act cannot be recorded."))
    if participant.status != ParticipantStatus.PARTICIPANT:
        raise MonitoringConflict(rule, _("This participant is %(status)s; no act can be recorded.")
                                 % {"status": participant.get_status_display()}, "participant")
    college = participant.college
    occurred = timezone.localtime(data.occurred_at, college.zone).replace(second=0, microsecond=0) \
        if data.occurred_at else None
    scan = None
    if data.signed_scan not in (None, ""):
        scan = upload_check(data.signed_scan, allowed=SCAN_TYPES, max_bytes=SCAN_MAX_BYTES, field="signed_scan")
    testee_png = signature_decode(data.testee_signature, field="testee_signature")
    representative_png = signature_decode(data.representative_signature, field="representative_signature")
    facts = rules.ActFacts(
        kind=data.kind, occurred_at=occurred, testing_on=round.testing_on, now=college.local(now),
        room=data.room or "", seat=data.seat, variant=data.variant or "", items=data.items or [],
        stage=data.stage or "", outsider_name=data.outsider_name or "",
        testee_signed_name=data.testee_signed_name or "",
        representative_signed_name=data.representative_signed_name or "",
        signed=scan is not None or (testee_png is not None and representative_png is not None))
    violations = rules.act_check(facts)
    if violations:
        raise RulesBroken(violations, _("The act cannot be recorded."))
    stage = data.stage if data.kind == rules.ACT_OUTSIDER else ""
    drawn_up_by = [name.strip()[:255] for name in data.drawn_up_by if name and name.strip()]
    if data.kind == rules.ACT_FORBIDDEN_ITEMS and by.display_name not in drawn_up_by:
        drawn_up_by.insert(0, by.display_name)
    act = Act(
        college=college, round=round, round_college=rc, participant=participant, kind=data.kind,
        occurred_at=occurred, room=(data.room or "").strip()[:32], seat=data.seat, variant=(data.variant or "")[:32],
        items=[{"item": str(i.get("item", "")).strip()[:200], "make": str(i.get("make", "") or "").strip()[:200],
                "count": i["count"]} for i in data.items] if data.kind == rules.ACT_FORBIDDEN_ITEMS else [],
        stage=stage, outsider_name=(data.outsider_name or "").strip()[:255] if data.kind == rules.ACT_OUTSIDER else "",
        decision=rules.act_decision(kind=data.kind, stage=stage), drawn_up_by=drawn_up_by, representative=by,
        representative_name=by.display_name, representative_signed_name=data.representative_signed_name.strip(),
        testee_name=participant.full_name, testee_code=participant.code,
        testee_signed_name=data.testee_signed_name.strip())
    if scan is not None:
        act.signed_scan.save(f"scan.{scan.name.rsplit('.', 1)[-1]}", ContentFile(scan.data), save=False)
        act.signed_scan_type = scan.content_type
    if testee_png is not None:
        act.testee_signature.save("testee.png", ContentFile(testee_png), save=False)
    if representative_png is not None:
        act.representative_signature.save("representative.png", ContentFile(representative_png), save=False)
    with scopes_disabled():
        act.save(force_insert=True)
        participant.status = (ParticipantStatus.REMOVED if data.kind == rules.ACT_FORBIDDEN_ITEMS
                              else ParticipantStatus.OUTSIDER)
        participant.save(update_fields=["status"])
        annulled = Result.objects.filter(participant=participant, annulled=False)
        subjects = list(annulled.values_list("subject", flat=True))
        annulled.update(annulled=True, annulled_by=act)
        if subjects:
            summaries_rebuild(round=round, keys={(college.pk, subject, participant.cohort) for subject in subjects})
        act_documents_request(act=act, by=by)
    audit_log(action="monitoring.act.recorded", college=college, actor=by, obj=act,
              data={"round": round.pk, "kind": act.kind, "code": participant.code, "annulled_results": len(subjects),
                    "decision": act.decision, "occurred_at": act.occurred_at})
    return act


def act_documents_request(*, act: Act, by: User | None) -> list:
    """The act as a PDF in Kazakh and in Russian."""
    from ..documents import ACT

    return [document_request(college=act.college, kind=ACT, subject_id=act.pk, language=language, by=by)[0]
            for language in ACT_LANGUAGES]
