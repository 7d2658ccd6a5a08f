"""The registry through the REST API: CRUD, the error shape of API.md, and bad input refused clearly."""

import pytest
from django_scopes import scopes_disabled

from attestation.models import AuditEntry, Student, TranscriptEntry

from ..factories import valid_iin


def base(cast):
    return f"/api/v1/colleges/{cast.college.slug}"


def assert_error_shape(body):
    assert set(body) == {"detail", "errors"}
    for error in body["errors"]:
        assert {"field", "rule", "message"} <= set(error)


@pytest.mark.django_db
def test_administrator_manages_programs_groups_disciplines(api, cast_a):
    client = api(cast_a.admin)
    program = client.post(f"{base(cast_a)}/programs/", {
        "code": "06130100", "name": "Software", "is_medical": False, "grading_system": "letter",
        "fa_scheme": "project_plus_exam", "qualification": "Technician"})
    assert program.status_code == 201, program.json()
    group = client.post(f"{base(cast_a)}/groups/", {"name": "ПО-23-1", "program": program.json()["id"],
                                                    "year_of_study": 4, "study_form": "full_time"})
    assert group.status_code == 201
    discipline = client.post(f"{base(cast_a)}/disciplines/", {
        "program": program.json()["id"], "code": "PY-01", "name": "Python", "kind": "module", "credits": "6.0"})
    assert discipline.status_code == 201
    renamed = client.patch(f"{base(cast_a)}/groups/{group.json()['id']}/", {"name": "ПО-23-2"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "ПО-23-2"
    assert client.delete(f"{base(cast_a)}/disciplines/{discipline.json()['id']}/").status_code == 204
    with scopes_disabled():
        actions = set(AuditEntry.objects.filter(college=cast_a.college).values_list("action", flat=True))
    assert {"program.created", "group.created", "group.updated", "discipline.created", "discipline.deleted"} <= actions


@pytest.mark.django_db
def test_duplicate_codes_are_field_errors(api, cast_a):
    client = api(cast_a.admin)
    response = client.post(f"{base(cast_a)}/programs/", {"code": cast_a.program.code, "name": "Again"})
    assert response.status_code == 400
    assert_error_shape(response.json())
    assert response.json()["errors"][0]["field"] == "code"


@pytest.mark.django_db
def test_a_program_in_use_cannot_be_deleted(api, cast_a):
    response = api(cast_a.admin).delete(f"{base(cast_a)}/programs/{cast_a.program.pk}/")
    assert response.status_code == 400
    assert "in use" in response.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_student_created_with_an_account(api, cast_a):
    iin = valid_iin()
    response = api(cast_a.admin).post(f"{base(cast_a)}/students/", {
        "iin": iin, "full_name": "Жұмабеков Нұрлан Ерланұлы", "group": cast_a.group.pk, "username": "nurlan"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["iin"] == iin and body["user"] == "nurlan" and body["group_name"] == cast_a.group.name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("iin", "message"),
    [("12345", "12 digits"), ("080424518412", "control digit"), ("08042451841x", "12 digits")],
)
def test_invalid_iin_is_a_clear_field_error_and_nothing_is_stored(api, cast_a, iin, message):
    with scopes_disabled():
        before = Student.objects.count()
    response = api(cast_a.admin).post(f"{base(cast_a)}/students/",
                                      {"iin": iin, "full_name": "X", "group": cast_a.group.pk})
    assert response.status_code == 400
    assert_error_shape(response.json())
    [error] = response.json()["errors"]
    assert error["field"] == "iin" and message in error["message"] and error["rule"] is None
    with scopes_disabled():
        assert Student.objects.count() == before


@pytest.mark.django_db
def test_duplicate_iin_within_a_college_is_refused_but_allowed_in_another(api, cast_a, cast_b):
    duplicate = {"iin": cast_a.student.iin, "full_name": "Someone", "group": cast_a.group.pk}
    response = api(cast_a.admin).post(f"{base(cast_a)}/students/", duplicate)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "iin", "rule": None,
                                          "message": "A student with this IIN already exists in this college."}]
    # The same person may study in another college (tenants do not share natural keys).
    other = api(cast_b.admin).post(f"{base(cast_b)}/students/", {**duplicate, "group": cast_b.group.pk})
    assert other.status_code == 201


@pytest.mark.django_db
def test_transcript_entry_derives_letter_points_and_traditional(api, cast_a):
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[0].pk, "percent": "94.5",
        "held_on": "2026-05-20", "attempt": 2, "attempt_reason": "excused_resit"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["percent"], body["percent_raw"], body["letter"], body["points"], body["traditional"]) == (
        95, "94.50", "A", "4.00", "excellent")


