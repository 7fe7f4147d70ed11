"""The registry of file kinds: every kind of file cunwu reads, declared once.

Each :class:`Kind` says, in one place, everything the stages need to know
about one kind of file:

* sources: where its files live (``folder``, ``suffix``, ``scope``) and how
  a file's name relates to its content (``key``, ``stem_is_key``);
* load: its model, and whether it is Markdown with a YAML front matter;
* validate: its rules (``rules``, a ``module:function`` name in
  :mod:`cunwu.validate`);
* history: the fields that identify a row of each of its lists (``rows``),
  so a diff matches rows by identity, never by position;
* render: its page builder (``pages``, a ``module:Class`` name in
  :mod:`cunwu.render.pages`), its poster template, its URL segment, its
  open-data columns and its Chinese names.

The registry sits low on the road (it imports only the models): a stage
reads it and resolves the names that belong to that stage with
:func:`resolve`, so no stage imports a later one. Adding a disclosure kind
means a model, a page builder, templates, and one entry here
(docs/architecture.md walks through it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from .model.finance import FinanceStatement
from .model.notice import Notice
from .model.power import PowerCatalog, PowerItem
from .model.project import ProjectList
from .model.subsidy import SubsidyRoster
from .model.township import ChartOfAccounts, TownshipConfig
from .model.village import Village

CONFIG_NAME = "cunwu.yaml"

Scope = Literal["township", "village", "both"]


@dataclass(frozen=True)
class Column:
    """One column of a kind's open data (CSV and the data package)."""

    name: str
    type: str  # a Frictionless Table Schema type: string, date, integer, number
    title: str  # Chinese column heading


@dataclass(frozen=True)
class Kind:
    """One kind of file: its place, model, rules, pages and words."""

    name: str
    model: type[BaseModel]
    #: Chinese name of one such file, for pages and messages (财务公开)
    title: str
    #: short Chinese name, for change summaries (财务：新增 1 笔)
    label: str
    scope: Scope
    #: the folder the files live in (under ``villages/<id>/``, or at the root
    #: for township files); "" for a file of fixed name (``exact``)
    folder: str = ""
    suffix: str = ".yaml"
    #: the fixed file name of a one-per-place file (cunwu.yaml, village.yaml)
    exact: str = ""
    #: Markdown with a YAML front matter (the model reads the front matter)
    front_matter: bool = False
    #: a disclosure: it has a status, versions, a page and a poster
    disclosure: bool = False
    #: the identity of a parsed file inside its village (its URL key)
    key: Callable[[Any], str] = field(default=lambda m: "")
    #: the file's name (without suffix) must equal its key
    stem_is_key: bool = False
    #: sort key of a parsed file among the village's files of this kind
    order: Callable[[Any], tuple[Any, ...]] = field(default=lambda m: ())
    #: the month (YYYY-MM) a parsed file is archived and printed under ("" for none)
    month: Callable[[Any], str] = field(default=lambda m: "")
    #: the URL segment of its pages inside a village site (``finance``)
    segment: str = ""
    #: False for a kind whose pages name people (rosters): kept out of search
    #: engines, sitemaps and the like (noindex, robots.txt, Pelican status hidden)
    searchable: bool = True
    #: list field -> the fields that identify one of its rows, for diffs
    rows: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: open-data columns of one row of its CSV
    columns: tuple[Column, ...] = ()
    #: JSON Schema file name and title (``cunwu schema``)
    schema: tuple[str, str] | None = None
    #: ``module:function`` of its rules, in cunwu.validate
    rules: str = ""
    #: ``module:Class`` of its page builder, in cunwu.render
    pages: str = ""
    #: template of its notice-board poster ("" for none)
    poster: str = ""


#: rows of the lists every kind may have, matched by these fields in diffs
COMMON_ROWS: Mapping[str, tuple[str, ...]] = {
    "corrections": ("date",),
    "attachments": ("path",),
    "supervision": ("label",),
    "supervisor": ("label",),
    "phones": ("label",),
}

