from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "commissioning.organisations"
    verbose_name = "Organisations and people"

    def ready(self) -> None:
        """``audit verify`` reconciles budgets and delegated authority with the trail."""
        from commissioning.audit.reconcile import track

        from .services import BUDGET_FIELDS, DELEGATION_FIELDS

        track("organisations.budget", BUDGET_FIELDS)
        track("organisations.delegatedauthority", DELEGATION_FIELDS)
