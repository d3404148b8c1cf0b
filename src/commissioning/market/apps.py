from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "commissioning.market"
    verbose_name = "Market and continuity of services"

    def ready(self) -> None:
        # Its page in the site's menu, shown to those the page's policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(Entry(60, "market", "Market", lambda user: can(user, Action.VIEW_MARKET)))
