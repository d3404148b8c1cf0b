from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "commissioning.contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        """``audit verify`` reconciles every contract with the trail (audit.reconcile)."""
        from commissioning.audit.reconcile import track

        from .services import CONTRACT_FIELDS

        track("contracts.contract", CONTRACT_FIELDS)
