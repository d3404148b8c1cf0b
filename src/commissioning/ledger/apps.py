from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "commissioning.ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        """Each account's hash chain is anchored with the audit trail's (audit.anchor)."""
        from commissioning.audit.anchor import Chain, register

        from .anchoring import anchored_problems, chain_heads

        register(Chain("ledger", chain_heads, anchored_problems))
