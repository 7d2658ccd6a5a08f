"""File storage for generated documents: writes are atomic and a name is never changed.

A re-render of the same document (a redelivered task after a worker died) writes to the same name,
so there is only ever one file per document, and a reader never sees a half-written PDF.

A write goes in two steps, which a batch's render task takes apart (``pipeline.documents_render``): ``stage`` writes
the content to a temporary file beside its final name and makes it durable (the slow part: the disk's flush), then
``place`` renames it to that name, which is atomic and quick. The task stages each PDF on a thread while it renders
the next, and places only those whose rows it then holds locked and still not ready.
"""

import contextlib
import os
import tempfile

from django.core.files.storage import FileSystemStorage
from django.core.files.utils import validate_file_name


class AtomicFileSystemStorage(FileSystemStorage):
    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Overwrite instead of inventing "name_x7Kq.pdf": the document's name is its identity.
        return name

    def _save(self, name: str, content) -> str:
        self.place(self.stage(name, content), name)
        return name

    def stage(self, name: str, content) -> str:
        """Write the content (bytes, or a Django File) durably to a temporary file in the directory of ``name``;
        returns its path, for ``place`` or ``discard``."""
        validate_file_name(name, allow_relative_path=True)
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as tmp:
                if isinstance(content, bytes):
                    tmp.write(content)
                elif hasattr(content, "chunks"):
                    for chunk in content.chunks():
                        tmp.write(chunk)
                else:
                    tmp.write(content.read())
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_path, 0o640)
        except BaseException:
            self.discard(tmp_path)
            raise
        return tmp_path

    def place(self, tmp_path: str, name: str) -> None:
        """Give a staged file its name, replacing what was there in one step."""
        os.replace(tmp_path, self.path(name))

    @staticmethod
    def discard(tmp_path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_path)