@pytest.mark.django_db
@pytest.mark.parametrize("percent", [101, -1, "abc", ""])
def test_percent_outside_0_100_or_not_a_number_cites_grd01_and_stores_nothing(api, cast_a, percent):
    with scopes_disabled():
        before = TranscriptEntry.objects.count()
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[0].pk, "percent": percent,
        "held_on": "2026-05-20", "attempt": 2})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "percent" and error["rule"] == "GRD-01"
    with scopes_disabled():
        assert TranscriptEntry.objects.count() == before


@pytest.mark.django_db
def test_letter_that_does_not_match_the_percent_is_refused_with_422(api, cast_a):
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[0].pk, "percent": 92, "letter": "A",
        "held_on": "2026-05-20", "attempt": 2})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {"field": "letter", "rule": "GRD-01",
                                            "message": "Letter A does not match 92% (that is A-)."}


@pytest.mark.django_db
def test_a_discipline_of_another_program_is_refused_citing_gen06(api, cast_a):
    from attestation.models import Discipline, Program

    with scopes_disabled():
        other = Program.objects.create(college=cast_a.college, code="X1", name="Other")
        foreign = Discipline.objects.create(college=cast_a.college, program=other, code="Z-1", name="Z")
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": foreign.pk, "percent": 80, "held_on": "2026-05-20"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "GEN-06"


@pytest.mark.django_db
def test_the_same_attempt_twice_is_refused(api, cast_a):
    response = api(cast_a.admin).post(f"{base(cast_a)}/transcript/", {
        "student": cast_a.student.pk, "discipline": cast_a.disciplines[0].pk, "percent": 80, "held_on": "2026-05-20"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "attempt"


@pytest.mark.django_db
def test_errors_are_in_the_language_of_the_request(api, cast_a):
    for language, expected in (("ru", "ИИН"), ("kk", "ЖСН")):
        response = api(cast_a.admin, language=language).post(
            f"{base(cast_a)}/students/", {"iin": "123", "full_name": "X", "group": cast_a.group.pk})
        assert expected in response.json()["errors"][0]["message"], response.json()


@pytest.mark.django_db
def test_staff_reads_but_does_not_write(api, cast_a):
    client = api(cast_a.staff)
    assert client.get(f"{base(cast_a)}/students/").status_code == 200
    response = client.post(f"{base(cast_a)}/programs/", {"code": "Z", "name": "Z"})
    assert response.status_code == 403
    assert_error_shape(response.json())


@pytest.mark.django_db
def test_idempotency_key_replays_the_first_answer(api, cast_a):
    client = api(cast_a.admin)
    body = {"iin": valid_iin(), "full_name": "Оспанов Арман", "group": cast_a.group.pk}
    first = client.post(f"{base(cast_a)}/students/", body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(f"{base(cast_a)}/students/", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replay"] == "true"
    with scopes_disabled():
        assert Student.objects.filter(iin=body["iin"]).count() == 1


@pytest.mark.django_db
def test_unauthenticated_requests_are_refused(api, cast_a):
    response = api().get(f"{base(cast_a)}/students/")
    assert response.status_code == 401
    assert_error_shape(response.json())


@pytest.mark.django_db
def test_members_endpoint_creates_accounts_and_keeps_the_last_admin(api, cast_a):
    client = api(cast_a.admin)
    response = client.post(f"{base(cast_a)}/members/", {
        "username": "new-secretary", "email": "s@example.kz", "full_name": "Хатшы", "password": "Strong-pass-2026",
        "role": "staff"})
    assert response.status_code == 201 and response.json()["role"] == "staff"
    weak = client.post(f"{base(cast_a)}/members/", {"username": "weak", "password": "123", "role": "staff"})
    assert weak.status_code == 400 and weak.json()["errors"][0]["field"] == "password"
    last_admin = client.delete(f"{base(cast_a)}/members/{cast_a.membership_admin.pk}/")
    assert last_admin.status_code == 400


@pytest.mark.django_db
def test_openapi_schema_and_offline_docs_are_served(api, cast_a):
    schema = api(cast_a.admin).get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/colleges/{college}/students/" in schema.content
    docs = api(cast_a.admin).get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content  # no CDN


def test_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/colleges/{college}/campaigns/" in (tmp_path / "schema.yml").read_text()
