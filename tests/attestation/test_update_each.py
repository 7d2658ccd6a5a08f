"""attestation.documents.pipeline.update_each: the batches' writes of a few fields of many rows (documents marked ready,
decisions linked to their documents): one statement on PostgreSQL, one short UPDATE per row elsewhere, values
prepared as the ORM prepares them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from attestation.documents.pipeline import update_each
from attestation.models import Document

pytestmark = pytest.mark.django_db


def test_update_each_writes_only_the_named_fields_of_each_row(cast_a):
    with scopes_disabled():
        documents = [Document.objects.create(college=cast_a.college, kind="transcript", subject_id=n,
                                             title=f"Транскрипт {n}", language="kk", input_hash=f"{n}" * 64)
                     for n in (1, 2)]
        untouched = Document.objects.create(college=cast_a.college, kind="transcript", subject_id=3, title="Басқа",
                                            language="kk", input_hash="3" * 64)
        rendered_at = datetime(2027, 6, 1, 15, 30, 5, tzinfo=ZoneInfo("Asia/Almaty"))
        for n, document in enumerate(documents):
            document.file.name = f"{cast_a.college.pk}/transcript/{document.pk}.pdf"
            document.sha256, document.status, document.rendered_at = f"{n}" * 64, "ready", rendered_at
            document.title = "not written: not named"
        with CaptureQueriesContext(connection) as queries:
            update_each(Document, documents, ["file", "sha256", "status", "rendered_at"])
        # PostgreSQL: one statement for all the rows (no round trip per row); SQLite, in-process, one per row
        # (executemany, which Django logs as one entry).
        assert len(queries) == 1
        assert ("FROM (VALUES" in queries[0]["sql"]) == (connection.vendor == "postgresql")
        for n, document in enumerate(documents):
            stored = Document.objects.get(pk=document.pk)
            assert (stored.file.name, stored.sha256, stored.status) == (document.file.name, f"{n}" * 64, "ready")
            assert stored.rendered_at == rendered_at  # an aware datetime, prepared as the ORM prepares it
            assert stored.title == f"Транскрипт {n + 1}"
        stored = Document.objects.get(pk=untouched.pk)
        assert (stored.status, stored.sha256, stored.file.name) == ("pending", "", "")
        with CaptureQueriesContext(connection) as queries:
            update_each(Document, [], ["status"])
        assert len(queries) == 0
