"""Uploaded files (signed scans, diploma works, supporting documents, appeal attachments): the type is
sniffed from the content (never trusted from the name or the browser), the size is checked before anything
is stored, and the files live outside the web root, served only through views that check permissions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .archives import ArchiveFacts, ArchiveRefused, archive_check, entry_read

MB = 1024 * 1024
SCAN_MAX_BYTES = 20 * MB  # the signed paper copy of a protocol
DOCUMENT_MAX_BYTES = 10 * MB  # a medical or other supporting document, the authorities' decision
WORK_MAX_BYTES = 50 * MB  # a diploma work or presentation

PDF, JPEG, PNG, DOCX, PPTX, ODT, ODP = "pdf", "jpeg", "png", "docx", "pptx", "odt", "odp"
CONTENT_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png",
                 DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 ODT: "application/vnd.oasis.opendocument.text",
                 ODP: "application/vnd.oasis.opendocument.presentation"}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", DOCX: "docx", PPTX: "pptx", ODT: "odt", ODP: "odp"}
LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "DOCX", PPTX: "PPTX", ODT: "ODT", ODP: "ODP"}

SCAN_TYPES = (PDF, JPEG, PNG)
WORK_TYPES = (PDF, DOCX, ODT)
REVIEW_TYPES = (PDF, JPEG, PNG, DOCX)
PRESENTATION_TYPES = (PDF, PPTX, ODP)


class UploadRefused(Exception):
    """A file refused: 413 (too large) or 415 (not an accepted type), with a message for people."""

    def __init__(self, message: str, status: int, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    kind: str
    sha256: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def name(self) -> str:
        return f"upload.{EXTENSIONS[self.kind]}"


# An office file expands to at most this many times the upload limit (images inside hardly compress, text 5–20 times).
MAX_EXPANSION = 4


def _zip_kind(data: bytes, facts: ArchiveFacts) -> str | None:
    names = facts.names
    if "mimetype" in names:
        # OpenDocument: the entry holds a short media type; never read more of it than that.
        mimetype = (entry_read(data, "mimetype", limit=100) or b"").decode("ascii", "replace").strip()
        return {CONTENT_TYPES[ODT]: ODT, CONTENT_TYPES[ODP]: ODP}.get(mimetype)
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("ppt/") for n in names):
            return PPTX
    return None


def sniff(data: bytes, *, max_expanded: int = 20 * MB) -> str | None:
    """The type of a file from its first bytes (and, for office files, the archive's content), or None. An archive
    is checked first (archives.archive_check): one that expands too far raises ArchiveRefused, unread."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        try:
            facts = archive_check(data, max_expanded=max_expanded)
        except ArchiveRefused as exc:
            if exc.status == 415:
                return None
            raise
        return _zip_kind(data, facts)
    return None


def upload_check(upload, *, allowed: tuple[str, ...], max_bytes: int, field: str) -> CheckedUpload:
    """Read an uploaded file and check its size and sniffed type; raises UploadRefused (413/415)."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise UploadRefused(_("The file is %(size)s MB; the limit is %(limit)s MB.")
                            % {"size": round(size / MB, 1), "limit": max_bytes // MB}, 413, field)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRefused(_("The file is larger than %(limit)s MB.") % {"limit": max_bytes // MB}, 413, field)
    if not data:
        raise UploadRefused(_("The file is empty."), 415, field)
    try:
        kind = sniff(data, max_expanded=max(MAX_EXPANSION * max_bytes, 20 * MB))
    except ArchiveRefused as exc:
        raise UploadRefused(exc.message, 413, field) from exc
    if kind not in allowed:
        raise UploadRefused(_("The file is not a %(types)s file (judged by its content, not its name).")
                            % {"types": " / ".join(LABELS[t] for t in allowed)}, 415, field)
    return CheckedUpload(data, kind, hashlib.sha256(data).hexdigest())
