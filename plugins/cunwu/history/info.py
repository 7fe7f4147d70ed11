"""Per-disclosure facts derived from the model and, when available, git history."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..load.document import Doc
from ..model.canonical import STAMP_LEN


@dataclass
class DocInfo:
    """Build facts about one disclosure that are not in its source file."""

    stamp: str
    version_date: str  # ISO date of this version (approval or last correction)
    first_published: str = ""
    last_changed: str = ""
    versions: list[dict] = field(default_factory=list)  # published versions, oldest first
    poster: str = ""  # file name of the poster inside the disclosure folder, if any
    history_note: str = ""  # what history could not show, if anything


def stamp_of(doc: Doc) -> str:
    """The version stamp: a short hash of the parsed content (not the bytes)."""
    return doc.stamp


def model_info(doc: Doc, published: set[str] | None = None) -> DocInfo:
    """What the model alone says: its stamp (the one it was published with,
    if ``published`` names the stamp it had as typed) and its dates."""
    m = doc.model
    last = m.last_changed
    stamp = doc.legacy if doc.legacy and published and doc.legacy in published else stamp_of(doc)
    return DocInfo(
        stamp=stamp,
        version_date=last.isoformat() if last else "",
        first_published=m.approved_on.isoformat() if m.approved_on else "",
        last_changed=last.isoformat() if last else "",
        versions=[{"stamp": stamp, "date": last.isoformat() if last else ""}],
    )


__all__ = ["STAMP_LEN", "DocInfo", "model_info", "stamp_of"]
