"""API tokens: ``api-token create``, ``list``, ``revoke``, ``rotate``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from commissioning.cli.common import console, django_setup, fail

token_app = typer.Typer(help="API tokens for API clients.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for")] = "API client",
    days: Annotated[int, typer.Option(help="How long it lasts (1 to 366 days)")] = 90,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the token, for a script")
    ] = False,
) -> None:
    """Create an API token for a user; it is shown once and stored only as a hash, and it
    expires (rotate it before: `api-token rotate`, or POST /api/v1/tokens/rotate)."""
    django_setup()
    from django.core.exceptions import ValidationError

    from commissioning.api.tokens import issue_token
    from commissioning.organisations.models import User
    from commissioning.organisations.permissions import SYSTEM

    user = User.objects.filter(username=username).first()
    if user is None:
        raise fail(f"no user called {username!r}")
    try:
        token, raw = issue_token(user, name, SYSTEM, days)
    except ValidationError as exc:
        raise fail(" ".join(exc.messages)) from exc
    if quiet:
        sys.stdout.write(raw + "\n")
        return
    console.print(f"Token for {username} ({token.name}), until {token.expires_at:%d %B %Y}: {raw}")
    console.print(
        "Send it as the header  Authorization: Bearer <token>. It will not be shown again."
    )


@token_app.command("list")
def token_list(
    username: Annotated[str | None, typer.Argument(help="Only this user's tokens")] = None,
) -> None:
    """The tokens in force (never their secret): prefix, user, what for, expiry, last use."""
    django_setup()
    from django.utils import timezone
    from rich.table import Table

    from commissioning.api.models import ApiToken

    tokens = ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    if username:
        tokens = tokens.filter(user__username=username)
    table = Table("Prefix", "User", "For", "Expires", "Last used", box=None)
    for t in tokens.select_related("user").order_by("user__username", "created_at"):
        used = f"{t.last_used_at:%d %B %Y %H:%M}" if t.last_used_at else "never"
        table.add_row(t.prefix, t.user.username, t.name, f"{t.expires_at:%d %B %Y}", used)
    console.print(table if table.row_count else "No tokens in force.")


@token_app.command("revoke")
def token_revoke(
    prefix: Annotated[str, typer.Argument(help="The token's first 8 characters")],
) -> None:
    """Revoke a token at once (recorded in the audit trail)."""
    django_setup()
    from commissioning.api.models import ApiToken
    from commissioning.api.tokens import revoke_token
    from commissioning.organisations.permissions import SYSTEM

    token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None:
        raise fail(f"no token in force begins {prefix!r}")
    revoke_token(token, SYSTEM)
    console.print(f"Token {prefix}… of {token.user.username} revoked.")


@token_app.command("rotate")
def token_rotate(
    prefix: Annotated[str, typer.Argument(help="The token's first 8 characters")],
    days: Annotated[int, typer.Option(help="How long the new one lasts (1 to 366 days)")] = 90,
) -> None:
    """Issue a token's successor and revoke the token, at once (the new one is shown once)."""
    django_setup()
    from django.core.exceptions import ValidationError

    from commissioning.api.models import ApiToken
    from commissioning.api.tokens import rotate_token
    from commissioning.organisations.permissions import SYSTEM

    token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None:
        raise fail(f"no token in force begins {prefix!r}")
    try:
        new, raw = rotate_token(token, SYSTEM, days)
    except ValidationError as exc:
        raise fail(" ".join(exc.messages)) from exc
    console.print(f"Token {prefix}… revoked. Its successor, until {new.expires_at:%d %B %Y}: {raw}")
