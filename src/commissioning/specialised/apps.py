from django.apps import AppConfig


class SpecialisedConfig(AppConfig):
    name = "commissioning.specialised"
    verbose_name = "Specialised commissioning finance"

    def ready(self) -> None:
        # Its page in the site's menu, shown to those the page's policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(
            Entry(90, "specialised", "Specialised", lambda user: can(user, Action.VIEW_FINANCE))
        )
