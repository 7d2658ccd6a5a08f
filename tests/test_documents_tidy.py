"""Documents stay tidy: every kind of document, rendered in Kazakh and Russian with the longest values a college gives
it (tests/documents_long.py: the longest names, 40 students, every grade word), has no word outside its table cell or
the page, and no signature block split across pages or parted from the last rows above it. Numbers are printed the
way the college writes them (attestation.formatting): ``89,5`` in kk/ru, ``89.5`` in en, never an exponent."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from attestation.documents.kinds import registered_kinds
from attestation.documents.pipeline import document_pdf
from attestation.models import Document
from tests.documents_long import FORMS, LONG_NAMES, document_of, kind_of, long_college
from tests.pdfs import pdf_layout_problems, pdf_words

pytestmark = pytest.mark.django_db

LANGUAGES = ("kk", "ru")
LEFT_MM, RIGHT_MM = 20, 10  # the page margins of print.css
# Every kind the apps register (a new kind fails here until tests/documents_long.py gives it a subject), and every
# further form of a kind (the violation act's second annex).
PRODUCED = sorted([kind.code for kind in registered_kinds()] + list(FORMS))


# The PDFs are left here for people to look at (``pdftoppm -png``), as the page crawl leaves its screenshots.
LOOK_AT = settings.BASE_DIR / "var" / "documents"


@pytest.fixture(scope="module")
def documents(django_db_setup, django_db_blocker):
    """Every kind in kk, ru and en, rendered once for the module from one long-valued college (rolled back)."""
    LOOK_AT.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock(), transaction.atomic():
        cast = long_college()
        rendered = {}
        for kind in PRODUCED:
            for language in (*LANGUAGES, "en"):
                document = document_of(cast, kind, language)
                rendered[kind, language] = (document.payload, document_pdf(document))
                (LOOK_AT / f"{kind}-{language}.pdf").write_bytes(rendered[kind, language][1])
        transaction.set_rollback(True)
    return rendered


def document_of_payload(kind: str, language: str, payload: dict) -> Document:
    return Document(pk=1, kind=kind, language=language, payload=payload, created_at=timezone.now())


def page_texts(content: bytes) -> list[str]:
    """Each page's text without any whitespace (a name wrapped over two lines is still found)."""
    return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def last_page_with(pages: list[str], text: str) -> int:
    needle = "".join(text.split())
    found = [index for index, page in enumerate(pages) if needle in page]
    assert found, f"«{text}» is not printed"
    return found[-1]


GRADING_SIGNATURES = {
    ("diploma_decision", "kk"): ["Комиссия төрағасы", "Комиссия мүшелері", "Хатшы"],
    ("diploma_decision", "ru"): ["Председатель комиссии", "Члены комиссии", "Секретарь"],
    ("completion_certificate", "kk"): ["Басшы", "Оқу ісі жөніндегі орынбасар"],
    ("completion_certificate", "ru"): ["Руководитель", "Заместитель руководителя по учебной работе"],
    ("admission_order", "kk"): ["Басшы", "Бұйрықпен таныстырылды"],
    ("admission_order", "ru"): ["Руководитель", "С приказом ознакомлены"],
}


def signature_block(kind: str, language: str, payload: dict) -> tuple[list[str], str] | None:
    """The texts of a kind's signature block, and the text of the last row printed above it (None: no signatures).
    """
    with translation.override(language):
        if kind in ("diploma_decision", "completion_certificate"):
            return GRADING_SIGNATURES[kind, language], payload["results"][-1]["name"]
        if kind == "admission_order":
            return GRADING_SIGNATURES[kind, language], payload["students"][-1]["full_name"]
        if kind == "transcript":
            return [_("Registrar"), _("Deputy director for academic affairs")], payload["rows"][-1]["name"]
        if kind == "commission_order":
            return [_("Head of the organisation")], payload["members"][-1]["full_name"]
        if kind == "protocol":
            return ([m["full_name"] for m in payload["members"]], payload["results"][-1]["full_name"])
        if kind == "protocol_extract":
            return [_("Secretary of the commission")], _("Results announced on")
        if kind == "appeal_protocol":
            return ([m["full_name"] for m in payload["attendance"] if m["present"]],
                    payload["justification"][-40:])
        if kind == "tech_failure_act":
            return [_("Technical secretary")], payload["act"]["description"][-40:]
        if kind == "monitoring_seating":
            last = (payload["unseated"] or payload["rooms"][-1]["testees"])[-1]
            return [_("Head of the college"), _("Authorized representative of the ministry")], last["full_name"]
        if kind == "violation_act":
            act = payload["act"]
            signers = [payload["testee"]["signed_name"], payload["representative"]["signed_name"], *act["drawn_up_by"]]
            return signers, act["items"][-1]["item"] if act["items"] else act["outsider_name"]
    return None


# Papers the regulation has no one sign: the schedule, the monitoring's notice and its analysis (the QR code and the
# verification link tell who issued them).
UNSIGNED = {"schedule", "monitoring_notice", "monitoring_analysis"}


def test_every_kind_of_document_is_rendered_long():
    assert set(PRODUCED) >= {"transcript", "admission_order", "commission_order", "schedule", "protocol",
                             "protocol_extract", "diploma_decision", "completion_certificate", "appeal_protocol",
                             "tech_failure_act"}


