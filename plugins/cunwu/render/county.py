"""The county page: every township's completeness screen, read from the
``completeness.json`` each township site publishes, as one page.

Townships keep their own repositories; the county only reads what they
publish (docs/urls.md: ``<base_url>completeness.json``, schema
``cunwu-completeness/1``). This module checks those files and turns them into
page data, a CSV and a JSON. It writes nothing (see
:mod:`cunwu.commands.county`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from ..problems import Problem, problem
from .opendata import BOM, inert_cell

SCHEMA = "cunwu-completeness/1"
COUNTY_SCHEMA = "cunwu-county/1"

#: item states of the contract, with the Chinese a reader sees
STATES = ("on_time", "late", "missing", "not_due", "exempt", "backfilled", "held")
STATE_ZH = {
    "on_time": "按时",
    "late": "迟报",
    "missing": "未公开",
    "not_due": "未到期",
    "exempt": "免于公开",
    "backfilled": "补录",
    "held": "暂缓",
}

_PERCENT = re.compile(r"^\d{1,3}\.\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class TownshipFile:
    """One township's completeness file as read: its name (for messages) and its data."""

    name: str
    data: dict


def _line_of(text: str, key: str) -> int:
    """The first line of ``text`` holding ``"key"`` (1 if none): JSON has no
    positions after parsing, and a reader wants a line to look at."""
    i = text.find(f'"{key}"')
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


