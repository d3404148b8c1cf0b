from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "commissioning.selection"
    verbose_name = "Provider selection"
