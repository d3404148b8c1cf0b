from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.audit import chain as audit
from commissioning.audit.admin import ReadOnlyAdmin

from .models import Budget, DelegatedAuthority, Membership, Organisation, SmallArea, User
from .services import (
    MEMBERSHIP_FIELDS,
    add_membership,
    approve_membership,
    delegation_problems,
    save_budget,
    save_delegated_authority,
)


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("organisation", "role", "start_date", "end_date")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and {"organisation", "role"} & set(self.changed_data):
            raise forms.ValidationError(
                "A role given is not changed into another: end it with an end date and give "
                "the new role (which may need a second administrator's approval)."
            )
        return cleaned


class MembershipInline(admin.TabularInline):
    """A person's roles. A role that reads personal data or moves money, given here, waits for
    a second administrator's approval (Memberships, *Approve*) and gives nothing until then.
    Roles are ended with an end date, never deleted (the ledger's verification checks that
    whoever drew on an account held a finance role there on the day)."""

    model = Membership
    form = MembershipForm
    fk_name = "user"
    extra = 0
    can_delete = False
    autocomplete_fields = ("organisation",)
    fields = ("organisation", "role", "start_date", "end_date", "status", "requested_by",
              "approved_by")  # fmt: skip
    readonly_fields = ("status", "requested_by", "approved_by")


USER_AUDIT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
)
MEMBERSHIP_AUDIT_FIELDS = MEMBERSHIP_FIELDS


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """People are managed here; every change is written to the audit trail (the admin wraps
    each save in one transaction, so the change and its revision land together). Nobody is
    made a superuser or staff here, themselves included: administrators come from an
    approved administrator role (and superusers only from the server's command line)."""

    inlines = [MembershipInline]
    readonly_fields = ("is_staff", "is_superuser", "groups", "user_permissions", "last_login",
                       "date_joined")  # fmt: skip

    def save_model(self, request, obj, form, change):
        with audit.saving(request.user, obj, USER_AUDIT_FIELDS):
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """New roles go through the service (so a sensitive one waits for approval); a role's
        dates change here, audited."""
        befores = {
            f.instance.pk: audit.snapshot(
                Membership.objects.get(pk=f.instance.pk), MEMBERSHIP_AUDIT_FIELDS
            )
            for f in formset.forms
            if f.instance.pk
        }
        for obj in formset.save(commit=False):
            if obj.pk is None:
                add_membership(obj.user, obj.organisation, obj.role, request.user,
                               obj.start_date, obj.end_date)  # fmt: skip
                continue
            obj.save()
            audit.record(
                request.user,
                "update",
                obj,
                before=befores.get(obj.pk),
                after=audit.snapshot(obj, MEMBERSHIP_AUDIT_FIELDS),
            )
        formset.save_m2m()


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Roles awaiting a second administrator's approval, and every role given, with who gave
    and who approved it. Approve with the action; nothing is added, changed or deleted here."""

    list_display = ("user", "role", "organisation", "status", "requested_by", "approved_by",
                    "start_date", "end_date")  # fmt: skip
    list_filter = ("status", "role")
    search_fields = ("user__username", "organisation__code", "organisation__name")
    actions = ["approve"]

    @admin.action(description="Approve the selected roles (as the second administrator)")
    def approve(self, request, queryset):
        approved, refused = 0, []
        for membership in queryset:
            try:
                approve_membership(membership, request.user)
                approved += 1
            except (ValidationError, PermissionDenied) as exc:
                refused.append(f"{membership}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if approved:
            self.message_user(request, f"{approved} role(s) approved and now in force.")
        for reason in refused:
            self.message_user(request, reason, level=messages.ERROR)


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
