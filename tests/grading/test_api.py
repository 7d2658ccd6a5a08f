"""The REST contract of API.md for admissions, honours, decisions and results: what each role sees, every bad input
of the issue answered in the one error shape with the rule id, and another college's objects answering 404."""

from datetime import date

import pytest
import time_machine
from django_scopes import scopes_disabled

from attestation.models import AuditEntry, Document, Program, Student
from grading.models import Admission, AdmissionOrder, DecisionBatch, DiplomaDecision, HonoursConfirmation

from .builders import admit, campaign_of, discipline, fa_components, fa_result, grade, graduate, graduates

AFTER_RESULTS = date(2027, 6, 15)


def base(cast):
    return f"/api/v1/colleges/{cast.college.slug}"


def rules_of(response):
    return [e["rule"] for e in response.json()["errors"]]


@pytest.fixture
def after_results():
    with time_machine.travel(AFTER_RESULTS, tick=False):
        yield


# --- Admissions (ADM-01, ADM-02) ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admissions_list_every_student_eligible_or_with_each_open_component(api, cast_a):
    campaign_of(cast_a)
    chemistry = discipline(cast_a, "CHM-01", credits=3, name="Chemistry")
    discipline(cast_a, "ECO-01", credits=2, name="Economics")  # nobody has it: not in the transcript
    grade(cast_a, cast_a.student, chemistry, 30)  # F: unsatisfactory
    grade(cast_a, cast_a.other_student, chemistry, 88)
    response = api(cast_a.staff).get(f"{base(cast_a)}/admissions/?group={cast_a.group.pk}")
    assert response.status_code == 200
    rows = {r["student"]: r for r in response.json()["results"]}
    mine = rows[cast_a.student.pk]
    assert mine["eligible"] is False and mine["admitted"] is False
    assert [(d["code"], d["reason"]) for d in mine["debts"]] == [("CHM-01", "unsatisfactory"),
                                                                 ("ECO-01", "not_in_transcript")]
    other = rows[cast_a.other_student.pk]
    assert other["eligible"] is False
    assert [(d["code"], d["reason"]) for d in other["debts"]] == [("ECO-01", "not_in_transcript")]


@pytest.mark.django_db
def test_admission_order_for_a_student_with_open_debts_is_422_listing_the_debts(api, cast_a):
    campaign_of(cast_a)
    chemistry = discipline(cast_a, "CHM-01", credits=3, name="Chemistry")
    grade(cast_a, cast_a.student, chemistry, 49)
    late = discipline(cast_a, "LAT-01", credits=1, name="Late subject")
    grade(cast_a, cast_a.student, late, 80, held_on=date(2027, 5, 20))  # held after the order date
    grade(cast_a, cast_a.other_student, chemistry, 90)
    grade(cast_a, cast_a.other_student, late, 90, held_on=date(2027, 1, 20))
    response = api(cast_a.admin).post(f"{base(cast_a)}/admissions/", {
        "group": cast_a.group.pk, "students": [cast_a.student.pk, cast_a.other_student.pk],
        "order_number": "12-у", "order_date": "2027-05-10"}, format="json")
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["detail"] and rules_of(response) == ["ADM-01"]
    error = body["errors"][0]
    assert error["student"] == cast_a.student.pk and error["field"] == "students"
    assert [(d["code"], d["reason"]) for d in error["debts"]] == [("CHM-01", "unsatisfactory"),
                                                                  ("LAT-01", "missing_grade")]
    assert "CHM-01" in error["message"] and "LAT-01" in error["message"]
    with scopes_disabled():  # nothing stored, not even for the eligible student
        assert not AdmissionOrder.objects.filter(college=cast_a.college).exists()
        assert not Admission.objects.filter(college=cast_a.college).exists()
        assert not Document.objects.filter(college=cast_a.college, kind="admission_order").exists()


