"""Archive bombs (issue 17, item 9): an upload that begins with ``PK\\x03\\x04`` is checked from its central directory
before any entry is decompressed; an entry is never read past a cap, whatever the directory says."""

import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attestation.archives import ArchiveRefused, archive_check, entry_read
from attestation.uploads import DOCUMENT_MAX_BYTES, DOCX, ODT, PDF, UploadRefused, upload_check

MB = 1024 * 1024


def bomb(entries: dict[str, int], extra: dict[str, bytes] | None = None) -> bytes:
    """A ZIP whose named entries are that many bytes of zeros, deflated as hard as deflate goes (~1,000 times)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
        chunk = bytes(MB)
        for name, size in entries.items():
            with archive.open(name, "w", force_zip64=size >= 2**31) as entry:
                for _n in range(size // MB):
                    entry.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    """About 1 MB that expands to a gigabyte, dressed as a Word document."""
    return bomb({"word/document.xml": 1024 * MB}, {"[Content_Types].xml": b"<Types/>"})


def measured(function):
    """(result or raised exception, peak of Python memory in MB, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = function()
    except Exception as exc:  # noqa: BLE001 (the caller looks at it)
        result = exc
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    return result, peak, elapsed


def test_an_attachment_that_expands_to_a_gigabyte_is_refused_unread(docx_bomb):
    assert len(docx_bomb) < 1.5 * MB
    upload = SimpleUploadedFile("work.docx", docx_bomb)
    refused, peak, elapsed = measured(lambda: upload_check(upload, allowed=(PDF, DOCX), max_bytes=DOCUMENT_MAX_BYTES,
                                                           field="document"))
    assert isinstance(refused, UploadRefused) and refused.status == 413, refused
    assert "expands to 1024 MB" in refused.message
    assert peak < 3 * len(docx_bomb) / MB + 1  # the upload itself and little more; it took 2.3 GB before
    print(f"refused in {elapsed * 1000:.0f} ms, peak {peak:.1f} MB")


def test_an_opendocument_whose_mimetype_entry_is_a_bomb_is_refused():
    data = bomb({"mimetype": 512 * MB})
    refused, peak, _elapsed = measured(lambda: upload_check(SimpleUploadedFile("a.odt", data), allowed=(ODT,),
                                                            max_bytes=DOCUMENT_MAX_BYTES, field="attachments"))
    assert isinstance(refused, UploadRefused) and refused.status == 413
    assert peak < 3 * len(data) / MB + 1


def test_an_unreasonable_expansion_ratio_is_refused_even_under_the_size_cap():
    data = bomb({"word/document.xml": 30 * MB}, {"[Content_Types].xml": b"<Types/>"})  # ~30 KB, 1,000 times
    with pytest.raises(ArchiveRefused, match="expands") as refused:
        archive_check(data, max_expanded=100 * MB)
    assert refused.value.status == 413
    # An ordinary office file passes: text compresses a few times, not a thousand.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "".join(f"<w:p>Абзац {n}: ғылыми жұмыс</w:p>" for n in range(20000)))
    facts = archive_check(buffer.getvalue(), max_expanded=100 * MB)
    assert "word/document.xml" in facts.names


def lying(data: bytes, name: str, declared: int) -> bytes:
    """The archive with the entry's uncompressed size rewritten to ``declared`` in both of its headers."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(name)
    raw = bytearray(data)
    struct.pack_into("<I", raw, info.header_offset + 22, declared)  # local file header
    directory = raw.rfind(b"PK\x01\x02" + raw[raw.find(b"PK\x01\x02") + 4:raw.find(b"PK\x01\x02") + 6])
    position = raw.find(b"PK\x01\x02")
    while position != -1:
        length = struct.unpack_from("<H", raw, position + 28)[0]
        if bytes(raw[position + 46:position + 46 + length]) == name.encode():
            struct.pack_into("<I", raw, position + 24, declared)  # central directory
        position = raw.find(b"PK\x01\x02", position + 4)
    assert directory != -1
    return bytes(raw)


def test_an_entry_that_lies_about_its_size_is_never_read_past_the_cap():
    data = lying(bomb({"mimetype": 200 * MB}), "mimetype", 40)
    facts = archive_check(data, max_expanded=20 * MB)  # the directory claims 40 bytes: it passes the check …
    assert facts.expanded == 40
    content, peak, _elapsed = measured(lambda: entry_read(data, "mimetype", limit=100))
    assert content is None or len(content) <= 100  # … and no more than the cap (or the declared size) is read
    assert peak < 3 * len(data) / MB + 1
    refused, _peak, _elapsed = measured(lambda: upload_check(SimpleUploadedFile("a.odt", data), allowed=(ODT,),
                                                             max_bytes=DOCUMENT_MAX_BYTES, field="attachments"))
    assert isinstance(refused, UploadRefused) and refused.status == 415  # not an OpenDocument after all


@pytest.mark.django_db
def test_an_xlsx_import_that_expands_too_far_is_refused_before_openpyxl_reads_it(api, cast_a):
    data = bomb({"xl/sharedStrings.xml": 200 * MB},
                {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    response = api(cast_a.admin).post(f"/api/v1/colleges/{cast_a.college.slug}/students/import/",
                                      {"file": SimpleUploadedFile("students.xlsx", data)}, format="multipart")
    assert response.status_code == 413, response.content
    body = response.json()
    assert body["detail"] == "Nothing was imported." and "expands" in body["errors"][0]["message"]
    assert body["errors"][0]["field"] == "file"
