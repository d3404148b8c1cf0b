from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from commissioning.audit import chain as audit
from commissioning.audit.admin import ReadOnlyAdmin

from .models import Membership, Organisation, SmallArea, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organisation",)


USER_AUDIT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
)
MEMBERSHIP_AUDIT_FIELDS = ("user_id", "organisation_id", "role", "start_date", "end_date")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """People are managed here; every change is written to the audit trail (the admin wraps
    each save in one transaction, so the change and its revision land together)."""

    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = audit.snapshot(User.objects.get(pk=obj.pk), USER_AUDIT_FIELDS)
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            "update" if change else "create",
            obj,
            before=before,
            after=audit.snapshot(obj, USER_AUDIT_FIELDS),
        )

    def save_formset(self, request, form, formset, change):
        befores = {
            f.instance.pk: audit.snapshot(
                Membership.objects.get(pk=f.instance.pk), MEMBERSHIP_AUDIT_FIELDS
            )
            for f in formset.forms
            if f.instance.pk
        }
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit.record(
                request.user, "delete", obj, before=befores.get(obj.pk), object_id=str(obj.pk)
            )
            obj.delete()
        for obj in instances:
            created = obj.pk is None
            obj.save()
            audit.record(
                request.user,
                "create" if created else "update",
                obj,
                before=None if created else befores.get(obj.pk),
                after=audit.snapshot(obj, MEMBERSHIP_AUDIT_FIELDS),
            )
        formset.save_m2m()


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "org_type", "open_date", "close_date", "is_synthetic")
    list_filter = ("org_type", "is_synthetic", "nhs_region_code")
    search_fields = ("code", "name", "postcode")
    autocomplete_fields = ("parent",)
    # Organisations change through the audited services (ingest, loaders); read-only here.


@admin.register(SmallArea)
class SmallAreaAdmin(ReadOnlyAdmin):
    list_display = ("code", "commissioner", "practice", "population", "deprivation_decile")
    search_fields = ("code",)
    list_filter = ("deprivation_decile",)
