"""Per-disclosure facts derived from the model and, when available, git history."""

from __future__ import annotations

from ..render.village import DocInfo
from ..validate.project import Doc, VillageBundle

STAMP_LEN = 10


def stamp_of(doc: Doc) -> str:
    """The version stamp: a short hash of the parsed content (not the bytes)."""
    return doc.content_hash[:STAMP_LEN]


def model_info(doc: Doc) -> DocInfo:
    m = doc.model
    last = m.last_changed
    return DocInfo(
        stamp=stamp_of(doc),
        version_date=last.isoformat() if last else "",
        first_published=m.approved_on.isoformat() if m.approved_on else "",
        last_changed=last.isoformat() if last else "",
        versions=[{"stamp": stamp_of(doc), "date": last.isoformat() if last else ""}],
    )


def bundle_infos(bundle: VillageBundle, history=None) -> dict[str, DocInfo]:
    """DocInfo for every disclosure of a village, keyed ``kind:key``."""
    return {f"{d.kind}:{d.key}": model_info(d) for d in bundle.disclosures()}
