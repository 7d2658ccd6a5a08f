"""Where the commissions' uploaded files are stored: outside the web root, under names never taken from the
uploader."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def uploads_storage() -> FileSystemStorage:
    """Uploaded files (diploma works, reviews, signed scans, medical documents) live outside the web root and
    are served only through views that check permissions; there is no URL for them."""
    return FileSystemStorage(location=Path(settings.MEDIA_ROOT) / "commissions", file_permissions_mode=0o640,
                             directory_permissions_mode=0o750)


def _upload_to(kind: str):
    def upload_to(instance, filename: str) -> str:
        # The stored name never comes from the uploader: a fixed name per object and kind, plus a random part.
        suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
        return f"{instance.college_id}/{kind}/{instance.pk or 'new'}-{secrets.token_hex(6)}.{suffix}"

    upload_to.__name__ = f"upload_to_{kind}"
    upload_to.__qualname__ = upload_to.__name__
    return upload_to


def upload_diploma_file(instance, filename):
    return _upload_to("diploma")(instance, filename)


def upload_diploma_review(instance, filename):
    return _upload_to("review")(instance, filename)


def upload_diploma_presentation(instance, filename):
    return _upload_to("presentation")(instance, filename)


def upload_protocol_scan(instance, filename):
    return _upload_to("scan")(instance, filename)


def upload_readmission_document(instance, filename):
    return _upload_to("readmission")(instance, filename)


def upload_force_majeure_document(instance, filename):
    return _upload_to("force-majeure")(instance, filename)
