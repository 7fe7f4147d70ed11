"""The disclosure calendar (公开日历) in ``cunwu.yaml``: what every village owes, by when.

Recurring items (finance, each roster, 党务 notices, the budget, the year-end
accounts) are due on a day after their period; event items (the steps of a
works project, the notice of an asset lease) are due a number of days after
what triggered them. Exemptions are the township's call, dated and with a reason.
"""

from __future__ import annotations

import calendar as _calendar
import re
from typing import Literal

from pydantic import Field, field_validator

from .base import Model
from .types import Date, Int, Slug, Text

#: the fixed list of notice topics (专项类型), so that items can be counted
NOTICE_TOPICS = (
    "党员发展",
    "党费收缴",
    "组织生活",
    "决议公开",
    "招投标",
    "中标结果",
    "合同公开",
    "工程验收",
    "资产租赁",
    "资产处置",
    "土地征收补偿",
    "惠民资金",
    "其他",
)

#: the steps of a works project under 四议两公开, in order
PROJECT_STEPS = ("resolution", "tender", "award", "contract", "acceptance")
STEP_ZH = {
    "resolution": "决议公开",
    "tender": "招标公告",
    "award": "中标结果公示",
    "contract": "合同公开",
    "acceptance": "验收结果公示",
    "notice": "租赁（处置）公告",
}


def _due_mmdd(value: str) -> str:
    m = re.fullmatch(r"([0-9]{1,2})-([0-9]{1,2})", value.strip())
    if not m:
        raise ValueError(f"截止日期应写成 月-日，如 03-31；实际为 “{value}”")
    month, day = int(m[1]), int(m[2])
    # a non-leap year: 02-29 does not exist every year
    if not 1 <= month <= 12 or not 1 <= day <= _calendar.monthrange(2025, month)[1]:
        raise ValueError(f"截止日期 {value} 不存在（{month} 月没有 {day} 日）")
    return f"{month:02d}-{day:02d}"


class CalendarItem(Model):
    """One recurring item every village must publish."""

    id: Slug = Field(description="日历项标识，如 finance、dibao、party（用于豁免和统计）")
    kind: Slug = Field(
        description="公开类型：finance 财务、subsidy 补贴名单、notice 公告、budget 预算、yearend 决算"
    )
    title: Text | None = Field(default=None, description="中文名称，如 党务公开；不填则按类型命名")
    every: Literal["cadence", "month", "quarter", "year"] = Field(
        default="cadence",
        description="周期：cadence 按村的财务公开周期；month 每月；quarter 每季度；year 每年",
    )
    program: Slug | None = Field(default=None, description="补贴项目 id（kind 为 subsidy 时），如 dibao")
    months: list[Int] = Field(
        default_factory=list, description="只在这些月份应公示（如发放月份 [3, 6, 9, 12]）；不填为每期"
    )
    category: Literal["党务", "村务", "财务"] | None = Field(
        default=None, description="公告类别（kind 为 notice 时），如 党务"
    )
    topic: Text | None = Field(default=None, description="公告专项类型（kind 为 notice 时）")
    due_day: Int | None = Field(default=None, ge=1, description="期满后次月几号前公开；不填用乡镇的 due_day")
    due: Text | None = Field(
        default=None,
        description="年度项的截止日（月-日）：预算为当年，决算为次年，如 03-31",
    )
    villages: list[Slug] = Field(default_factory=list, description="只对这些村适用；不填为所有村")
    recurring_only: bool = Field(
        default=False,
        description="true：只对在 village.yaml 的 recurring 中列出该项目的村适用",
    )

    @field_validator("due_day")
    @classmethod
    def _due_day(cls, v: int | None) -> int | None:
        if v is not None and v > 28:
            raise ValueError(f"截止日 {v} 日不是每个月都有（2 月只有 28 日），请填 1 到 28")
        return v

    @field_validator("due")
    @classmethod
    def _due(cls, v: str | None) -> str | None:
        return None if v is None else _due_mmdd(v)

    @field_validator("months")
    @classmethod
    def _months(cls, v: list[int]) -> list[int]:
        bad = [m for m in v if not 1 <= m <= 12]
        if bad:
            raise ValueError(f"月份应为 1 到 12，实际有 {bad[0]}")
        return v

    @field_validator("topic")
    @classmethod
    def _topic(cls, v: str | None) -> str | None:
        if v is not None and v not in NOTICE_TOPICS:
            raise ValueError(f"未知的专项类型，可用：{'、'.join(NOTICE_TOPICS)}")
        return v


class Exemption(Model):
    """A village excused from one item (the township's call): dated, with a reason."""

    village: Slug = Field(description="村标识，如 nanpo")
    item: Slug = Field(description="日历项标识（如 party），或 project、asset")
    period: Text | None = Field(
        default=None, description="豁免的期间（如 2026-Q3、2026-10、2026）或事项标识；不填为全部期间"
    )
    date: Date = Field(description="乡镇决定豁免的日期")
    reason: Text = Field(description="豁免原因（公开显示）")


class ProjectDays(Model):
    """Days each step of a works project may take after the step before it."""

    tender: Int = Field(default=30, ge=1, description="决议公开后几天内发布招标公告")
    award: Int = Field(default=30, ge=1, description="招标公告后几天内公示中标结果")
    contract: Int = Field(default=30, ge=1, description="中标结果后几天内公开合同")
    acceptance: Int = Field(default=365, ge=1, description="合同公开后几天内公示验收结果")


class Calendar(Model):
    """``calendar``: the disclosure calendar."""

    migration: Date | None = Field(
        default=None,
        description="启用 Git 计时的日期：此后到期的项目以审核版本提交到 Git 的日期计是否按时；"
        "此前到期的（纸质补录）以 approved_on 为准，并标注“补录”",
    )
    items: list[CalendarItem] = Field(default_factory=list, description="每个村都要按期公开的项目")
    project_days: ProjectDays = Field(
        default_factory=ProjectDays, description="工程项目各步骤的公开时限（天）"
    )
    asset_notice_days: Int = Field(
        default=15, ge=1, description="集体资产租赁、处置在首笔经营收入（50101）或决议后几天内公告"
    )
    exemptions: list[Exemption] = Field(default_factory=list, description="乡镇批准的豁免（须写日期和原因）")
    tolerance_days: Int = Field(default=3, ge=0, description="填写的审核日期与提交日期相差超过几天时并列显示")
