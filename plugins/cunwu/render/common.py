"""What every page builder shares: the output record and small helpers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..history.info import DocInfo, model_info
from ..kinds import KINDS
from ..load.document import Doc
from ..validate.project import VillageBundle

#: the key of the power list as a whole (its poster, its version)
POWER_LIST = "powers:list"


@dataclass
class Output:
    """One file of a village site: a template page or ready bytes."""

    name: str
    template: str | None = None
    data: dict | None = None
    body: bytes | None = None
    #: source files (relative to the project) the output is made from, for error messages
    sources: tuple[str, ...] = ()
    #: the disclosure a page shows ("finance:2026-10", POWER_LIST), for its poster
    doc: str = ""
    #: the template of the page's notice-board poster, if it may have one
    poster: str = ""


_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def group_order(name: str) -> tuple:
    """Village groups in their natural order: 二组 before 十组, 3组 before 12组."""
    m = re.match(r"(?:第)?([0-9]+|[零一二三四五六七八九十]+)", name)
    if not m:
        return (1, 0, name)
    text = m.group(1)
    if text.isdigit():
        return (0, int(text), name)
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    else:
        value = int("".join(str(_CN_DIGITS[c]) for c in text))
    return (0, value, name)


def doc_month(doc: Doc) -> str:
    """The archive month of a disclosure: its period's last month, or the notice date."""
    return KINDS[doc.kind].month(doc.model)


def signoff_data(signoff: Any) -> dict:
    """The sign-off chain as pages and posters show it."""
    return {
        "handler": signoff.handler,
        "oversight": "、".join(signoff.oversight),
        "approver": signoff.approver,
        "accountant": signoff.accountant or "",
    }


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


def data_key(data: dict) -> str:
    """Canonical JSON of page data, for hashing."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def text(v: Any) -> str:
    """A value as open-data text ("" for none)."""
    return "" if v is None else str(v)
