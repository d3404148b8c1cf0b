"""Append-only, hash-chained revisions.

Every change made through a service appends one ``Revision``. Each revision stores the SHA-256
of the previous one, and its own hash covers every field that matters, so any edit, deletion
or reordering of past revisions breaks the chain at a point ``verify_chain`` can name.
The actor is stored as an id and a username (not a foreign key) so that deleting a user can
never rewrite history.
"""

from __future__ import annotations

from django.db import models


def object_type_label(object_type: str) -> str:
    """``organisations.membership`` -> ``membership``: the model's name as people say it."""
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(f"{self.model.append_only}: it cannot be updated.")

    def delete(self):
        raise PermissionError(f"{self.model.append_only}: it cannot be deleted.")


class AppendOnly(models.Model):
    """A record written once and never updated or deleted, one by one or in bulk (database
    triggers refuse the same behind the ORM's back). ``append_only`` says what it is."""

    append_only = "This record is append-only"

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{self.append_only}: it cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self.append_only}: it cannot be deleted.")


class Revision(AppendOnly):
    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        EVENT = "event", "Recorded"

    seq = models.BigIntegerField(unique=True, help_text="Position in the chain, from 1")
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100)
    object_repr = models.CharField(max_length=300)
    diff = models.JSONField(help_text="{field: [before, after]}")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    append_only = "The audit trail is append-only"

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    @property
    def object_label(self) -> str:
        return object_type_label(self.object_type)


class ChainHead(models.Model):
    """One row that serialises appends: locked FOR UPDATE while a revision is added."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"Audit chain head at revision {self.last_seq}"
