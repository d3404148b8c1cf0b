"""What the API answers when it refuses a request's input: one shape for every 422, whichever
part of the platform refused it.

A 422's body is ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}, ...]}``, one entry
per problem. ``loc`` is where the problem is, as the client wrote the request: first the part of
the request (``"body"``, ``"query"``, ``"path"``), then the path inside it, a key of a JSON object
as a string and a position in a list as an integer, counted from 0 (``["body", "outcomes", 1,
"target"]``). It never holds the name a view gives its body in Python. A problem with the body
as a whole has ``loc`` ``["body"]``. The same shape comes from ninja's validation of the types
(``_PlatformAPI.validation_error_from_error_contexts``), from a service's refusal (``refusal``)
and from a query parameter the operation does not declare (``refuse_undeclared_query``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

NON_FIELD = "__all__"


def loc(source: str, path: Iterable[str | int]) -> list[str | int]:
    """``loc`` for a problem at ``path`` (segments, or one dotted string's parts) in ``source``:
    a segment of digits is a position in a list, so an integer."""
    return [source, *(int(p) if isinstance(p, str) and p.isdigit() else p for p in path)]


def refusal(by_field: Mapping[str, Iterable[str]]) -> list[dict[str, Any]]:
    """The entries of a 422 for a service's refusal (Django's ``ValidationError``): one per
    message, the field a dotted path in the body (``outcomes.1.target``)."""
    return [
        {
            "loc": loc("body", [] if field == NON_FIELD else field.split(".")),
            "msg": message,
            "type": "value_error",
        }
        for field, messages in by_field.items()
        for message in messages
    ]


def declared_query(operation) -> frozenset[str]:
    """The query parameters an operation declares (a nested schema's fields, such as
    pagination's ``page`` and ``page_size``, by the names a client sends)."""
    names: set[str] = set()
    for model in operation.models:
        if model.__ninja_param_source__ == "query":
            names.update(model.__ninja_flatten_map__)
    return frozenset(names)


def undeclared_query(names: Iterable[str], accepted: frozenset[str]) -> list[dict[str, Any]]:
    """The entries of a 422 for query parameters not in ``accepted``, each naming the
    parameter and what the operation accepts instead."""
    listed = ", ".join(sorted(accepted)) if accepted else "none"
    return [
        {
            "loc": loc("query", [name]),
            "msg": f"Unknown query parameter '{name}': this operation accepts {listed}",
            "type": "extra_forbidden",
            "ctx": {"accepted": sorted(accepted)},
        }
        for name in sorted(set(names) - accepted)
    ]


def refuse_undeclared_query(run: Callable) -> Callable:
    """Decorates an operation's ``run`` (ninja's "view" mode, applied to every operation of the
    API): a query parameter the operation does not declare is refused with a 422 naming it,
    rather than ignored (``?type=`` for ``org_type`` listed every organisation). A request that
    is not authenticated is still a 401 first: the refusal follows the operation's own checks,
    as ninja's validation of the parameters it declares does."""
    operation = run.__self__
    accepted = declared_query(operation)

    @functools.wraps(run)
    def checked(request, *args, **kwargs):
        problems = undeclared_query(request.GET.keys(), accepted)
        if problems:
            error = operation._run_checks(request)
            if error:
                return error
            return operation.api.on_exception(request, NinjaValidationError(problems))
        return run(request, *args, **kwargs)

    return checked


class PlatformAPI(NinjaAPI):
    """The platform's ``NinjaAPI``: its validation errors have the ``loc`` of every 422."""

    def validation_error_from_error_contexts(self, error_contexts):
        error = super().validation_error_from_error_contexts(error_contexts)
        single_bodies = {
            context.model.__read_from_single_attr__
            for context in error_contexts
            if context.model.__ninja_param_source__ == "body"
            and getattr(context.model, "__read_from_single_attr__", None)
        }
        for entry in error.errors:
            where = list(entry["loc"])
            if where[0] == "body" and len(where) > 1 and where[1] in single_bodies:
                del where[1]  # the view's name for the body: not part of the JSON sent
            entry["loc"] = where
        return error
