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
    # one comprehension per column: a build pays for this on every village it checks
    for d in bundle.rosters:
        r = d.model
        recs = r.recipients
        n = len(recs)
        text = _lines(root, d, sources)
        ros["line"] += item_lines(text, d.line("recipients"), n, _ROW_KEY)
        ros["rel"] += [d.rel] * n
        ros["program"] += [r.program] * n
        ros["month"] += [month_of(r.period)] * n
        ros["key"] += [x.key for x in recs]
        ros["name"] += [x.name for x in recs]
        ros["group"] += [x.group for x in recs]
        ros["id_masked"] += [x.id_masked for x in recs]
        ros["people"] += [x.people for x in recs]
        ros["area"] += [None if x.area is None else str(x.area) for x in recs]
        ros["amount"] += [str(x.amount) for x in recs]
        ros["end"] += [None if x.end is None else month_of(x.end) for x in recs]
        ros["status"] += [r.status] * n
        ros["url"] += [base_url + d.url_path] * n
    for d in bundle.finance:
        f = d.model
        text = _lines(root, d, sources)
        for kind in ("income", "expense"):
            items = getattr(f, kind)
            n = len(items)
            led["line"] += item_lines(text, d.line(kind), n, _VOUCHER)
            led["rel"] += [d.rel] * n
            led["month"] += [f"{x.date.year}-{x.date.month:02d}" for x in items]
            led["date"] += [x.date.isoformat() for x in items]
            led["voucher"] += [x.voucher for x in items]
            led["kind"] += [kind] * n
            led["account"] += [x.account for x in items]
            led["summary"] += [x.summary for x in items]
            led["amount"] += [str(x.amount) for x in items]
            led["payee"] += [x.payee for x in items]
            led["method"] += [x.method for x in items]
            led["approver"] += [x.approver for x in items]
            led["url"] += [base_url + d.url_path] * n
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
