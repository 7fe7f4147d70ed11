"""``villages/<id>/projects.yaml``: the village's works projects and asset deals,
each naming the notices (by slug) of its steps. Published notices carry no
project field: linking them here changes no published version."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Model
from .types import Date, Slug, Text


class Project(Model):
    """One works project (四议两公开) or one lease or sale of collective assets."""

    id: Slug = Field(description="项目标识，如 2026-road")
    name: Text = Field(description="项目名称，如 村道硬化工程")
    type: Literal["works", "asset"] = Field(
        default="works", description="works 工程项目（决议→招标→中标→合同→验收）；asset 资产租赁或处置"
    )
    resolution: Slug | None = Field(default=None, description="决议公开公告的标识")
    tender: Slug | None = Field(default=None, description="招标公告的标识")
    award: Slug | None = Field(default=None, description="中标结果公示的标识")
    contract: Slug | None = Field(default=None, description="合同公开公告的标识")
    acceptance: Slug | None = Field(default=None, description="验收结果公示的标识")
    notice: Slug | None = Field(default=None, description="资产租赁（处置）公告的标识（asset）")
    income_from: Date | None = Field(
        default=None, description="资产项目首笔经营收入（50101）的日期；不填则从财务公开中查找"
    )


class ProjectList(Model):
    """``projects.yaml``."""

    projects: list[Project] = Field(default_factory=list, description="本村的工程项目和资产租赁、处置")
