"""The canonical content of a disclosure, and its version stamp.

A version stamp is the short hash of a disclosure's *parsed* content (plus a
notice's Markdown body), so re-indenting or reordering keys is no edit. A
poster on a notice board and an auditor's record both cite stamps, and
every published stamp is recomputed from git on each build: a stamp must
never move once published.

The canonical form is therefore frozen. ``canonical_v1.json`` lists, for
every model class that existed when stamps were first published, the
fields the canonical form had then. A field added since is left out while
it holds its default, so adding an optional field (a new column, a new
setting) changes no published stamp; a file that uses the new field gets a
new stamp, as it should, because its content changed. A model class that
is not listed at all is new, and all its fields count. Changing what the
canonical form includes for an existing field, or normalising input that
already published in another form, moves stamps: see docs/history.md for
the rule and the test that holds every stamp of the demo's history to it.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel

STAMP_LEN = 10


@cache
def _v1_fields() -> dict[str, frozenset[str]]:
    text = resources.files("cunwu.model").joinpath("canonical_v1.json").read_text("utf-8")
    return {name: frozenset(fields) for name, fields in json.loads(text)["models"].items()}


def _submodels(annotation: Any) -> list[type[BaseModel]]:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _submodels(a)]


@cache
def _late_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """Fields of ``cls`` added after canonical v1 (none for a class new since)."""
    known = _v1_fields().get(cls.__name__)
    if known is None:
        return ()
    return tuple(name for name in cls.model_fields if name not in known)


@cache
def _needs_pruning(cls: type[BaseModel]) -> bool:
    """True when ``cls`` or a model inside it has a field added after v1."""
    seen: set[type[BaseModel]] = set()

    def walk(c: type[BaseModel]) -> bool:
        if c in seen:
            return False
        seen.add(c)
        if _late_fields(c):
            return True
        return any(walk(sub) for f in c.model_fields.values() for sub in _submodels(f.annotation))

    return walk(cls)


@cache
def _plan(cls: type[BaseModel]) -> tuple[tuple[tuple[str, Any, bool], ...], tuple[str, ...]]:
    """What pruning does for ``cls``, worked out once: its late fields with their
    default (or whether a factory makes it), and the fields that may hold a
    model needing pruning. A roster has hundreds of rows: per row, this is
    two short loops instead of a walk over every field."""
    late = []
    for name in _late_fields(cls):
        info = cls.model_fields[name]
        factory = info.default_factory is not None
        late.append((name, None if factory else info.get_default(), factory))
    children = tuple(
        name
        for name, f in cls.model_fields.items()
        if any(_needs_pruning(sub) for sub in _submodels(f.annotation))
    )
    return tuple(late), children


def _prune(model: BaseModel, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (the JSON dump of ``model``) without late fields at their default."""
    cls = type(model)
    late, children = _plan(cls)
    for name, default, factory in late:
        if factory:
            default = cls.model_fields[name].get_default(call_default_factory=True)
        if getattr(model, name) == default:
            data.pop(name, None)
    for name in children:
        if name not in data:
            continue
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            if _needs_pruning(type(value)):
                _prune(value, data[name])
        elif isinstance(value, (list, tuple)):
            for item, item_data in zip(value, data[name], strict=False):
                if isinstance(item, BaseModel) and _needs_pruning(type(item)):
                    _prune(item, item_data)
    return data


def canonical_data(model: BaseModel) -> dict[str, Any]:
    """The model as JSON-mode data, in its canonical form (see the module docstring)."""
    data = model.model_dump(mode="json")
    if _needs_pruning(type(model)):
        _prune(model, data)
    return data


def canonical_json(model: BaseModel | dict[str, Any]) -> str:
    """Canonical JSON text: re-indenting or reordering keys changes nothing."""
    data = canonical_data(model) if isinstance(model, BaseModel) else model
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(canonical: str, body: str | None) -> str:
    """Hash of the canonical content plus a notice's body (its outer blank space ignored)."""
    h = hashlib.sha256(canonical.encode())
    if body is not None:
        h.update(b"\0" + body.strip().encode())
    return h.hexdigest()


def stamp(model: BaseModel, body: str | None = None) -> str:
    """The version stamp of a parsed disclosure."""
    return content_hash(canonical_json(model), body)[:STAMP_LEN]
