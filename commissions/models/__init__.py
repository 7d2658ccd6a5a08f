"""Commissions, the attestation schedule, sessions and their protocols (COM, SCH, EXF, DEF, DIST, PRO, RET,
EXE rules).

Every table is tenant-owned (a non-null ``college``, a ScopedManager, unique constraints including the
college, row-level security on PostgreSQL). A closed protocol is locked for good at three levels: the
model (``save``/``delete`` refuse), the queryset (``update``/``delete`` refuse) and, on PostgreSQL, a
trigger (migration 0002); corrections are amendments.

One module per subject, as the services; every model is named here (``commissions.models.Exam``), as Django and
the migrations expect.
"""

from .composition import AttestationPolicy, Commission, CommissionMember, RuleMode
from .force_majeure import ForceMajeureDecision
from .protocols import (
    LockedRowMixin,
    Protocol,
    ProtocolAmendment,
    ProtocolAttendance,
    ProtocolHeaderQuerySet,
    ProtocolLocked,
    ProtocolQuerySet,
    ProtocolResult,
    ProtocolSignature,
    TechnicalFailureAct,
    TicketDraw,
    scoped_manager,
)
from .readmission import ReAdmission
from .schedule import DiplomaWork, Exam, ExamSlot, Schedule
from .uploads import (
    upload_diploma_file,
    upload_diploma_presentation,
    upload_diploma_review,
    upload_force_majeure_document,
    upload_protocol_scan,
    upload_readmission_document,
    uploads_storage,
)

# Module-level names of the choice sets, for the OpenAPI enum names (settings.SPECTACULAR_SETTINGS).
CommissionKind = Commission.Kind
ReadmissionReason = ReAdmission.Reason

__all__ = [
    "uploads_storage",
    "upload_diploma_file",
    "upload_diploma_review",
    "upload_diploma_presentation",
    "upload_protocol_scan",
    "upload_readmission_document",
    "upload_force_majeure_document",
    "RuleMode",
    "AttestationPolicy",
    "Commission",
    "CommissionMember",
    "ForceMajeureDecision",
    "Schedule",
    "Exam",
    "DiplomaWork",
    "ExamSlot",
    "ProtocolQuerySet",
    "ProtocolLocked",
    "LockedRowMixin",
    "scoped_manager",
    "ProtocolHeaderQuerySet",
    "Protocol",
    "ProtocolAttendance",
    "ProtocolResult",
    "ProtocolSignature",
    "TicketDraw",
    "TechnicalFailureAct",
    "ProtocolAmendment",
    "ReAdmission",
    "CommissionKind",
    "ReadmissionReason",
]
