from django.contrib import admin

from .models import Revision


class ReadOnlyAdmin(admin.ModelAdmin):
    """For data that changes only through audited services: the admin may look, not touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor_username", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "object_repr", "actor_username")
    readonly_fields = [f.name for f in Revision._meta.fields]
