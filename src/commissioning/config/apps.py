from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The composition root (settings, URLs, the WSGI application) as an app, so that the
    checks that refuse an unsafe production configuration and the session's start time are
    registered once Django is ready, without a lower layer importing this one."""

    name = "commissioning.config"
    label = "commissioning_config"
    verbose_name = "Configuration"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import security  # registers the production checks

        user_logged_in.connect(security.mark_signed_in, dispatch_uid="session-started")
