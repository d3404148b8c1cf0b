from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "commissioning.web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        # The site's own pages in the menu (each app registers its own: ui.navigation).
        from commissioning.organisations.permissions import Action, can
        from commissioning.ui.navigation import Entry, register

        register(Entry(100, "directory", "Organisations"))
        register(Entry(110, "audit", "Audit trail", lambda user: can(user, Action.VIEW_AUDIT_LOG)))
        register(Entry(120, "about-data", "About the data"))
        register(Entry(130, "admin:index", "Admin", lambda user: user.is_staff))
