"""What ``cunwu audit`` needs of a village, kept by the build (issue 18).

A build has just loaded and validated every village; the audit runs over the
whole township right after it. So a village's task also writes the rows the
audit joins, as plain columns, to ``build/.cache/audit/<village>.pickle``,
with the hash of each source file they came from: the audit uses a village's
facts only while those files are unchanged, and loads the village itself
otherwise (docs/audit.md). Nothing here is published; the rows are the
rosters and ledgers as the site shows them (masked IDs only).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from ..load.document import Doc
from ..validate.project import VillageBundle

FACTS_VERSION = 2
_ROW_KEY = re.compile(r"(?:^|[\s{,-])key\s*:")
_VOUCHER = re.compile(r"(?:^|[\s{,-])voucher\s*:")


def facts_path(cache: Path, vid: str) -> Path:
    return cache / "audit" / f"{vid}.pickle"


def file_sha(path: Path) -> str:
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def file_stat(path: Path) -> tuple[int, int]:
    """(size, mtime in ns): the quick check before a hash."""
    try:
        st = path.stat()
    except OSError:
        return (-1, 0)
    return (st.st_size, st.st_mtime_ns)


def month_of(period: Any) -> str:
    """The month a period is paid in: a month itself, a quarter's last month."""
    return f"{period.year}-{period.last_month:02d}"


def item_lines(text_lines: list[str], start: int, count: int, pattern: re.Pattern) -> list[int]:
    """Line numbers (1-based) of the ``count`` items of a list starting at line
    ``start``: the n-th line after it carrying the field every item has once
    (``key:`` of a roster row, ``voucher:`` of a ledger line). Falls back to
    ``start`` for items it cannot place."""
    out: list[int] = []
    for i in range(start, len(text_lines)):
        line = text_lines[i]
        if i > start and line[:1] not in (" ", "\t", "-", "#", "") and line.strip():
            break  # the next top-level key
        if pattern.search(line.split("#", 1)[0]):
            out.append(i + 1)
            if len(out) == count:
                break
    return out + [start] * (count - len(out))


def village_facts(root: Path, base_url: str, bundle: VillageBundle) -> dict[str, Any]:
    """The columns the audit joins, for one village."""
    v = bundle.village
    sources = {bundle.village_doc.rel: file_sha(root / bundle.village_doc.rel)}
    ros: dict[str, list] = {
        k: []
        for k in (
            [
                "rel",
                "line",
                "program",
                "month",
                "key",
                "name",
                "group",
                "id_masked",
                "people",
                "area",
                "amount",
                "end",
                "status",
                "url",
            ]
        )
    }
    led: dict[str, list] = {
        k: []
        for k in [
            "rel",
            "line",
            "month",
            "date",
            "voucher",
            "kind",
            "account",
            "summary",
            "amount",
            "payee",
            "method",
            "approver",
            "url",
        ]
    }
    for d in bundle.rosters:
        r = d.model
        text = _lines(root, d, sources)
        lines = item_lines(text, d.line("recipients"), len(r.recipients), _ROW_KEY)
        month = month_of(r.period)
        for rec, ln in zip(r.recipients, lines, strict=True):
            ros["rel"].append(d.rel)
            ros["line"].append(ln)
            ros["program"].append(r.program)
            ros["month"].append(month)
            ros["key"].append(rec.key)
            ros["name"].append(rec.name)
            ros["group"].append(rec.group)
            ros["id_masked"].append(rec.id_masked)
            ros["people"].append(rec.people)
            ros["area"].append(None if rec.area is None else str(rec.area))
            ros["amount"].append(str(rec.amount))
            ros["end"].append(None if rec.end is None else month_of(rec.end))
            ros["status"].append(r.status)
            ros["url"].append(base_url + d.url_path)
    for d in bundle.finance:
        f = d.model
        text = _lines(root, d, sources)
        for kind in ("income", "expense"):
            items = getattr(f, kind)
            lines = item_lines(text, d.line(kind), len(items), _VOUCHER)
            for x, ln in zip(items, lines, strict=True):
                led["rel"].append(d.rel)
                led["line"].append(ln)
                led["month"].append(f"{x.date.year}-{x.date.month:02d}")
                led["date"].append(x.date.isoformat())
                led["voucher"].append(x.voucher)
                led["kind"].append(kind)
                led["account"].append(x.account)
                led["summary"].append(x.summary)
                led["amount"].append(str(x.amount))
                led["payee"].append(x.payee)
                led["method"].append(x.method)
                led["approver"].append(x.approver)
                led["url"].append(base_url + d.url_path)
    return {
        "version": FACTS_VERSION,
        "vid": bundle.id,
        "name": v.name,
        "base_url": base_url,
        "cadres": sorted({c.name for c in v.contacts if c.name}),
        "cadres_line": bundle.village_doc.line("contacts"),
        "village_rel": bundle.village_doc.rel,
        "sources": sources,
        "stats": {rel: file_stat(root / rel) for rel in sources},
        "rosters": ros,
        "ledgers": led,
    }


def _lines(root: Path, d: Doc, sources: dict[str, str]) -> list[str]:
    path = root / d.rel
    data = path.read_bytes()
    sources[d.rel] = hashlib.sha1(data).hexdigest()
    return data.decode("utf-8", "replace").splitlines()
