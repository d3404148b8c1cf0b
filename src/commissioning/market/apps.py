from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "commissioning.market"
    verbose_name = "Market and continuity of services"

    def ready(self) -> None:
        # Its page in the site's menu, shown to those the page's policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(Entry(60, "market", "Market", lambda user: can(user, Action.VIEW_MARKET)))

        # The sweep of every failure as a job: who else may see and cancel it, and its
        # progress kept on the stress test as well.
        from commissioning.jobs import kinds, progress

        from .services import SWEEP_KIND, sweep_reported

        kinds.register(SWEEP_KIND)
        progress.reported.connect(sweep_reported, dispatch_uid="market.sweep_reported")
