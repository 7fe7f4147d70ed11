"""A notice (公告): Markdown body with a YAML front matter."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .base import Disclosure, NoticePeriod
from .calendar import NOTICE_TOPICS
from .types import Date, Slug, Text


class Notice(Disclosure):
    """``villages/<id>/notices/*.md``: the front matter; the body is Markdown."""

    slug: Slug = Field(description="永久网址标识，发布后不要再改，如 2026-10-road-tender")
    title: Text = Field(description="标题")
    date: Date = Field(description="发布日期")
    kind: Literal["党务", "村务", "财务"] = Field(description="公开类别：党务、村务或财务")
    topic: Text | None = Field(
        default=None,
        description="专项类型（固定列表，用于统计）：" + "、".join(NOTICE_TOPICS),
        json_schema_extra={"enum": list(NOTICE_TOPICS)},
    )
    notice: NoticePeriod | None = Field(default=None, description="公示期")
    aliases: list[Slug] = Field(
        default_factory=list, description="曾用标识：改过 slug 时填旧的，旧网址会跳转到新网址"
    )

    @field_validator("topic")
    @classmethod
    def _topic(cls, v: str | None) -> str | None:
        if v is not None and v not in NOTICE_TOPICS:
            raise ValueError(f"未知的专项类型，可用：{'、'.join(NOTICE_TOPICS)}")
        return v
