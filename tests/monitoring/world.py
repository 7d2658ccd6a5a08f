"""A round in the middle of its life, for the permission tables and the pages: college A (the cast's college A, Astana)
and college B (the cast's college B, moved to Shymkent) selected; a regional department of each region; a
representative assigned to each college; in each college one participant excused with a document, one removed by an
act (its PDFs rendered) and one with results."""

from __future__ import annotations

from dataclasses import dataclass

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from attestation.documents.pipeline import document_render
from attestation.models import College, Document, Student, User
from monitoring.models import Act, Participant, Result, Round, RoundCollege, SurveyBatch
from monitoring.services import acts as act_services
from monitoring.services import participants as participant_services
from monitoring.services import results as result_services
from monitoring.services import survey as survey_services
from tests.factories import valid_iin

from .builders import (
    AFTER_TESTING,
    BEFORE_THE_DAY,
    TESTING_ON,
    local,
    participants_of,
    regional,
    representative,
    results_csv,
    round_college,
    selected_round,
)
from .test_api_flow import PDF, signature_png


@dataclass
class Side:
    college: College
    admin: User
    region: User
    representative: User
    rc: RoundCollege
    excused: Participant
    removed: Participant
    tested: Participant
    act: Act
    act_document: Document
    notice: Document
    batch: SurveyBatch | None = None


@dataclass
class World:
    round: Round
    ministry: User
    a: Side
    b: Side


def _third_student(cast) -> None:
    with scopes_disabled():
        Student.objects.create(college=cast.college, group=cast.group, iin=valid_iin(),
                               full_name="Үшінші Студент Тестұлы")


def world_build(ministry: User, cast_a, cast_b) -> World:
    with scopes_disabled():
        cast_b.college.region = "shymkent"
        cast_b.college.save(update_fields=["region"])
    _third_student(cast_a)
    _third_student(cast_b)
    round = selected_round(ministry, [cast_a.college, cast_b.college], cohorts=("professional",), status="testing")
    sides = []
    for cast, region in ((cast_a, "astana"), (cast_b, "shymkent")):
        rc = round_college(round, cast.college)
        participants = participants_of(round, cast.college)
        excused, removed, tested = participants[:3]
        rep = representative(f"rep-{cast.college.slug}")
        act_services.representative_assign(round=round, by=ministry, user=rep, round_college=rc)
        with scopes_disabled():
            # Excused before the day (the round was moved to testing by the builder; the excusal is written as the
            # service would have written it then).
            Round.objects.filter(pk=round.pk).update(status="notified")
            with time_machine.travel(BEFORE_THE_DAY, tick=False):
                participant_services.excusal_set(participant=excused, by=cast.admin, reason="sanatorium",
                                                 upload=SimpleUploadedFile("s.pdf", PDF))
            Round.objects.filter(pk=round.pk).update(status="testing")
        round.refresh_from_db()
        with time_machine.travel(local(TESTING_ON, 11, 30), tick=False):
            act = act_services.act_record(round=round, by=rep, data=act_services.ActInput(
                kind="forbidden_items", participant=removed, occurred_at=local(TESTING_ON, 11, 20), room="101",
                seat=3, variant="12", items=[{"item": "Калькулятор", "make": "Casio fx-82", "count": 1}],
                testee_signed_name=removed.full_name, representative_signed_name=rep.full_name,
                testee_signature=signature_png(), representative_signature=signature_png()))
        with scopes_disabled():
            documents = list(Document.objects.filter(college=cast.college, kind__in=["violation_act",
                                                                                     "monitoring_notice"]))
        with scopes_disabled():
            for document in documents:
                document_render(document_id=document.pk)
            act_document = Document.objects.get(college=cast.college, kind="violation_act", language="kk")
            notice = Document.objects.get(college=cast.college, kind="monitoring_notice")
        sides.append(Side(cast.college, cast.admin, regional(region), rep, rc, excused, removed, tested, act,
                          act_document, notice))
    with time_machine.travel(AFTER_TESTING, tick=False):
        report = result_services.results_import(round=round, by=ministry, upload=SimpleUploadedFile(
            "r.csv", results_csv([(side.tested.code, "Математика", "3", "31.5", 40) for side in sides])))
    assert report.ok, report.errors
    round.refresh_from_db()
    with scopes_disabled():
        assert Result.objects.filter(round=round).count() == 2
    for side in sides:
        side.batch = survey_services.invitations_issue(round_college=side.rc, by=ministry, respondent="student",
                                                       label="101", size=6)
    return World(round, ministry, *sides)
