"""A round through the API from its creation to its results, as the ministry, a college administrator and a
representative use it (API.md ``/api/v1/monitoring/…``), with the audit entries each step leaves."""

import base64
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from PIL import Image, ImageDraw

from attestation.models import AuditEntry, Document, Notification, TranscriptEntry
from monitoring.models import Act, Participant, Result, ResultSummary, Round, RoundCollege

from .builders import (
    AFTER_TESTING,
    BEFORE_THE_DAY,
    NOTICE_DAY,
    TESTING_DAY,
    TESTING_ON,
    college_with_students,
    local,
    representative,
    results_csv,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/monitoring/rounds/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def signature_png(scribble: bool = True) -> str:
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    if scribble:
        ImageDraw.Draw(image).line([(10, 100), (80, 20), (150, 90), (280, 30)], fill=(10, 20, 60, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def test_a_round_from_creation_to_results(api, ministry, cast_a):
    for n in range(7):
        college_with_students(f"flow-{n}")
    client = api(ministry)
    with time_machine.travel(NOTICE_DAY, tick=False):
        created = client.post(BASE, {"year": 2026, "testing_on": "2026-11-16",
                                     "cohorts": ["general", "professional"]}, format="json")
        assert created.status_code == 201, created.json()
        assert created.json()["status"] == "draft" and created.json()["warnings"] == []
        pk = created.json()["id"]
        frozen = client.post(f"{BASE}{pk}/pool/")
        assert frozen.status_code == 200 and frozen.json()["pool_size"] == 8
        pool = client.get(f"{BASE}{pk}/pool/", {"page_size": 500}).json()
        assert pool["count"] == 8 and {row["code"] for row in pool["results"]} >= {cast_a.college.slug}
        seeded = client.patch(f"{BASE}{pk}/", {"seed": "2026-10-01 lottery 4 8 15 16 23 42"}, format="json")
        assert seeded.status_code == 200 and seeded.json()["seed_published_at"]
        draw = client.post(f"{BASE}{pk}/draw/")
        assert draw.status_code == 201, draw.json()
        body = draw.json()
        assert body["version"] == 1 and sum(s["quota"] for s in body["strata"]) == 2  # 25% of 8
        again = client.post(f"{BASE}{pk}/draw/").json()
        assert again["version"] == 2 and again["strata"] == body["strata"]  # same seed, same list, new version
        notified = client.post(f"{BASE}{pk}/transition/", {"status": "notified"}, format="json")
        assert notified.status_code == 200, notified.json()
        assert notified.json()["status"] == "notified" and notified.json()["notice_on"] == "2026-10-01"
    selected = [s for stratum in body["strata"] for s in stratum["selected"]]
    with scopes_disabled():
        rcs = list(RoundCollege.objects.filter(round_id=pk).select_related("college"))
        assert sorted(rc.college.slug for rc in rcs) == sorted(selected)
        assert all(rc.notice_document_id for rc in rcs)
        assert Notification.objects.filter(college=rcs[0].college).exists()
        rcs.sort(key=lambda rc: -Participant.objects.filter(round_college=rc).count())  # not cast_a's two students
        participants = list(Participant.objects.filter(round_college=rcs[0]).order_by("code"))
    assert participants and all(len(p.code) == 11 and p.code.startswith("26") for p in participants)

    # The college administrator excuses one participant with a document, and seats the others.
    college = rcs[0].college
    admin = college.memberships.model.objects.with_scopes_disabled().get(college=college, role="admin").user
    college_client = api(admin)
    with time_machine.travel(BEFORE_THE_DAY, tick=False):
        excused = college_client.post(f"{BASE}{pk}/participants/", {
            "participant": participants[0].pk, "reason": "absent_health", "note": "справка",
            "file": SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf")}, format="multipart")
        assert excused.status_code == 200, excused.json()
        assert excused.json()["excused"] is True and excused.json()["reason"] == "absent_health"
        seated = college_client.post(f"{BASE}{pk}/seating/", {"college": college.slug,
                                                              "rooms": [{"room": "204", "seats": 30}]}, format="json")
        assert seated.status_code == 200, seated.json()
        rows = {row["code"]: row for row in seated.json()}
        assert rows[participants[1].code]["room"] == "204" and rows[participants[1].code]["seat"] == 1
        assert rows[participants[0].code]["seat"] is None

    # The ministry assigns a representative; testing starts; the representative records an act.
    rep = representative()
    assigned = client.post(f"{BASE}{pk}/representatives/", {"user": rep.username, "college": college.slug},
                           format="json")
    assert assigned.status_code == 201, assigned.json()
    with time_machine.travel(TESTING_DAY, tick=False):
        testing = client.post(f"{BASE}{pk}/transition/", {"status": "testing"}, format="json")
        assert testing.status_code == 200, testing.json()
    with time_machine.travel(local(TESTING_ON, 11, 5), tick=False):
        act = api(rep).post(f"{BASE}{pk}/acts/", {
            "kind": "forbidden_items", "participant": participants[2].pk, "occurred_at": "2026-11-16T10:42:37+05:00",
            "room": "204", "seat": 2, "variant": "7", "items": [{"item": "Мобильді телефон", "make": "Samsung A52",
                                                                 "count": 1}],
            "testee_signed_name": participants[2].full_name, "representative_signed_name": rep.full_name,
            "testee_signature": signature_png(), "representative_signature": signature_png()}, format="json")
        assert act.status_code == 201, act.json()
        assert act.json()["occurred_at"].startswith("2026-11-16T10:42:00")  # to the minute
        assert {d["language"] for d in act.json()["documents"]} == {"kk", "ru"}

    # The ministry imports the results; the act's participant is refused, then the file without them passes.
    codes = [p.code for p in participants]
    with time_machine.travel(AFTER_TESTING, tick=False):
        bad = client.post(f"{BASE}{pk}/results/", {"file": SimpleUploadedFile("r.csv", results_csv(
            [(code, "Математика", "1", 30, 40) for code in codes]))}, format="multipart")
        assert bad.status_code == 400
        rules_named = {(e["row"], e["rule"]) for e in bad.json()["errors"]}
        assert (2, "MON-08") in rules_named and (4, "MON-16") in rules_named
        good = client.post(f"{BASE}{pk}/results/", {"file": SimpleUploadedFile("r.csv", results_csv(
            [(code, "Математика", "1", 30, 40) for code in codes[1:2] + codes[3:]]))}, format="multipart")
        assert good.status_code == 201, good.json()
    with scopes_disabled():
        assert Round.objects.get(pk=pk).status == "results"
        assert Result.objects.filter(round_id=pk).count() == len(codes) - 2
        summaries = list(ResultSummary.objects.filter(round_id=pk, college=college, subject="Математика"))
        assert {s.cohort for s in summaries} == {"general", "professional"}  # one row per cohort
        assert sum(s.count for s in summaries) == len(codes) - 2
        assert all(s.distribution[7] == s.count and s.score_sum == 30 * s.count for s in summaries)  # 75% of 40
        assert TranscriptEntry.objects.filter(college=college).count() == 0  # never a grade (MON-23)
        assert Act.objects.filter(round_id=pk).count() == 1
        assert Document.objects.filter(kind="violation_act").count() == 2
        actions = set(AuditEntry.objects.filter(action__startswith="monitoring.").values_list("action", flat=True))
    assert {"monitoring.round.created", "monitoring.pool.frozen", "monitoring.seed.published", "monitoring.draw",
            "monitoring.round.notified", "monitoring.notice.sent", "monitoring.participant.excused",
            "monitoring.seating.assigned", "monitoring.representative.assigned", "monitoring.round.testing",
            "monitoring.act.recorded", "monitoring.results.imported", "monitoring.round.results"} <= actions
    mine = college_client.get(f"{BASE}{pk}/results/").json()
    assert mine["count"] == len(codes) - 2 and {r["college"] for r in mine["results"]} == {college.slug}