@pytest.mark.django_db
def test_admitting_issues_the_order_and_a_later_change_is_a_supplementary_order(api, cast_a):
    campaign_of(cast_a)
    first = api(cast_a.admin).post(f"{base(cast_a)}/admissions/", {
        "group": cast_a.group.pk, "students": [cast_a.student.pk], "order_number": "12-у",
        "order_date": "2027-05-10"}, format="json")
    assert first.status_code == 201, first.json()
    order = first.json()
    assert order["kind"] == "main" and order["students"] == [cast_a.student.pk]
    assert order["document"]["kind"] == "admission_order"
    second = api(cast_a.admin).post(f"{base(cast_a)}/admissions/", {
        "group": cast_a.group.pk, "students": [cast_a.other_student.pk], "revoke": [cast_a.student.pk],
        "order_number": "14-у", "order_date": "2027-05-12"}, format="json")
    assert second.status_code == 201, second.json()
    supplement = second.json()
    assert supplement["kind"] == "supplementary" and supplement["supplements"] == order["id"]
    assert supplement["students"] == [cast_a.other_student.pk] and supplement["revoked"] == [cast_a.student.pk]
    again = api(cast_a.admin).get(f"{base(cast_a)}/admission-orders/{order['id']}/").json()
    assert (again["number"], again["order_date"], again["students"]) == ("12-у", "2027-05-10", [cast_a.student.pk])
    rows = {r["student"]: r for r in api(cast_a.admin).get(
        f"{base(cast_a)}/admissions/?group={cast_a.group.pk}").json()["results"]}
    assert rows[cast_a.student.pk]["admitted"] is False
    assert rows[cast_a.other_student.pk]["admitted"] is True
    assert rows[cast_a.other_student.pk]["order"]["number"] == "14-у"
    with scopes_disabled():
        actions = list(AuditEntry.objects.filter(college=cast_a.college, action__startswith="admission.")
                       .values_list("action", flat=True))
        assert actions.count("admission.order_issued") == 2
        assert actions.count("admission.granted") == 2 and actions.count("admission.revoked") == 1
        stored = AdmissionOrder.objects.get(pk=order["id"])
        stored.number = "edited"
        with pytest.raises(ValueError, match="ADM-02"):
            stored.save()


@pytest.mark.django_db
def test_admitting_twice_or_with_a_used_number_is_refused(api, cast_a):
    admit(cast_a, [cast_a.student], number="1-у")
    twice = api(cast_a.admin).post(f"{base(cast_a)}/admissions/", {
        "group": cast_a.group.pk, "students": [cast_a.student.pk], "order_number": "2-у",
        "order_date": "2027-05-11"}, format="json")
    assert twice.status_code == 422 and rules_of(twice) == ["ADM-02"]
    used = api(cast_a.admin).post(f"{base(cast_a)}/admissions/", {
        "group": cast_a.group.pk, "students": [cast_a.other_student.pk], "order_number": "1-у",
        "order_date": "2027-05-11"}, format="json")
    assert used.status_code == 400 and used.json()["errors"][0]["field"] == "order_number"


@pytest.mark.django_db
def test_admissions_are_for_staff_and_orders_for_administrators(api, cast_a):
    campaign_of(cast_a)
    assert api(cast_a.student_user).get(f"{base(cast_a)}/admissions/").status_code == 403
    body = {"group": cast_a.group.pk, "students": [cast_a.student.pk], "order_number": "9",
            "order_date": "2027-05-10"}
    assert api(cast_a.staff).post(f"{base(cast_a)}/admissions/", body, format="json").status_code == 403
    assert api(cast_a.admin).post(f"{base(cast_a)}/admissions/", body, format="json").status_code == 201


@pytest.mark.django_db
def test_another_colleges_group_or_student_is_not_found(api, cast_a, cast_b):
    campaign_of(cast_a)
    campaign_of(cast_b)
    foreign_student = api(cast_a.admin).post(f"{base(cast_a)}/admissions/", {
        "group": cast_a.group.pk, "students": [cast_b.student.pk], "order_number": "9",
        "order_date": "2027-05-10"}, format="json")
    assert foreign_student.status_code == 400 and foreign_student.json()["errors"][0]["field"] == "students"
    foreign_group = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"group": cast_b.group.pk}, format="json")
    assert foreign_group.status_code == 400 and foreign_group.json()["errors"][0]["field"] == "group"
    listed = api(cast_a.admin).get(f"{base(cast_a)}/honours/?group={cast_b.group.pk}").json()
    assert listed["count"] == 0
    assert api(cast_b.admin).get(f"{base(cast_a)}/admissions/").status_code == 404
    with scopes_disabled():
        assert not AdmissionOrder.objects.exists() and not DecisionBatch.objects.exists()


# --- Honours (HON-01, HON-02, HON-03) -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_honours_letter_system_reasons_and_figures(api, cast_a, after_results):
    # The cast's student: A (94.5 → 95), B (81), C (67): below C+, GPA (4 * 5 + 3 * 3 + 2 * 4) / 12 = 3.0833…
    graduate(cast_a, percents=(95, 85))  # the exam B+: below A-
    response = api(cast_a.staff).get(f"{base(cast_a)}/honours/?student={cast_a.student.pk}")
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["system"] == "letter" and row["eligible"] is False and row["rule"] == "HON-02"
    assert row["reasons"] == ["GRADE_BELOW_C_PLUS", "GPA_BELOW_3_5", "FA_BELOW_A_MINUS"]
    assert row["gpa"].startswith("3.0833") and row["status"] == "not_eligible"
    assert row["excellent_share"].startswith("0.333")
    assert len(row["reason_texts"]) == 3 and all(row["reason_texts"])


