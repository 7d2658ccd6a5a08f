"""Logging for people reading the console or the collected logs."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A refused request (403, 404: the client's error) is one line, ``Forbidden (Permission denied): /path``, not
    the traceback of the exception that refused it; a server error (5xx) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.request") and status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
