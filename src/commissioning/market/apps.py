from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "commissioning.market"
    verbose_name = "Market and continuity of services"