_LEDGER = ("voucher", "line")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            name="config",
            model=TownshipConfig,
            title="乡镇设置",
            label="乡镇设置",
            scope="township",
            exact=CONFIG_NAME,
            rows={"programs": ("id",)},
            schema=("cunwu.schema.json", "cunwu.yaml 乡镇设置"),
        ),
        Kind(
            name="village",
            model=Village,
            title="村基本信息",
            label="村信息",
            scope="village",
            exact="village.yaml",
            rows={"contacts": ("role",)},
            schema=("village.schema.json", "village.yaml 村基本信息"),
        ),
        Kind(
            name="finance",
            model=FinanceStatement,
            title="财务公开",
            label="财务",
            scope="village",
            folder="finance",
            disclosure=True,
            key=lambda m: str(m.period),
            stem_is_key=True,
            order=lambda m: (m.period,),
            month=lambda m: m.period.months()[-1],
            segment="finance",
            rows={"income": _LEDGER, "expense": _LEDGER, "transfers": _LEDGER, "pass_through": _LEDGER},
            columns=(
                Column("section", "string", "类别"),
                Column("date", "date", "日期"),
                Column("voucher", "string", "凭证号"),
                Column("line", "integer", "行号"),
                Column("account", "string", "科目代码"),
                Column("account_name", "string", "科目名称"),
                Column("summary", "string", "摘要"),
                Column("amount", "number", "金额（元）"),
                Column("handler", "string", "经办人"),
                Column("approver", "string", "审批人"),
            ),
            schema=("finance.schema.json", "财务公开"),
            rules="cunwu.validate.rules:check_finance",
            pages="cunwu.render.pages.finance:FinancePages",
            poster="poster-finance",
        ),
        Kind(
            name="subsidy",
            model=SubsidyRoster,
            title="惠民资金公示",
            label="名单",
            scope="village",
            folder="subsidies",
            disclosure=True,
            key=lambda m: f"{m.period}-{m.program}",
            stem_is_key=True,
            order=lambda m: (m.period, m.program),
            month=lambda m: m.period.months()[-1],
            segment="subsidies",
            searchable=False,
            rows={"recipients": ("key",)},
            columns=(
                Column("key", "string", "行标识"),
                Column("name", "string", "姓名"),
                Column("group", "string", "村民小组"),
                Column("id_masked", "string", "身份证号（脱敏）"),
                Column("people", "integer", "保障人数"),
                Column("area", "number", "面积（亩）"),
                Column("rate", "number", "标准"),
                Column("category", "string", "类别"),
                Column("grade", "string", "等级"),
                Column("start", "string", "起始月份"),
                Column("amount", "number", "金额（元）"),
                Column("note", "string", "备注"),
            ),
            schema=("subsidy.schema.json", "惠民资金公示名单"),
            rules="cunwu.validate.rules:check_roster",
            pages="cunwu.render.pages.roster:RosterPages",
            poster="poster-roster",
        ),
        Kind(
            name="notice",
            model=Notice,
            title="公告",
            label="公告",
            scope="village",
            folder="notices",
            suffix=".md",
            front_matter=True,
            disclosure=True,
            key=lambda m: m.slug,
            order=lambda m: (m.date, m.slug),
            month=lambda m: f"{m.date.year}-{m.date.month:02d}",
            segment="notices",
            columns=(
                Column("slug", "string", "标识"),
                Column("title", "string", "标题"),
                Column("date", "date", "日期"),
                Column("kind", "string", "类别"),
                Column("topic", "string", "专项类型"),
                Column("notice_start", "date", "公示开始"),
                Column("notice_end", "date", "公示结束"),
                Column("body", "string", "正文（Markdown）"),
            ),
            schema=("notice.schema.json", "公告 Markdown 文件的 YAML 头部"),
            rules="cunwu.validate.rules:check_notice",
            pages="cunwu.render.pages.notice:NoticePages",
            poster="poster-notice",
        ),
        Kind(
            name="power",
            model=PowerItem,
            title="小微权力",
            label="权力事项",
            scope="both",
            folder="powers",
            disclosure=True,
            key=lambda m: m.id,
            stem_is_key=True,
            order=lambda m: (m.number, m.id),
            segment="powers",
            rows={"flow": ("id",), "risks": ("point",)},
            columns=(
                Column("node", "string", "节点"),
                Column("type", "string", "类型"),
                Column("label", "string", "内容"),
                Column("actor", "string", "责任主体"),
                Column("time_limit", "string", "时限"),
                Column("next", "string", "下一步"),
                Column("yes", "string", "是"),
                Column("no", "string", "否"),
            ),
            schema=("power.schema.json", "小微权力事项及流程图"),
            rules="cunwu.validate.rules:check_power",
            pages="cunwu.render.pages.power:PowerPages",
            poster="poster-power",
        ),
        Kind(
            name="catalog",
            model=PowerCatalog,
            title="小微权力清单",
            label="权力清单",
            scope="township",
            folder="powers",
            exact="catalog.yaml",
            disclosure=True,
            key=lambda m: "catalog",
            rows={"groups": ("id",), "negative": ("id",)},
            schema=("power-catalog.schema.json", "powers/catalog.yaml 权力清单类别与负面清单"),
            rules="cunwu.validate.rules:check_catalog",
        ),
        Kind(
            name="projects",
            model=ProjectList,
            title="工程项目和资产交易",
            label="项目",
            scope="village",
            exact="projects.yaml",
            rows={"projects": ("id",)},
            schema=("projects.schema.json", "projects.yaml 工程项目和资产租赁、处置"),
        ),
    )
}

