from django.apps import AppConfig


class PersonalBudgetsConfig(AppConfig):
    name = "commissioning.personal_budgets"
    verbose_name = "Personal health budgets"

    def ready(self) -> None:
        """A person's budget and spend accounts on the ledger are theirs: the ledger reads them
        by this app's policy (and logs each read on the person's access log), and lets this
        app's service draw only on the accounts ``may_draw`` confirms (decision 039)."""
        from django.db.models import Q

        from commissioning.ledger.permissions import Holder, register

        from . import permissions, services
        from .models import Person

        def holder_of(account):
            return Person.objects.filter(
                Q(budget_account_id=account.pk) | Q(spend_account_id=account.pk)
            ).first()

        def may_read(user, person, account) -> bool:
            return permissions.can(user, permissions.Action.VIEW_RECORD, person)

        def record_read(user, person, allowed: bool, channel: str) -> None:
            services.log_access(user, [person.pk], "ledger account", channel, allowed)

        register(Holder(services.SERVICE, holder_of, may_read, record_read, services.may_draw))

        # The person, their representative and their nominee see a record of health and money:
        # they sign in in two steps, whatever their role.
        from commissioning.organisations.permissions import TWO_FACTOR_HOOKS

        def linked_to_a_record(user) -> bool:
            return Person.objects.filter(
                Q(holder=user) | Q(representative=user) | Q(nominee=user)
            ).exists()

        if linked_to_a_record not in TWO_FACTOR_HOOKS:
            TWO_FACTOR_HOOKS.append(linked_to_a_record)

        # What ``audit verify`` reconciles with the trail (audit.reconcile).
        from commissioning.audit.reconcile import track

        track("personal_budgets.plan", ("amount_pence", "mode"))
        track("personal_budgets.payment", ("amount_pence", "paid_on", "flagged", "flag_cleared"))

        # Its page in the site's menu: "My budget" for a holder, representative or nominee,
        # "PHBs" for a care coordinator; nobody else.
        from commissioning.ui.navigation import Entry, register

        register(Entry(80, "phb", permissions.menu_label))

        # What is waiting for a person on the home page's work queue.
        from commissioning.ui import worklist

        from .queries.waiting import waiting_for

        worklist.register("personal_budgets", waiting_for)

        # On the Commissioning together page: the programmes this person may see.
        from commissioning.collaboration.workspace import Section
        from commissioning.collaboration.workspace import register as on_together_page

        on_together_page(
            Section(
                "personal_budgets",
                "Personal health budgets and integrated personal commissioning",
                "Programme totals, integrated budgets and the cohort who would benefit from "
                "integrated personal commissioning:",
                permissions.programme_links,
            )
        )