@pytest.mark.django_db
def test_honours_not_admitted_and_incomplete(api, cast_a, after_results):
    campaign_of(cast_a)
    fa_result(cast_a, cast_a.student, fa_components(cast_a)[0], 98)
    row = api(cast_a.admin).get(f"{base(cast_a)}/honours/?student={cast_a.student.pk}").json()["results"][0]
    assert row["reasons"][:2] == ["NOT_ADMITTED", "FA_INCOMPLETE"]


@pytest.mark.django_db
def test_honours_traditional_system_with_retake_and_confirmation(api, cast_a, after_results):
    with scopes_disabled():
        Program.objects.filter(pk=cast_a.program.pk).update(grading_system="traditional")
    student = cast_a.other_student  # D+ (55), A- (90), A (100): one «satisfactory», 2 of 3 excellent
    graduate(cast_a, percents=(96, 91), student=student)
    row = api(cast_a.admin).get(f"{base(cast_a)}/honours/?student={student.pk}").json()["results"][0]
    assert row["system"] == "traditional" and row["rule"] == "HON-01"
    assert row["reasons"] == ["SATISFACTORY_GRADE", "EXCELLENT_SHARE_BELOW_75"]
    assert row["other_system"]["system"] == "letter"
    refused = api(cast_a.admin).post(f"{base(cast_a)}/honours/confirm/", {
        "student": student.pk, "protocol_reference": "№ 3, 10.06.2027"}, format="json")
    assert refused.status_code == 422 and rules_of(refused) == ["HON-01"]
    # The satisfactory grade retaken to excellent: every grade good or excellent, 3 of 3 excellent — but a retake
    # does not matter under HON-01, only under HON-02.
    grade(cast_a, student, cast_a.disciplines[0], 97, attempt=2, reason="retake_after_fail")
    row = api(cast_a.admin).get(f"{base(cast_a)}/honours/?student={student.pk}").json()["results"][0]
    assert row["eligible"] is True and row["status"] == "proposed" and row["reasons"] == []
    assert "HAS_EXAM_RETAKE" in row["other_system"]["reasons"]
    assert api(cast_a.staff).post(f"{base(cast_a)}/honours/confirm/", {
        "student": student.pk, "protocol_reference": "№ 3"}, format="json").status_code == 403
    confirmed = api(cast_a.admin).post(f"{base(cast_a)}/honours/confirm/", {
        "student": student.pk, "protocol_reference": "№ 3, 10.06.2027"}, format="json")
    assert confirmed.status_code == 201 and confirmed.json()["status"] == "confirmed"
    twice = api(cast_a.admin).post(f"{base(cast_a)}/honours/confirm/", {
        "student": student.pk, "protocol_reference": "№ 4"}, format="json")
    assert twice.status_code == 400
    with scopes_disabled():
        assert HonoursConfirmation.objects.filter(college=cast_a.college).count() == 1
        assert AuditEntry.objects.filter(college=cast_a.college, action="honours.confirmed").count() == 1


@pytest.mark.django_db
def test_honours_letter_system_every_condition_met(api, cast_a, after_results):
    student = cast_a.student
    for component, percent in zip(cast_a.disciplines[1:], (90, 88), strict=True):
        grade(cast_a, student, component, percent, attempt=2, reason="retake_after_fail")  # improved: retakes
    graduate(cast_a, percents=(96, 90))
    row = api(cast_a.admin).get(f"{base(cast_a)}/honours/?student={student.pk}").json()["results"][0]
    assert row["reasons"] == ["HAS_EXAM_RETAKE"]


# --- Decisions (QUA-01, RET-04) and results -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_decision_for_a_student_without_a_final_attestation_result_is_422(api, cast_a, after_results):
    admit(cast_a, [cast_a.student])
    fa_result(cast_a, cast_a.student, fa_components(cast_a)[0], 90)  # the exam has no result
    response = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"student": cast_a.student.pk}, format="json")
    assert response.status_code == 422 and rules_of(response) == ["QUA-01"]
    assert "FA-EX" in response.json()["errors"][0]["message"]
    not_admitted = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"student": cast_a.other_student.pk},
                                          format="json")
    assert not_admitted.status_code == 422 and rules_of(not_admitted) == ["ADM-02"]
    with scopes_disabled():
        assert not DiplomaDecision.objects.filter(college=cast_a.college).exists()


