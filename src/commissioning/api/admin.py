from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at",
                    "revoked_at")  # fmt: skip
    readonly_fields = (
        "user",
        "name",
        "key_hash",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
        "replaced_by",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
