"""Writes of the commissions app: check the rules (commissions.rules), save, audit, issue documents, notify.

Every function takes the college explicitly (from the URL, never from a body) and the acting user (``by``).
Regulation violations raise attestation.rules.RulesBroken (422, all at once); plain input errors raise
django ValidationError (400); a stale ``version`` raises VersionConflict and a closed protocol ProtocolLocked
(both 409); who may act is checked by the ``*_check`` functions (PermissionDenied, 403).

The writes live in one module per subject of the regulation: ``composition`` (commissions, members, approval),
``schedule`` (sessions, slots, publication, the distance procedure), ``protocols`` (opening, rows, attendance, ticket
draws, technical failures), ``protocol_signing`` (signatures, closing, amendments, extracts), ``readmission``,
``force_majeure``, ``diploma_works`` and ``policy`` (the college's rule settings). They are all named here, so a
caller writes ``services.protocol_close(...)`` without knowing which module holds it.
"""

from .common import VersionConflict
from .composition import (
    commission_approve,
    commission_close,
    commission_create,
    commission_delete,
    commission_update,
    commission_verdict,
    member_add,
    member_remove,
    member_update,
)
from .diploma_works import diploma_work_save
from .force_majeure import derivation_sources, force_majeure_apply_form, force_majeure_create, protocol_derive
from .policy import POLICY_FIELDS, policy_save
from .protocol_signing import (
    ProtocolState,
    protocol_amend,
    protocol_archive,
    protocol_close,
    protocol_document,
    protocol_extract,
    protocol_scan_attach,
    protocol_sign,
    protocol_signer,
    protocol_state,
)
from .protocols import (
    RESULT_FIELDS,
    RESULT_WRITTEN,
    protocol_attendance_save,
    protocol_editor_check,
    protocol_header_save,
    protocol_keeper,
    protocol_keeper_check,
    protocol_open,
    protocol_put,
    protocol_reader_check,
    protocol_row_edit,
    protocol_row_save,
    protocol_tech_failure,
    protocol_ticket_draw,
    tech_failure_reschedule,
)
from .readmission import readmission_apply, readmission_decide, readmission_decider_check, readmission_schedule
from .schedule import (
    ExamInput,
    SlotInput,
    exam_delete,
    exam_save,
    procedure_confirm,
    procedure_send,
    schedule_for,
    schedule_publish,
    slot_add,
)

__all__ = [
    "VersionConflict",
    "POLICY_FIELDS",
    "policy_save",
    "commission_approve",
    "commission_close",
    "commission_create",
    "commission_delete",
    "commission_update",
    "commission_verdict",
    "member_add",
    "member_remove",
    "member_update",
    "diploma_work_save",
    "ExamInput",
    "SlotInput",
    "exam_delete",
    "exam_save",
    "procedure_confirm",
    "procedure_send",
    "schedule_for",
    "schedule_publish",
    "slot_add",
    "RESULT_FIELDS",
    "RESULT_WRITTEN",
    "protocol_attendance_save",
    "protocol_editor_check",
    "protocol_header_save",
    "protocol_keeper",
    "protocol_keeper_check",
    "protocol_open",
    "protocol_put",
    "protocol_reader_check",
    "protocol_row_edit",
    "protocol_row_save",
    "protocol_tech_failure",
    "protocol_ticket_draw",
    "tech_failure_reschedule",
    "ProtocolState",
    "protocol_amend",
    "protocol_archive",
    "protocol_close",
    "protocol_document",
    "protocol_extract",
    "protocol_scan_attach",
    "protocol_sign",
    "protocol_signer",
    "protocol_state",
    "readmission_apply",
    "readmission_decide",
    "readmission_decider_check",
    "readmission_schedule",
    "derivation_sources",
    "force_majeure_apply_form",
    "force_majeure_create",
    "protocol_derive",
]
