from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "commissioning.api"
    verbose_name = "API"