@pytest.mark.django_db
def test_decision_with_qualification_and_certificate_after_a_failed_exam(api, cast_a, after_results):
    with scopes_disabled():
        Program.objects.filter(pk=cast_a.program.pk).update(qualification="4S09130103 Мейіргер",
                                                            qualification_kk="4S09130103 Мейіргер")
    graduate(cast_a, percents=(90, 80))
    graduate(cast_a, percents=(90, 40), student=cast_a.other_student)
    diploma = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"student": cast_a.student.pk}, format="json")
    assert diploma.status_code == 201, diploma.json()
    body = diploma.json()
    assert body["kind"] == "diploma" and body["qualification"] == "4S09130103 Мейіргер"
    assert body["qualification_level"] == "mid_level" and body["honours"] is False
    assert [r["letter"] for r in body["fa_results"]] == ["A-", "B"]
    assert body["document"]["kind"] == "diploma_decision"
    again = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"student": cast_a.student.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    certificate = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"student": cast_a.other_student.pk},
                                         format="json")
    assert certificate.status_code == 201 and certificate.json()["kind"] == "certificate"
    assert certificate.json()["qualification"] == ""
    assert certificate.json()["document"]["kind"] == "completion_certificate"
    with scopes_disabled():
        assert AuditEntry.objects.filter(college=cast_a.college, action="decision.diploma").count() == 1
        assert AuditEntry.objects.filter(college=cast_a.college, action="decision.certificate").count() == 1


@pytest.mark.django_db
def test_a_student_sees_only_their_own_results_and_decision(api, cast_a, cast_b, after_results):
    graduate(cast_a, percents=(90, 80))
    graduate(cast_a, percents=(70, 75), student=cast_a.other_student)
    api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"student": cast_a.student.pk}, format="json")
    api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"student": cast_a.other_student.pk}, format="json")
    results = api(cast_a.student_user).get(f"{base(cast_a)}/results/").json()["results"]
    assert {r["student"] for r in results} == {cast_a.student.pk} and len(results) == 2
    asked_for_other = api(cast_a.student_user).get(f"{base(cast_a)}/results/?student={cast_a.other_student.pk}")
    assert asked_for_other.json()["count"] == 0
    decisions = api(cast_a.student_user).get(f"{base(cast_a)}/decisions/").json()["results"]
    assert [d["student"] for d in decisions] == [cast_a.student.pk]
    with scopes_disabled():
        others = DiplomaDecision.objects.get(student=cast_a.other_student)
    assert api(cast_a.student_user).get(f"{base(cast_a)}/decisions/{others.pk}/").status_code == 404
    assert api(cast_a.student_user).get(f"{base(cast_a)}/honours/").status_code == 403
    assert api(cast_a.student_user).post(f"{base(cast_a)}/decisions/", {"student": cast_a.student.pk},
                                         format="json").status_code == 403
    assert api(cast_a.staff).get(f"{base(cast_a)}/results/").json()["count"] == 4
    # Another college's admin: 404 on the detail, nothing in the lists.
    assert api(cast_b.admin).get(f"{base(cast_b)}/decisions/{others.pk}/").status_code == 404
    assert api(cast_b.admin).get(f"{base(cast_b)}/results/").json()["count"] == 0


@pytest.mark.django_db
def test_unpublished_results_are_not_shown(api, cast_a, after_results):
    campaign_of(cast_a)
    fa_result(cast_a, cast_a.student, fa_components(cast_a)[0], 91, announced=False)
    assert api(cast_a.student_user).get(f"{base(cast_a)}/results/").json()["count"] == 0
    assert api(cast_a.admin).get(f"{base(cast_a)}/results/").json()["count"] == 0


