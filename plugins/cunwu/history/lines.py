"""Where a change is in the file as it is now: its line and field path.

A :class:`~cunwu.history.diff.Change` names its place as data
(``recipients[key=A-003]``, field ``amount``), never as a line, because two
revisions of a file share no line numbers. To point a cadre at what changed,
the place is looked up in the current document: the row with that identity,
its index in the list, and the line the loader kept for that value.

The loader's lines are not kept with every document (they would add a third
to a validation's memory); a silent edit is rare, so the file is read again
when one is found (:func:`current_lines`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..load.document import Doc, read_file
from ..load.yamlsafe import Located, format_loc
from ..sources import classify
from .diff import Change, where_paths

_BODY_LINE = re.compile(r"body\[line=(\d+)\]")


@dataclass
class FileLines:
    """The lines of one file as it is now: of every value, and where a notice's body starts."""

    located: Located
    body_line: int = 0


def current_lines(root: Path, doc: Doc) -> FileLines | None:
    """The lines of ``doc``'s file, read again from ``root``; None when the
    file cannot be read, or no longer holds the content ``doc`` was read from."""
    loaded = read_file(root, classify(doc.rel), [])
    if loaded is None or loaded.located is None or (doc.sha and loaded.sha != doc.sha):
        return None
    return FileLines(loaded.located, loaded.body_line)


def change_line(lines: FileLines, change: Change, paths: dict[str, tuple]) -> tuple[int, str] | None:
    """(line, field path) of ``change`` in the file, or None when it has no
    place there (a field that was removed, a row that is gone and no list
    left to hold it). ``paths`` is :func:`where_paths` of the file's model."""
    m = _BODY_LINE.fullmatch(change.where)
    if m is not None:
        if not lines.body_line or change.op == "removed":
            return None  # a removed line is no longer in the file
        return lines.body_line + int(m.group(1)) - 1, "body"
    located = lines.located
    where = change.where
    while where and where not in paths:
        # a removed row: point at the list that held it (recipients[key=A-2] -> recipients)
        cut = max(where.rfind("["), where.rfind("."))
        where = where[:cut] if cut > 0 else ""
    if not where:
        return None
    path = paths[where]
    if change.field and where == change.where:
        path = path + (change.field,)
    if where == "flow" and change.field == "start":
        path = ("flow", 0)
    # the nearest part of the path that the file really has: a field left to
    # its default has no line of its own, its row or object has
    while path and path not in located.lines:
        path = path[:-1]
    if not path:
        return None
    return located.lines[path] + located.offset, format_loc(path)


def changed_lines(doc: Doc, lines: FileLines | None, changes: list[Change]) -> list[tuple[int, str]]:
    """Sorted (line, field path) of every change that has a place in ``doc``'s
    file, one per line; correction entries are left out (they are the
    explanation, not the edit)."""
    if doc.model is None or lines is None:
        return []
    paths = where_paths(doc.kind, doc.model)
    found: dict[int, str] = {}
    for c in changes:
        if c.where.startswith("corrections"):
            continue
        at = change_line(lines, c, paths)
        if at is not None and at[0] not in found:
            found[at[0]] = at[1]
    return sorted(found.items())
