from django.apps import AppConfig


class SpecialisedConfig(AppConfig):
    name = "commissioning.specialised"
    verbose_name = "Specialised commissioning finance"
