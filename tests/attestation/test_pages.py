"""Server-rendered pages: per role, search and pagination, forms, languages, query counts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override
from django_scopes import scopes_disabled

from attestation.models import Membership, Program, Student

from ..factories import valid_iin


def college_url(cast, path=""):
    return f"/colleges/{cast.college.slug}/{path}"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(page, cast_a):
    response = page().get(college_url(cast_a, "students/"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_dashboard_differs_by_role(page, cast_a):
    admin = page(cast_a.admin).get(college_url(cast_a)).content.decode()
    assert "Import students and grades" in admin and "Recent changes" in admin
    staff = page(cast_a.staff).get(college_url(cast_a)).content.decode()
    assert "students" in staff and "Import students and grades" not in staff
    student = page(cast_a.student_user).get(college_url(cast_a)).content.decode()
    assert cast_a.student.full_name in student and "My transcript" in student


@pytest.mark.django_db
def test_students_cannot_open_staff_pages(page, cast_a):
    client = page(cast_a.student_user)
    for path in ("students/", "registry/programs/", "import/", "audit/", "members/"):
        assert client.get(college_url(cast_a, path)).status_code == 403, path


@pytest.mark.django_db
def test_college_switcher_lists_every_college_of_the_user(page, cast_a, cast_b):
    with scopes_disabled():
        Membership.objects.create(college=cast_b.college, user=cast_a.admin, role="staff")
    html = page(cast_a.admin).get(college_url(cast_a)).content.decode()
    assert 'id="college-switcher"' in html
    assert college_url(cast_b) in html
    home = page(cast_a.admin).get("/")
    assert home.status_code == 200 and college_url(cast_b).encode() in home.content


@pytest.mark.django_db
def test_student_list_searches_and_paginates(page, cast_a):
    with scopes_disabled():
        Student.objects.bulk_create([Student(college=cast_a.college, group=cast_a.group, iin=valid_iin(),
                                             full_name=f"Сәрсенов Студент {n:02d}") for n in range(40)])
    client = page(cast_a.admin)
    first = client.get(college_url(cast_a, "students/")).content.decode()
    assert "42 students" in first and "1 / 2" in first
    second = client.get(college_url(cast_a, "students/?page=2")).content.decode()
    assert "Сәрсенов Студент 39" in second or "Әбілов" in second
    found = client.get(college_url(cast_a, "students/"), {"q": cast_a.student.iin[:8]}).content.decode()
    assert cast_a.student.full_name in found
    partial = client.get(college_url(cast_a, "students/"), {"q": "Студент 07"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and "Сәрсенов Студент 07" in partial.content.decode()


@pytest.mark.django_db
def test_student_list_pages_past_the_end_empty_and_not_numbers(page, cast_a):
    with scopes_disabled():
        Student.objects.bulk_create([Student(college=cast_a.college, group=cast_a.group, iin=valid_iin(),
                                             full_name=f"Яхин Студент {n:02d}") for n in range(40)])
        last_name = Student.objects.filter(college=cast_a.college).order_by("full_name", "id").last().full_name
    client = page(cast_a.admin)
    last = client.get(college_url(cast_a, "students/?page=99")).content.decode()
    assert "42 students" in last and "2 / 2" in last and last_name in last  # the last page, as get_page does
    for odd in ("abc", "0", "-3"):
        first = client.get(college_url(cast_a, f"students/?page={odd}")).content.decode()
        assert "42 students" in first and "1 / 2" in first, odd
    none = client.get(college_url(cast_a, "students/"), {"q": "Ешкім жоқ", "page": "3"}).content.decode()
    assert "0 students" in none and "No students found." in none


@pytest.mark.django_db
def test_student_list_queries_do_not_grow_with_rows(page, cast_a):
    client = page(cast_a.admin)
    client.get(college_url(cast_a, "students/"))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(college_url(cast_a, "students/"))
    with scopes_disabled():
        Student.objects.bulk_create([Student(college=cast_a.college, group=cast_a.group, iin=valid_iin(),
                                             full_name=f"Жақсыбеков {n:02d}") for n in range(28)])
    with CaptureQueriesContext(connection) as many:
        client.get(college_url(cast_a, "students/"))
    assert len(many) == len(few)


@pytest.mark.django_db
def test_transcript_page_queries_do_not_grow_with_entries(page, cast_a):
    client = page(cast_a.admin)
    url = college_url(cast_a, f"students/{cast_a.student.pk}/")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    with CaptureQueriesContext(connection) as other:
        client.get(college_url(cast_a, f"students/{cast_a.other_student.pk}/"))
    assert len(before) == len(other)


@pytest.mark.django_db
def test_transcript_page_shows_every_row_escaped_with_retakes_and_final_attestation(page, cast_a):
    from datetime import date

    from attestation.models import AttemptReason, TranscriptEntry
    from attestation.services import transcript_grade

    with scopes_disabled():
        discipline = cast_a.disciplines[0]
        discipline.name_kk = discipline.name = "<b>Анатомия</b> & физиология"
        discipline.save()
        TranscriptEntry.objects.create(college=cast_a.college, student=cast_a.student, discipline=cast_a.disciplines[2],
                                       held_on=date(2026, 2, 20), attempt=2, attempt_reason=AttemptReason.EXCUSED_RESIT,
                                       is_final_attestation=True, **transcript_grade(88))
    html = page(cast_a.admin, language="kk").get(college_url(cast_a, f"students/{cast_a.student.pk}/")).content.decode()
    assert "&lt;b&gt;Анатомия&lt;/b&gt; &amp; физиология" in html and "<b>Анатомия" not in html
    transcript = html.split('id="transcript-heading"', 1)[1]
    assert transcript.count("<tr") == 1 + 4  # the header and four entries
    retake = html.split('<tr class="fa-row">', 1)[1].split("</tr>", 1)[0]
    assert "Өндірістік практика" in retake and "20.02.2026" in retake and ">88<" in retake and "B+" in retake
    assert 'class="text-muted">(' in retake and "re-sitting" not in retake  # the reason, in Kazakh
    assert "badge" in retake


@pytest.mark.django_db
def test_transcript_heading_with_entries_without_entries_and_out_of_reach(page, cast_a, cast_b):
    with scopes_disabled():
        newcomer = Student.objects.create(college=cast_a.college, group=cast_a.group, iin=valid_iin(),
                                          full_name="Жаңа Студент Әлиұлы")
    client = page(cast_a.admin, language="kk")
    for student in (cast_a.student, newcomer):  # the heading from the rows' query, or on its own without rows
        html = client.get(college_url(cast_a, f"students/{student.pk}/")).content.decode()
        heading = html.split('id="pdf-heading"', 1)[0]
        assert student.full_name in heading and student.iin in heading and cast_a.group.name in heading
        assert f"{cast_a.program.code} Мейіргер ісі" in heading  # the program in the page's language
    assert "No graded components yet." in page(cast_a.admin).get(
        college_url(cast_a, f"students/{newcomer.pk}/")).content.decode()
    assert client.get(college_url(cast_a, f"students/{cast_b.student.pk}/")).status_code == 404  # another college
    own = page(cast_a.student_user)
    assert own.get(college_url(cast_a, f"students/{cast_a.other_student.pk}/")).status_code == 404
    assert own.get(college_url(cast_a, f"students/{cast_a.student.pk}/")).status_code == 200


@pytest.mark.django_db
def test_administrator_creates_and_edits_registry_items_with_pages(page, cast_a):
    client = page(cast_a.admin)
    response = client.post(college_url(cast_a, "registry/programs/new/"), {
        "code": "07130700", "name": "Electrical", "grading_system": "traditional", "fa_scheme": "diploma_work"})
    assert response.status_code == 302
    with scopes_disabled():
        program = Program.objects.get(college=cast_a.college, code="07130700")
    duplicate = client.post(college_url(cast_a, "registry/programs/new/"), {
        "code": "07130700", "name": "Again", "grading_system": "letter", "fa_scheme": "exams"})
    assert duplicate.status_code == 200 and "already exists" in duplicate.content.decode()
    edit = client.post(college_url(cast_a, f"registry/programs/{program.pk}/edit/"), {
        "code": "07130700", "name": "Electrical engineering", "grading_system": "traditional",
        "fa_scheme": "diploma_work"})
    assert edit.status_code == 302
    program.refresh_from_db()
    assert program.name == "Electrical engineering"


@pytest.mark.django_db
def test_student_form_shows_a_clear_iin_error(page, cast_a):
    response = page(cast_a.admin).post(college_url(cast_a, "students/new/"), {
        "iin": "080424518412", "full_name": "Test", "group": cast_a.group.pk})
    assert response.status_code == 200
    assert "control digit" in response.content.decode()


@pytest.mark.django_db
def test_language_switch_changes_the_page_language(page, cast_a):
    client = page(cast_a.admin)
    response = client.post("/i18n/setlang/", {"language": "ru", "next": college_url(cast_a)}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="ru"' in html and "Студенты" in html
    client.post("/i18n/setlang/", {"language": "kk", "next": college_url(cast_a)})
    assert "Білім алушылар" in client.get(college_url(cast_a)).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_page_renders_in_every_language(page, cast_a, language):
    client = page(cast_a.admin, language=language)
    for path in ("", "students/", f"students/{cast_a.student.pk}/", "registry/programs/", "registry/groups/",
                 "registry/disciplines/", "import/", "documents/", "audit/", "members/", "students/new/",
                 "registry/programs/new/"):
        response = client.get(college_url(cast_a, path))
        assert response.status_code == 200, path
        assert f'lang="{language}"'.encode() in response.content
    assert page(language=language).get("/accounts/login/").status_code == 200


@pytest.mark.django_db
def test_documents_list_polls_only_while_documents_are_in_progress(page, cast_a):
    client = page(cast_a.admin)
    html = client.get(college_url(cast_a, "documents/")).content.decode()
    assert 'hx-trigger="every 2s"' in html  # the fixture's document is pending
    row = client.get(college_url(cast_a, f"documents/{cast_a.document.pk}/row/"))
    assert row.status_code == 200 and b"<tr" in row.content


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_transcript_page_reads_the_students_own_rows_and_pdfs(cast_a, cast_b, language):
    from django.http import Http404
    from django.utils import timezone
    from django_scopes import scope

    from attestation import selectors
    from attestation.models import Document
    from attestation.scale import gpa
    from attestation.tenancy import CollegeAccess

    with scopes_disabled():
        for n in range(3):
            Document.objects.create(college=cast_a.college, kind="transcript", subject_id=cast_a.student.pk,
                                    student=cast_a.student, title=f"Транскрипт {n}", language=language,
                                    input_hash=f"{n}" * 64)
        Document.objects.create(college=cast_a.college, kind="transcript", subject_id=cast_a.other_student.pk,
                                student=cast_a.other_student, title="Басқа студенттің транскрипті", input_hash="9" * 64)
        memberships = {m.user_id: m for m in Membership.objects.filter(college=cast_a.college)}
    with scope(college=cast_a.college), override(language):
        for user in (cast_a.admin, cast_a.student_user):
            access = CollegeAccess(cast_a.college, user, memberships[user.pk])
            transcript = selectors.transcript_page(access=access, student_id=cast_a.student.pk)
            orm = list(selectors.transcript_list(access=access, student_id=cast_a.student.pk))
            assert len(transcript.entries) == len(orm) >= 3
            assert [e.pk for e in transcript.entries] == [e.pk for e in orm]  # the curriculum's order, every attempt
            latest = {e.discipline_id: (e.points, e.discipline.credits) for e in orm}
            assert transcript.gpa == gpa(latest.values()) and transcript.student.pk == cast_a.student.pk
            documents = selectors.transcript_documents(access=access, student_id=cast_a.student.pk)
            expected = list(selectors.documents_list(access=access, kind="transcript", subject_id=cast_a.student.pk)
                            [:5])
            assert [(d.pk, d.title, d.language, d.status, d.verification_token, d.created_at) for d in documents] == [
                (d.pk, d.title, d.language, d.status, d.verification_token, d.created_at) for d in expected]
            assert len(documents) >= 3 and all(timezone.is_aware(d.created_at) for d in documents)
        own = CollegeAccess(cast_a.college, cast_a.student_user, memberships[cast_a.student_user.pk])
        with pytest.raises(Http404):  # a student reads only their own record …
            selectors.transcript_page(access=own, student_id=cast_a.other_student.pk)
        assert selectors.transcript_documents(access=own, student_id=cast_a.other_student.pk) == []  # … and PDFs
    with scope(college=cast_b.college):
        access = CollegeAccess(cast_b.college, cast_b.admin, Membership(role="admin"))
        with pytest.raises(Http404):  # another college's administrator
            selectors.transcript_page(access=access, student_id=cast_a.student.pk)
        assert selectors.transcript_documents(access=access, student_id=cast_a.student.pk) == []


@pytest.mark.django_db
def test_student_list_rows_are_escaped_and_link_each_student(page, cast_a):
    with scopes_disabled():
        odd = Student.objects.create(college=cast_a.college, group=cast_a.group, iin=valid_iin(),
                                     full_name='<script>alert("x")</script> & Әлиев')
    html = page(cast_a.admin).get(college_url(cast_a, "students/")).content.decode()
    assert "<script>alert" not in html
    assert f'<a href="{college_url(cast_a, "students/")}{odd.pk}/">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ' \
           f'&amp; Әлиев</a>' in html
    row = html.split(f"students/{cast_a.student.pk}/", 1)[1].split("</tr>", 1)[0]
    assert cast_a.student.iin in row and cast_a.group.name in row and cast_a.program.code in row


def test_the_favicon_is_served_at_the_root(client):
    from PIL import Image

    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
