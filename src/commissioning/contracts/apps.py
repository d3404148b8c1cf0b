from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "commissioning.contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        """``audit verify`` reconciles every contract with the trail (audit.reconcile)."""
        from commissioning.audit.reconcile import track

        from .services import CONTRACT_FIELDS

        track("contracts.contract", CONTRACT_FIELDS)

        # A contract is selection's sequel to an award (selection.sequels).
        from commissioning.selection.sequels import register

        from .sequel import CONTRACTS

        register(CONTRACTS)

        # Its page in the site's menu, shown to those the page's policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(Entry(40, "contracts", "Contracts", lambda user: can(user, Action.VIEW_CONTRACT)))

        # Other apps' pages link to a contract only for those who may open it (ui.links).
        from commissioning.ui import links

        links.register("contract", lambda user, c: can(user, Action.VIEW_CONTRACT, c))

        # What waits for each person in contracts, on the home page.
        from commissioning.ui.worklist import register as register_work

        from .queries.waiting import waiting_for

        register_work("contracts", waiting_for)
