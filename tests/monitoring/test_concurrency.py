"""Writes two people can make at once, on PostgreSQL with real transactions in threads: two draws make two versions
(never a lost or a doubled one), two acts for one participant make one act and a 409, two imports of one file store it
once, two notices notify once, two seatings never put two testees on one seat."""

import threading
from collections import Counter

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_scopes import scopes_disabled

from monitoring.models import Act, DrawVersion, Participant, Result, RoundCollege
from monitoring.services import acts as act_services

from .builders import (
    AFTER_TESTING,
    NOTICE_DAY,
    TESTING_ON,
    college_with_students,
    local,
    participants_of,
    representative,
    results_csv,
    round_college,
    selected_round,
)
from .test_api_flow import signature_png
from .test_draw import colleges_across_regions, frozen_and_seeded

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
BASE = "/api/v1/monitoring/rounds/{}"


def at_once(*calls):
    """Run the calls in threads released together; their results (or exceptions) in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 — reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_two_draws_at_once_make_two_versions(api, ministry):
    colleges_across_regions(16)
    round = frozen_and_seeded(ministry)
    clients = [api(ministry) for _ in range(4)]
    url = f"{BASE.format(round.pk)}/draw/"
    answers = at_once(*[lambda c=c: c.post(url) for c in clients])
    assert [a.status_code for a in answers] == [201] * 4, answers
    assert sorted(a.json()["version"] for a in answers) == [1, 2, 3, 4]
    versions = list(DrawVersion.objects.filter(round=round))
    assert sorted(v.number for v in versions) == [1, 2, 3, 4]
    assert len({tuple(v.selected) for v in versions}) == 1  # the same seed: the same list each time


def test_two_notices_at_once_notify_once(api, ministry):
    colleges_across_regions(8)
    round = frozen_and_seeded(ministry)
    client = api(ministry)
    client.post(f"{BASE.format(round.pk)}/draw/")
    with time_machine.travel(NOTICE_DAY, tick=True):
        answers = at_once(*[lambda c=c: c.post(f"{BASE.format(round.pk)}/transition/", {"status": "notified"},
                                               format="json") for c in (api(ministry), api(ministry))])
    assert sorted(a.status_code for a in answers) == [200, 422], [a.json() for a in answers]
    with scopes_disabled():
        assert RoundCollege.objects.filter(round=round).count() == 2  # 25% of 8, once
        counts = Counter(Participant.objects.filter(round=round).values_list("student_id", flat=True))
    assert set(counts.values()) == {1}


def test_two_acts_for_one_participant_at_once_make_one_act(api, ministry):
    college = college_with_students("acts", second_year=3, third_year=3)
    round = selected_round(ministry, [college], status="testing")
    target = participants_of(round, college)[0]
    reps = [representative("rep-one"), representative("rep-two")]
    for rep in reps:
        act_services.representative_assign(round=round, by=ministry, user=rep, round_college=round_college(round,
                                                                                                            college))
    body = {"kind": "forbidden_items", "participant": target.pk, "occurred_at": "2026-11-16T10:15:00+05:00",
            "room": "1", "seat": 1, "variant": "3", "items": [{"item": "телефон", "make": "", "count": 1}],
            "testee_signed_name": target.full_name, "representative_signed_name": "Өкіл",
            "testee_signature": signature_png(), "representative_signature": signature_png()}
    with time_machine.travel(local(TESTING_ON, 10, 30), tick=True):
        clients = [api(rep) for rep in reps]
        answers = at_once(*[lambda c=c: c.post(f"{BASE.format(round.pk)}/acts/", body, format="json")
                            for c in clients])
    assert sorted(a.status_code for a in answers) == [201, 409], [a.json() for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert refused["errors"][0]["rule"] == "MON-16"
    with scopes_disabled():
        assert Act.objects.filter(participant=target).count() == 1
        assert Participant.objects.get(pk=target.pk).status == "removed"


def test_two_imports_of_one_file_at_once_store_it_once(api, ministry):
    college = college_with_students("imports", second_year=50, third_year=50)
    round = selected_round(ministry, [college], status="testing")
    content = results_csv([(p.code, "Физика", "2", "12", "20") for p in participants_of(round, college)])
    with time_machine.travel(AFTER_TESTING, tick=True):
        clients = [api(ministry), api(ministry)]
        answers = at_once(*[lambda c=c: c.post(f"{BASE.format(round.pk)}/results/",
                                               {"file": SimpleUploadedFile("r.csv", content)}, format="multipart")
                            for c in clients])
    assert sorted(a.status_code for a in answers) == [201, 400], [a.json() for a in answers]
    loser = next(a for a in answers if a.status_code == 400).json()
    assert len(loser["errors"]) == 100 and all(e["message"].endswith("was imported before.")
                                               for e in loser["errors"])
    with scopes_disabled():
        assert Result.objects.filter(round=round).count() == 100


def test_an_act_and_an_import_at_once_never_leave_a_result_of_the_annulled(api, ministry):
    """An act of the testing day and the results' import stand in one line (the round's row): whichever comes first,
    the participant the act removes keeps no result that counts. Act first: the file naming them is refused whole.
    Import first: the act still comes in (the round is in «results», the window open) and annuls the stored result."""
    college = college_with_students("act-import", second_year=20, third_year=20)
    round = selected_round(ministry, [college], status="testing")
    participants = participants_of(round, college)
    target = participants[0]
    rep = representative("rep-race")
    act_services.representative_assign(round=round, by=ministry, user=rep, round_college=round_college(round,
                                                                                                        college))
    act = {"kind": "forbidden_items", "participant": target.pk, "occurred_at": "2026-11-16T10:15:00+05:00",
           "room": "1", "seat": 1, "variant": "3", "items": [{"item": "телефон", "make": "", "count": 1}],
           "testee_signed_name": target.full_name, "representative_signed_name": "Өкіл",
           "testee_signature": signature_png(), "representative_signature": signature_png()}
    content = results_csv([(p.code, "Физика", "2", "12", "20") for p in participants])
    with time_machine.travel(AFTER_TESTING, tick=True):
        recorder, importer = api(rep), api(ministry)
        recorded, imported = at_once(
            lambda: recorder.post(f"{BASE.format(round.pk)}/acts/", act, format="json"),
            lambda: importer.post(f"{BASE.format(round.pk)}/results/", {"file": SimpleUploadedFile("r.csv", content)},
                                  format="multipart"))
    assert recorded.status_code == 201, recorded.json()
    assert imported.status_code in (201, 400), imported.json()
    with scopes_disabled():
        assert Participant.objects.get(pk=target.pk).status == "removed"
        assert not Result.objects.filter(participant=target, annulled=False).exists()
        if imported.status_code == 201:  # the import came first: the act annulled the stored result
            assert Result.objects.get(participant=target).annulled_by_id == recorded.json()["id"]
            assert Result.objects.filter(round=round, annulled=False).count() == 39
        else:  # the act came first: the file naming the removed participant stored nothing
            assert {e["rule"] for e in imported.json()["errors"]} == {"MON-16"}
            assert Result.objects.filter(round=round).count() == 0


def test_two_seatings_at_once_never_share_a_seat(api, ministry):
    college = college_with_students("seats", second_year=10, third_year=10)
    round = selected_round(ministry, [college])
    admin = college.memberships.model.objects.with_scopes_disabled().get(college=college).user
    bodies = [{"college": college.slug, "rooms": [{"room": "204", "seats": 12}, {"room": "205", "seats": 12}]},
              {"college": college.slug, "rooms": [{"room": "301", "seats": 30}]}]
    with time_machine.travel(NOTICE_DAY, tick=True):
        answers = at_once(*[lambda b=b: api(admin).post(f"{BASE.format(round.pk)}/seating/", b, format="json")
                            for b in bodies])
    assert [a.status_code for a in answers] == [200, 200]
    with scopes_disabled():
        seats = list(Participant.objects.filter(round=round).values_list("room", "seat"))
    assert len(set(seats)) == len(seats) == 20
    assert {room for room, _seat in seats} in ({"204", "205"}, {"301"})  # one of the two, whole


def test_an_excusal_and_a_seating_at_once_never_seat_the_excused(api, ministry):
    college = college_with_students("excuse-seat", second_year=30, third_year=30)
    round = selected_round(ministry, [college])
    admin = college.memberships.model.objects.with_scopes_disabled().get(college=college).user
    participants = participants_of(round, college)
    from .test_api_flow import PDF

    with time_machine.travel(NOTICE_DAY, tick=True):
        clients = [api(admin) for _ in range(6)]
        calls = [lambda c=clients[0]: c.post(f"{BASE.format(round.pk)}/seating/", {
            "college": college.slug, "rooms": [{"room": "204", "seats": 100}]}, format="json")]
        calls += [lambda c=c, p=p: c.post(f"{BASE.format(round.pk)}/participants/", {
            "participant": p.pk, "reason": "sanatorium", "file": SimpleUploadedFile("s.pdf", PDF)},
            format="multipart") for c, p in zip(clients[1:], participants[::7], strict=False)]
        answers = at_once(*calls)
    assert [a.status_code for a in answers] == [200] * len(calls), [a.json() for a in answers]
    with scopes_disabled():
        excused = list(Participant.objects.filter(round=round, status="excused").values_list("room", "seat"))
    assert len(excused) == len(calls) - 1 and set(excused) == {("", None)}
