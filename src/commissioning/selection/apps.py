from django.apps import AppConfig


class SelectionConfig(AppConfig):
    name = "commissioning.selection"
    verbose_name = "Provider selection"

    def ready(self) -> None:
        """What ``audit verify`` reconciles with the trail (audit.reconcile): scores, moderation
        and decisions."""
        from commissioning.audit.reconcile import track

        from .services.decisions import DECISION_FIELDS

        track("selection.score", ("proposal_id", "criterion", "score", "justification"))
        track("selection.moderatedscore", ("proposal_id", "criterion", "score", "rationale"))
        track("selection.decision", DECISION_FIELDS)

        # What specifications asks of the cycle that follows a specification.
        from commissioning.specifications.consultation import register as consult

        from .consultation import SelectionConsultation

        consult(SelectionConsultation())

        # Its pages in the site's menu, shown to those the pages' policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(Entry(20, "advice-requests", "Advice requests",
                       lambda user: can(user, Action.GIVE_ADVICE)))  # fmt: skip
        register(Entry(30, "opportunities", "Opportunities",
                       lambda user: can(user, Action.SUBMIT_PROPOSAL)))  # fmt: skip

        # Other apps' pages link to a decision only for those who may open it (ui.links).
        from commissioning.ui import links

        links.register("decision", lambda user, d: can(user, Action.VIEW_DECISION, d))

        # What waits for each person in provider selection, on the home page.
        from commissioning.ui.worklist import register as register_work

        from .queries.waiting import waiting_for

        register_work("selection", waiting_for)
