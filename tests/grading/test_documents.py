"""The grading documents through the existing pipeline (tasks eager): the order on admission, the diploma decision
and the certificate of completion, read back with pypdf in Kazakh and Russian, with the verification link."""

import pytest
import time_machine
from django_scopes import scopes_disabled

from attestation.models import Program
from tests.pdfs import pdf_qr_codes, pdf_text

from .builders import graduate
from .test_api import AFTER_RESULTS, base


def fetch(api, cast, document: dict, user=None) -> tuple[dict, str]:
    """The document as listed and its PDF's text; the PDF's QR code must scan to the verification page."""
    listed = api(user or cast.admin).get(f"{base(cast)}/documents/{document['id']}/").json()
    assert listed["status"] == "ready", listed
    response = api(user or cast.admin).get(f"{base(cast)}/documents/{document['id']}/file/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert pdf_qr_codes(content) == [listed["verify_url"]]
    return listed, pdf_text(content)


@pytest.fixture
def qualified(cast_a):
    with scopes_disabled():
        Program.objects.filter(pk=cast_a.program.pk).update(
            qualification="4S09130103 Nurse", qualification_kk="4S09130103 Мейіргер",
            qualification_ru="4S09130103 Медицинская сестра")
    return cast_a


@pytest.mark.django_db
def test_the_order_on_admission_pdf_lists_the_admitted_students_in_kazakh(api, cast_a,
                                                                          django_capture_on_commit_callbacks):
    from .builders import campaign_of

    campaign_of(cast_a)
    with django_capture_on_commit_callbacks(execute=True):
        order = api(cast_a.admin).post(f"{base(cast_a)}/admissions/", {
            "group": cast_a.group.pk, "students": [cast_a.student.pk, cast_a.other_student.pk],
            "order_number": "12-у", "order_date": "2027-05-10"}, format="json").json()
    listed, text = fetch(api, cast_a, order["document"])
    for expected in ("БҰЙРЫҚ", "12-у", "10.05.2027", "Әбілов Ерлан Серікұлы", "Қасымова Айгерім Нұрланқызы",
                     cast_a.student.iin, "қорытынды аттестаттауға"):
        assert expected in text, expected
    assert listed["verify_url"].split("/v/")[1].rstrip("/") in text.replace("\n", "")


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [
    ("kk", ("ҚОРЫТЫНДЫ АТТЕСТАТТАУ КОМИССИЯСЫНЫҢ ШЕШІМІ", "4S09130103 Мейіргер", "орта буын маманы",
            "Комиссия төрағасы", "Дипломдық жобаны қорғау", "өте жақсы")),
    ("ru", ("РЕШЕНИЕ", "4S09130103 Медицинская сестра", "Әбілов Ерлан Серікұлы", "Защита дипломного проекта")),
])
def test_the_diploma_decision_pdf_in_the_colleges_language(api, qualified, language, expected,
                                                           django_capture_on_commit_callbacks):
    cast = qualified
    with time_machine.travel(AFTER_RESULTS, tick=False):
        graduate(cast, percents=(90, 80))
        with django_capture_on_commit_callbacks(execute=True):
            decision = api(cast.admin).post(f"{base(cast)}/decisions/",
                                            {"student": cast.student.pk, "language": language},
                                            format="json").json()
        listed, text = fetch(api, cast, decision["document"], user=cast.student_user)
    flat = " ".join(text.split())
    for word in (*expected, cast.student.iin, "A-", "90"):
        assert word.lower() in flat.lower(), word
    assert listed["verify_url"].split("/v/")[1].rstrip("/") in text.replace("\n", "")
    verified = api().get(f"/api/v1/verify/{listed['verify_url'].split('/v/')[1].rstrip('/')}/")
    assert verified.status_code == 200 and verified.json()["sha256"] == listed["sha256"]


@pytest.mark.django_db
def test_the_certificate_of_completion_pdf_after_an_unsatisfactory_result(api, qualified,
                                                                          django_capture_on_commit_callbacks):
    cast = qualified
    with time_machine.travel(AFTER_RESULTS, tick=False):
        graduate(cast, percents=(90, 30))
        with django_capture_on_commit_callbacks(execute=True):
            decision = api(cast.admin).post(f"{base(cast)}/decisions/", {"student": cast.student.pk},
                                            format="json").json()
        assert decision["kind"] == "certificate"
        _listed, text = fetch(api, cast, decision["document"])
    for expected in ("АНЫҚТАМА", "Әбілов Ерлан Серікұлы", "F", "30"):
        assert expected in text, expected
    assert "4S09130103" not in text  # no qualification on a certificate
