from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "commissioning.web"
    verbose_name = "Web pages"
