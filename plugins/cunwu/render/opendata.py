"""Open data: every disclosure as JSON and CSV, plus a Frictionless Data Package.

An auditor loads a village into pandas (``pd.read_csv``) or a spreadsheet.
CSV files are UTF-8 *with a BOM* so Excel opens the Chinese without garbling;
``datapackage.json`` (https://specs.frictionlessdata.io/data-package/)
describes every CSV's columns and types.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from ..validate.project import Doc, TownshipContext

BOM = "\ufeff"

#: kind -> [(column, frictionless type, Chinese title)]
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "finance": [
        ("section", "string", "类别"),
        ("date", "date", "日期"),
        ("voucher", "string", "凭证号"),
        ("line", "integer", "行号"),
        ("account", "string", "科目代码"),
        ("account_name", "string", "科目名称"),
        ("summary", "string", "摘要"),
        ("amount", "number", "金额（元）"),
        ("handler", "string", "经办人"),
        ("approver", "string", "审批人"),
    ],
    "subsidy": [
        ("key", "string", "行标识"),
        ("name", "string", "姓名"),
        ("group", "string", "村民小组"),
        ("id_masked", "string", "身份证号（脱敏）"),
        ("people", "integer", "保障人数"),
        ("area", "number", "面积（亩）"),
        ("rate", "number", "标准"),
        ("category", "string", "类别"),
        ("grade", "string", "等级"),
        ("start", "string", "起始月份"),
        ("amount", "number", "金额（元）"),
        ("note", "string", "备注"),
    ],
    "notice": [
        ("slug", "string", "标识"),
        ("title", "string", "标题"),
        ("date", "date", "日期"),
        ("kind", "string", "类别"),
        ("topic", "string", "专项类型"),
        ("notice_start", "date", "公示开始"),
        ("notice_end", "date", "公示结束"),
        ("body", "string", "正文（Markdown）"),
    ],
    "power": [
        ("node", "string", "节点"),
        ("type", "string", "类型"),
        ("label", "string", "内容"),
        ("actor", "string", "责任主体"),
        ("time_limit", "string", "时限"),
        ("next", "string", "下一步"),
        ("yes", "string", "是"),
        ("no", "string", "否"),
    ],
}
_SECTION_ZH = {"income": "收入", "expense": "支出", "transfers": "划转", "pass_through": "代收代付"}


def _s(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return str(v)
    return str(v)


def rows(doc: Doc, ctx: TownshipContext) -> list[dict[str, str]]:
    m = doc.model
    if doc.kind == "finance":
        out = []
        for section in ("income", "expense"):
            for ln in getattr(m, section):
                acc = ctx.accounts.get(ln.account) or ctx.accounts.get(ln.account[:3])
                out.append(
                    {
                        "section": _SECTION_ZH[section],
                        "date": ln.date.isoformat(),
                        "voucher": ln.voucher,
                        "line": str(ln.line),
                        "account": ln.account,
                        "account_name": acc.name if acc else "",
                        "summary": ln.summary,
                        "amount": _s(ln.amount),
                        "handler": _s(ln.handler),
                        "approver": _s(ln.approver),
                    }
                )
        for t in m.transfers:
            out.append(
                {
                    "section": _SECTION_ZH["transfers"],
                    "date": t.date.isoformat(),
                    "voucher": t.voucher,
                    "line": str(t.line),
                    "account": "",
                    "account_name": "现金存入银行" if t.direction == "cash_to_bank" else "从银行提取现金",
                    "summary": t.summary,
                    "amount": _s(t.amount),
                    "handler": "",
                    "approver": "",
                }
            )
        for p in m.pass_through:
            out.append(
                {
                    "section": _SECTION_ZH["pass_through"],
                    "date": p.date.isoformat(),
                    "voucher": p.voucher,
                    "line": str(p.line),
                    "account": "",
                    "account_name": f"代收 {p.received} / 代付 {p.paid}",
                    "summary": p.summary,
                    "amount": _s(p.received - p.paid),
                    "handler": "",
                    "approver": "",
                }
            )
        return out
    if doc.kind == "subsidy":
        return [{c: _s(getattr(r, c)) for c, _, _ in COLUMNS["subsidy"]} for r in m.recipients]
    if doc.kind == "notice":
        return [
            {
                "slug": m.slug,
                "title": m.title,
                "date": m.date.isoformat(),
                "kind": m.kind,
                "topic": _s(m.topic),
                "notice_start": m.notice.start.isoformat() if m.notice else "",
                "notice_end": m.notice.end.isoformat() if m.notice else "",
                "body": (doc.body or "").strip(),
            }
        ]
    if doc.kind == "power":
        kind_zh = {"step": "步骤", "decision": "判断", "end": "结束"}
        return [
            {
                "node": n.id,
                "type": kind_zh[n.kind],
                "label": n.label,
                "actor": _s(n.actor),
                "time_limit": _s(n.time_limit),
                "next": _s(n.next),
                "yes": _s(n.yes),
                "no": _s(n.no),
            }
            for n in m.flow
        ]
    raise ValueError(doc.kind)


#: a cell starting with one of these is a formula to Excel and WPS (OWASP "CSV injection")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text, never runs: a leading apostrophe
    before ``=``, ``+``, ``-``, ``@``, tab or CR. Numbers and dates are not text
    cells and keep their sign; data.json keeps every value exactly as written."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(doc: Doc, ctx: TownshipContext) -> bytes:
    spec = COLUMNS[doc.kind]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c for c, _, _ in spec])
    w.writerows(
        [[inert_cell(row[c]) if t == "string" else row[c] for c, t, _ in spec] for row in rows(doc, ctx)]
    )
    return (BOM + buf.getvalue()).encode("utf-8")


def to_json(doc: Doc, meta: dict) -> bytes:
    """``{"body_markdown": ..., "data": ..., "meta": ...}``, keys sorted, compact.

    ``data`` is the document's canonical JSON, already made for its content
    hash: written as is, not dumped a second time."""
    head = "{"
    if doc.body is not None:
        head += '"body_markdown":' + json.dumps(doc.body.strip(), ensure_ascii=False) + ","
    tail = ',"meta":' + json.dumps(meta, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "}\n"
    return (head + '"data":' + doc.canonical + tail).encode("utf-8")


def resource_name(doc: Doc) -> str:
    return f"{doc.kind}-{doc.key}".lower()


def datapackage(
    village_id: str, title: str, docs: list[tuple[Doc, str]], homepage: str, created: dt.date | None
) -> bytes:
    """``docs`` are (doc, its title) pairs; ``created`` the newest change among them.

    The spec wants ``created`` as an RFC 3339 date-time: a bare date fails
    ``frictionless validate`` ("created is not valid datetime")."""
    resources = []
    for d, doc_title in docs:
        resources.append(
            {
                "name": resource_name(d),
                "path": f"{d.url_path}data.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "title": doc_title,
                "schema": {"fields": [{"name": c, "type": t, "title": zh} for c, t, zh in COLUMNS[d.kind]]},
            }
        )
    pkg = {
        "profile": "tabular-data-package",
        "name": f"cunwu-{village_id}",
        "title": title,
        "homepage": homepage,
        **({"created": f"{created.isoformat()}T00:00:00Z"} if created else {}),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "resources": resources,
    }
    return (json.dumps(pkg, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
