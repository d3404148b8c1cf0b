from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "commissioning.contracts"
    verbose_name = "Contracts"
