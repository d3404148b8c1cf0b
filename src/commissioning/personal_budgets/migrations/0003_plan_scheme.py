import django.db.models.deletion
from django.db import migrations, models


def charge_to_the_only_scheme(apps, schema_editor):
    """An integrated budget drafted before plans named a scheme: charged to its pool's scheme
    when the pool has exactly one (otherwise the next version of the plan must choose)."""
    Plan = apps.get_model("personal_budgets", "Plan")
    PoolScheme = apps.get_model("collaboration", "PoolScheme")
    for plan in Plan.objects.filter(pool__isnull=False, scheme__isnull=True):
        schemes = list(PoolScheme.objects.filter(pool_id=plan.pool_id)[:2])
        if len(schemes) == 1:
            plan.scheme_id = schemes[0].pk
            plan.save(update_fields=["scheme"])


class Migration(migrations.Migration):
    dependencies = [
        ("collaboration", "0001_initial"),
        ("personal_budgets", "0002_access_log_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="scheme",
            field=models.ForeignKey(
                blank=True,
                help_text="The pool's scheme an integrated budget is charged to (its spending)",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="integrated_plans",
                to="collaboration.poolscheme",
            ),
        ),
        migrations.RunPython(charge_to_the_only_scheme, migrations.RunPython.noop),
    ]
