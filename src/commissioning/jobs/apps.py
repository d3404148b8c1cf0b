from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "commissioning.jobs"
    label = "jobs"
    verbose_name = "Jobs and workers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Links to a job's page, made only for those its policy lets in (ui.links).
        from commissioning.ui import links

        from .permissions import Action, can

        links.register("job", lambda user, job: can(user, Action.VIEW_JOB, job))
