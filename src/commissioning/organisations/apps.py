from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "commissioning.organisations"
    verbose_name = "Organisations and people"
