"""File storage for generated documents: writes are atomic and a name is never changed.

A re-render of the same document (a redelivered task after a worker died) writes to the same name,
so there is only ever one file per document, and a reader never sees a half-written PDF.
"""

import os
import tempfile

from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Overwrite instead of inventing "name_x7Kq.pdf": the document's name is its identity.
        return name

    def _save(self, name: str, content) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as tmp:
                if hasattr(content, "chunks"):
                    for chunk in content.chunks():
                        tmp.write(chunk)
                else:
                    tmp.write(content.read())
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_path, 0o640)
            os.replace(tmp_path, full_path)
        except BaseException:
            if os.path.exists(tmp_path):
                os.unlink(tmp_path)
            raise
        return name
