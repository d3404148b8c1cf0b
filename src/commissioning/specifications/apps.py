from django.apps import AppConfig


class SpecificationsConfig(AppConfig):
    name = "commissioning.specifications"
    verbose_name = "Service specifications"
