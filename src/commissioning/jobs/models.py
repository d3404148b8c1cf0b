"""A worker's heartbeat (how the health endpoint knows a worker is alive, and how a worker knows
that another one died holding a job), and the jobs people start: their state, progress and
result."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WorkerBeat(models.Model):
    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "worker's heartbeat"

    def __str__(self) -> str:
        return f"Worker {self.worker_id} on {self.host} (pid {self.pid})"


class Job(models.Model):
    """One long piece of work run by the worker (decision 051), as people see it: what it is,
    who started it, where it has got to, and where its result is. The task queue's own row
    (``django-tasks-db``'s ``DBTaskResult``, named by ``task_id``) says only whether a worker
    has run it; this says what the platform did. A task reports its progress here
    (``jobs.progress``) and finds out here that someone asked it to stop."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=50, help_text="What sort of job: jobs.kinds")
    title = models.CharField(max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    task_id = models.CharField(max_length=64, blank=True, db_index=True,
                               help_text="The task queue's id for it")  # fmt: skip
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0, help_text="0 while not yet known")
    stage = models.CharField(max_length=200, blank=True, help_text="What it is doing now")
    error = models.TextField(blank=True)
    result_url = models.CharField(max_length=300, blank=True, help_text="Where its result is")
    result_api_url = models.CharField(max_length=300, blank=True,
                                      help_text="Where the API gives its result")  # fmt: skip
    cancel_requested = models.BooleanField(default=False)
    exclusive = models.CharField(
        max_length=50, blank=True,
        help_text="Jobs with the same key run one at a time (the database refuses a second)",
    )  # fmt: skip
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    ACTIVE = (State.QUEUED, State.RUNNING)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["started_by", "state"], name="job_by_starter_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["exclusive"],
                condition=models.Q(state__in=["queued", "running"]) & ~models.Q(exclusive=""),
                name="one_unfinished_job_per_key",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE

    @property
    def percent(self) -> int | None:
        """How far it has got, in whole per cent; ``None`` while its size is not known."""
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))
