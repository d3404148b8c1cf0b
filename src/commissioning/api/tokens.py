"""Issuing, rotating, revoking and checking API tokens. A token is refused once it has expired
(``API_TOKEN_DAYS`` after it was issued, 90 by default) or been revoked; rotating issues its
successor and revokes it in one transaction, so a client that stores the new token loses
nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from commissioning.audit import chain as audit
from commissioning.organisations.permissions import SystemActor

from .models import ApiToken


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _lifetime(days: int | None) -> dt.timedelta:
    return dt.timedelta(days=days or getattr(settings, "API_TOKEN_DAYS", 90))


def _new_secret() -> str:
    """A URL-safe secret whose prefix never begins with "-", which a shell reads as an option."""
    while (raw := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return raw


def issue_token(user, name: str, actor, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it with the raw value, which is never stored.

    People issue tokens for themselves; the command line (system) may issue for anyone.
    """
    if not isinstance(actor, SystemActor) and getattr(actor, "pk", None) != user.pk:
        raise PermissionDenied("You can only create API tokens for yourself.")
    if days is not None and not 1 <= days <= 366:
        raise ValidationError({"days": ["A token lasts from 1 to 366 days"]})
    raw = _new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            key_hash=_hash(raw),
            prefix=raw[:8],
            expires_at=timezone.now() + _lifetime(days),
        )
        audit.created(actor, token, ("user_id", "name", "prefix", "expires_at"))
    return token, raw


def rotate_token(token: ApiToken, actor, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue the token's successor (same person, same purpose) and revoke it, at once."""
    if not isinstance(actor, SystemActor) and getattr(actor, "pk", None) != token.user_id:
        raise PermissionDenied("You can only rotate your own API tokens.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None or token.expires_at <= timezone.now():
            raise ValidationError({"token": ["This token is revoked or expired: issue a new one"]})
        new, raw = issue_token(token.user, token.name, actor, days)
        token.replaced_by = new
        token.save(update_fields=["replaced_by"])
        revoke_token(token, actor)
    return new, raw


def revoke_token(token: ApiToken, actor) -> None:
    with transaction.atomic(), audit.changing(actor, token, ("revoked_at",)):
        token.revoked_at = timezone.now().replace(microsecond=0)
        token.save(update_fields=["revoked_at"])


def token_for(raw: str) -> ApiToken | None:
    """The token, if it is in force: not revoked, not expired, its person still active."""
    return (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=_hash(raw),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )


def user_for_token(raw: str):
    token = token_for(raw)
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    token.user.api_token = token  # the token this request came with (for rotation)
    return token.user
