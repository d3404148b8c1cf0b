"""API tokens expire and can be rotated. Tokens issued before expire 90 days after they were
issued (some may be expired already: they are rotated or reissued)."""

import datetime

import django.db.models.deletion
from django.db import migrations, models


def expire_existing(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True):
        token.expires_at = token.created_at + datetime.timedelta(days=90)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [("api", "0002_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                help_text="After this the token is refused; rotate it before"
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="replaced_by",
            field=models.OneToOneField(
                blank=True,
                help_text="The token it was rotated to",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="replaces",
                to="api.apitoken",
            ),
        ),
    ]
