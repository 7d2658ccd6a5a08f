"""The documents pipeline in-process (tasks run eagerly): outbox row, render, store, verify, retry.
tests/attestation/test_worker_pipeline.py runs the same through real Celery workers."""

import hashlib
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from attestation.documents import pipeline
from attestation.documents.kinds import get_kind
from attestation.models import AuditEntry, Document
from attestation.tasks import render_documents
from tests.pdfs import pdf_qr_codes, pdf_text


def base(cast):
    return f"/api/v1/colleges/{cast.college.slug}"


@pytest.fixture
def request_transcript(api, cast_a, django_capture_on_commit_callbacks):
    def make(user=None, language="kk", subject=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = api(user or cast_a.student_user).post(
                f"{base(cast_a)}/documents/",
                {"kind": "transcript", "subject": subject or cast_a.student.pk, "language": language})
        return response

    return make


@pytest.mark.django_db
def test_a_student_gets_their_transcript_pdf_with_kazakh_text(api, cast_a, request_transcript):
    response = request_transcript()
    assert response.status_code == 201, response.json()
    document = response.json()
    listed = api(cast_a.student_user).get(f"{base(cast_a)}/documents/{document['id']}/").json()
    assert listed["status"] == "ready" and len(listed["sha256"]) == 64
    pdf = api(cast_a.student_user).get(f"{base(cast_a)}/documents/{document['id']}/file/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content)
    assert hashlib.sha256(content).hexdigest() == listed["sha256"] == pdf["X-Content-SHA256"]
    text = pdf_text(content)
    for expected in ("Әбілов Ерлан Серікұлы", "Анатомия", "Қазақ тілі", cast_a.student.iin, "A", "94,5"):
        assert expected in text, expected
    assert listed["verify_url"].split("/v/")[1].rstrip("/") in text.replace("\n", "")
    assert pdf_qr_codes(content) == [listed["verify_url"]]  # the printed code scans to the verification page


@pytest.mark.django_db
def test_the_same_request_returns_the_same_document(cast_a, request_transcript):
    first = request_transcript()
    again = request_transcript()
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    other_language = request_transcript(language="ru")
    assert other_language.status_code == 201 and other_language.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_document_is_rendered_in_its_own_language(api, cast_a, request_transcript):
    ready = {lang: request_transcript(language=lang).json() for lang in ("ru", "en")}
    texts = {}
    for lang, document in ready.items():
        content = b"".join(api(cast_a.admin).get(f"{base(cast_a)}/documents/{document['id']}/file/").streaming_content)
        texts[lang] = pdf_text(content)
    assert "Student" in texts["en"] and "Студент" in texts["ru"]
    assert "Student" not in texts["ru"]


@pytest.mark.django_db
def test_render_is_idempotent_and_keeps_one_file(cast_a, request_transcript):
    document_id = request_transcript().json()["id"]
    with scope(college=cast_a.college.pk):
        first = Document.objects.get(pk=document_id)
        again = pipeline.document_render(document_id=document_id)
    assert again.attempts == first.attempts == 1
    assert again.sha256 == first.sha256
    folder = first.file.storage.path(first.file.name).rsplit("/", 1)[0]
    import os

    assert [n for n in os.listdir(folder) if n.startswith(f"{document_id}-")] == [first.file.name.rsplit("/", 1)[1]]


@pytest.mark.django_db
def test_verification_page_and_api_are_public(api, page, cast_a, request_transcript):
    created = request_transcript().json()
    document = api(cast_a.student_user).get(f"{base(cast_a)}/documents/{created['id']}/").json()
    token = document["verify_url"].rstrip("/").rsplit("/", 1)[1]
    facts = api().get(f"/api/v1/verify/{token}/")
    assert facts.status_code == 200
    body = facts.json()
    assert (body["kind"], body["sha256"], body["issuer"]["slug"]) == ("transcript", document["sha256"],
                                                                      cast_a.college.slug)
    html = page().get(f"/v/{token}/").content.decode()
    assert document["sha256"] in html and cast_a.college.name_en in html or cast_a.college.name_kk in html
    assert api().get("/api/v1/verify/not-a-token/").status_code == 404


@pytest.mark.django_db
def test_a_failing_render_ends_failed_and_the_administrator_retries(api, cast_a, request_transcript, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    calls = {"n": 0}
    real = pipeline.pdf_from_html

    def disk_full(html, stylesheet="print.css"):
        calls["n"] += 1
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "pdf_from_html", disk_full)
    document = request_transcript().json()
    failed = api(cast_a.admin).get(f"{base(cast_a)}/documents/{document['id']}/").json()
    assert failed["status"] == "failed" and "No space left" in failed["last_error"]
    assert calls["n"] == 4  # the first run and three retries
    assert api(cast_a.student_user).post(f"{base(cast_a)}/documents/{document['id']}/retry/").status_code == 403

    monkeypatch.setattr(pipeline, "pdf_from_html", real)
    with django_capture_on_commit_callbacks(execute=True):
        retried = api(cast_a.admin).post(f"{base(cast_a)}/documents/{document['id']}/retry/")
    assert retried.status_code == 200
    ready = api(cast_a.admin).get(f"{base(cast_a)}/documents/{document['id']}/").json()
    assert ready["status"] == "ready" and ready["last_error"] == ""
    with scopes_disabled():
        actions = list(AuditEntry.objects.filter(object_id=str(document["id"]), object_type="attestation.document")
                       .order_by("id").values_list("action", flat=True))
    assert actions == ["document.requested", "document.failed", "document.retried", "document.ready"]


@pytest.mark.django_db
def test_file_of_a_document_not_ready_answers_409(api, cast_a):
    response = api(cast_a.admin).get(f"{base(cast_a)}/documents/{cast_a.document.pk}/file/")
    assert response.status_code == 409


@pytest.mark.django_db
def test_only_on_demand_kinds_can_be_requested(api, cast_a):
    response = api(cast_a.admin).post(f"{base(cast_a)}/documents/", {"kind": "protocol", "subject": 1})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "kind"
    unknown = api(cast_a.admin).post(f"{base(cast_a)}/documents/", {"kind": "passport", "subject": 1})
    assert unknown.status_code == 400


@pytest.mark.django_db
def test_relay_enqueues_what_was_never_sent(cast_a):
    with scopes_disabled():
        Document.objects.filter(pk=cast_a.document.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    # The fixture's document has an empty payload: the relay sends it, the render produces it.
    assert pipeline.documents_relay() == 1
    with scopes_disabled():
        document = Document.objects.get(pk=cast_a.document.pk)
    assert document.status == "ready"
    assert pipeline.documents_relay() == 0


def pending_transcripts(cast, languages=("kk", "ru", "en")) -> list[int]:
    """Outbox rows of the student's transcript in these languages, not sent to any worker (on_commit not run)."""
    with scope(college=cast.college.pk):
        return [pipeline.document_request(college=cast.college, kind=get_kind("transcript"), subject_id=cast.student.pk,
                                          language=language, by=cast.admin)[0].pk for language in languages]


def ready_audits(ids) -> Counter:
    with scopes_disabled():
        entries = AuditEntry.objects.filter(action="document.ready", object_type="attestation.document",
                                            object_id__in=[str(i) for i in ids])
        return Counter(entries.values_list("object_id", flat=True))


@pytest.mark.parametrize(("count", "batch_end", "sizes"), [
    (45, False, [20, 20, 5]),
    (40, True, [10, 8, 6, 4, 3, 3, 2, 2, 2]),  # the batch's last forty: a quarter of what is left, down to a pair
    (25, True, [7, 5, 4, 3, 2, 2, 2]),
    (65, True, [20, 12, 9, 6, 5, 4, 3, 2, 2, 2]),  # whole chunks of twenty while forty or more remain
    (12, True, [3, 3, 2, 2, 2]),
    (7, True, [2, 2, 2, 1]),
    (1, True, [1]),
    (0, True, []),
])
def test_a_batch_goes_to_the_broker_in_chunks_smaller_at_its_end(count, batch_end, sizes):
    ids = list(range(100, 100 + count))
    chunks = pipeline.document_chunks(ids, batch_end=batch_end)
    assert [len(chunk) for chunk in chunks] == sizes
    assert [i for chunk in chunks for i in chunk] == ids  # every document once, in the order given


@pytest.mark.django_db
def test_a_chunk_of_a_batch_renders_each_document_once(cast_a):
    ids = pending_transcripts(cast_a)
    with scope(college=cast_a.college.pk):
        assert pipeline.documents_render(college_id=cast_a.college.pk, document_ids=ids) == []
        documents = {d.language: d for d in Document.objects.filter(pk__in=ids)}
    assert {d.status for d in documents.values()} == {"ready"} and {d.attempts for d in documents.values()} == {1}
    for language, document in documents.items():
        content = document.file.read()
        assert hashlib.sha256(content).hexdigest() == document.sha256
        text = pdf_text(content)
        assert "Әбілов Ерлан Серікұлы" in text
        assert ("Студент" in text) == (language == "ru") and ("Student" in text) == (language == "en")
    assert ready_audits(ids) == {str(i): 1 for i in ids}

    # A second delivery of the same chunk finds them ready: nothing rendered, stored or audited again.
    with scope(college=cast_a.college.pk):
        assert pipeline.documents_render(college_id=cast_a.college.pk, document_ids=ids) == []
        again = {d.pk: (d.attempts, d.sha256, d.file.name) for d in Document.objects.filter(pk__in=ids)}
    assert again == {d.pk: (1, d.sha256, d.file.name) for d in documents.values()}
    assert ready_audits(ids) == {str(i): 1 for i in ids}


def staged_leftovers() -> list[str]:
    storage = Document._meta.get_field("file").storage
    return [p.name for p in Path(storage.location).rglob(".tmp-*")]


@pytest.mark.django_db
def test_a_chunk_writes_each_pdf_on_a_thread_while_the_next_renders_and_names_it_under_the_lock(cast_a, monkeypatch):
    ids = pending_transcripts(cast_a)
    storage = Document._meta.get_field("file").storage
    real_stage, real_html, real_pdf, events = storage.stage, pipeline.document_html, pipeline.pdf_from_html, []

    def stage(name, content):
        events.append(("staged", threading.current_thread().name))
        return real_stage(name, content)

    def html(document):
        events.append(("html", document.language))
        if document.language == "ru":
            # Another delivery of the chunk stored this one meanwhile: its file and figures stay.
            with scopes_disabled():
                Document.objects.filter(pk=document.pk).update(status="ready", sha256="theirs", file="theirs.pdf")
        return real_html(document)

    def pdf(html, stylesheet):
        events.append(("pdf", html[html.index('lang="') + 6:][:2]))
        return real_pdf(html, stylesheet)

    monkeypatch.setattr(storage, "stage", stage)
    monkeypatch.setattr(pipeline, "document_html", html)
    monkeypatch.setattr(pipeline, "pdf_from_html", pdf)
    with scope(college=cast_a.college.pk):
        assert pipeline.documents_render(college_id=cast_a.college.pk, document_ids=ids) == []
    # Every page of the chunk, then every PDF, each written on another thread (in the order the writes were
    # handed over, which the staging may interleave with the next render).
    steps = [e for e in events if e[0] != "staged"]
    assert steps == [("html", "kk"), ("html", "ru"), ("html", "en"), ("pdf", "kk"), ("pdf", "ru"), ("pdf", "en")]
    threads = {e[1] for e in events if e[0] == "staged"}
    assert len([e for e in events if e[0] == "staged"]) == 3 and threading.current_thread().name not in threads
    with scopes_disabled():
        documents = {d.language: d for d in Document.objects.filter(pk__in=ids)}
    assert (documents["ru"].sha256, documents["ru"].file.name) == ("theirs", "theirs.pdf")
    for language in ("kk", "en"):
        document = documents[language]
        assert hashlib.sha256(document.file.read()).hexdigest() == document.sha256
    assert ready_audits(ids) == {str(documents["kk"].pk): 1, str(documents["en"].pk): 1}
    assert staged_leftovers() == []  # the staged copy of the one already stored is removed


@pytest.mark.django_db
def test_a_failed_write_stores_nothing_of_the_chunk_and_leaves_no_staged_file(cast_a, monkeypatch):
    ids = pending_transcripts(cast_a)
    storage = Document._meta.get_field("file").storage
    real_stage = storage.stage

    def disk_full_for_the_second(name, content):
        if len(calls := disk_full_for_the_second.calls) == 1:
            calls.append(name)
            raise OSError(28, "No space left on device")
        calls.append(name)
        return real_stage(name, content)

    disk_full_for_the_second.calls = []
    monkeypatch.setattr(storage, "stage", disk_full_for_the_second)
    with scope(college=cast_a.college.pk), pytest.raises(OSError, match="No space left"):
        pipeline.documents_render(college_id=cast_a.college.pk, document_ids=ids)
    with scopes_disabled():
        assert set(Document.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"rendering"}
        assert not any(Document.objects.filter(pk__in=ids).values_list("file", flat=True))
    assert ready_audits(ids) == {}
    assert len(disk_full_for_the_second.calls) == 3
    assert staged_leftovers() == []  # the first and the third were written, then removed


@pytest.mark.django_db
def test_a_chunk_starts_only_its_own_colleges_documents_not_yet_ready(cast_a, cast_b):
    ids, theirs = pending_transcripts(cast_a), pending_transcripts(cast_b, languages=("kk",))
    with scopes_disabled():
        Document.objects.filter(pk=ids[1]).update(status=Document.Status.READY)
    with scope(college=cast_a.college.pk), CaptureQueriesContext(connection) as queries:
        started = pipeline.documents_start(college_id=cast_a.college.pk, document_ids=[ids[2], *theirs, ids[1], ids[0]])
    assert len([q for q in queries.captured_queries if "UPDATE" in q["sql"]]) == 2  # read locked, then marked
    # In order, as loaded after the mark, with the payload as the ORM reads it; the ready one and the other
    # college's document are left alone.
    assert [d.pk for d in started] == [ids[0], ids[2]]
    assert {(d.status, d.attempts, d.worker == pipeline._worker_label()) for d in started} == {("rendering", 1, True)}
    assert all(d.started_at is not None and d.payload["student"] for d in started)
    with scopes_disabled():
        stored = dict(Document.objects.filter(pk__in=[*ids, *theirs]).values_list("pk", "status"))
    assert stored == {ids[0]: "rendering", ids[1]: "ready", ids[2]: "rendering", theirs[0]: "pending"}
    with scope(college=cast_b.college.pk):
        assert pipeline.documents_render(college_id=cast_b.college.pk, document_ids=ids) == []  # not theirs
    with scopes_disabled():
        assert Document.objects.get(pk=ids[0]).attempts == 1


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["html", "pdf"])
def test_a_document_failing_in_a_chunk_goes_on_alone_and_the_others_are_stored(cast_a, monkeypatch, step):
    ids = pending_transcripts(cast_a)
    real_html, real_pdf = pipeline.document_html, pipeline.pdf_from_html

    def russian_html(document):
        if step == "html" and document.language == "ru":
            raise OSError(28, "No space left on device")
        return real_html(document)

    def russian_pdf(html, stylesheet):
        if step == "pdf" and 'lang="ru"' in html:
            raise OSError(28, "No space left on device")
        return real_pdf(html, stylesheet)

    monkeypatch.setattr(pipeline, "document_html", russian_html)
    monkeypatch.setattr(pipeline, "pdf_from_html", russian_pdf)
    render_documents.apply(args=[cast_a.college.pk, ids])  # eager: the failing one through render_document
    with scopes_disabled():
        documents = {d.language: d for d in Document.objects.filter(pk__in=ids)}
    assert (documents["kk"].status, documents["en"].status) == ("ready", "ready")
    failed = documents["ru"]
    assert failed.status == "failed" and "No space left" in failed.last_error
    assert failed.attempts == 1 + 4  # once in the chunk, then its own task: the first run and three retries
    assert ready_audits(ids) == {str(documents["kk"].pk): 1, str(documents["en"].pk): 1}


@pytest.mark.django_db
def test_transcript_page_requests_and_downloads_the_pdf(page, cast_a, django_capture_on_commit_callbacks):
    client = page(cast_a.student_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/colleges/{cast_a.college.slug}/students/{cast_a.student.pk}/transcript.pdf",
                               {"language": "kk"}, follow=True)
    assert response.status_code == 200
    with scopes_disabled():
        document = Document.objects.get(student=cast_a.student, kind="transcript", status="ready")
    html = client.get(f"/colleges/{cast_a.college.slug}/students/{cast_a.student.pk}/").content.decode()
    assert f"/documents/{document.pk}/file/" in html
    download = client.get(f"/colleges/{cast_a.college.slug}/documents/{document.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:5] == b"%PDF-"


@pytest.mark.django_db
def test_transcript_page_lists_its_pdfs_without_a_query_per_document(page, cast_a,
                                                                      django_capture_on_commit_callbacks):
    client = page(cast_a.admin)
    for language in ("kk", "ru", "en"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/colleges/{cast_a.college.slug}/students/{cast_a.student.pk}/transcript.pdf",
                        {"language": language})
    client.get(f"/colleges/{cast_a.college.slug}/students/{cast_a.other_student.pk}/")
    with CaptureQueriesContext(connection) as without:
        client.get(f"/colleges/{cast_a.college.slug}/students/{cast_a.other_student.pk}/")
    with CaptureQueriesContext(connection) as listed:
        html = client.get(f"/colleges/{cast_a.college.slug}/students/{cast_a.student.pk}/").content.decode()
    with scopes_disabled():
        documents = list(Document.objects.filter(student=cast_a.student, kind="transcript", status="ready"))
    assert len(documents) >= 3 and all(f"/documents/{d.pk}/file/" in html for d in documents)
    assert cast_a.student.full_name in html and cast_a.student.iin in html and cast_a.group.name in html
    assert len(listed) == len(without)


def test_a_render_process_loads_fonts_and_stylesheets_then_freezes_what_it_holds():
    import gc

    from attestation.celery import settle_render_process
    from attestation.documents import render
    from attestation.documents.kinds import registered_kinds

    render._print_stylesheet.cache_clear()
    assert gc.get_freeze_count() == 0
    try:
        settle_render_process()
        stylesheets = {kind.stylesheet for kind in registered_kinds()}
        assert stylesheets and render._print_stylesheet.cache_info().currsize == len(stylesheets)
        assert render._font_config.cache_info().currsize == 1
        assert gc.get_freeze_count() > 10_000  # Django, the templates and the fonts: out of the collector's walks
    finally:
        gc.unfreeze()


def test_a_render_process_that_cannot_warm_up_still_starts(monkeypatch, caplog):
    import gc

    from attestation.celery import settle_render_process
    from attestation.documents import render

    def broken():
        raise OSError("no fonts")

    monkeypatch.setattr(render, "renderer_warm", broken)
    try:
        settle_render_process()  # no exception: the process goes on to take tasks
        assert gc.get_freeze_count() > 0
        assert "could not warm up" in caplog.text
    finally:
        gc.unfreeze()


def test_a_render_runs_without_the_cyclic_collector_and_frees_its_garbage_once_at_the_end():
    import gc

    from weasyprint.formatting_structure.boxes import Box

    from attestation.documents.render import pdf_from_html

    collections = []

    def count(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        pdf = pdf_from_html("<table>" + "<tr><td>Әә Өө Ұұ</td><td>95</td></tr>" * 150 + "</table>")
    finally:
        gc.callbacks.remove(count)
    assert "Әә Өө Ұұ" in pdf_text(pdf)
    # Tens of thousands of allocations, yet only the one young collection at the end …
    assert collections == [0]
    assert gc.isenabled()
    # … which freed the box tree's reference cycles. type(), not isinstance(): the
    # latter asks a dead weakref proxy (left by other tests) for __class__ and raises.
    assert not [o for o in gc.get_objects() if issubclass(type(o), Box)]


def test_a_failing_render_turns_the_collector_back_on_and_one_turned_off_elsewhere_stays_off(monkeypatch):
    import gc

    from weasyprint import HTML

    from attestation.documents.render import pdf_from_html

    def broken(*args, **kwargs):
        assert not gc.isenabled()
        raise ValueError("layout failed")

    monkeypatch.setattr(HTML, "write_pdf", broken)
    with pytest.raises(ValueError, match="layout failed"):
        pdf_from_html("<p>x</p>")
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(ValueError):
            pdf_from_html("<p>x</p>")
        assert not gc.isenabled()
    finally:
        gc.enable()
