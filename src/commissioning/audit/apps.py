from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "commissioning.audit"
    verbose_name = "Audit trail"
