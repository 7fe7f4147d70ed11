"""Silent edits: every approved document checked against its git history."""

from __future__ import annotations

from ..history.git import History
from ..history.manifest import Published
from ..history.versions import DocHistory, analyse
from ..load.document import Doc
from ..problems import Problem


def doc_histories(
    docs: list[Doc], history: History, out: list[Problem], published: Published | None = None
) -> dict[str, DocHistory]:
    """Versions and silent edits of each document (see :mod:`cunwu.history.versions`),
    keyed ``kind:key``; the silent edits go to ``out``. ``published``: the
    record of published stamps (versions.json), when a build has one."""
    result = {}
    for d in docs:
        scope = d.rel.split("/")[1] if d.rel.startswith("villages/") else ""
        dh = analyse(d, history, (published or {}).get((scope, f"{d.kind}:{d.key}")))
        out.extend(dh.problems)
        result[f"{d.kind}:{d.key}"] = dh
    return result
