from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from commissioning.audit import chain as audit
from commissioning.audit.admin import ReadOnlyAdmin

from .models import Budget, DelegatedAuthority, Membership, Organisation, SmallArea, User
from .services import delegation_problems, save_budget, save_delegated_authority


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


class ServiceAdmin(admin.ModelAdmin):
    """Saves through an audited service; nothing is deleted here."""

    service = None

    def save_model(self, request, obj, form, change):
        type(self).service(obj, request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Budget)
class BudgetAdmin(ServiceAdmin):
    service = staticmethod(save_budget)
    list_display = ("code", "name", "organisation", "financial_year", "amount_pence")
    search_fields = ("code", "name", "organisation__name")
    autocomplete_fields = ("organisation",)


@admin.register(DelegatedAuthority)
class DelegatedAuthorityAdmin(ServiceAdmin):
    """Authority the board delegated to a commissioner on a budget. End it with an end date."""

    service = staticmethod(save_delegated_authority)

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)

        class Form(base):
            def clean(self):
                cleaned = super().clean()
                candidate = DelegatedAuthority(
                    user=cleaned.get("user"), budget=cleaned.get("budget")
                )
                for field, message in delegation_problems(candidate, request.user).items():
                    self.add_error(field, message)
                return cleaned

        return Form

    list_display = ("user", "budget", "limit_pence", "start_date", "end_date", "reference")
    search_fields = ("user__username", "budget__code")
    autocomplete_fields = ("user", "budget")
