"""Calling the API as a user: a bearer token of the user's own, and a JSON body posted with it."""

from __future__ import annotations

import json

from commissioning.api.tokens import issue_token
from commissioning.organisations.permissions import SYSTEM


def bearer(user) -> dict:
    """The headers of a request made with a fresh token issued to ``user``."""
    _, raw = issue_token(user, "test", SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, url, body, user):
    """``body`` posted as JSON to ``url`` with a token of ``user``'s."""
    return client.post(url, json.dumps(body), content_type="application/json", **bearer(user))
