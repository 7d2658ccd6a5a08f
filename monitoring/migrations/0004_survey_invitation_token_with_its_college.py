"""A survey invitation's token is unique with its college (DESIGN.md "Tenancy"), and names it: ``<college id>.<random>``.
Links issued before carry the college's id from now on."""

from django.db import migrations, models
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat


def tokens_name_their_college(apps, schema_editor):
    SurveyInvitation = apps.get_model("monitoring", "SurveyInvitation")
    SurveyInvitation.objects.filter(~Q(token__contains=".")).update(
        token=Concat(Cast("college_id", CharField()), Value("."), "token"))


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0003_survey_and_national_sums"),
    ]

    operations = [
        migrations.AlterField(
            model_name="surveyinvitation",
            name="token",
            field=models.CharField(max_length=43),
        ),
        migrations.RunPython(tokens_name_their_college, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="surveyinvitation",
            constraint=models.UniqueConstraint(fields=("college", "token"), name="survey_invitation_token_once"),
        ),
    ]
