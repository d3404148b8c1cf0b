from django.apps import AppConfig


class SpecificationsConfig(AppConfig):
    name = "commissioning.specifications"
    verbose_name = "Service specifications"

    def ready(self) -> None:
        # Its page in the site's menu, shown to those the page's policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(
            Entry(
                10,
                "specifications",
                "Specifications",
                lambda user: can(user, Action.VIEW_SPECIFICATION),
            )
        )
