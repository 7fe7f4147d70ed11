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

Characters that show nothing (a zero-width space, a soft hyphen, a
direction mark; ``&shy;`` or ``&#8203;`` in a page) may sit inside a
number: a number split by them reads as one number on screen and on paper.

Matching is on digit boundaries, so a 12-digit village code, a date or a
money amount is never taken for a phone. Messages only ever show a masked
form of what was found: a report pasted into a chat must not leak again.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

_FULLWIDTH = str.maketrans(
    {**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "x", "\u3000": " ", "\xa0": " "}
)
_NEEDS_TRANSLATION = re.compile("[\uff10-\uff19\uff38\uff58\u3000\xa0]")
# digits with single spaces between them; an ID may end in X
# (at least 11 digits: the shortest personal number; the regex engine, not
# Python, skips the many short numbers of a page)
# (a number right after "No." or "电话." starts there; only a decimal's digits
# after "0." belong to the number before them)
# (characters without a glyph may sit anywhere in it; one space at most between
# two digits: "[INV]*(?: [INV]*)?" cannot match the same text two ways, so a long
# run of invisible characters costs no backtracking)
_INV = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_GAP = f"[{_INV}]*(?: [{_INV}]*)?"
_RUN = re.compile(
    rf"[0-9](?<![0-9][0-9])(?<![0-9]\.[0-9])(?:{_GAP}[0-9]){{10,}}(?:{_GAP}[Xx])?(?![0-9])(?!\.[0-9])"
)
#: the most digits a personal number has: a bank card (19); "0086" and a mobile is 15
_LONGEST = 19
# mobiles typed with hyphens: 138-1234-5678, +86-138-1234-5678 (138 1234 5678 is
# covered by _RUN); a hyphen before is part of a longer code, unless after "86"
_MOBILE_HYPHEN = re.compile(
    r"1(?<![0-9]1)(?<![0-9]\.1)(?:(?<=86-1)|(?<![0-9]-1))[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?![0-9])(?!-[0-9])"
)
# ID and card numbers typed in hyphenated groups: 990101-19800101-1236,
# 6222-0299-0101-0007(-123). Only these group shapes: dates, periods,
# vouchers and landlines are hyphenated digits too.
_HYPHEN_GROUPS = re.compile(
    r"[0-9](?<![0-9][0-9])(?<![0-9][.\-][0-9])"
    r"(?:(?<=[1-9])[0-9]{5}-[0-9]{8}-[0-9]{3}[0-9Xx]|[0-9]{3}(?:-[0-9]{4}){3}(?:-[0-9]{1,3})?)"
    r"(?![0-9])(?!-[0-9])"
)
# Every pattern starts with a character, its lookbehinds after it: re then skips
# ahead in C to a candidate character instead of trying a match at every
# position of the text (2x to 25x faster over built pages).
#: a linkage key (cunwu.ingest.linkage): a keyed hash of a full ID number.
#: With the 6-4 mask the hidden digits are only a birth date, so a leaked key
#: plus a leaked secret gives the number back: it belongs in the git-ignored
#: sidecar only, and anywhere else it is a leak
LINK_KEY = re.compile(r"cwlk-(?<![0-9a-z]cwlk-)[a-z2-7]{26}(?![0-9a-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Finding:
    kind: str  # "id" | "card" | "mobile" | "link"
    start: int  # offset in the scanned text
    masked: str
    end: int = 0  # offset just past the number

    @property
    def code(self) -> str:
        return {
            "id": "id-number-leak",
            "card": "bank-card-leak",
            "mobile": "mobile-leak",
            "link": "linkage-key-leak",
        }[self.kind]

    @property
    def label(self) -> str:
        return {"id": "完整身份证号", "card": "银行卡号", "mobile": "私人手机号", "link": "身份证关联码"}[
            self.kind
        ]


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


def _short_spans(groups: list[tuple[int, str]], i: int) -> Iterator[int]:
    """The last groups ``j`` that, joined from group ``i``, are no longer than a personal number."""
    length = 0
    for j in range(i, len(groups)):
        length += len(groups[j][1])
        if length > _LONGEST:
            return
        yield j


@lru_cache(maxsize=64)
def _allowed_digits(allowed: tuple[str, ...]) -> frozenset[str]:
    return frozenset(d[-11:] for d in (digits_of(a) for a in allowed) if len(d) >= 11)


def scan(text: str, allowed: Iterable[str] = ()) -> list[Finding]:
    """Every personal number in ``text``; ``allowed`` are official numbers (any format)."""
    if len(text) < 11:  # shorter than the shortest personal number (most YAML values)
        return []
    found: dict[int, Finding] = {}
    if "cwlk-" in text:
        for m in LINK_KEY.finditer(text):
            found[m.start()] = Finding("link", m.start(), m.group()[:9] + "…", m.end())
    allowed_digits = _allowed_digits(tuple(allowed))
    # translate() costs a pass over the text: only when there is something to translate
    norm = text.translate(_FULLWIDTH) if _NEEDS_TRANSLATION.search(text) else text
    for m in _RUN.finditer(norm):
        run = m.group()
        if len(run) < 11 or sum(c.isdigit() for c in run) < 10:
            continue  # too short to hold any personal number: most numbers on a page
        # a run may join a number to its neighbours by single spaces ("3 138...");
        # try every span of space-separated groups, longest first
        groups = [(g.start() + m.start(), g.group().upper()) for g in re.finditer(r"[0-9Xx]+", m.group())]
        taken: set[int] = set()
        # only spans short enough to be one number: a long run ("1 2 3 ... 300",
        # a row of figures) is not tried in every one of its n² spans
        spans = sorted(
            ((i, j) for i in range(len(groups)) for j in _short_spans(groups, i)),
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
        d = m.group().replace("-", "").replace(" ", "")
        if d not in allowed_digits:
            found.setdefault(m.start(), Finding("mobile", m.start(), _mask("mobile", d), m.end()))
    if "-" in norm:
        for m in _HYPHEN_GROUPS.finditer(norm):
            hit = _classify(m.group().replace("-", "").upper(), allowed_digits)
            if hit and hit[0] != "mobile":
                found.setdefault(m.start(), Finding(hit[0], m.start(), _mask(*hit), m.end()))
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


#: elements that do not break a line: a number split by them reads as one on screen
_INLINE = (
    "a|abbr|b|bdi|bdo|big|cite|code|data|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|small|span"
    "|strike|strong|sub|sup|time|tspan|tt|u|var|wbr"
)
_INVISIBLE = re.compile(rf"<!--.*?(?:-->|$)|</?(?:{_INLINE})(?:[\s/][^<>]*)?>", re.I | re.S)
# a digit (or an entity) on both sides of inline tags or comments: only then
# can taking them out join two parts of a number (the pattern starts at the
# "<", its left side looked behind, so re skips ahead to tags in C)
_JOINED = re.compile(
    rf"<(?:(?<=[0-9Xx;]<)|(?<=[0-9Xx;] <))(?:!--.*?-->|/?(?:{_INLINE})(?:[\s/][^<>]*)?>)"
    rf"(?: ?(?:<!--.*?-->|</?(?:{_INLINE})(?:[\s/][^<>]*)?>))* ?[0-9&]",
    re.I | re.S,
)


def visible_text(markup: str) -> str:
    """What a reader of ``markup`` sees: inline tags and comments gone (so
    ``990101<b>19800101</b>1236`` is one number again), entities decoded."""
    if "<" in markup:
        markup = _INVISIBLE.sub("", markup)
    return html.unescape(markup) if "&" in markup else markup


def scan_markup(text: str, allowed: Iterable[str] = ()) -> list[Finding]:
    """Scan HTML/XML output: numbers may hide behind entities (``&#49;``) or be
    split by inline tags (``<b>``, a Markdown ``**``) that a reader does not see.

    The unescaped text holds every number the raw text holds, comments
    included (they are published too); a tag there ends a number. Where inline
    tags or comments sit between digits, the visible text is scanned as well."""
    found = scan(html.unescape(text) if "&" in text else text, allowed)
    if "<" in text and _JOINED.search(text):
        seen = {(f.kind, f.masked) for f in found}
        found += [f for f in scan(visible_text(text), allowed) if (f.kind, f.masked) not in seen]
    return found


MARKDOWN_SUFFIXES = {".md", ".markdown"}
# Markdown that renders as nothing between two digits: emphasis, code spans,
# strike-through, backslash escapes; a link or an image shows its text
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"[*_~`]|\\(?=[!-/:-@\[-`{-~])")
_MD_HINT = re.compile(r"[&<*_~`\[\\]")


def markdown_visible(line: str) -> str:
    """One Markdown line as a reader sees it, near enough to find numbers:
    ``990101**1980**01011236`` or ``&#57;90101...`` reads as one number."""
    return _MD_MARKS.sub("", visible_text(_MD_LINK.sub(r"\1", line)))


def scan_markdown_lines(text: str, allowed: Iterable[str] = ()) -> list[tuple[int, Finding]]:
    """(1-based line, finding) for numbers a Markdown file shows its reader but
    does not spell out: behind entities, split by markup, or wrapped over two
    lines of a paragraph (which a browser joins with a space). Only what
    :func:`scan_lines` cannot see is worth the cost, so only lines with markup
    or a digit at a line end are looked at."""
    out = []
    lines = text.split("\n")
    shown = [markdown_visible(ln) if _MD_HINT.search(ln) else ln for ln in lines]
    for i, (raw, seen) in enumerate(zip(lines, shown, strict=True)):
        if seen != raw:
            out += [(i + 1, f) for f in scan(seen, allowed)]
        tail = seen.rstrip()
        head = shown[i + 1].lstrip() if i + 1 < len(lines) else ""
        if tail[-1:].isdigit() and head[:1].isdigit():
            # a number wrapped over two lines; a card number is not looked for
            # there (one in ten random digit strings passes the Luhn check)
            out += [
                (i + 1, f)
                for f in scan(f"{tail} {head}", allowed)
                if f.start < len(tail) < f.end and f.kind != "card"
            ]
    return out


#: the demo township's folder of fictional registers for ``cunwu audit``: an
#: ID number there is allowed only with the demo's fictional prefix
FICTIONAL_FOLDER = "demo-registers/"
FICTIONAL_PREFIX = "990101"


def fictional(rel: str, text: str, f: Finding) -> bool:
    """True for an ID number with the fictional prefix in the demo's register folder."""
    if not rel.startswith(FICTIONAL_FOLDER) or f.kind != "id":
        return False
    digits = re.sub(r"[^0-9Xx]", "", text[f.start : f.end].translate(_FULLWIDTH))
    return digits.startswith(FICTIONAL_PREFIX)


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
