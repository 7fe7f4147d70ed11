"""A subsidy or benefit roster (惠民资金公示)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from .base import Disclosure, Model, NoticePeriod
from .finance import SignOff
from .township import Phone
from .types import Int, Money, PeriodField, Quantity, Slug, Text


class Recipient(Model):
    """One row of a roster. ``key`` is the row's stable identity from month to month."""

    key: Text = Field(description="稳定的行标识（如户号），每月保持不变，用于比对修改")
    name: Text = Field(description="姓名（户主）")
    group: Text = Field(description="村民小组，如 三组")
    id_masked: Text | None = Field(
        default=None, description="脱敏身份证号，如 330102********1234（绝不能填完整号码）"
    )
    people: Int | None = Field(default=None, ge=1, description="保障人数")
    area: Quantity | None = Field(default=None, description="面积（亩）")
    rate: Quantity | None = Field(default=None, description="本行标准（覆盖名单标准）")
    category: Text | None = Field(default=None, description="类别，如 一级、二级或残疾类别")
    grade: Text | None = Field(default=None, description="等级")
    start: PeriodField | None = Field(default=None, description="起始月份 YYYY-MM")
    amount: Money = Field(description="金额（元）")
    end: PeriodField | None = Field(default=None, description="终止月份 YYYY-MM：此后不应再发放")
    note: Text | None = Field(default=None, description="备注")


class SubsidyRoster(Disclosure):
    """``villages/<id>/subsidies/YYYY-MM-<program>.yaml``."""

    program: Slug = Field(description="补贴项目 id，如 dibao、gengdi（见格式说明）")
    period: PeriodField = Field(description="发放期间 YYYY-MM（或 YYYY-Qn），须与文件名一致")
    title: Text | None = Field(default=None, description="标题；不填则自动生成")
    standard: Text = Field(description="发放标准说明，如 “城乡低保标准每人每月 1010 元，按差额补助”")
    rate: Quantity | None = Field(default=None, description="统一标准（如 元/亩），面积×标准的项目必填")
    notice: NoticePeriod = Field(description="公示期")
    supervision: list[Phone] = Field(min_length=1, description="监督电话，至少一个")
    recipients: list[Recipient] = Field(description="名单")
    total: Money = Field(description="合计金额")
    signoff: SignOff | None = Field(default=None, description="签字")
    note: Text | None = Field(default=None, description="说明")

    @property
    def recipients_sum(self) -> Decimal:
        return sum((r.amount for r in self.recipients), Decimal("0"))
