from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "commissioning.register"
    verbose_name = "Public register of the Provider Selection Regime"

    def ready(self) -> None:
        # In everyone's menu: the register is public.
        from commissioning.ui.navigation import Entry, register

        register(Entry(110, "register", "Public register"))
