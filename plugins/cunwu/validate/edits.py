"""Silent edits: every approved document checked against its git history."""

from __future__ import annotations

from ..history.git import History
from ..history.versions import DocHistory, analyse
from ..load.document import Doc
from ..problems import Problem


def doc_histories(docs: list[Doc], history: History, out: list[Problem]) -> dict[str, DocHistory]:
    """Versions and silent edits of each document (see :mod:`cunwu.history.versions`),
    keyed ``kind:key``; the silent edits go to ``out``."""
    result = {}
    for d in docs:
        dh = analyse(d, history)
        out.extend(dh.problems)
        result[f"{d.kind}:{d.key}"] = dh
    return result
