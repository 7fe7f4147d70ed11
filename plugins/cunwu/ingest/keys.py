"""Stable row keys: the same person keeps the same key from roster to roster.

History and ``cunwu diff`` tell who was added, dropped or changed by the
row key, so a re-imported roster must give each person the key they had.
A row is matched against every earlier roster of the village (every
program, every period, so someone returning after a gap gets their old key
back) and against the village's sidecar, in this order:

1. the 户号 column (the household number, stable across programs), through
   the sidecar or an earlier key equal to it;
2. the linkage key (the keyed hash of the full ID number, sidecar);
3. name plus masked ID number, from the committed rosters (without an ID
   column: name plus village group).

The first rule that finds exactly one key decides; one that finds two is an
error (``key-ambiguous``). Nobody matched gets the next number above the
highest key the village ever used, in the style of its keys (``DS-0042``):
keys are never reused.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_KEY = re.compile(r"^(.*?)([0-9]+)$")


@dataclass
class Known:
    """What earlier rosters and the sidecar say about existing keys."""

    by_household: dict[str, set[str]] = field(default_factory=dict)
    by_link: dict[str, set[str]] = field(default_factory=dict)
    by_name_id: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    by_name_group: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def add_recipient(self, key: str, name: str, group: str, id_masked: str | None) -> None:
        self.used.add(key)
        if id_masked:
            self.by_name_id.setdefault((name, id_masked.upper()), set()).add(key)
        self.by_name_group.setdefault((name, group), set()).add(key)

    def add_sidecar(self, rows: dict) -> None:
        for key, info in rows.items():
            if not isinstance(info, dict):
                continue
            self.used.add(key)
            if info.get("household"):
                self.by_household.setdefault(str(info["household"]), set()).add(key)
            if info.get("linkage_key"):
                self.by_link.setdefault(str(info["linkage_key"]), set()).add(key)


@dataclass
class Person:
    """One sheet row, as the matching sees it."""

    name: str
    group: str
    id_masked: str | None
    link: str | None
    household: str | None


@dataclass
class Match:
    key: str | None = None
    how: str = ""  # household | linkage | name-id | name-group | new
    ambiguous: list[str] = field(default_factory=list)
    rule: str = ""


def match(p: Person, known: Known, has_id_column: bool) -> Match:
    if p.household:
        cands = set(known.by_household.get(p.household, set()))
        if p.household in known.used:
            cands.add(p.household)
        if len(cands) == 1:
            return Match(cands.pop(), "household")
        if len(cands) > 1:
            return Match(None, "", sorted(cands), "户号")
    if p.link:
        cands = known.by_link.get(p.link, set())
        if len(cands) == 1:
            return Match(next(iter(cands)), "linkage")
        if len(cands) > 1:
            return Match(None, "", sorted(cands), "身份证关联码")
    if p.id_masked:
        cands = known.by_name_id.get((p.name, p.id_masked.upper()), set())
        if len(cands) == 1:
            return Match(next(iter(cands)), "name-id")
        if len(cands) > 1:
            return Match(None, "", sorted(cands), "姓名和脱敏身份证号")
    elif not has_id_column:
        cands = known.by_name_group.get((p.name, p.group), set())
        if len(cands) == 1:
            return Match(next(iter(cands)), "name-group")
        if len(cands) > 1:
            return Match(None, "", sorted(cands), "姓名和组别")
    return Match(None, "new")


def key_style(used: set[str], village: str) -> tuple[str, int, int]:
    """(prefix, digits, highest number used) of the village's keys: the most
    common prefix among keys that end in digits."""
    parsed = [(m[1], m[2]) for m in (_KEY.match(k) for k in used) if m]
    if not parsed:
        return f"{village.upper()}-", 4, 0
    prefix = Counter(p for p, _ in parsed).most_common(1)[0][0]
    nums = [d for p, d in parsed if p == prefix]
    width = max(len(d) for d in nums)
    return prefix, width, max(int(d) for d in nums)


def new_keys(count: int, used: set[str], village: str) -> list[str]:
    prefix, width, top = key_style(used, village)
    out: list[str] = []
    n = top
    while len(out) < count:
        n += 1
        key = f"{prefix}{n:0{width}d}"
        if key not in used:
            out.append(key)
    return out
