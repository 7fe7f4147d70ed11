"""Display formats shared by pages, posters and open data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def money(d: Decimal | None) -> str:
    """1234.5 -> "1,234.50" (exact: Decimal formatting, no float)."""
    return "" if d is None else f"{d:,.2f}"


def date_zh(d: dt.date | None) -> str:
    return "" if d is None else f"{d.year}年{d.month}月{d.day}日"


def month_zh(ym: str) -> str:
    """ "2026-10" -> "2026年10月"."""
    y, m = ym.split("-")
    return f"{y}年{int(m)}月"
