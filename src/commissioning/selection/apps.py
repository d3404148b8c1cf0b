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
