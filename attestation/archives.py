"""ZIP archives from outside (office files attached by students, XLSX imports): checked before anything reads them.

A zip bomb is a small file that expands to gigabytes. The archive's central directory says how large each entry is;
the check refuses, before a single entry is decompressed, an archive with too many entries, with more expanded bytes
in all than the caller allows, or whose expanded size is an unreasonable multiple of the file itself. Python's
``zipfile`` never returns more than an entry's declared size, and ``entry_read`` stops at its own cap as well, so a
directory that lies about a size gains nothing.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

MB = 1024 * 1024
# Office files compress text about 5–20 times (an XLSX of repeated values 50 times); deflate cannot do better than
# about 1,000 times, which is what bombs use.
MAX_RATIO = 100
MAX_ENTRIES = 5000


class ArchiveRefused(Exception):
    """``status``: 413 for an archive too large expanded, 415 for one that cannot be read."""

    def __init__(self, message: str, status: int = 413) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ArchiveFacts:
    names: frozenset[str]
    expanded: int


def archive_check(data: bytes, *, max_expanded: int) -> ArchiveFacts:
    """The names and expanded size of a ZIP archive that is safe to read; ArchiveRefused otherwise (not a readable
    archive, too many entries, too large expanded, or an unreasonable expansion ratio)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(_("The file is damaged or not a valid archive."), 415) from exc
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRefused(_("The archive has more than %(count)s files.") % {"count": MAX_ENTRIES})
    expanded = sum(entry.file_size for entry in entries)
    if expanded > max_expanded:
        raise ArchiveRefused(_("The file expands to %(size)s MB; at most %(limit)s MB are accepted.")
                             % {"size": expanded // MB, "limit": max_expanded // MB})
    if expanded > MAX_RATIO * max(len(data), 1) and expanded > MB:
        raise ArchiveRefused(_("The file expands %(ratio)s times: it is refused as a possible archive bomb.")
                             % {"ratio": expanded // max(len(data), 1)})
    return ArchiveFacts(frozenset(entry.filename for entry in entries), expanded)


def entry_read(data: bytes, name: str, *, limit: int) -> bytes | None:
    """At most ``limit`` bytes of one entry (None when the archive has no such entry or cannot be read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(name) as entry:
            return entry.read(limit)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
