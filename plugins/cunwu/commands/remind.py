"""``cunwu remind``: the digest a township pastes into its cadres' work group."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..render.remind import digest
from .completeness import township_completeness

#: how far back "published since the last digest" looks without --since: a weekly digest
DEFAULT_SINCE_DAYS = 7


def remind(
    root: Path,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    days: int = 7,
    village: str | None = None,
) -> dict[str, Any]:
    """The digest's data on ``as_of`` (default today): due within ``days``, overdue,
    and published on or after ``since`` (default ``as_of`` minus 7 days)."""
    if days < 0:
        raise UsageError(f"--days 不能为负数：{days}")
    as_of = as_of or dt.date.today()
    since = since or as_of - dt.timedelta(days=DEFAULT_SINCE_DAYS)
    if since > as_of:
        raise UsageError(f"--since {since} 晚于统计日期 {as_of}")
    data = township_completeness(root, as_of)
    if village is not None and village not in {v["id"] for v in data["villages"]}:
        known = "、".join(v["id"] for v in data["villages"])
        raise UsageError(f"没有这个村：{village}（本镇的村：{known}）")
    return digest(data, since, days, village)
