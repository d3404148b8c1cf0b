from django.contrib import admin

from commissioning.audit.admin import ReadOnlyAdmin

from .models import AEAttendance, IngestedFile, PopulationEstimate


@admin.register(IngestedFile)
class IngestedFileAdmin(ReadOnlyAdmin):
    list_display = ("ingested_at", "kind", "filename", "rows", "created", "updated", "ingested_by")
    list_filter = ("kind",)


@admin.register(AEAttendance)
class AEAttendanceAdmin(ReadOnlyAdmin):
    list_display = (
        "period",
        "org_code",
        "department_type",
        "attendances",
        "breaches",
        "admissions",
    )
    list_filter = ("department_type",)
    search_fields = ("org_code",)


@admin.register(PopulationEstimate)
class PopulationEstimateAdmin(ReadOnlyAdmin):
    list_display = ("year", "geography_code", "geography_name", "sex", "age", "count")
    list_filter = ("geography_name", "sex")
