"""The audit's report: HTML grouped by village and rule, CSV, JSON, and counts.

Written under ``build/audit/`` (never ``build/site/``: ``cunwu serve`` does not
serve it, and a build never publishes it). Each finding shows its evidence:
files and lines (linked to the public page where there is one), names and
masked IDs only, amounts. ``--format text`` prints counts per rule and
severity only, never a name: CI logs can be public.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from pathlib import Path

from .findings import RULES, SEVERITIES, SEVERITY_ZH, Finding, rank


def order(findings: list[Finding], names: dict[str, str]) -> list[Finding]:
    return sorted(
        findings, key=lambda f: (names.get(f.village, f.village), rank(f.severity), f.rule, f.summary)
    )


def to_json(findings: list[Finding], meta: dict) -> str:
    return (
        json.dumps({"meta": meta, "findings": [f.as_dict() for f in findings]}, ensure_ascii=False, indent=1)
        + "\n"
    )


def to_csv(findings: list[Finding], names: dict[str, str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        [
            "编号",
            "严重程度",
            "规则",
            "规则名称",
            "村",
            "说明",
            "金额（元）",
            "匹配强度",
            "证据数",
            "已审核",
            "新发现",
            "证据",
        ]
    )
    for f in findings:
        w.writerow(
            [
                f.id,
                SEVERITY_ZH[f.severity],
                f.rule,
                RULES[f.rule].title,
                names.get(f.village, f.village),
                _inert(f.summary),
                f.as_dict()["amount"],
                f.strength,
                f.size,
                "是" if f.reviewed else "",
                "是" if f.new else "",
                _inert("；".join(f"{e.file}:{e.line} {e.text}" for e in f.evidence)),
            ]
        )
    return "\ufeff" + buf.getvalue()


def _inert(v: str) -> str:
    return "'" + v if v.startswith(("=", "+", "-", "@", "\t", "\r")) else v


def counts(findings: list[Finding]) -> str:
    """Counts per rule and severity only: no name, no number, no place."""
    c = Counter((f.rule, f.severity, f.reviewed) for f in findings)
    lines = ["rule\tseverity\tunreviewed\treviewed"]
    for rule in RULES:
        sev = RULES[rule].severity
        open_, done = c[(rule, sev, False)], c[(rule, sev, True)]
        if open_ or done:
            lines.append(f"{rule}\t{sev}\t{open_}\t{done}")
    by_sev = Counter(f.severity for f in findings if not f.reviewed)
    lines.append("total\t" + " ".join(f"{s}={by_sev[s]}" for s in SEVERITIES))
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5rem;max-width:70rem;line-height:1.5}
h2{border-bottom:2px solid #333;margin-top:2rem}.f{border:1px solid #ccc;border-radius:4px;padding:.5rem 1rem;margin:.6rem 0}
.high{border-left:6px solid #b00020}.medium{border-left:6px solid #e07000}.low{border-left:6px solid #c8a800}.info{border-left:6px solid #3a7bd5}
.tag{font-size:.8rem;padding:0 .4rem;border-radius:3px;background:#eee;margin-right:.4rem}.new{background:#ffe08a}
.rev{opacity:.55}ul{margin:.3rem 0}code{font-size:.85rem}
"""


def to_html(findings: list[Finding], names: dict[str, str], meta: dict) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<meta name='robots' content='noindex'><title>村务审计发现</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>村务审计发现（内部资料，不公开）</h1>",
        f"<p>生成于 {e(meta['generated'])}；审计截止 {e(meta['as_of'] or '全部')}；"
        f"名册：{e('、'.join(meta['registers']) or '无')}。共 {len(findings)} 条，"
        f"未审核 {sum(not f.reviewed for f in findings)} 条。</p>",
    ]
    if meta.get("skipped"):
        parts.append(
            "<p>未审计的村："
            + e("；".join(f"{names.get(k, k)}：{v}" for k, v in meta["skipped"].items()))
            + "</p>"
        )
    village = rule = None
    for f in findings:
        if f.village != village:
            village, rule = f.village, None
            parts.append(f"<h2>{e(names.get(f.village, f.village))}</h2>")
        if f.rule != rule:
            rule = f.rule
            parts.append(f"<h3>{e(RULES[f.rule].title)} <code>{e(f.rule)}</code></h3>")
        cls = f"f {f.severity}" + (" rev" if f.reviewed else "")
        tags = f"<span class='tag'>{e(SEVERITY_ZH[f.severity])}</span>"
        if f.new:
            tags += "<span class='tag new'>新发现</span>"
        if f.reviewed:
            tags += "<span class='tag'>已审核</span>"
        if f.strength:
            tags += f"<span class='tag'>匹配：{e('身份证关联码' if f.strength == 'linkage' else '姓名+脱敏号')}</span>"
        amount = f"，金额 {e(f.as_dict()['amount'])} 元" if f.amount_fen else ""
        parts.append(
            f"<div class='{cls}' id='f-{f.id}'><p>{tags}<code>{f.id}</code></p><p>{e(f.summary)}{amount}</p><ul>"
        )
        for ev in f.evidence:
            where = f"{e(ev.file)}:{ev.line}"
            if ev.url:
                where = f"<a href='{e(ev.url)}'>{where}</a>"
            parts.append(f"<li>{where} {e(ev.text)}</li>")
        parts.append("</ul></div>")
    if not findings:
        parts.append("<p>没有发现问题。</p>")
    parts.append("</body></html>\n")
    return "".join(parts)


def write_report(out: Path, findings: list[Finding], names: dict[str, str], meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("index.html", to_html(findings, names, meta)),
        ("findings.csv", to_csv(findings, names)),
        ("findings.json", to_json(findings, meta)),
    ):
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, "utf-8")
        tmp.replace(out / name)
