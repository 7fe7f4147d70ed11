"""``villages/<id>/village.yaml``: who the village is and how to reach it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .base import Model
from .township import Phone, _url
from .types import PeriodField, Slug, Text, VillageCode


class Contact(Model):
    """A public contact of the village (村干部、报账员). Numbers here are official."""

    role: Text = Field(description="职务，如 村党组织书记、报账员")
    name: Text | None = Field(default=None, description="姓名（可不填）")
    phone: Text | None = Field(default=None, description="办公电话；填写在这里的号码视为公开号码")


class ComplaintOverride(Model):
    """The village's own complaint intake when it differs from the township's."""

    url: Text | None = Field(default=None, description="本村举报受理网址")
    phones: list[Phone] = Field(default_factory=list, description="本村举报电话（加在乡镇电话之前）")

    @field_validator("url")
    @classmethod
    def _check_url(cls, v: str | None) -> str | None:
        return None if v is None else _url(v)


class Village(Model):
    """A village (行政村) publishing its disclosures."""

    code: VillageCode = Field(description="12 位统计用区划代码")
    name: Text = Field(description="村名，如 东山村")
    township: Text = Field(description="所属乡镇名称，须与 cunwu.yaml 一致")
    cadence: Literal["monthly", "quarterly"] = Field(
        default="monthly", description="财务公开周期：monthly 每月；quarterly 每季度"
    )
    since: PeriodField | None = Field(
        default=None, description="从哪一期开始用 cunwu 公开（之前的期间不计迟报），如 2025-11"
    )
    base_url: Text | None = Field(
        default=None, description="本村网站单独部署时的网址，以 / 结尾；不填则为乡镇网址/村标识/"
    )
    contacts: list[Contact] = Field(default_factory=list, description="公开联系人")
    supervision: list[Phone] = Field(default_factory=list, description="村务监督委员会等本村监督电话")
    complaint: ComplaintOverride | None = Field(default=None, description="本村自己的举报渠道")
    recurring: list[Slug] = Field(
        default_factory=list,
        description="每期都要公示的补贴项目 id（用于统计迟报），如 [dibao]",
    )
    powers_exclude: list[Slug] = Field(default_factory=list, description="本村不适用的乡镇统一权力事项 id")
    groups: list[Text] = Field(
        default_factory=list,
        description="村民小组名称，如 [一组, 二组]；填写后表格模板的“组别”列只能从中选择，名单中的组别也按此核对",
    )
    intro: Text | None = Field(default=None, description="村情简介（一两句话）")

    @field_validator("base_url")
    @classmethod
    def _base(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = _url(v)
        if not v.endswith("/"):
            raise ValueError("应以 / 结尾")
        return v

    def official_numbers(self) -> list[str]:
        nums = [c.phone for c in self.contacts if c.phone]
        nums += [p.number for p in self.supervision]
        if self.complaint:
            nums += [p.number for p in self.complaint.phones]
        return nums
