from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "commissioning.collaboration"
    verbose_name = "Commissioning together"
