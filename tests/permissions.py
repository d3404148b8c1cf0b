"""Scaffolding for the who-may-do-what matrices: the roles in the order of the matrices'
columns, and whether a call was permitted (undoing whatever it did)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction

from commissioning.organisations.vocabulary import Role

# comm cm ql fl ca prov bh cc aud adm: the columns of every role x action matrix.
ROLES = list(Role)


def permitted(call: Callable[[], object]) -> bool:
    """Whether ``call`` went ahead (True) or was refused with PermissionDenied (False), inside
    a savepoint that is rolled back either way. Any other error propagates."""
    with transaction.atomic():
        try:
            call()
            allowed = True
        except PermissionDenied:
            allowed = False
        transaction.set_rollback(True)
    return allowed