@pytest.mark.django_db
def test_a_group_batch_decides_everyone_and_reports_refusals(api, cast_a, after_results,
                                                             django_capture_on_commit_callbacks):
    graduate(cast_a, percents=(90, 80))
    admit(cast_a, [cast_a.other_student], number="B-2")  # admitted, but no result yet
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"group": cast_a.group.pk}, format="json")
    assert response.status_code == 202, response.json()
    batch = api(cast_a.admin).get(f"{base(cast_a)}/decision-batches/{response.json()['id']}/").json()
    assert batch["status"] == "done" and batch["total"] == 2 and batch["processed"] == 2
    assert [(r["student"], r["rule"]) for r in batch["refusals"]] == [(cast_a.other_student.pk, "QUA-01")]
    assert batch["progress"]["finished"] is True and batch["progress"]["percent"] == 100
    decisions = api(cast_a.admin).get(f"{base(cast_a)}/decisions/?group={cast_a.group.pk}").json()["results"]
    assert [(d["student"], d["kind"], d["document"]["status"]) for d in decisions] == [
        (cast_a.student.pk, "diploma", "ready")]
    # The batch's bulk path builds the same content as a document requested alone: asking again finds it.
    from django_scopes import scope

    from attestation.documents.kinds import get_kind
    from attestation.documents.pipeline import document_request

    with scope(college=cast_a.college.pk):
        again, created = document_request(college=cast_a.college, kind=get_kind("diploma_decision"),
                                           subject_id=decisions[0]["id"], language="kk", by=None)
    assert not created and again.pk == decisions[0]["document"]["id"]
    with scopes_disabled():
        assert AuditEntry.objects.filter(college=cast_a.college, action="decision.diploma").count() == 1
        assert AuditEntry.objects.filter(college=cast_a.college, action="document.requested",
                                         object_id=str(again.pk)).count() == 1


@pytest.mark.django_db
def test_a_group_batch_decides_its_first_students_alone_then_the_rest_a_chunk_at_a_time(
        api, cast_a, after_results, monkeypatch, django_capture_on_commit_callbacks):
    from attestation.documents import pipeline
    from grading import selectors, services

    students = graduates(cast_a, 37)
    monkeypatch.setattr(services, "DECISION_CHUNK", 8)  # 40 in production: the group smaller, the same steps
    sent = []  # what each decided chunk hands to the broker after its commit: (documents, the batch's last?)
    monkeypatch.setattr(pipeline, "documents_enqueue", lambda *, college_id, document_ids, batch_end=False: (
        sent.append((document_ids, batch_end))))
    events = []  # evaluations and decided chunks, in order: the first chunk before the rest is even evaluated
    evaluate, decide = selectors.evaluate, services._decisions_create_many

    def evaluate_seen(**kwargs):
        evaluations = evaluate(**kwargs)
        events.append(("evaluated", len(evaluations)))
        return evaluations

    def decide_seen(**kwargs):
        events.append(("decided", len(kwargs["evaluations"])))
        return decide(**kwargs)

    monkeypatch.setattr(selectors, "evaluate", evaluate_seen)
    monkeypatch.setattr(services, "_decisions_create_many", decide_seen)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"group": cast_a.group.pk}, format="json")
    assert response.status_code == 202, response.json()
    monkeypatch.setattr(selectors, "evaluate", evaluate)
    # 10 alone, then 27 in chunks of 8: the last takes the three a whole chunk leaves over (the batch's end).
    assert [(len(ids), batch_end) for ids, batch_end in sent] == [(10, False), (8, False), (8, False), (11, True)]
    assert events == [("evaluated", 10), ("decided", 10), ("evaluated", 27), ("decided", 8), ("decided", 8),
                      ("decided", 11)]
    with scopes_disabled():
        subjects = dict(Document.objects.filter(college=cast_a.college).values_list("pk", "subject_id"))
        decided = dict(DiplomaDecision.objects.filter(college=cast_a.college).values_list("pk", "student_id"))
        batch = DecisionBatch.objects.get(pk=response.json()["id"])
        evaluated = [e.student_id for e in selectors.evaluate(
            college=cast_a.college, students=Student.objects.filter(pk__in=[s.pk for s in students]))]
    # Every student once, in the evaluation's order (by name), one document each.
    assert [decided[subjects[pk]] for ids, _end in sent for pk in ids] == evaluated
    assert len(evaluated) == len(students) == 37
    assert (batch.status, batch.total, batch.processed, batch.refusals) == ("done", 37, 37, [])


@pytest.mark.django_db
def test_a_second_batch_request_while_one_is_active_joins_it(api, cast_a, after_results):
    graduate(cast_a, percents=(90, 80))
    first = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"group": cast_a.group.pk}, format="json")
    second = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", {"group": cast_a.group.pk}, format="json")
    assert first.status_code == second.status_code == 202
    assert second.json()["id"] == first.json()["id"] and second.json()["joined"] is True
    with scopes_disabled():
        assert DecisionBatch.objects.filter(college=cast_a.college).count() == 1


@pytest.mark.django_db
def test_decision_input_needs_a_group_or_a_student(api, cast_a):
    for body in ({}, {"group": cast_a.group.pk, "student": cast_a.student.pk}, {"group": "abc"},
                 {"student": cast_a.student.pk, "language": "de"}):
        response = api(cast_a.admin).post(f"{base(cast_a)}/decisions/", body, format="json")
        assert response.status_code == 400 and response.json()["errors"], body
