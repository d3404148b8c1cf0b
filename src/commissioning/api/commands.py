"""Request bodies derived from the services' command types, so that what a command needs is
declared once (in the service's dataclass) and the API says the same: a field added to a
command is a field of its request body, with its type, its default and its bounds
(``RequestBody``). Fields that name an object by its database id in the command are given by
the path or by an ODS code in the API instead (``exclude``)."""

from __future__ import annotations

import dataclasses
import typing

from pydantic import create_model

from .types import RequestBody


def body_for(command: type, name: str, *, exclude: tuple[str, ...] = (), **extra) -> type:
    """A request body with the fields of ``command`` (a dataclass), less ``exclude``, plus
    ``extra`` (name: (type, default)). ``name`` is its name in the OpenAPI document."""
    hints = typing.get_type_hints(command)
    fields: dict[str, tuple] = {}
    for f in dataclasses.fields(command):
        if f.name in exclude:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = ...
        fields[f.name] = (hints[f.name], default)
    fields.update(extra)
    return create_model(name, __base__=RequestBody, __module__=__name__, **fields)


def command_from(body, command: type, **given):
    """The service's command from a request body (nested commands arrive already built), with
    the fields the API gives another way (``given``: ids from the path or from ODS codes)."""
    values = {f.name: getattr(body, f.name) for f in dataclasses.fields(command)
              if f.name not in given and hasattr(body, f.name)}  # fmt: skip
    return command(**values, **given)