def parse_township(name: str, raw: bytes) -> tuple[TownshipFile | None, list[Problem]]:
    """Read one ``completeness.json``: the file, or the problems that stop it
    from counting (every problem found, not the first)."""
    if not raw.strip():
        return None, [problem(name, 0, "empty-file", "文件为空，不是乡镇发布的 completeness.json")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [problem(name, line, "invalid-utf8", "文件不是 UTF-8 编码")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [
            problem(name, exc.lineno, "json-syntax", f"JSON 语法错误：{exc.msg}（第 {exc.colno} 列）")
        ]
    if not isinstance(data, dict):
        return None, [problem(name, 1, "not-a-mapping", "文件内容应为 JSON 对象（{...}）")]
    out: list[Problem] = []

    def need(obj: dict, key: str, typ: type | tuple[type, ...], loc: str) -> bool:
        if key not in obj:
            out.append(problem(name, _line_of(text, key), "missing-field", f"缺少“{key}”", loc))
            return False
        if not isinstance(obj[key], typ) or isinstance(obj[key], bool) and typ is int:
            out.append(problem(name, _line_of(text, key), "wrong-type", f"“{key}”的类型不对", loc))
            return False
        return True

    if data.get("schema") != SCHEMA:
        out.append(
            problem(
                name,
                _line_of(text, "schema"),
                "invalid-value",
                f"schema 应为“{SCHEMA}”（乡镇网站的 completeness.json），而不是“{data.get('schema')}”",
                "schema",
            )
        )
        return None, out
    if need(data, "generated_for", str, "generated_for") and not _DATE.match(data["generated_for"]):
        out.append(
            problem(
                name,
                _line_of(text, "generated_for"),
                "invalid-date",
                "日期应写成 YYYY-MM-DD",
                "generated_for",
            )
        )
    if need(data, "township", dict, "township"):
        for key in ("id", "name", "county", "base_url"):
            need(data["township"], key, str, f"township.{key}")
    need(data, "window", dict, "window")
    if need(data, "villages", list, "villages"):
        for i, v in enumerate(data["villages"]):
            loc = f"villages[{i}]"
            if not isinstance(v, dict):
                out.append(
                    problem(name, _line_of(text, "villages"), "wrong-type", "每个村应为 JSON 对象", loc)
                )
                continue
            for key in ("id", "name"):
                need(v, key, str, f"{loc}.{key}")
            if need(v, "score", dict, f"{loc}.score"):
                s = v["score"]
                for key in ("on_time", "due"):
                    if need(s, key, int, f"{loc}.score.{key}") and s[key] < 0:
                        out.append(
                            problem(
                                name, _line_of(text, key), "invalid-value", "不能为负数", f"{loc}.score.{key}"
                            )
                        )
                p = s.get("percent")
                if p is not None and not (isinstance(p, str) and _PERCENT.match(p)):
                    out.append(
                        problem(
                            name,
                            _line_of(text, "percent"),
                            "invalid-value",
                            "完成率应写成一位小数的文字，如“75.0”",
                            f"{loc}.score.percent",
                        )
                    )
            if need(v, "counts", dict, f"{loc}.counts"):
                for key in STATES:
                    need(v["counts"], key, int, f"{loc}.counts.{key}")
            if need(v, "items", list, f"{loc}.items"):
                for j, it in enumerate(v["items"]):
                    iloc = f"{loc}.items[{j}]"
                    if not isinstance(it, dict):
                        out.append(
                            problem(name, _line_of(text, "items"), "wrong-type", "每一项应为 JSON 对象", iloc)
                        )
                        continue
                    for key in ("id", "kind", "title", "period", "due", "state"):
                        need(it, key, str, f"{iloc}.{key}")
                    if isinstance(it.get("state"), str) and it["state"] not in STATES:
                        out.append(
                            problem(
                                name,
                                _line_of(text, it["state"]),
                                "invalid-choice",
                                f"未知的状态“{it['state']}”",
                                f"{iloc}.state",
                            )
                        )
                    if isinstance(it.get("due"), str) and not _DATE.match(it["due"]):
                        out.append(
                            problem(
                                name,
                                _line_of(text, it["due"]),
                                "invalid-date",
                                "日期应写成 YYYY-MM-DD",
                                f"{iloc}.due",
                            )
                        )
    if out:
        return None, out
    return TownshipFile(name, data), []


def _percent(on_time: int, due: int) -> str | None:
    """One decimal, rounded half up, as text (the contract's form); None when nothing was due."""
    if due == 0:
        return None
    return str((Decimal(on_time) * 100 / Decimal(due)).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP"))


def _owed(v: dict) -> list[dict]:
    """A village's late and missing items, worst first: what a reader acts on."""
    items = [it for it in v["items"] if it["state"] in ("missing", "late")]
    items.sort(key=lambda it: (it["state"] != "missing", -(it.get("days_late") or 0), it["due"], it["id"]))
    return [
        {
            "title": it["title"],
            "state": it["state"],
            "state_zh": STATE_ZH[it["state"]],
            "days_late": it.get("days_late"),
            "due": it["due"],
            "url": it.get("url") or "",
        }
        for it in items
    ]


def _worst_key(v: dict) -> tuple:
    """Worst first: the lowest completeness, then most missing, then most late;
    a village with nothing due yet comes last; held villages are listed first
    among equals, since their site shows an old version."""
    pct = v["percent"]
    return (
        pct is None,
        Decimal(pct) if pct is not None else Decimal(0),
        -v["counts"]["missing"],
        -v["counts"]["late"],
        not v["held"],
        v["township"],
        v["id"],
    )


def county_page(files: list[TownshipFile]) -> dict:
    """The county page's data: township rows (in the order given), every
    village worst first, and the county's totals."""
    townships: list[dict] = []
    villages: list[dict] = []
    total = dict.fromkeys(STATES, 0)
    total_on_time = total_due = 0
    for f in files:
        t = f.data["township"]
        tc = dict.fromkeys(STATES, 0)
        t_on_time = t_due = 0
        held = 0
        for v in f.data["villages"]:
            for k in STATES:
                tc[k] += v["counts"][k]
            t_on_time += v["score"]["on_time"]
            t_due += v["score"]["due"]
            held += bool(v.get("held_back"))
            villages.append(
                {
                    "township": t["name"],
                    "township_id": t["id"],
                    "id": v["id"],
                    "name": v["name"],
                    "url": v.get("url") or "",
                    "held": bool(v.get("held_back")),
                    "held_reason": v.get("held_reason") or "",
                    "percent": v["score"]["percent"],
                    "on_time": v["score"]["on_time"],
                    "due": v["score"]["due"],
                    "counts": dict(v["counts"]),
                    "owed": _owed(v),
                }
            )
        for k in STATES:
            total[k] += tc[k]
        total_on_time += t_on_time
        total_due += t_due
        townships.append(
            {
                "id": t["id"],
                "name": t["name"],
                "county": t["county"],
                "url": t["base_url"],
                "as_of": f.data["generated_for"],
                "window": f.data.get("window") or {},
                "villages": len(f.data["villages"]),
                "held": held,
                "on_time": t_on_time,
                "due": t_due,
                "percent": _percent(t_on_time, t_due),
                "counts": tc,
                "source": f.name,
            }
        )
    villages.sort(key=_worst_key)
    counties = sorted({t["county"] for t in townships})
    dates = sorted({t["as_of"] for t in townships})
    county = "、".join(counties)
    definition = next((f.data.get("definition") for f in files if f.data.get("definition")), "")
    return {
        "title": f"{county}村务公开完成情况",
        "county": county,
        "as_of": dates[-1] if dates else "",
        "as_of_differs": len(dates) > 1,
        "definition": definition,
        "townships": townships,
        "villages": villages,
        "totals": {
            "townships": len(townships),
            "villages": len(villages),
            "held": sum(t["held"] for t in townships),
            "on_time": total_on_time,
            "due": total_due,
            "percent": _percent(total_on_time, total_due),
            "counts": total,
        },
    }


CSV_COLUMNS = (
    "township_id",
    "township",
    "village_id",
    "village",
    "percent",
    "on_time",
    "due",
    *[f"{s}" for s in STATES if s != "on_time"],
    "held_back",
    "as_of",
    "url",
)


def county_csv(page: dict) -> bytes:
    """One row per village, worst first (UTF-8 with a BOM, text cells inert, as open data)."""
    as_of = {t["id"]: t["as_of"] for t in page["townships"]}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for v in page["villages"]:
        c = v["counts"]
        w.writerow(
            [
                inert_cell(v["township_id"]),
                inert_cell(v["township"]),
                inert_cell(v["id"]),
                inert_cell(v["name"]),
                v["percent"] or "",
                v["on_time"],
                v["due"],
                *[c[s] for s in STATES if s != "on_time"],
                "true" if v["held"] else "false",
                as_of[v["township_id"]],
                inert_cell(v["url"]),
            ]
        )
    return (BOM + buf.getvalue()).encode("utf-8")


def county_json(page: dict) -> bytes:
    """The page's data as JSON (``cunwu-county/1``): totals, townships, villages worst first."""
    doc = {
        "schema": COUNTY_SCHEMA,
        "county": page["county"],
        "as_of": page["as_of"],
        "definition": page["definition"],
        "totals": page["totals"],
        "townships": page["townships"],
        "villages": page["villages"],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