@pytest.mark.parametrize("language", (*LANGUAGES, "en"))
@pytest.mark.parametrize("kind", PRODUCED)
def test_no_text_leaves_its_cell_or_the_page(documents, kind, language):
    _payload, pdf = documents[kind, language]
    assert pdf_layout_problems(pdf, left_mm=LEFT_MM, right_mm=RIGHT_MM) == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", PRODUCED)
def test_the_signature_block_is_whole_and_stays_with_the_last_rows(documents, kind, language):
    payload, pdf = documents[kind, language]
    block = signature_block(kind_of(kind), language, payload)
    if kind in UNSIGNED:
        assert block is None  # no signatures
        return
    signatures, last_row = block
    pages = page_texts(pdf)
    signature_pages = {last_page_with(pages, text) for text in signatures}
    assert len(signature_pages) == 1, f"the signatures are split over pages {sorted(signature_pages)}"
    assert signature_pages == {last_page_with(pages, last_row)}, "the signatures are parted from the last rows"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("kind", "key", "lengths"), [
    # The protocol's rows are about a ninth of a page: nine lengths put the page's end at every line of its closing
    # part. The order's first page ends near its 20th name.
    ("protocol", "results", range(32, 41)),
    ("admission_order", "students", range(17, 24)),
])
def test_the_signatures_never_part_from_the_rows_whatever_the_length(documents, kind, key, lengths, language):
    payload, _pdf = documents[kind, language]
    signatures, _last = signature_block(kind, language, payload)
    for length in lengths:
        document = document_of_payload(kind, language, {**payload, key: payload[key][:length]})
        pages = page_texts(document_pdf(document))
        signature_pages = {last_page_with(pages, text) for text in signatures}
        assert signature_pages == {last_page_with(pages, payload[key][length - 1]["full_name"])}, (length, pages)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["protocol", "transcript"])
def test_every_grade_word_and_the_longest_names_are_printed_whole(documents, kind, language):
    """A column too narrow for its longest word would break it (``overflow-wrap`` keeps it inside its cell): the
    grade words and the parts of the longest names are printed whole."""
    payload, pdf = documents[kind, language]
    words = {word.text.strip(".,;()") for word in pdf_words(pdf)}
    with translation.override(language):
        from commissions.models import ProtocolResult

        grades = [str(label) for value, label in ProtocolResult._meta.get_field("traditional").choices if value]
        statuses = [str(ProtocolResult.Status.ABSENT.label), str(ProtocolResult.Status.TECH_FAILURE.label)]
    assert len(grades) == 4
    expected = {part for name in LONG_NAMES for part in name.split()} if kind == "protocol" \
        else set(LONG_NAMES[0].split())
    expected |= {part for grade in grades for part in grade.split()}
    if kind == "protocol":
        assert len(payload["results"]) == 40
        expected |= {part for status in statuses for part in status.split()}
    # A double name may break after its hyphen, as a person would write it.
    broken = {part for part in expected if part not in words
              and not all(piece in words for piece in part.replace("-", "- ").split())}
    assert broken == set()


# --- Numbers in documents (issue 18, item 2) -------------------------------------------------------------------------

# Per kind: the numbers its long content holds, as a person reads them (kk/ru with the decimal comma).
NUMBERS = {
    "transcript": ["0", "50", "70", "89,5", "90", "100", "72,5", "4,00", "3,67"],
    "protocol": ["0", "50", "70", "89,5", "90", "100"],
    "protocol_extract": ["89,5"],
    "appeal_protocol": ["89,5"],
    "diploma_decision": ["95", "3,83"],
    "completion_certificate": ["49"],
    "schedule": ["12"],
    # The monitoring: counts, and the analysis's figures with one decimal (a mean of 57,8; 57,0 keeps its place).
    "monitoring_notice": ["20", "40"],
    "monitoring_seating": ["17", "37"],
    "violation_act": ["14"],
    "monitoring_analysis": ["74", "64,1", "70,3", "57,8", "57,0", "6,4", "0,0"],
}
# A number in exponent form (7E+1), not letters and digits of the verification link's token.
EXPONENT = re.compile(r"(?<![\w/.-])\d+(?:[.,]\d+)?[eE][+-]?\d+(?!\w)")


@pytest.mark.parametrize("language", (*LANGUAGES, "en"))
@pytest.mark.parametrize("kind", sorted(NUMBERS))
def test_documents_print_numbers_as_the_college_writes_them(documents, kind, language):
    _payload, pdf = documents[kind, language]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    words = set(re.findall(r"[\d.,]+", text))
    assert not EXPONENT.search(text)
    for number in NUMBERS[kind]:
        expected = number.replace(",", ".") if language == "en" else number
        assert any(word.strip(".,") == expected for word in words), (number, sorted(words))
    decimals = {word.strip(".,") for word in words if re.fullmatch(r"\d+[.,]\d+", word.strip(".,"))}
    wrong = "." if language in LANGUAGES else ","
    # Dates (dd.mm.yyyy) and times are not decimals; a decimal in kk/ru has a comma, in en a point.
    assert not {d for d in decimals if wrong in d and not re.fullmatch(r"\d\d\.\d\d", d)}, decimals
