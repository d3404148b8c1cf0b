from django.contrib import admin

from commissioning.audit.admin import ReadOnlyAdmin

from .models import OutcomeIndicator


@admin.register(OutcomeIndicator)
class OutcomeIndicatorAdmin(ReadOnlyAdmin):
    """Reference data, loaded by the ingest; read-only here."""

    list_display = ("code", "title", "domain", "framework_year", "direction", "confirmed")
    list_filter = ("domain", "framework_year", "confirmed")
    search_fields = ("code", "title")
