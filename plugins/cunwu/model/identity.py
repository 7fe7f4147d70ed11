"""One definition of "the same person", shared by validate and the audit.

Two rows are the same person when both carry a linkage key (the keyed hash
of the full ID number, docs/import.md) and the keys are equal; when either
side has no key, when their names are equal and the visible digits of their
masked ID numbers are equal. The first is a strong match, the second a
weaker one (two people can share a name and the last four digits): every
finding says which (:data:`STRENGTH`).
"""

from __future__ import annotations

#: how two rows were matched, in Chinese for the report
STRENGTH = {"linkage": "强（身份证关联码相同）", "name-id": "较弱（姓名和脱敏身份证号可见位相同）"}


def visible(id_masked: str | None) -> str:
    """The visible part of a masked ID number, hidden digits collapsed to one
    ``*``: ``990101********2321`` → ``990101*2321``. "" without a number."""
    if not id_masked:
        return ""
    s = id_masked.strip().upper()
    if "*" not in s:
        return s
    head = s[: s.index("*")]
    tail = s[s.rindex("*") + 1 :]
    return f"{head}*{tail}"


def name_id(name: str, id_masked: str | None) -> str | None:
    """The weaker identity: name plus the masked ID's visible digits (None
    without a masked ID: a name alone identifies nobody)."""
    v = visible(id_masked)
    return f"{name.strip()}|{v}" if v else None
