"""The comprehensive analysis sent to the colleges (MON-25): each selected college with results gets its analysis, its
own figures beside the national mean, as a PDF in Kazakh and in Russian through the documents pipeline."""

from __future__ import annotations

from django.db import transaction
from django_scopes import scopes_disabled

from attestation.audit import audit_log
from attestation.documents.pipeline import document_request
from attestation.models import User

from ..documents import ANALYSIS
from ..models import Round, RoundCollege

LANGUAGES = ("kk", "ru")


def analyses_request(*, round: Round, by: User, selected) -> int:
    """Ask for the analysis of every college of ``selected`` (RoundCollege rows, a viewer's) that has results and was
    not cancelled, in Kazakh and Russian; a college whose figures did not change keeps its documents (the pipeline
    returns the same content's document). Returns how many documents were new."""
    created = 0
    with transaction.atomic(), scopes_disabled():
        colleges = list(RoundCollege.objects.filter(pk__in=selected.values("pk"), round=round,
                                                    cancelled_at__isnull=True, results_imported_at__isnull=False)
                        .select_related("college").order_by("number"))
        for rc in colleges:
            for language in LANGUAGES:
                _document, new = document_request(college=rc.college, kind=ANALYSIS, subject_id=rc.pk,
                                                  language=language, by=by)
                created += new
        audit_log(action="monitoring.analysis.issued", college=None, actor=by, obj=round,
                  data={"round": round.pk, "colleges": len(colleges), "documents": created})
    return created
