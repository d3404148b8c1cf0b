from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "commissioning.quality"
    verbose_name = "Quality monitoring"

    def ready(self) -> None:
        # Its page in the site's menu, shown to those the page's policy lets in.
        from commissioning.ui.navigation import Entry, register

        from .permissions import Action, can

        register(Entry(50, "quality", "Quality", lambda user: can(user, Action.VIEW_QUALITY)))

        # What is waiting for a person on the home page's work queue.
        from commissioning.ui import worklist

        from .waiting import waiting_for

        worklist.register("quality", waiting_for)

        # An SHMI run as a job: who else may see and cancel it.
        from commissioning.jobs import kinds

        from .services import SHMI_KIND

        kinds.register(SHMI_KIND)

        # The evidence behind direct award C reads the existing contract's record from here.
        from commissioning.selection import incumbent

        from .incumbent import contract_record

        incumbent.register(contract_record)

        # Links to providers' risk profiles, made only for those the profile's policy lets in.
        from commissioning.ui import links

        links.register("quality-risk", lambda user, _: can(user, Action.VIEW_RISK),
                       args=lambda _: [])  # fmt: skip
        links.register("quality-case", lambda user, case: can(user, Action.VIEW_CASE, case))
        links.register("quality-risk-profile", lambda user, _: can(user, Action.VIEW_RISK),
                       args=lambda org: [org.code])  # fmt: skip
