"""What the commissions' pages share: their addresses, refusals as the page shows them (each with its rule), and
the sessions a student can be given a new slot in."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from attestation.errors import error_item
from attestation.rules import RulesBroken

from .. import selectors


def _url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(f"commissions:{name}", kwargs={"college": request.college.slug, **kwargs})


def _refusal(exc: Exception) -> list[dict]:
    """The refusal as (rule, message) items, for the page."""
    if isinstance(exc, RulesBroken):
        return [error_item(v.field, v.message, v.rule) for v in exc.violations]
    if isinstance(exc, ValidationError):
        return [error_item(None, m, None) for m in exc.messages]
    return [error_item(None, str(getattr(exc, "message", None) or exc), None)]


def _refusal_text(exc: Exception) -> str:
    """The refusal in one line, each item with its rule, for a row's message."""
    return " ".join(f"[{i['rule']}] {i['message']}" if i["rule"] else i["message"] for i in _refusal(exc))


def _resit_exams(request: HttpRequest, exam):
    return selectors.resit_exams(college=request.college, exam=exam)
