from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "commissioning.ui"
    verbose_name = "UI kit"
