"""What ``cunwu import`` prints: the problems, then what was written and how long it took."""

from __future__ import annotations

import json
from dataclasses import asdict

_HOW = {
    "household": "按户号",
    "linkage": "按身份证关联码",
    "name-id": "按姓名和脱敏身份证号",
    "name-group": "按姓名和组别",
}


def render_result(result, fmt: str = "text") -> str:
    report = result.report
    if fmt == "json":
        return json.dumps(
            {
                "ok": result.ok,
                "written": result.written,
                "target": result.target,
                "kind": result.kind,
                "program": result.program,
                "period": result.period,
                "sheet": result.sheet,
                "status": result.status,
                "rows": result.rows,
                "matched": result.matched,
                "new_keys": result.new_keys,
                "linkage": result.linkage,
                "sidecar": result.sidecar,
                "timings": {k: round(v, 3) for k, v in result.timings.items()},
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "problems": [asdict(p) for p in report.sorted()],
            },
            ensure_ascii=False,
            indent=2,
        )
    lines = [p.format() for p in report.sorted()]
    if result.written:
        what = {"subsidy": "补贴名单", "finance": "财务公开", "budget": "年度预算"}.get(result.kind, "")
        state = (
            "已审核公开，保留原审核日期并新增一条更正记录"
            if result.status == "approved"
            else "草稿，审核后再公开"
        )
        lines.append(f"已写入 {result.target}（{what}，{result.rows} 行；{state}），校验通过。")
        if result.matched or result.new_keys:
            parts = [f"{_HOW.get(k, k)}对上 {n} 人" for k, n in sorted(result.matched.items())]
            if result.new_keys:
                shown = "、".join(result.new_keys[:5]) + ("……" if len(result.new_keys) > 5 else "")
                parts.append(f"新增 {len(result.new_keys)} 人（{shown}）")
            lines.append("行标识：" + "，".join(parts) + "。")
        if result.linkage:
            lines.append(result.linkage + "。")
    else:
        lines.append(
            f"没有写入任何文件：{len(report.errors)} 个错误，{len(report.warnings)} 个警告。改正后重新导入。"
        )
    t = result.timings
    if t:
        lines.append(
            "用时 {:.2f} 秒（读取表格 {:.2f}，载入本村资料 {:.2f}，转换 {:.2f}，写入并校验 {:.2f}）。".format(
                t.get("total", 0),
                t.get("read", 0),
                t.get("load", 0),
                t.get("convert", 0),
                t.get("write+validate", 0),
            )
        )
    return "\n".join(lines)
