from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "commissioning.quality"
    verbose_name = "Quality monitoring"
