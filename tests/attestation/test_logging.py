"""A refused request logs one line (issue 18, item 13): ``Forbidden (Permission denied): /path``, printed once, not
the exception's traceback twice (Django's own console handler beside the root's under DEBUG)."""

import logging
import sys

import pytest

from attestation.logs import ClientErrorsOnOneLine


def printed(record: logging.LogRecord) -> list[str]:
    """What the configured handlers print for a record on its way from its logger to the root (pytest's capturing
    handlers aside)."""
    out, logger = [], logging.getLogger(record.name)
    while logger is not None:
        out += [handler.format(record) for handler in logger.handlers
                if not type(handler).__module__.startswith("_pytest") and handler.filter(record)]
        logger = logger.parent if logger.propagate else None
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_a_403_logs_one_line_not_two_tracebacks(page, cast_a, caplog, settings, debug):
    settings.DEBUG = debug  # make run has DEBUG on
    path = f"/colleges/{cast_a.college.slug}/import/"
    with caplog.at_level(logging.INFO):
        response = page(cast_a.student_user).get(path)  # a student on an administrator's page
    assert response.status_code == 403
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.getMessage()) for r in records] == [("django.request", f"Forbidden (Permission denied): {path}")]
    assert records[0].exc_info is None
    lines = printed(records[0])
    assert len(lines) == 1 and "\n" not in lines[0] and lines[0].endswith(f"Forbidden (Permission denied): {path}")


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x/",), sys.exc_info(),
            extra={"status_code": 500})
    assert ClientErrorsOnOneLine().filter(record) and record.exc_info is not None
    assert "Traceback" in logging.Formatter().format(record)
