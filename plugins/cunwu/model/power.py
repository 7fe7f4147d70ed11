"""The power list (小微权力清单): items, their flowcharts, and the negative list."""

from __future__ import annotations

from pydantic import Field

from .base import Disclosure, Model
from .township import Phone
from .types import Int, Slug, Text


class PowerGroup(Model):
    id: Slug = Field(description="类别标识，如 collective")
    name: Text = Field(description="类别名称，如 集体事务类")


class Prohibition(Model):
    """One behaviour forbidden to cadres (负面清单: “不得……”)."""

    id: Slug = Field(description="标识")
    text: Text = Field(description="禁止行为，以“不得”开头")


class PowerCatalog(Disclosure):
    """``powers/catalog.yaml``: the groups of the township's power list and its negative list."""

    title: Text = Field(default="村级小微权力清单", description="清单标题")
    groups: list[PowerGroup] = Field(description="权力类别，按显示顺序")
    negative: list[Prohibition] = Field(default_factory=list, description="负面清单")


class Risk(Model):
    point: Text = Field(description="廉政风险点")
    measure: Text = Field(description="防控措施")


class FlowNode(Model):
    """One node of a flowchart: exactly one of ``step``, ``decision`` or ``end``.

    The first node is the start. A step goes on to ``next``; a decision has
    ``yes`` and ``no`` branches; an end finishes the flow.
    """

    id: Slug = Field(description="节点标识，在本流程内唯一")
    step: Text | None = Field(default=None, description="步骤名称（办理环节）")
    decision: Text | None = Field(default=None, description="判断问题，如 “是否符合条件？”")
    end: Text | None = Field(default=None, description="结束节点的结果，如 “办结并公开”")
    actor: Text | None = Field(default=None, description="责任主体")
    time_limit: Text | None = Field(default=None, description="时限，如 3 个工作日")
    next: Slug | None = Field(default=None, description="步骤之后的节点 id")
    yes: Slug | None = Field(default=None, description="判断为“是”时去往的节点 id")
    no: Slug | None = Field(default=None, description="判断为“否”时去往的节点 id")
    note: Text | None = Field(default=None, description="补充说明")

    @property
    def kind(self) -> str:
        if self.decision is not None:
            return "decision"
        if self.end is not None:
            return "end"
        return "step"

    @property
    def label(self) -> str:
        return self.step or self.decision or self.end or self.id

    def targets(self) -> list[tuple[str, str]]:
        """(edge label, target id) for every outgoing edge."""
        out = []
        if self.next:
            out.append(("", self.next))
        if self.yes:
            out.append(("是", self.yes))
        if self.no:
            out.append(("否", self.no))
        return out


class PowerItem(Disclosure):
    """One item of the power list, with its flowchart (权力运行流程图)."""

    id: Slug = Field(description="事项标识（永久网址的一部分），与文件名相同")
    number: Int = Field(ge=1, description="序号")
    group: Slug = Field(description="所属类别 id（见 powers/catalog.yaml）")
    name: Text = Field(description="事项名称")
    basis: list[Text] = Field(description="法律政策依据")
    responsible: Text = Field(description="责任主体")
    time_limit: Text | None = Field(default=None, description="办理时限")
    procedure: Text | None = Field(default=None, description="办理程序概述")
    public: Text = Field(description="公开内容：需要向村民公开什么")
    risks: list[Risk] = Field(default_factory=list, description="廉政风险点及防控措施")
    supervisor: list[Phone] = Field(min_length=1, description="监督单位及电话，至少一个")
    flow: list[FlowNode] = Field(min_length=2, description="流程图节点，第一个为开始")
