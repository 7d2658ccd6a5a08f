from django.db import migrations

from attestation.rls import tenant_rls


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [tenant_rls("appeals_appeal", "appeals_appealattachment")]