#: kinds the disclosure calendar may name before they exist (another branch
#: adds them): a calendar item of such a kind is simply never published yet
PENDING_KINDS = {"budget": "预算公开", "yearend": "年终决算公开"}

#: the chart of accounts a township may supply (``cunwu.yaml: accounts``): a
#: file kind without a fixed place, read only when named
ACCOUNTS = Kind(
    name="accounts",
    model=ChartOfAccounts,
    title="会计科目表",
    label="会计科目表",
    scope="township",
    rows={"accounts": ("code",)},
    schema=("accounts.schema.json", "自定义会计科目表"),
)


def spec(name: str) -> Kind | None:
    """The kind called ``name`` (the chart of accounts included), or None."""
    return ACCOUNTS if name == ACCOUNTS.name else KINDS.get(name)


def disclosure_kinds(scope: Scope | None = None) -> list[Kind]:
    """The kinds that are published as disclosures (in registry order)."""
    return [k for k in KINDS.values() if k.disclosure and (scope is None or k.scope in (scope, "both"))]


def page_kinds() -> list[Kind]:
    """The disclosure kinds with pages of their own in a village site, in the order sites list them."""
    return [k for k in KINDS.values() if k.disclosure and k.pages]


def model_kind(model: type[BaseModel]) -> Kind | None:
    """The kind whose model is ``model``."""
    for k in (*KINDS.values(), ACCOUNTS):
        if k.model is model:
            return k
    return None


def row_keys(k: Kind | None) -> dict[str, tuple[str, ...]]:
    """List field -> identifying fields of its rows, for ``k`` (all kinds' lists when None)."""
    if k is None:
        out = dict(COMMON_ROWS)
        for other in (*KINDS.values(), ACCOUNTS):
            out.update(other.rows)
        return out
    return {**COMMON_ROWS, **k.rows}


def unsearchable_segments() -> list[str]:
    """The URL segments whose pages name people: never indexed, never listed."""
    return [k.segment for k in KINDS.values() if k.segment and not k.searchable]


def segment_kind(segment: str) -> Kind | None:
    """The kind whose pages live under URL segment ``segment``."""
    return next((k for k in KINDS.values() if k.segment and k.segment == segment), None)


_RESOLVED: dict[str, Any] = {}


def resolve(name: str) -> Any:
    """The object a ``module:attribute`` name of the registry refers to.

    The registry names the rules and page builders of each kind instead of
    importing them, so that it stays below every stage on the road; each
    stage resolves only the names that belong to it."""
    obj = _RESOLVED.get(name)
    if obj is None:
        module, _, attr = name.partition(":")
        obj = _RESOLVED[name] = getattr(importlib.import_module(module), attr)
    return obj
