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


def bundle_infos(bundle: VillageBundle, township_histories: dict | None = None) -> dict[str, DocInfo]:
    """DocInfo for every disclosure of a village, keyed ``kind:key``: from its
    git history when validation worked it out, else from the model alone."""
    histories = {**(township_histories or {}), **bundle.histories}
    out = {}
    for d in bundle.disclosures():
        key = f"{d.kind}:{d.key}"
        dh = histories.get(key)
        out[key] = dh.info if dh is not None else model_info(d)
    return out
