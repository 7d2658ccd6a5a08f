"""Imports of students and transcripts: all rows or none, every error reported by row and column."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from openpyxl import Workbook, load_workbook

from attestation.models import AuditEntry, Student, TranscriptEntry

from ..factories import valid_iin


def xlsx(rows, name="students.xlsx"):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(),
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def csv_file(text, encoding="utf-8-sig", name="data.csv"):
    return SimpleUploadedFile(name, text.encode(encoding), "text/csv")


def url(cast, kind):
    return f"/api/v1/colleges/{cast.college.slug}/{kind}/import/"


def counts():
    with scopes_disabled():
        return Student.objects.count(), TranscriptEntry.objects.count()


@pytest.mark.django_db
def test_students_from_a_platonus_like_xlsx_with_russian_headers(api, cast_a):
    iins = [valid_iin(), valid_iin(True)]
    upload = xlsx([["ФИО", "ИИН", "Группа", "Логин"],
                   ["Серікбаев Асқар Ерланұлы", iins[0], cast_a.group.name, "askar"],
                   ["Нұрланова Әсел Маратқызы", iins[1], cast_a.group.name.lower(), None]])
    response = api(cast_a.admin).post(url(cast_a, "students"), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json() == {"rows": 2, "created": 2, "updated": 0}
    with scopes_disabled():
        created = Student.objects.get(iin=iins[0])
        assert created.user.username == "askar" and created.group == cast_a.group
        assert AuditEntry.objects.filter(college=cast_a.college, action="import.students").exists()


@pytest.mark.django_db
def test_reimporting_updates_instead_of_duplicating(api, cast_a):
    text = f"iin;full_name;group\n{cast_a.student.iin};Әбілов Ерлан Серікұлы (жаңа);{cast_a.group.name}\n"
    response = api(cast_a.admin).post(url(cast_a, "students"), {"file": csv_file(text)}, format="multipart")
    assert response.json() == {"rows": 1, "created": 0, "updated": 1}
    cast_a.student.refresh_from_db()
    assert cast_a.student.full_name.endswith("(жаңа)")


@pytest.mark.django_db
def test_student_rows_with_errors_are_all_reported_and_nothing_is_stored(api, cast_a):
    good = valid_iin()
    text = ("ИИН,ФИО,Группа\n"
            f"{good},Омаров Саят,{cast_a.group.name}\n"
            "080424518412,Ахметова Дана,{g}\n"
            f"{good},Есенов Олжас,{cast_a.group.name}\n"
            f"{valid_iin()},,ЖОҚ-1\n").replace("{g}", cast_a.group.name)
    before = counts()
    response = api(cast_a.admin).post(url(cast_a, "students"), {"file": csv_file(text)}, format="multipart")
    assert response.status_code == 400
    errors = [(e["row"], e["field"]) for e in response.json()["errors"]]
    assert errors == [(3, "iin"), (4, "iin"), (5, "full_name"), (5, "group")]
    assert "row 2" in response.json()["errors"][1]["message"]
    assert counts() == before


@pytest.mark.django_db
def test_transcript_csv_with_decimal_comma_cyrillic_letters_and_local_dates(api, cast_a):
    text = ("ИИН;Код дисциплины;Процент;Буква;Дата;Попытка;Причина\n"
            f"{cast_a.student.iin};anf-01;94,5;А;15.06.2026;2;excused_resit\n"
            f"{cast_a.other_student.iin};KZ-01;49;F;2026-06-16;2;\n")
    response = api(cast_a.admin).post(url(cast_a, "transcript"), {"file": csv_file(text)}, format="multipart")
    assert response.status_code == 201, response.json()
    with scopes_disabled():
        entry = TranscriptEntry.objects.get(student=cast_a.student, discipline=cast_a.disciplines[0], attempt=2)
    assert (entry.percent, str(entry.percent_raw), entry.letter, str(entry.held_on)) == (95, "94.50", "A", "2026-06-15")


@pytest.mark.django_db
def test_transcript_rows_with_unknown_discipline_or_bad_percent_store_nothing(api, cast_a):
    text = ("iin,discipline,percent,held_on,letter\n"
            f"{cast_a.student.iin},ANF-01,80,2026-06-15,\n"  # a good row: not stored either
            f"{cast_a.student.iin},NOPE-99,80,2026-06-15,\n"
            f"{cast_a.student.iin},KZ-01,101,2026-06-15,\n"
            f"{cast_a.student.iin},KZ-01,abc,2026-06-15,\n"
            f"{cast_a.student.iin},PR-01,92,2026-13-40,A\n"
            f"000000000000,PR-01,92,2026-06-15,\n")
    before = counts()
    response = api(cast_a.admin, language="en").post(url(cast_a, "transcript"), {"file": csv_file(text)},
                                                      format="multipart")
    assert response.status_code == 400
    errors = [(e["row"], e["field"], e["rule"]) for e in response.json()["errors"]]
    assert errors == [(3, "discipline", "GEN-06"), (4, "percent", "GRD-01"), (5, "percent", "GRD-01"),
                      (6, "letter", "GRD-01"), (6, "held_on", None), (7, "iin", None)]
    assert response.json()["detail"] == "Nothing was imported: 6 error(s) in the file."
    assert counts() == before


@pytest.mark.django_db
def test_a_20_mb_upload_is_refused_with_413(api, cast_a):
    big = SimpleUploadedFile("big.csv", b"iin,full_name,group\n" + b"x" * (20 * 1024 * 1024), "text/csv")
    response = api(cast_a.admin).post(url(cast_a, "students"), {"file": big}, format="multipart")
    assert response.status_code == 413
    assert "limit" in response.json()["errors"][0]["message"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name"),
    [(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.csv"), (b"%PDF-1.7\n%...", "scan.xlsx"),
     (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls"), (b"PK\x03\x04broken-zip", "broken.xlsx"),
     (b"MZ\x90\x00\x03", "setup.exe")],
)
def test_a_non_spreadsheet_upload_is_refused_with_415(api, cast_a, content, name):
    before = counts()
    response = api(cast_a.admin).post(url(cast_a, "students"), {"file": SimpleUploadedFile(name, content)},
                                      format="multipart")
    assert response.status_code == 415, response.json()
    assert response.json()["errors"][0]["field"] == "file"
    assert counts() == before


@pytest.mark.django_db
def test_a_csv_in_a_legacy_encoding_is_refused_with_advice(api, cast_a):
    text = f"ИИН;ФИО;Группа\n{valid_iin()};Иванов Иван;{cast_a.group.name}\n"
    response = api(cast_a.admin).post(url(cast_a, "students"), {"file": csv_file(text, "cp1251")}, format="multipart")
    assert response.status_code == 415
    assert "UTF-8" in response.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_a_utf16_unicode_text_export_is_read(api, cast_a):
    text = f"ИИН\tФИО\tГруппа\n{valid_iin()}\tІскаков Ілияс\t{cast_a.group.name}\n"
    response = api(cast_a.admin).post(url(cast_a, "students"), {"file": csv_file(text, "utf-16")}, format="multipart")
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_a_file_without_the_required_columns_is_explained(api, cast_a):
    upload = csv_file("name;age\nA;1\n")
    response = api(cast_a.admin).post(url(cast_a, "students"), {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "IIN" in response.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_import_is_for_administrators_only(api, cast_a):
    response = api(cast_a.staff).post(url(cast_a, "students"), {"file": csv_file("iin\n")}, format="multipart")
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["students", "transcript"])
def test_template_files_are_accepted_by_the_importer(page, cast_a, kind):
    client = page(cast_a.admin, language="ru")
    response = client.get(f"/colleges/{cast_a.college.slug}/import/template/{kind}.xlsx")
    assert response.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    csv_response = client.get(f"/colleges/{cast_a.college.slug}/import/template/{kind}.csv")
    assert csv_response.content.decode("utf-8-sig").strip().split(";") == headers
    # A template with just its header row is understood (no "missing column" error).
    upload = SimpleUploadedFile(f"{kind}.csv", csv_response.content + b"\n")
    reply = client.post(f"/colleges/{cast_a.college.slug}/import/", {"kind": kind, "file": upload})
    assert "no data rows" in reply.content.decode() or "нет строк" in reply.content.decode()


@pytest.mark.django_db
def test_import_page_shows_the_error_report(page, cast_a):
    client = page(cast_a.admin)
    text = f"iin,full_name,group\n12345,Bad,{cast_a.group.name}\n"
    response = client.post(f"/colleges/{cast_a.college.slug}/import/",
                           {"kind": "students", "file": csv_file(text)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html and "12345" in html and "12 digits" in html
