from django.db import migrations

from attestation.rls import tenant_rls


class Migration(migrations.Migration):
    dependencies = [("attestation", "0003_campaigns_notifications_grade_origin")]
    operations = [tenant_rls("attestation_campaign", "attestation_campaigngroup", "attestation_notification")]
