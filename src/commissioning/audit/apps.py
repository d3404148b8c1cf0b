from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "commissioning.audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from . import stored

        request_started.connect(stored.request_started, dispatch_uid="stored-version-start")
        request_finished.connect(stored.request_finished, dispatch_uid="stored-version-end")
