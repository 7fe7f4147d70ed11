"""The township: ``cunwu.yaml`` settings, the chart of accounts, subsidy programs."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from .base import Model
from .calendar import Calendar
from .types import AccountCode, Int, PhoneNumber, Slug, Text


def _url(value: str) -> str:
    if not (value.startswith("https://") or value.startswith("http://")):
        raise ValueError("应以 https:// 或 http:// 开头")
    if any(c.isspace() for c in value):
        raise ValueError("网址中不能有空格")
    try:
        # the build adds query parameters to these URLs: they must parse
        # (a stray “[” in the host makes urlsplit raise), with a host and a valid port
        parts = urlsplit(value)
        ok = bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError("网址格式不正确，请检查域名和端口")
    return value


class Phone(Model):
    """A published, official phone number with what it is for."""

    label: Text = Field(description="用途，如 “镇纪委监督电话”")
    number: PhoneNumber = Field(description="号码，带区号，如 0571-12388")


class Complaint(Model):
    """Where villagers report a problem (举报/反映问题). Sites link out; they take nothing in."""

    url: Text = Field(description="举报受理网址（如监督一点通的本村页面）；链接会附上村代码和页面编号")
    phones: list[Phone] = Field(default_factory=list, description="举报电话，如 12388（带区号）")

    @field_validator("url")
    @classmethod
    def _check_url(cls, v: str) -> str:
        return _url(v)


class TownshipInfo(Model):
    id: Slug = Field(description="乡镇标识（用于网址）")
    name: Text = Field(description="乡镇名称，如 清水镇")
    county: Text = Field(description="所属县（市、区）")


class PrintSettings(Model):
    paper: Literal["A4", "A3"] = Field(default="A4", description="张贴版纸张：A4（默认）或 A3")
    window_months: Int = Field(
        default=3, ge=0, le=36, description="构建时为最近几个月的已公开内容生成张贴版 PDF"
    )


class SiteSettings(Model):
    rosters_offline_after_notice: bool = Field(
        default=False,
        description="true：补贴名单在公示期结束后从网站撤下（只保留汇总）",
    )
    keep_original_pictures: bool = Field(
        default=False,
        description="true：网站上的照片、扫描件按原图发布，不缩小（原图可能很大，村民用手机流量打开很慢）；张贴版照样用缩小的打印图",
    )


class Account(Model):
    """One entry of the chart of accounts (会计科目)."""

    code: AccountCode = Field(description="科目代码：3 位一级科目或 5 位明细科目")
    name: Text = Field(description="科目名称")
    kind: Literal["asset", "liability", "equity", "income", "expense", "cost"] = Field(
        description="类别：income 收入类、expense 支出类……"
    )


class ChartOfAccounts(Model):
    accounts: list[Account] = Field(description="会计科目表")


class Program(Model):
    """A subsidy or benefit program (惠民资金项目)."""

    id: Slug = Field(description="项目标识，用于文件名和网址，如 dibao")
    name: Text = Field(description="项目名称，如 最低生活保障金")
    calc: Literal["fixed", "area_rate"] = Field(
        default="fixed",
        description="金额计算：fixed 按核定金额；area_rate 面积×标准（亩×元/亩）",
    )
    min_notice_days: Int = Field(default=7, ge=1, description="最短公示天数")
    columns: list[Literal["people", "area", "rate", "category", "grade", "start"]] = Field(
        default_factory=list, description="名单中要显示的额外列"
    )
    unit: Text | None = Field(default=None, description="标准的单位，如 元/人·月、元/亩")


class TownshipConfig(Model):
    """``cunwu.yaml``: settings for the whole township, at the root of the repository."""

    township: TownshipInfo = Field(description="乡镇信息")
    base_url: Text = Field(
        description="发布网站的根网址，以 / 结尾，如 https://cunwu.example.gov.cn/qingshui/"
    )
    complaint: Complaint = Field(description="默认举报渠道（各村可在 village.yaml 中改用自己的）")
    supervision: list[Phone] = Field(
        default_factory=list, description="乡镇监督电话（纪委、民政、经管站），印在每张公示上"
    )
    due_day: Int = Field(default=10, ge=1, le=28, description="每期财务公开的截止日：次月几号")
    finance_notice_days: Int = Field(default=15, ge=1, description="财务公开最短公示天数")
    id_mask: Literal["6-4", "3-3"] = Field(
        default="6-4",
        description="身份证号脱敏方式：6-4 保留前 6 位和后 4 位；3-3 保留前 3 位和后 3 位",
    )
    accounts: Text | None = Field(
        default=None,
        description="自定义会计科目表文件（相对仓库根目录）；不填则使用 2023 年村集体会计科目",
    )
    programs: list[Program] = Field(
        default_factory=list, description="补充或覆盖的补贴项目（按 id 覆盖内置项目）"
    )
    print: PrintSettings = Field(default_factory=PrintSettings, description="张贴版设置")
    site: SiteSettings = Field(default_factory=SiteSettings, description="网站设置")
    calendar: Calendar | None = Field(default=None, description="公开日历：每个村应公开什么、何时到期")

    @field_validator("base_url")
    @classmethod
    def _base(cls, v: str) -> str:
        v = _url(v)
        if not v.endswith("/"):
            raise ValueError("应以 / 结尾")
        return v

    def official_numbers(self) -> list[str]:
        return [p.number for p in self.complaint.phones + self.supervision]
