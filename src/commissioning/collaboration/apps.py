from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "commissioning.collaboration"
    verbose_name = "Commissioning together"

    def ready(self) -> None:
        """A pooled budget's accounts (its fund, risk pool and schemes' spending) are read by
        the finance leads, commissioners, contract managers, auditors and administrators of
        every partner the agreement names, not only the host that owns them (decision 039)."""
        from django.db.models import Q

        from commissioning.ledger.permissions import READERS, Holder, register
        from commissioning.organisations.permissions import has_role_at

        from .models import PooledBudget

        def holder_of(account):
            return (
                PooledBudget.objects.filter(
                    Q(pool_account_id=account.pk)
                    | Q(risk_pool_account_id=account.pk)
                    | Q(schemes__spend_account_id=account.pk)
                )
                .distinct()
                .first()
            )

        def may_read(user, pool, account) -> bool:
            parties = {pool.host_id, *pool.partners.values_list("organisation_id", flat=True)}
            return any(has_role_at(user, org, READERS) for org in parties)

        register(Holder("pooled_budgets", holder_of, may_read))

        # Its page in the site's menu, shown to those the page's policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(
            Entry(70, "together", "Together", lambda user: can(user, Action.VIEW_COLLABORATION))
        )

        # What is waiting for a person on the home page's work queue.
        from commissioning.ui import worklist

        from .waiting import waiting_for

        worklist.register("collaboration", waiting_for)
