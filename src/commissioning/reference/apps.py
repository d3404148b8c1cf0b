from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "commissioning.reference"
    verbose_name = "Reference data"
