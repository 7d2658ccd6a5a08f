"""Objects of college B for the tenant isolation test, for the attestation app's routes and pages."""

from attestation.audit import audit_log
from attestation.models import Campaign, CampaignGroup, Notification

from ..isolation import api_object, page_kwargs


def campaign_of(cast):
    campaign = Campaign.objects.filter(college=cast.college).first()
    if campaign is None:
        campaign = Campaign.objects.create(college=cast.college, academic_year="2026-2027", starts_on="2027-05-25",
                                           ends_on="2027-06-20")
        CampaignGroup.objects.create(college=cast.college, campaign=campaign, group=cast.group)
    return campaign


def notification_of(cast):
    return Notification.objects.create(college=cast.college, user=cast.admin, subject="Test")


api_object("member")(lambda b: b.membership_admin.pk)
api_object("program")(lambda b: b.program.pk)
api_object("group")(lambda b: b.group.pk)
api_object("discipline")(lambda b: b.disciplines[0].pk)
api_object("student")(lambda b: b.student.pk)
api_object("transcript")(lambda b: b.entries[0].pk)
api_object("document")(lambda b: b.document.pk)
api_object("audit")(lambda b: audit_log(action="test.entry", college=b.college, actor=b.admin).pk)
api_object("campaign")(lambda b: campaign_of(b).pk)
api_object("notification")(lambda b: notification_of(b).pk)

for name in ("registry",):
    page_kwargs(f"college:{name}")(lambda b: {"entity": "programs"})
for name in ("registry_edit", "registry_delete"):
    page_kwargs(f"college:{name}")(lambda b: {"entity": "programs", "pk": b.program.pk})
page_kwargs("college:registry_new")(lambda b: {"entity": "programs"})
for name in ("student", "student_edit", "student_delete", "transcript_pdf"):
    page_kwargs(f"college:{name}")(lambda b: {"pk": b.student.pk})
for name in ("document_row", "document_status", "document_file", "document_retry"):
    page_kwargs(f"college:{name}")(lambda b: {"pk": b.document.pk})
page_kwargs("college:import_template")(lambda b: {"kind": "students", "fmt": "csv"})
for name in ("campaign_edit", "campaign_delete"):
    page_kwargs(f"college:{name}")(lambda b: {"pk": campaign_of(b).pk})
page_kwargs("college:notification_read")(lambda b: {"pk": notification_of(b).pk})
