"""Objects of college B for the tenant isolation test (tests/attestation/test_tenant_isolation.py), for the college
administrator's monitoring pages: a round that selected college B, a participant excused with a document, its notice.
The authorities' area (/monitoring/, /api/v1/monitoring/) has its own permission tables in test_isolation.py."""

from datetime import date

from django.core.files.base import ContentFile
from django_scopes import scopes_disabled

from attestation.models import Document, User
from monitoring.models import Participant, RoundCollege, SurveyBatch
from monitoring.services.survey import invitations_issue

from ..factories import user_make
from ..isolation import page_kwargs
from .builders import selected_round


def selection_of(cast) -> RoundCollege:
    with scopes_disabled():
        found = RoundCollege.objects.filter(college=cast.college).select_related("round").first()
        if found is not None:
            return found
        ministry = User.objects.filter(username="iso-ministry").first() or user_make("iso-ministry",
                                                                                    authority="ministry")
        year = 2026 + RoundCollege.objects.values("round").distinct().count()
        round = selected_round(ministry, [cast.college], cohorts=("professional",), year=year,
                               testing_on=date(year, 11, 16))
        found = RoundCollege.objects.select_related("round").get(round=round, college=cast.college)
        participant = Participant.objects.filter(round_college=found).first()
        participant.status = "excused"
        participant.excusal_reason = "sanatorium"
        participant.excusal_file.save("iso.pdf", ContentFile(b"%PDF-1.4 iso"), save=False)
        participant.excusal_file_type = "application/pdf"
        participant.save()
        return found


def excused_of(cast) -> Participant:
    with scopes_disabled():
        return Participant.objects.filter(round_college=selection_of(cast), status="excused").first()


def notice_of(cast) -> Document:
    with scopes_disabled():
        return Document.objects.get(college=cast.college, kind="monitoring_notice",
                                    subject_id=selection_of(cast).pk)


def batch_of(cast) -> SurveyBatch:
    with scopes_disabled():
        rc = selection_of(cast)
        found = SurveyBatch.objects.filter(round_college=rc).first()
        if found is None:
            found = invitations_issue(round_college=rc, by=User.objects.get(username="iso-ministry"),
                                      respondent="teacher", label="Оқытушылар", size=3)
        return found


for name in ("round", "excuse", "seating", "seating_xlsx", "seating_pdf", "refresh", "analytics", "survey"):
    page_kwargs(f"college_monitoring:{name}")(lambda b: {"pk": selection_of(b).round_id})
for name in ("excusal_file", "withdraw"):
    page_kwargs(f"college_monitoring:{name}")(lambda b: {"pk": selection_of(b).round_id,
                                                         "participant": excused_of(b).pk})
page_kwargs("college_monitoring:survey_links")(lambda b: {"pk": selection_of(b).round_id, "batch": batch_of(b).pk})
page_kwargs("college_monitoring:document")(lambda b: {"pk": selection_of(b).round_id, "document": notice_of(b).pk})
