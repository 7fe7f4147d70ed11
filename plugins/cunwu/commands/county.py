"""``cunwu county``: one page over the townships of a county.

It reads the ``completeness.json`` each township site publishes (townships
keep their own repositories) and writes ``index.html``, ``county.csv``,
``county.json`` and the stylesheet into a folder any web server can serve.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PrivacyLeak, UsageError, ValidationFailed
from ..problems import Report, problem
from ..render.county import TownshipFile, county_csv, county_json, county_page, parse_township
from ..render.theme import default_theme, theme_env
from ..write.outputscan import scan_outputs


@dataclass
class CountyResult:
    out: Path
    page: dict[str, Any]
    files: list[str]


def read_townships(paths: list[Path]) -> list[TownshipFile]:
    """Every file read and checked; all problems of all files at once."""
    if not paths:
        raise UsageError("请给出至少一个乡镇的 completeness.json")
    report = Report()
    files: list[TownshipFile] = []
    seen: dict[str, str] = {}
    for path in paths:
        name = str(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"读不到文件 {name}：{exc.strerror or exc}") from None
        report.files_checked += 1
        f, problems = parse_township(name, raw)
        report.extend(problems)
        if f is None:
            continue
        tid = f.data["township"]["id"]
        if tid in seen:
            report.add(
                problem(name, 0, "duplicate-id", f"乡镇“{tid}”已在 {seen[tid]} 中出现（同一个乡镇给了两次）")
            )
            continue
        seen[tid] = name
        files.append(f)
    if report.errors:
        raise ValidationFailed(report, "乡镇的完成情况文件有错误，没有生成县级页面。")
    return files


def build_county(paths: list[Path], out: Path) -> CountyResult:
    """Write the county page into ``out``. Nothing is written if any file is bad
    or the output holds a personal number."""
    files = read_townships(paths)
    page = county_page(files)
    theme = default_theme()
    html = theme_env(theme).get_template("county.html").render(page=page)
    outputs = {
        "index.html": html.encode("utf-8"),
        "county.csv": county_csv(page),
        "county.json": county_json(page),
        "style.css": (theme / "static" / "style.css").read_bytes(),
        "favicon.svg": (theme / "static" / "favicon.svg").read_bytes(),
        "favicon.ico": (theme / "static" / "favicon.ico").read_bytes(),
    }
    leaks = scan_outputs(outputs, "", {rel: tuple(str(p) for p in paths) for rel in outputs}, [])
    if leaks:
        raise PrivacyLeak("县级页面中发现个人号码，没有写出：" + "；".join(p.format() for p in leaks))
    out.mkdir(parents=True, exist_ok=True)
    for rel, data in outputs.items():
        dst = out / rel
        if dst.is_file() and dst.read_bytes() == data:
            continue
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dst)
    return CountyResult(out, page, sorted(outputs))
