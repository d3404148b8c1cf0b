from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "commissioning.jobs"
    label = "jobs"
    verbose_name = "Jobs and workers"
    default_auto_field = "django.db.models.BigAutoField"
