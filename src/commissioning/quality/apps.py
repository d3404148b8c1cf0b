from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "commissioning.quality"
    verbose_name = "Quality monitoring"

    def ready(self) -> None:
        # Its page in the site's menu, shown to those the page's policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(Entry(50, "quality", "Quality", lambda user: can(user, Action.VIEW_QUALITY)))
