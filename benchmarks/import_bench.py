"""How fast `cunwu import` is: a 2,000-row roster and a 5,000-line ledger.

Targets (issue 13): a 2,000-row roster under 2 s, a 5,000-line ledger under
3 s, each end to end (read the sheet, load the village, convert, write the
YAML, validate the village). The sheets are .xlsx files written here in the
shape LibreOffice and Excel write (shared strings, styles with number
formats, a title row and a 合计 row); the project is a copy of the demo
township in a temporary folder. Prints a table; run it with

    .venv/bin/python benchmarks/import_bench.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from cunwu.ingest.api import ImportOptions, import_file  # noqa: E402
from cunwu.validate.privacy import id_check_char  # noqa: E402

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "春秋冬梅兰竹菊松柏杨柳明亮建国志强文斌海林金凤秀英桂兰玉珍"
GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"]


def xlsx(rows: list[list], sheet: str, money_cols: set[int]) -> bytes:
    """A workbook in the form Excel and LibreOffice save: shared strings,
    a #,##0.00 style for money, numbers stored as their text."""
    strings: dict[str, int] = {}
    out_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            ref = f"{chr(65 + c)}{r}"
            if isinstance(v, str):
                i = strings.setdefault(v, len(strings))
                cells.append(f'<c r="{ref}" t="s"><v>{i}</v></c>')
            else:
                style = ' s="1"' if c in money_cols else ""
                cells.append(f'<c r="{ref}"{style} t="n"><v>{v}</v></c>')
        out_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {ns} {rel_ns}><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet {ns}><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="4"/></cellXfs></styleSheet>',
        "xl/sharedStrings.xml": f'<sst {ns} count="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        + "</sst>",
        "xl/worksheets/sheet1.xml": f"<worksheet {ns}><sheetData>{''.join(out_rows)}</sheetData>"
        '<mergeCells count="1"><mergeCell ref="A1:H1"/></mergeCells></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in files.items():
            z.writestr(name, body)
    return buf.getvalue()


def fake_id(n: int) -> str:
    body = f"990101{1940 + n % 60:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + id_check_char(body)


def roster_sheet(n: int) -> bytes:
    rows: list[list] = [
        ["东山村2026年11月农村最低生活保障金发放名单"],
        ["", "", "", "", "", "", "", "单位：元"],
    ]
    rows.append(["序号", "户主姓名", "身份证号码", "户号", "组别", "家庭人口", "发放金额（元）", "备注"])
    total = Decimal(0)
    for i in range(n):
        name = SURNAMES[i % 20] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 13 + 5) % len(GIVEN)]
        amount = Decimal(300 + (i * 37) % 1500) + Decimal((i % 4) * 25) / 100
        total += amount
        rows.append(
            [str(i + 1), name, fake_id(i), f"10120{i:05d}", GROUPS[i % 8], 1 + i % 5, float(amount), ""]
        )
    rows.append(["合计", "", "", "", "", "", float(total), ""])
    rows.append(["制表人：刘春华", "", "审核人：孙德福", "", "负责人：陈立明"])
    return xlsx(rows, "低保名单", {6})


def ledger_sheet(n: int, opening: Decimal) -> bytes:
    rows: list[list] = [["东山村股份经济合作社 货币资金明细账 2026年11月"]]
    rows.append(["日期", "凭证字号", "科目编码", "摘要", "借方金额", "贷方金额", "余额", "经办人", "审批人"])
    rows.append(["", "", "", "期初余额", "", "", float(opening)])
    bal = opening
    debit_sum = credit_sum = Decimal(0)
    accounts = [
        ("50101", "收标准厂房租金"),
        ("51301", "购买办公用品"),
        ("51302", "发放误工补贴"),
        ("51401", "道路维修"),
    ]
    for i in range(n):
        code, summary = accounts[i % 4]
        amount = Decimal(100 + (i * 53) % 5000) + Decimal(i % 100) / 100
        day = 1 + i % 30
        debit = amount if code.startswith("50") else Decimal(0)
        credit = amount if not debit else Decimal(0)
        bal += debit - credit
        debit_sum += debit
        credit_sum += credit
        rows.append(
            [
                f"2026-11-{day:02d}",
                f"记-{i + 1:04d}",
                code,
                f"{summary}（第{i + 1}笔）",
                float(debit) if debit else None,
                float(credit) if credit else None,
                float(bal),
                "" if debit else "赵晓燕",
                "" if debit else "陈立明",
            ]
        )
    rows.append(["", "", "", "本月合计", float(debit_sum), float(credit_sum), float(bal)])
    return xlsx(rows, "明细账", {4, 5, 6})


def project_copy(tmp: Path) -> Path:
    """A copy of the demo township, outside this repository."""
    proj = tmp / "proj"
    proj.mkdir(parents=True)
    for name in ("cunwu.yaml", "villages", "powers", "content", "schemas"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, proj / name)
    subprocess.run(["git", "init", "-q"], cwd=proj, check=True)
    return proj


def timed(proj: Path, sheet: Path, target: str, fresh: bool) -> dict:
    if fresh:
        (proj / target).unlink(missing_ok=True)
        shutil.rmtree(proj / ".cunwu", ignore_errors=True)
    t = time.perf_counter()
    result = import_file(ImportOptions(source=sheet, village="dongshan", project=proj))
    wall = time.perf_counter() - t
    if not result.ok:
        raise SystemExit(result.report.to_text())
    return {"wall": wall, **result.timings, "rows": result.rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--roster", type=int, default=2000)
    ap.add_argument("--ledger", type=int, default=5000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        inbox = tmp / "inbox"
        inbox.mkdir()
        roster = inbox / "2026-11-低保.xlsx"
        roster.write_bytes(roster_sheet(args.roster))
        ledger = inbox / "东山村2026年11月明细账.xlsx"
        ledger.write_bytes(ledger_sheet(args.ledger, Decimal("674062.37")))
        cases = [
            ("roster, new keys", roster, "villages/dongshan/subsidies/2026-11-dibao.yaml", True, 2.0),
            ("roster, re-import", roster, "villages/dongshan/subsidies/2026-11-dibao.yaml", False, 2.0),
            ("ledger", ledger, "villages/dongshan/finance/2026-11.yaml", True, 3.0),
        ]
        print(
            f"cunwu import: {args.roster}-row roster ({roster.stat().st_size // 1024} KB xlsx), "
            f"{args.ledger}-line ledger ({ledger.stat().st_size // 1024} KB xlsx); median of {args.rounds} rounds\n"
        )
        print(
            f"{'case':<20}{'rows':>6}{'total s':>9}{'read':>7}{'load':>7}{'convert':>9}{'write+val':>11}{'target':>8}"
        )
        for i, (label, sheet, target, fresh, limit) in enumerate(cases):
            if i != 1:  # the re-import runs where the first import left its roster and sidecar
                proj = project_copy(tmp / f"p{i}")
            runs = [timed(proj, sheet, target, fresh) for _ in range(args.rounds)]
            med = {
                k: statistics.median(r[k] for r in runs)
                for k in ("wall", "read", "load", "convert", "write+validate")
            }
            ok = "ok" if med["wall"] < limit else "SLOW"
            print(
                f"{label:<20}{runs[0]['rows']:>6}{med['wall']:>9.2f}{med['read']:>7.2f}{med['load']:>7.2f}"
                f"{med['convert']:>9.2f}{med['write+validate']:>11.2f}{f'<{limit:.0f} {ok}':>8}"
            )


if __name__ == "__main__":
    main()
