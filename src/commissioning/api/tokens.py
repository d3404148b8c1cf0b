"""Issuing, revoking and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from commissioning.audit import chain as audit
from commissioning.organisations.permissions import SystemActor

from .models import ApiToken


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user, name: str, actor) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it with the raw value, which is never stored.

    People issue tokens for themselves; the command line (system) may issue for anyone.
    """
    if not isinstance(actor, SystemActor) and getattr(actor, "pk", None) != user.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("You can only create API tokens for yourself.")
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:100], key_hash=_hash(raw), prefix=raw[:8]
        )
        audit.record(
            actor,
            "create",
            token,
            after={"user_id": user.pk, "name": token.name, "prefix": token.prefix},
        )
    return token, raw


def revoke_token(token: ApiToken, actor) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now().replace(microsecond=0)
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            "update",
            token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )


def user_for_token(raw: str):
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
