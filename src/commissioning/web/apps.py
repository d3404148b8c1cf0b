from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "commissioning.web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from commissioning.config import security  # registers the production checks

        user_logged_in.connect(security.mark_signed_in, dispatch_uid="session-started")
