"""The registry of document kinds. Each app registers the official papers it produces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str | Promise
    template: str
    # (college, subject_id, language) -> the JSON-able content rendered into the PDF. Built at request
    # time, so the document shows the state of things when it was issued, whatever happens later.
    build_payload: Callable[..., dict[str, Any]]
    # (payload, language) -> a one-line title shown in lists and on the verification page.
    title: Callable[[dict[str, Any], str], str]
    # (college, subject_id) -> id of the student the document is about, or None (orders, protocols).
    student_of: Callable[..., int | None]
    # True when a user may ask for it on demand (POST documents/); False for papers issued by services.
    on_demand: bool = False
    # The print stylesheet (a path under templates/documents/); parsed once per worker process.
    stylesheet: str = "print.css"


_KINDS: dict[str, DocumentKind] = {}

# Kinds named by API.md; those not registered yet are refused with a clear error.
KNOWN_KINDS = [
    "transcript", "admission_order", "commission_order", "schedule", "protocol", "protocol_extract",
    "diploma_decision", "completion_certificate", "appeal_protocol", "tech_failure_act", "violation_act",
]


def register(kind: DocumentKind) -> DocumentKind:
    _KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> DocumentKind | None:
    return _KINDS.get(code)


def registered_kinds() -> list[DocumentKind]:
    return list(_KINDS.values())
