"""The grading pages in kk, ru and en: a group's admission page (debts, one action issuing the order, the ADM-01
refusal), honours with reasons and figures, decisions with the batch's progress bar, and the student's own page."""

import re

import pytest
import time_machine
from django_scopes import scopes_disabled

from attestation.models import AuditEntry
from grading.models import AdmissionOrder, DecisionBatch, DiplomaDecision

from .builders import admit, campaign_of, discipline, grade, graduate
from .test_api import AFTER_RESULTS

LANGUAGES = ["kk", "ru", "en"]


def url(cast, path):
    return f"/colleges/{cast.college.slug}/attestation/{path}"


def lang_of(html: str) -> str:
    return re.search(r'<html[^>]*lang="([a-z]+)', html).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_admission_page_shows_each_student_and_the_open_components(page, cast_a, language):
    campaign_of(cast_a)
    chemistry = discipline(cast_a, "CHM-01", credits=3, name="Chemistry")
    grade(cast_a, cast_a.student, chemistry, 20)
    grade(cast_a, cast_a.other_student, chemistry, 80)
    response = page(cast_a.staff, language).get(url(cast_a, f"admissions/?group={cast_a.group.pk}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert lang_of(html) == language
    row = html.split(f'id="student-{cast_a.student.pk}"')[1].split("</tr>")[0]
    assert "CHM-01" in row and "badge text-bg-danger" in row
    other = html.split(f'id="student-{cast_a.other_student.pk}"')[1].split("</tr>")[0]
    assert "text-bg-primary" in other
    assert 'id="issue-order"' not in html  # staff see, administrators act


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_admitting_from_the_page_and_the_adm01_refusal(page, cast_a, language):
    campaign_of(cast_a)
    chemistry = discipline(cast_a, "CHM-01", credits=3, name="Chemistry")
    grade(cast_a, cast_a.student, chemistry, 20)
    grade(cast_a, cast_a.other_student, chemistry, 80)
    client = page(cast_a.admin, language)
    refused = client.post(url(cast_a, "admissions/"), {
        "group": cast_a.group.pk, "students": [cast_a.student.pk, cast_a.other_student.pk],
        "order_number": "5-у", "order_date": "2027-05-10"})
    assert refused.status_code == 422
    assert "[ADM-01]" in refused.content.decode() and "CHM-01" in refused.content.decode()
    issued = client.post(url(cast_a, "admissions/"), {
        "group": cast_a.group.pk, "students": [cast_a.other_student.pk], "order_number": "5-у",
        "order_date": "2027-05-10"})
    assert issued.status_code == 302
    with scopes_disabled():
        order = AdmissionOrder.objects.get(college=cast_a.college)
        assert [a.student_id for a in order.admissions.all()] == [cast_a.other_student.pk]
    html = client.get(url(cast_a, f"admissions/?group={cast_a.group.pk}")).content.decode()
    assert "5-у" in html and f'id="revoke-{cast_a.other_student.pk}"' in html
    assert page(cast_a.staff).post(url(cast_a, "admissions/"), {
        "group": cast_a.group.pk, "students": [cast_a.other_student.pk], "order_number": "6-у",
        "order_date": "2027-05-10"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_honours_page_shows_figures_reasons_and_records_the_commission(page, cast_a, language):
    with time_machine.travel(AFTER_RESULTS, tick=False):
        graduate(cast_a, percents=(95, 85))
        client = page(cast_a.admin, language)
        html = client.get(url(cast_a, f"honours/?group={cast_a.group.pk}")).content.decode()
        row = html.split(f'id="honours-{cast_a.student.pk}"')[1].split("</tr>")[0]
        comma = "." if language == "en" else ","  # the decimal separator of the page's language
        assert f"3{comma}08" in row and f"33{comma}3%" in row  # GPA truncated, never rounded up; share «excellent»
        assert row.count("<li>") == 3  # below C+, GPA below 3.5, FA below A-
        refused = client.post(url(cast_a, f"honours/{cast_a.student.pk}/confirm/"),
                              {"protocol_reference": "№ 3", "awarded": "1"}, follow=True)
        assert "[HON-02]" in refused.content.decode()
    with scopes_disabled():
        assert not AuditEntry.objects.filter(college=cast_a.college, action="honours.confirmed").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_decisions_page_starts_a_batch_and_shows_its_progress(page, cast_a, language,
                                                                  django_capture_on_commit_callbacks):
    with time_machine.travel(AFTER_RESULTS, tick=False):
        graduate(cast_a, percents=(90, 80))
        graduate(cast_a, percents=(90, 20), student=cast_a.other_student)
        client = page(cast_a.admin, language)
        before = client.get(url(cast_a, f"decisions/?group={cast_a.group.pk}")).content.decode()
        assert 'id="start-batch"' in before
        with django_capture_on_commit_callbacks(execute=True):
            started = client.post(url(cast_a, "decisions/"), {"group": cast_a.group.pk})
        assert started.status_code == 302
        with scopes_disabled():
            batch = DecisionBatch.objects.get(college=cast_a.college)
            assert DiplomaDecision.objects.filter(college=cast_a.college).count() == 2
        html = client.get(url(cast_a, f"decisions/?group={cast_a.group.pk}")).content.decode()
        assert f'id="batch-{batch.pk}"' in html and 'role="progressbar"' in html and 'aria-valuenow="100"' in html
        assert html.count("/file/") == 2  # two PDFs to download
        partial = client.get(url(cast_a, f"decisions/batches/{batch.pk}/"), HTTP_HX_REQUEST="true")
        assert partial.status_code == 200 and "hx-get" not in partial.content.decode()  # finished: no more polling


@pytest.mark.django_db
def test_a_running_batch_polls_its_progress(page, cast_a):
    campaign = campaign_of(cast_a)
    with scopes_disabled():
        batch = DecisionBatch.objects.create(college=cast_a.college, campaign=campaign, group=cast_a.group,
                                             language="kk", status="running", total=2, processed=1)
    partial = page(cast_a.staff).get(url(cast_a, f"decisions/batches/{batch.pk}/"))
    html = partial.content.decode()
    assert 'hx-trigger="every 1s"' in html and 'aria-valuenow="0"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_student_sees_admission_results_gpa_honours_and_the_decision(page, cast_a, language,
                                                                         django_capture_on_commit_callbacks):
    with time_machine.travel(AFTER_RESULTS, tick=False):
        graduate(cast_a, percents=(95, 85))
        from grading import services

        with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
            services.decision_take(college=cast_a.college, by=cast_a.admin, student=cast_a.student)
        response = page(cast_a.student_user, language).get(f"/colleges/{cast_a.college.slug}/attestation/me/")
    assert response.status_code == 200
    html = response.content.decode()
    assert lang_of(html) == language
    assert "text-bg-success" in html.split('id="admission-status"')[1].split("</p>")[0]
    assert "95% · A" in html and "85% · B+" in html
    assert f'<strong id="gpa">3{"." if language == "en" else ","}08</strong>' in html
    assert html.split('id="honours-reasons"')[1].split("</ul>")[0].count("<li>") == 3
    assert "/file/" in html.split('id="documents-heading"')[1]
    assert page(cast_a.student_user).get(url(cast_a, "admissions/")).status_code in (403, 404)
    assert page(cast_a.student_user).get(url(cast_a, f"students/{cast_a.other_student.pk}/")).status_code in (403,
                                                                                                          404)


@pytest.mark.django_db
def test_a_student_without_results_sees_that_nothing_is_published(page, cast_a):
    admit(cast_a, [cast_a.student])
    html = page(cast_a.student_user).get(f"/colleges/{cast_a.college.slug}/attestation/me/").content.decode()
    assert 'id="admission-status"' in html and "/file/" not in html.split('id="documents-heading"')[1]


@pytest.mark.django_db
def test_the_individual_attestation_page_refuses_a_file_that_is_not_a_scan(page, cast_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grading.models import IndividualAttestation

    from .builders import pdf_upload

    campaign_of(cast_a)
    body = {"student": cast_a.student.pk, "kind": "early", "reason": "health", "planned_on": "2027-04-10"}
    client = page(cast_a.admin)
    refused = client.post(url(cast_a, "individual/"),
                          {**body, "document": SimpleUploadedFile("scan.pdf", b"MZ not a scan")})
    assert refused.status_code == 200 and "PDF / JPEG / PNG" in refused.content.decode()
    too_early = client.post(url(cast_a, "individual/"), {**body, "planned_on": "2027-03-01",
                                                         "document": pdf_upload()})
    assert "[EAR-01]" in too_early.content.decode()
    with scopes_disabled():
        assert not IndividualAttestation.objects.filter(college=cast_a.college).exists()
    assert client.post(url(cast_a, "individual/"), {**body, "document": pdf_upload()}).status_code == 302
    with scopes_disabled():
        assert IndividualAttestation.objects.filter(college=cast_a.college).count() == 1
