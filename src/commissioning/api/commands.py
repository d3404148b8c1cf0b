"""Request bodies derived from the services' command types, so that what a command needs is
declared once (in the service's dataclass) and the API says the same: a field added to a
command is a field of its request body, with its type, its default and its bounds
(``RequestBody``); a command inside a command (a specification's outcomes) is a body inside
the body. Fields that name an object by its database id in the command are given by the path
or by an ODS code in the API instead (``exclude``)."""

from __future__ import annotations

import collections.abc
import dataclasses
import typing

from pydantic import BaseModel, Field, create_model

from .types import RequestBody

_BODIES: dict[type, type[BaseModel]] = {}  # a nested command's body, made once
_COMMANDS: dict[type[BaseModel], type] = {}  # the command each derived body builds

_SEQUENCES = (tuple, list, collections.abc.Sequence)


def _nested_name(command: type) -> str:
    name = command.__name__
    return name.removesuffix("Input") + "In" if name.endswith("Input") else name + "In"


def _api_type(hint):
    """The body's type for a command field's type: a nested command becomes its body; a
    sequence of commands a list of bodies."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if hint not in _BODIES:
            _BODIES[hint] = body_for(hint, _nested_name(hint))
        return _BODIES[hint]
    args = typing.get_args(hint)
    if typing.get_origin(hint) in _SEQUENCES and args and dataclasses.is_dataclass(args[0]):
        return list[_api_type(args[0])]  # type: ignore[misc]
    return hint


def body_for(
    command: type,
    name: str,
    *,
    exclude: tuple[str, ...] = (),
    describe: typing.Mapping[str, str] | None = None,
    **extra,
) -> type[BaseModel]:
    """A request body with the fields of ``command`` (a dataclass), less ``exclude``, plus
    ``extra`` (name: (type, default)); ``describe`` gives a field its description in the
    OpenAPI document. ``name`` is the body's name there."""
    hints = typing.get_type_hints(command)
    describe = describe or {}
    fields: dict[str, typing.Any] = {}
    for f in dataclasses.fields(command):  # type: ignore[arg-type]
        if f.name in exclude:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = ...
        kind = _api_type(hints[f.name])
        if isinstance(default, tuple) and typing.get_origin(kind) is list:
            default = list(default)
        if f.name in describe:
            default = Field(default, description=describe[f.name])
        fields[f.name] = (kind, default)
    fields.update(extra)
    body = create_model(name, __base__=RequestBody, __module__=__name__, **fields)
    _COMMANDS[body] = command
    return body


def body_of(command: type) -> type[BaseModel]:
    """The body of a command that is also nested in another (an outcome, alone or in a
    specification): one body of one name, ``OutcomeInput`` → ``OutcomeIn``."""
    return _api_type(command)


def _value(value):
    if isinstance(value, BaseModel) and type(value) in _COMMANDS:
        return command_from(value, _COMMANDS[type(value)])
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return tuple(_value(v) for v in value)
    return value


def command_from(body, command: type, **given):
    """The service's command from a request body (nested bodies become nested commands), with
    the fields the API gives another way (``given``: ids from the path or from ODS codes)."""
    values = {f.name: _value(getattr(body, f.name)) for f in dataclasses.fields(command)
              if f.name not in given and hasattr(body, f.name)}  # fmt: skip
    return command(**values, **given)
