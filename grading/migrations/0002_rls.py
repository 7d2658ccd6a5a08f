from django.db import migrations

from attestation.rls import tenant_rls


class Migration(migrations.Migration):
    dependencies = [("grading", "0001_initial")]
    operations = [tenant_rls("grading_admissionorder", "grading_admission")]
