"""Detect personal numbers in text: ID numbers, bank cards, private mobiles.

The same detector guards the sources (``cunwu validate``), the staged content
(the pre-commit hook) and everything a build writes, so the three can never
disagree about what a leak is.

What counts, from the domain rules:

* a mainland ID number: 18 characters whose check character is right under
  ISO 7064 MOD 11-2 and whose birth date exists, or an old 15-digit number
  with a real birth date; typed with a lowercase x, full-width digits or
  spaces inside;
* a bank card: 16-19 digits passing the Luhn check;
* a private mobile number: 11 digits ``1[3-9]xxxxxxxxx`` (also ``+86``,
  spaces or hyphens inside) that is not declared as an official contact.

Matching is on digit boundaries, so a 12-digit village code, a date or a
money amount is never taken for a phone. Messages only ever show a masked
form of what was found: a report pasted into a chat must not leak again.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

_FULLWIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "x", "\u3000": " ", "\xa0": " "}
)
_NEEDS_TRANSLATION = re.compile("[\uff10-\uff19\uff38\uff58\u3000\xa0]")
# digits with single spaces between them; an ID may end in X
# (at least 11 digits: the shortest personal number; the regex engine, not
# Python, skips the many short numbers of a page).
# Both patterns start with a character class, not with their lookbehind: re
# then skips ahead to candidate characters in C, instead of trying a match at
# every position of the text (a 2x and a 25x speed-up on built pages).
_RUN = re.compile(r"[0-9](?<![0-9.][0-9])(?: ?[0-9]){10,}(?: ?[Xx])?(?![0-9])(?!\.[0-9])")
# mobiles typed with hyphens: 138-1234-5678, 138 1234 5678 is covered by _RUN
_MOBILE_HYPHEN = re.compile(r"1(?<![0-9.\-]1)[3-9][0-9]-?[0-9]{4}-?[0-9]{4}(?![0-9\-])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Finding:
    kind: str  # "id" | "card" | "mobile"
    start: int  # offset in the scanned text
    masked: str
    end: int = 0  # offset just past the number

    @property
    def code(self) -> str:
        return {"id": "id-number-leak", "card": "bank-card-leak", "mobile": "mobile-leak"}[self.kind]

    @property
    def label(self) -> str:
        return {"id": "完整身份证号", "card": "银行卡号", "mobile": "私人手机号"}[self.kind]


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _birth_ok(y: int, m: int, d: int) -> bool:
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return False
    return dt.date(1890, 1, 1) <= day <= dt.date(2100, 1, 1)


def is_id18(s: str) -> bool:
    s = s.upper()
    if not re.fullmatch(r"[1-9][0-9]{16}[0-9X]", s):
        return False
    if not _birth_ok(int(s[6:10]), int(s[10:12]), int(s[12:14])):
        return False
    return id_check_char(s[:17]) == s[17]


def is_id15(s: str) -> bool:
    if not re.fullmatch(r"[1-9][0-9]{14}", s):
        return False
    return _birth_ok(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))


def luhn_ok(s: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_mobile(s: str) -> bool:
    return bool(re.fullmatch(r"1[3-9][0-9]{9}", s))


def digits_of(number: str) -> str:
    return re.sub(r"[^0-9]", "", number.translate(_FULLWIDTH))


def _mask(kind: str, s: str) -> str:
    if kind == "id":
        return s[:6] + "*" * (len(s) - 10) + s[-4:]
    if kind == "card":
        return s[:4] + "*" * (len(s) - 8) + s[-4:]
    return s[:3] + "****" + s[-4:]


def _classify(d: str, allowed: frozenset[str]) -> tuple[str, str] | None:
    """(kind, the number itself) if ``d`` is a personal number."""
    if len(d) == 18 and is_id18(d):
        return "id", d
    if len(d) == 15 and is_id15(d):
        return "id", d
    if 16 <= len(d) <= 19 and d.isdigit() and luhn_ok(d):
        return "card", d
    for prefix in ("", "86", "0086"):
        rest = d[len(prefix) :]
        if d.startswith(prefix) and len(rest) == 11 and is_mobile(rest):
            return None if rest in allowed else ("mobile", rest)
    return None


def scan(text: str, allowed: Iterable[str] = ()) -> list[Finding]:
    """Every personal number in ``text``; ``allowed`` are official numbers (any format)."""
    allowed_digits = frozenset(d[-11:] for d in (digits_of(a) for a in allowed) if len(d) >= 11)
    # translate() costs a pass over the text: only when there is something to translate
    norm = text.translate(_FULLWIDTH) if _NEEDS_TRANSLATION.search(text) else text
    found: dict[int, Finding] = {}
    for m in _RUN.finditer(norm):
        run = m.group()
        if len(run) < 11 or sum(c.isdigit() for c in run) < 10:
            continue  # too short to hold any personal number: most numbers on a page
        # a run may join a number to its neighbours by single spaces ("3 138...");
        # try every span of space-separated groups, longest first
        groups = [(g.start() + m.start(), g.group().upper()) for g in re.finditer(r"[0-9Xx]+", m.group())]
        taken: set[int] = set()
        spans = sorted(
            ((i, j) for i in range(len(groups)) for j in range(i, len(groups))),
            key=lambda ij: (ij[0] - ij[1], ij[0]),
        )
        for i, j in spans:
            if taken & set(range(i, j + 1)):
                continue
            d = "".join(g for _, g in groups[i : j + 1])
            if "X" in d[:-1] or len(d) < 11:
                continue
            hit = _classify(d, allowed_digits)
            if hit:
                start = groups[i][0]
                end = groups[j][0] + len(groups[j][1])
                found[start] = Finding(hit[0], start, _mask(*hit), end)
                taken |= set(range(i, j + 1))
    for m in _MOBILE_HYPHEN.finditer(norm):
        if "-" not in m.group():
            continue  # plain runs were handled above
        d = m.group().replace("-", "")
        if d not in allowed_digits:
            found.setdefault(m.start(), Finding("mobile", m.start(), _mask("mobile", d), m.end()))
    return sorted(found.values(), key=lambda f: f.start)


def redact(text: str) -> str:
    """``text`` with every personal number replaced by its masked form.

    For messages that quote what a cadre typed (``实际为 “...”``): a report
    pasted into a chat must not leak the number it warns about.
    """
    out, pos = [], 0
    for f in scan(text):
        if f.start >= pos:
            out += [text[pos : f.start], f.masked]
            pos = f.end
    return "".join(out) + text[pos:]


def scan_lines(text: str, allowed: Iterable[str] = ()) -> list[tuple[int, Finding]]:
    """(1-based line, finding) for every personal number in ``text``."""
    out = []
    for f in scan(text, allowed):
        out.append((text.count("\n", 0, f.start) + 1, f))
    return out


def scan_markup(text: str, allowed: Iterable[str] = ()) -> list[Finding]:
    """Scan HTML/XML output: numbers may hide behind entities (``&#49;``).

    Unescaping only turns entities into the characters a reader sees, so the
    unescaped text holds every number the raw text holds. A tag is not a digit
    or a space, so it ends a number, as it ends it on screen."""
    return scan(html.unescape(text) if "&" in text else text, allowed)


def mask_pattern(style: str) -> re.Pattern:
    """The shape a masked ID must have under the configured style."""
    if style == "3-3":
        return re.compile(r"[0-9]{3}\*{12}[0-9]{2}[0-9X]|[0-9]{3}\*{9}[0-9]{3}")
    return re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]|[0-9]{6}\*{5}[0-9]{4}")


def mask_id(full: str, style: str = "6-4") -> str:
    """Mask a full ID number in the configured style (for tools that import rosters)."""
    s = full.translate(_FULLWIDTH).replace(" ", "").upper()
    keep_head, keep_tail = (3, 3) if style == "3-3" else (6, 4)
    return s[:keep_head] + "*" * (len(s) - keep_head - keep_tail) + s[-keep_tail:]
