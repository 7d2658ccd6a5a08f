"""Grade entry everywhere refuses what the regulation refuses (RET-03, EAR-01 … EAR-03), citing the rule: the
transcript API, the transcript import; individual attestations recorded on documents; the bad input of GRD-01."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from attestation.models import AuditEntry, College, Group, TranscriptEntry
from grading.models import IndividualAttestation
from grading.services import grade_entry_check

from .builders import CAMPAIGN_START, campaign_of, fa_components, fa_result, pdf_upload


def base(cast):
    return f"/api/v1/colleges/{cast.college.slug}"


def post_grade(api, cast, discipline, percent, held_on, attempt=1, reason="first", student=None, **extra):
    return api(cast.admin).post(f"{base(cast)}/transcript/", {
        "student": (student or cast.student).pk, "discipline": discipline.pk, "percent": percent,
        "held_on": held_on.isoformat(), "attempt": attempt, "attempt_reason": reason,
        "is_final_attestation": True, **extra}, format="json")


def rules_of(response):
    return [e["rule"] for e in response.json()["errors"]]


# --- Bad input of GRD-01 --------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("percent", [101, -1, "abc"])
def test_a_percent_outside_0_100_or_not_a_number_is_refused_citing_grd01(api, cast_a, percent):
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[0].pk, "percent": percent,
        "held_on": "2026-02-01", "attempt": 2, "attempt_reason": "retake_after_fail"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"field": "percent", "rule": "GRD-01",
                                            "message": response.json()["errors"][0]["message"]}


@pytest.mark.django_db
def test_94_5_percent_is_accepted_as_95_with_the_raw_value_kept(api, cast_a):
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[1].pk, "percent": 94.5,
        "held_on": "2026-02-01", "attempt": 2, "attempt_reason": "excused_resit"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["percent"], body["percent_raw"], body["letter"], body["points"], body["traditional"]) == (
        95, "94.50", "A", "4.00", "excellent")


@pytest.mark.django_db
@pytest.mark.parametrize("letter", ["E", "A+", "Z"])
def test_an_unknown_letter_is_refused_citing_grd01(api, cast_a, letter):
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[1].pk, "percent": 90, "letter": letter,
        "held_on": "2026-02-01", "attempt": 2, "attempt_reason": "excused_resit"}, format="json")
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["rule"] == "GRD-01"
    assert response.json()["errors"][0]["field"] == "letter"


@pytest.mark.django_db
def test_a_cyrillic_letter_matching_the_percent_is_accepted(api, cast_a):
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[1].pk, "percent": 91, "letter": "А-",
        "held_on": "2026-02-01", "attempt": 2, "attempt_reason": "excused_resit"}, format="json")
    assert response.status_code == 201 and response.json()["letter"] == "A-"


# --- RET-03 ---------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["retake_after_fail", "excused_resit", "tech_failure", "first"])
def test_ret03_a_positive_fa_grade_is_never_retaken_whatever_the_reason(api, cast_a, reason):
    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    fa_result(cast_a, cast_a.student, exam, 72)
    response = post_grade(api, cast_a, exam, 96, date(2027, 6, 10), attempt=2, reason=reason)
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "RET-03" and response.json()["errors"][0]["field"] == "attempt"
    with scopes_disabled():
        assert TranscriptEntry.objects.filter(student=cast_a.student, discipline=exam).count() == 1


@pytest.mark.django_db
def test_ret03_a_new_attempt_after_an_unsatisfactory_fa_grade_is_allowed(api, cast_a):
    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    fa_result(cast_a, cast_a.student, exam, 40)
    response = post_grade(api, cast_a, exam, 75, date(2027, 6, 15), attempt=2, reason="retake_after_fail")
    assert response.status_code == 201, response.json()
    # …but not a third one after that positive grade
    third = post_grade(api, cast_a, exam, 90, date(2027, 6, 18), attempt=3, reason="retake_after_fail")
    assert third.status_code == 422 and rules_of(third) == ["RET-03"]


@pytest.mark.django_db
def test_ret03_does_not_touch_intermediate_attestation(api, cast_a):
    """§43 is about final exams and defences: improving an intermediate grade is the college's business (and it
    counts as an exam retake for honours, HON-02)."""
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[2].pk, "percent": 90,
        "held_on": "2026-02-01", "attempt": 2, "attempt_reason": "retake_after_fail"}, format="json")
    assert response.status_code == 201


@pytest.mark.django_db
def test_ret03_updating_the_grade_itself_is_not_a_retake(api, cast_a):
    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    entry = fa_result(cast_a, cast_a.student, exam, 72)
    response = api(cast_a.admin).patch(f"{base(cast_a)}/transcript/{entry.pk}/", {"percent": 74}, format="json")
    assert response.status_code == 200, response.json()


# --- EAR-01 … EAR-03 ------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_ear01_an_fa_grade_before_the_start_needs_an_individual_attestation(api, cast_a):
    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    early = post_grade(api, cast_a, exam, 85, date(2027, 4, 20))
    assert early.status_code == 422 and rules_of(early) == ["EAR-01"]
    assert early.json()["errors"][0]["field"] == "held_on"
    on_time = post_grade(api, cast_a, exam, 85, CAMPAIGN_START, student=cast_a.other_student)
    assert on_time.status_code == 201


@pytest.mark.django_db
def test_ear01_with_an_individual_attestation_not_earlier_than_two_months(api, cast_a):
    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    record = api(cast_a.admin).post(f"{base(cast_a)}/individual-attestations/", {
        "student": cast_a.student.pk, "kind": "early", "reason": "military_callup", "planned_on": "2027-04-01",
        "order_number": "45-н", "order_date": "2027-03-20", "document": pdf_upload("повестка.pdf")},
        format="multipart")
    assert record.status_code == 201, record.json()
    assert record.json()["earliest"] == "2027-03-25"
    too_early = post_grade(api, cast_a, exam, 85, date(2027, 3, 24))
    assert too_early.status_code == 422 and rules_of(too_early) == ["EAR-01"]
    assert "25.03.2027" in too_early.json()["errors"][0]["message"]
    allowed = post_grade(api, cast_a, exam, 85, date(2027, 3, 25))
    assert allowed.status_code == 201, allowed.json()


@pytest.mark.django_db
def test_ear02_at_a_correctional_institution_three_months(api, cast_a):
    with scopes_disabled():
        College.objects.filter(pk=cast_a.college.pk).update(is_correctional=True)
    cast_a.college.refresh_from_db()
    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    record = api(cast_a.admin).post(f"{base(cast_a)}/individual-attestations/", {
        "student": cast_a.student.pk, "kind": "early", "reason": "other_objective", "planned_on": "2027-03-01",
        "document": pdf_upload()}, format="multipart")
    assert record.status_code == 201, record.json()
    assert record.json()["earliest"] == "2027-02-25"
    assert post_grade(api, cast_a, exam, 85, date(2027, 2, 25)).status_code == 201
    refused = post_grade(api, cast_a, exam, 85, date(2027, 2, 24), student=cast_a.other_student)
    assert refused.status_code == 422 and rules_of(refused) == ["EAR-02"]


@pytest.mark.django_db
def test_ear03_workplace_documents_only_for_correspondence_students(api, cast_a):
    campaign_of(cast_a)
    body = {"student": cast_a.student.pk, "kind": "early", "reason": "workplace", "planned_on": "2027-04-10"}
    refused = api(cast_a.admin).post(f"{base(cast_a)}/individual-attestations/", {**body, "document": pdf_upload()},
                                     format="multipart")
    assert refused.status_code == 422 and rules_of(refused) == ["EAR-03"]
    with scopes_disabled():
        Group.objects.filter(pk=cast_a.group.pk).update(study_form="correspondence")
    accepted = api(cast_a.admin).post(f"{base(cast_a)}/individual-attestations/",
                                      {**body, "document": pdf_upload()}, format="multipart")
    assert accepted.status_code == 201, accepted.json()
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="individual_attestation.created", college=cast_a.college).count() == 1


@pytest.mark.django_db
def test_individual_attestation_before_the_earliest_date_is_refused(api, cast_a):
    campaign_of(cast_a)
    response = api(cast_a.admin).post(f"{base(cast_a)}/individual-attestations/", {
        "student": cast_a.student.pk, "kind": "early", "reason": "health", "planned_on": "2027-03-01",
        "document": pdf_upload()}, format="multipart")
    assert response.status_code == 422 and rules_of(response) == ["EAR-01"]
    assert response.json()["errors"][0]["field"] == "planned_on"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "status"), [
    ("scan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, 201),
    ("scan.jpg", b"\xff\xd8\xff\xe0" + b"0" * 64, 201),
    ("scan.pdf", b"MZ this is a program", 415),  # the content decides, not the name
    ("scan.txt", b"just text", 415),
])
def test_individual_attestation_documents_are_pdf_jpeg_or_png(api, cast_a, name, content, status):
    campaign_of(cast_a)
    response = api(cast_a.admin).post(f"{base(cast_a)}/individual-attestations/", {
        "student": cast_a.student.pk, "kind": "early", "reason": "health", "planned_on": "2027-04-10",
        "document": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == status, response.json()
    if status == 415:
        assert response.json()["errors"][0]["field"] == "document"


@pytest.mark.django_db
def test_individual_attestation_document_over_10_mb_is_refused(api, cast_a):
    campaign_of(cast_a)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))
    response = api(cast_a.admin).post(f"{base(cast_a)}/individual-attestations/", {
        "student": cast_a.student.pk, "kind": "early", "reason": "health", "planned_on": "2027-04-10",
        "document": big}, format="multipart")
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "document"
    with scopes_disabled():
        assert not IndividualAttestation.objects.filter(college=cast_a.college).exists()


@pytest.mark.django_db
def test_individual_attestation_file_is_downloaded_by_staff_and_the_record_withdrawn(api, cast_a):
    campaign_of(cast_a)
    created = api(cast_a.admin).post(f"{base(cast_a)}/individual-attestations/", {
        "student": cast_a.student.pk, "kind": "extension", "reason": "health", "planned_on": "2027-07-01",
        "document": pdf_upload()}, format="multipart").json()
    file = api(cast_a.staff).get(f"{base(cast_a)}/individual-attestations/{created['id']}/file/")
    assert file.status_code == 200 and b"".join(file.streaming_content).startswith(b"%PDF")
    assert api(cast_a.staff).delete(f"{base(cast_a)}/individual-attestations/{created['id']}/").status_code == 403
    assert api(cast_a.student_user).get(f"{base(cast_a)}/individual-attestations/").status_code == 403
    assert api(cast_a.admin).delete(f"{base(cast_a)}/individual-attestations/{created['id']}/").status_code == 204
    with scopes_disabled():
        assert not IndividualAttestation.objects.filter(pk=created["id"]).exists()


# --- Imports: the same rules, per row, with a preloaded context -----------------------------------------------------

def import_csv(api, cast, rows):
    text = "iin;discipline;percent;held_on;attempt;attempt_reason;is_final_attestation\n" + "".join(
        ";".join(str(v) for v in row) + "\n" for row in rows)
    upload = SimpleUploadedFile("grades.csv", text.encode("utf-8-sig"), "text/csv")
    return api(cast.admin).post(f"{base(cast)}/transcript/import/", {"file": upload}, format="multipart")


@pytest.mark.django_db
def test_import_refuses_rows_against_ret03_and_ear01_citing_the_rule(api, cast_a):
    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    iin = cast_a.student.iin
    response = import_csv(api, cast_a, [
        (iin, exam.code, 80, "2027-06-01", 1, "first", "yes"),
        (iin, exam.code, 95, "2027-06-10", 2, "retake_after_fail", "yes"),  # RET-03: a row of the same file
        (cast_a.other_student.iin, exam.code, 80, "2027-04-01", 1, "first", "yes"),  # EAR-01
    ])
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e.get("row"), e["rule"]) for e in errors] == [(3, "RET-03"), (4, "EAR-01")]
    with scopes_disabled():
        assert not TranscriptEntry.objects.filter(discipline=exam).exists()  # all rows or none


@pytest.mark.django_db
def test_grade_entry_check_costs_no_query_for_ordinary_components_and_none_per_row_with_a_context(cast_a):
    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    with scope(college=cast_a.college.pk), CaptureQueriesContext(connection) as ordinary:
        grade_entry_check(college=cast_a.college, student=cast_a.student, discipline=cast_a.disciplines[0],
                          attempt=2, attempt_reason="retake_after_fail", held_on=date(2026, 3, 1))
    assert len(ordinary) == 0
    from grading.services import grade_entry_context

    with scope(college=cast_a.college.pk):
        context = grade_entry_context(college=cast_a.college)
        with CaptureQueriesContext(connection) as rows:
            for student in (cast_a.student, cast_a.other_student):
                grade_entry_check(college=cast_a.college, student=student, discipline=exam, attempt=1,
                                  attempt_reason="first", held_on=date(2027, 6, 1), letter="B", context=context)
    assert len(rows) == 0


@pytest.mark.django_db
def test_import_queries_do_not_grow_with_fa_rows(api, cast_a):
    from ..factories import valid_iin

    campaign_of(cast_a)
    exam = fa_components(cast_a)[1]
    with scopes_disabled():
        from attestation.models import Student

        students = Student.objects.bulk_create([Student(college=cast_a.college, group=cast_a.group, iin=valid_iin(),
                                                        full_name=f"Студент {n}") for n in range(20)])

    def run(chosen, day):
        with CaptureQueriesContext(connection) as queries:
            response = import_csv(api, cast_a, [(s.iin, exam.code, 80, day, 1, "first", "yes") for s in chosen])
        assert response.status_code == 201, response.json()
        return len(queries)

    run(students[:1], "2027-05-31")  # warm: the token, the caches
    assert run(students[1:4], "2027-06-01") == run(students[4:20], "2027-06-02")
