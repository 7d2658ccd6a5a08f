"""Objects of college B for the tenant isolation test, for the appeals app's routes and pages."""

from django.utils import timezone

from appeals.models import Appeal, AppealAttachment

from ..isolation import api_object, page_kwargs
from .builders import HELD_ON, PDF, result_of


def appeal_of(cast) -> Appeal:
    appeal = Appeal.objects.filter(college=cast.college).first()
    if appeal is None:
        entry = result_of(cast, code="ISO-FA")
        appeal = Appeal.objects.create(college=cast.college, student=cast.student, transcript_entry=entry,
                                       reason="isolation", received_at=timezone.now(), filing_deadline=HELD_ON,
                                       decision_due=HELD_ON)
    return appeal


def attachment_of(cast) -> AppealAttachment:
    from django.core.files.base import ContentFile

    attachment = AppealAttachment.objects.filter(college=cast.college).first()
    if attachment is None:
        appeal = appeal_of(cast)
        attachment = AppealAttachment(college=cast.college, appeal=appeal, original_name="scan.pdf",
                                      content_type="application/pdf", size=len(PDF), sha256="0" * 64)
        attachment.file.save("scan.pdf", ContentFile(PDF), save=False)
        attachment.save()
    return attachment


api_object("appeal")(lambda b: appeal_of(b).pk)
api_object("appeal-attachment")(lambda b: attachment_of(b).pk)

page_kwargs("appeals:file")(lambda b: {"pk": appeal_of(b).transcript_entry_id})
page_kwargs("appeals:detail")(lambda b: {"pk": appeal_of(b).pk})
page_kwargs("appeals:attachment")(lambda b: {"pk": attachment_of(b).pk})
