from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "commissioning.ledger"
    verbose_name = "Ledger"
