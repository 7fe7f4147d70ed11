"""The base model and the parts every disclosure shares."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .types import Date, Text


class Model(BaseModel):
    """Every source model forbids unknown keys: a typo in a YAML key must fail."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=False)


class Correction(Model):
    """One change made after approval (更正记录). A silent edit is what auditors look for."""

    date: Date = Field(description="更正日期 YYYY-MM-DD")
    reason: Text = Field(description="更正原因：改了什么、为什么改")


class Attachment(Model):
    """A file inside the village folder: a receipt scan, a photo, a signed resolution."""

    path: Text = Field(description="相对本村文件夹的路径，如 attachments/2026-10/记-012.jpg")
    title: Text | None = Field(default=None, description="附件说明")


class NoticePeriod(Model):
    """公示期: the days the notice stays up on the board and online."""

    start: Date = Field(description="公示开始日期")
    end: Date = Field(description="公示结束日期")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def is_current(self, today: dt.date) -> bool:
        return self.start <= today <= self.end


class Disclosure(Model):
    """State shared by every disclosure: draft, or approved and published on a date.

    The rules that tie these fields together (an approval date when approved,
    corrections after it) live in :mod:`cunwu.validate.rules` so that each
    problem points at the exact field and line.
    """

    status: Literal["draft", "approved"] = Field(
        description="状态：draft（草稿，不生成二维码和张贴版）或 approved（已审核公开）"
    )
    approved_on: Date | None = Field(default=None, description="审核公开日期；status 为 approved 时必填")
    corrections: list[Correction] = Field(
        default_factory=list,
        description="公开后每次修改都要新增一条更正记录（日期、原因）",
    )
    attachments: list[Attachment] = Field(
        default_factory=list, description="附件（凭证扫描件、照片等），路径在本村文件夹内"
    )

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def change_records(self) -> int:
        """How many entries explain changes made after approval: each change
        needs one (a correction; a budget also counts its adjustments)."""
        return len(self.corrections)

    @property
    def last_changed(self) -> dt.date | None:
        """The approval date, or the last correction's date."""
        dates = [c.date for c in self.corrections]
        if self.approved_on:
            dates.append(self.approved_on)
        return max(dates) if dates else None
