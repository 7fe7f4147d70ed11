"""Onboarding (issue 14): templates a person fills in, the month for the
township office, a new township repository, the next period's file."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from cunwu.commands.validate import load_project, validate
from cunwu.errors import UsageError
from cunwu.history.diff import diff_docs
from cunwu.ingest.api import ImportOptions, import_file
from cunwu.ingest.columns import Mapping, header_candidates, kind_of
from cunwu.ingest.export import ExportOptions, export_month
from cunwu.ingest.newperiod import NewOptions, new_file
from cunwu.ingest.template import TemplateOptions, make_templates
from cunwu.ingest.xlsxout import SheetLeak, checked_write
from cunwu.load.sheets.read import read_workbook
from cunwu.load.yamlsafe import parse_yaml
from cunwu.privacy import is_id18

from conftest import REPO, git

TEMPLATES = REPO / "tests" / "fixtures" / "sheets" / "templates"
SECRET = "qingshan-county-test-secret-2026"
TODAY = dt.date(2026, 12, 20)


@pytest.fixture
def project(tmp_path, isolated_git, monkeypatch):
    """A committed copy of the demo township, with an inbox outside it."""
    proj = tmp_path / "proj"
    proj.mkdir()
    for name in ("cunwu.yaml", "villages", "powers", "content", "schemas"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, proj / name)
    (proj / ".gitignore").write_text("build/\n.cunwu/\n")
    git(proj, "init", "-q")
    git(proj, "add", "-A")
    git(proj, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "demo")
    (tmp_path / "inbox").mkdir()
    monkeypatch.setenv("CUNWU_LINK_SECRET", SECRET)
    return proj


def errors(report) -> list[str]:
    return [p.format() for p in report.errors]


def sheet_xml(path: Path, sheet_name: str) -> str:
    """The XML of a sheet of an xlsx, found by its name."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{re.escape(sheet_name)}" sheetId="\d+" r:id="(rId\d+)"', book)[1]
        target = re.search(rf'Id="{rid}" Type="[^"]+" Target="([^"]+)"', rels)[1]
        return z.read("xl/" + target.lstrip("/").removeprefix("xl/")).decode()


# ---------------------------------------------------------------- templates


def test_templates_have_instructions_frozen_header_validation_and_text_ids(project, tmp_path):
    out = tmp_path / "templates"
    r = make_templates(TemplateOptions(project, "subsidy", village="dongshan", period="2026-11", out=out))
    assert (
        len(r.files) == 7
    )  # one per program of the township's list (six built in, 老人慰问金 of cunwu.yaml)
    f = make_templates(TemplateOptions(project, "finance", village="dongshan", period="2026-11", out=out))
    assert "674,062.37" in f.notes[0]  # October's closing balance
    mapping = Mapping.build()
    for path in [*r.files, *f.files]:
        wb = read_workbook(path.read_bytes(), path.name)
        assert [s.name for s in wb.sheets] == [
            "填写说明",
            "明细账" if "明细账" in path.name else "名单",
            "下拉选项",
        ]
        assert not any(s.hidden for s in wb.sheets)
        # the import finds exactly one table: the instructions and the lists never look like one
        tables = [(s.name, kind_of(cols)) for s in wb.sheets for _r, cols in header_candidates(s, mapping)]
        tables = [t for t in tables if t[1]]
        assert tables == [(wb.sheets[1].name, "finance" if "明细账" in path.name else "subsidy")], tables
        xml = sheet_xml(path, wb.sheets[1].name)
        assert '<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"/>' in xml
        assert xml.count("<dataValidation ") >= 5
        assert "<cols>" in xml
    dibao = next(p for p in r.files if "最低生活保障金" in p.name)
    xml = sheet_xml(dibao, "名单")
    # 组别 from the village's earlier rosters: a list that only warns
    assert re.search(r'<dataValidation type="list" errorStyle="warning"[^>]*sqref="E4:E303"', xml)
    assert "<formula1>'下拉选项'!$C$3:$C$" in xml
    # ID numbers: 15 or 18 characters, in a column formatted as text
    assert "LEN(C4)=18" in xml
    style = int(re.search(r'<c r="C4" s="(\d+)"/>', xml)[1])
    with zipfile.ZipFile(dibao) as z:
        styles = z.read("xl/styles.xml").decode()
    xfs = re.findall(r"<xf [^>]*>", styles.split("<cellXfs")[1])
    fmt_id = re.search(r'numFmtId="(\d+)"', xfs[style])[1]
    assert f'<numFmt numFmtId="{fmt_id}" formatCode="@"/>' in styles  # the text format
    wb = read_workbook(dibao.read_bytes(), dibao.name)
    lists = wb.sheets[2]
    assert [c.value for c in (row[2] for row in lists.rows[2:10])] == [
        "一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"
    ]  # fmt: skip
    ledger = f.files[0]
    xml = sheet_xml(ledger, "明细账")
    assert '<dataValidation type="date"' in xml and "<formula1>46327</formula1>" in xml  # 2026-11-01
    assert "ROUND(E4,2)=E4" in xml  # amounts: at most two decimals
    wb = read_workbook(ledger.read_bytes(), ledger.name)
    accounts = [row[0].value for row in wb.sheets[2].rows[2:] if row and row[0] is not None]
    assert "51301 办公费" in accounts and "101 库存现金" in accounts and "211 应付款" in accounts
    assert not any(a.startswith("151") for a in accounts)  # a fixed asset is not a statement line
    # widths fit Chinese: the summary column is wide, the 摘要 header alone would not need it
    assert re.search(r'<col min="4" max="4" width="40', xml)


def test_groups_declared_in_village_yaml_are_the_only_choice(project, tmp_path):
    village = project / "villages" / "dongshan" / "village.yaml"
    village.write_text(village.read_text("utf-8") + "groups:\n  - 一组\n  - 二组\n  - 茶园组\n", "utf-8")
    assert validate(project, history=False).ok()
    r = make_templates(TemplateOptions(project, "subsidy", program="dibao", village="dongshan", out=tmp_path))
    xml = sheet_xml(r.files[0], "名单")
    # "stop", the default style: Excel refuses any other value
    assert re.search(r'<dataValidation type="list" allowBlank="1"[^>]*sqref="E4:E303"', xml)
    wb = read_workbook(r.files[0].read_bytes(), "x.xlsx")
    assert [row[2].value for row in wb.sheets[2].rows[2:5]] == ["一组", "二组", "茶园组"]
    assert "village.yaml" in r.notes[0]


def test_committed_fixture_templates_are_what_cunwu_template_writes(project, tmp_path):
    """The filled fixtures were typed into templates of this layout: a template
    change must come with new fixtures (make-filled-templates.sh)."""
    make_templates(TemplateOptions(project, "finance", village="dongshan", period="2026-11", out=tmp_path))
    make_templates(
        TemplateOptions(
            project, "subsidy", program="dibao", village="dongshan", period="2026-11", out=tmp_path
        )
    )
    for name in ("东山村2026年11月明细账.xlsx", "东山村2026年11月最低生活保障金名单.xlsx"):
        fresh = read_workbook((tmp_path / name).read_bytes(), name)
        committed = read_workbook((TEMPLATES / name).read_bytes(), name)
        for a, b in zip(fresh.sheets, committed.sheets, strict=True):
            assert a.name == b.name
            assert [[c.value if c else None for c in row] for row in a.rows[:4]] == [
                [c.value if c else None for c in row] for row in b.rows[:4]
            ]


@pytest.mark.parametrize(
    "name,target,rows",
    [
        ("东山村2026年11月明细账-已填写.xlsx", "villages/dongshan/finance/2026-11.yaml", 8),
        (
            "东山村2026年11月最低生活保障金名单-已填写.xlsx",
            "villages/dongshan/subsidies/2026-11-dibao.yaml",
            6,
        ),
    ],
)
def test_a_template_filled_in_libreoffice_imports_without_edits(project, name, target, rows):
    result = import_file(
        ImportOptions(source=TEMPLATES / name, village="dongshan", project=project, today=TODAY)
    )
    assert result.ok, errors(result.report)
    assert result.target == target and result.rows == rows and result.status == "draft"
    assert validate(project, history=False).ok()
    text = (project / target).read_text("utf-8")
    for full in re.findall(r"[0-9]{17}[0-9X]", text):
        assert not is_id18(full)
    data = parse_yaml(target, text)[0].data
    if "finance" in target:
        assert data["opening_balance"] == "674062.37"  # the template's own 期初余额 row
        assert data["totals"] == {"income": "7312.46", "expense": "3799.10"}
        assert data["transfers"][0]["direction"] == "cash_to_bank"
        assert data["pass_through"][0]["paid"] == "22260.00"
        assert data["income"][0]["date"] == "2026-11-03"  # typed into a date column
    else:
        recipients = data["recipients"]
        assert [r["key"] for r in recipients[:4]] == ["DS-0003", "DS-0011", "DS-0017", "DS-0041"]
        assert recipients[5]["name"] == "孙桂芝" and recipients[5]["amount"] == "760.50"
        assert recipients[5]["start"] == "2026-11" and recipients[5]["id_masked"].startswith("990101********")
        assert data["total"] == "6820.50"


def test_an_unfilled_template_is_refused_without_a_traceback(project, tmp_path):
    r = make_templates(
        TemplateOptions(
            project, "subsidy", program="dibao", village="dongshan", period="2026-11", out=tmp_path
        )
    )
    result = import_file(ImportOptions(source=r.files[0], village="dongshan", project=project))
    assert not result.ok and [p.code for p in result.report.errors] == ["missing-field"]
    assert not (project / "villages/dongshan/subsidies/2026-11-dibao.yaml").exists()


def test_template_usage_errors(project, tmp_path):
    with pytest.raises(UsageError, match="季度"):
        make_templates(TemplateOptions(project, "finance", village="nanpo", period="2026-11", out=tmp_path))
    with pytest.raises(UsageError, match="不是已知的补贴项目"):
        make_templates(TemplateOptions(project, "subsidy", program="nope", out=tmp_path))
    with pytest.raises(UsageError, match="没有这个村"):
        make_templates(TemplateOptions(project, "finance", village="nope", out=tmp_path))
    r = make_templates(TemplateOptions(project, "finance", out=tmp_path))  # a blank template for anyone
    assert r.files[0].name == "明细账模板.xlsx"


# ---------------------------------------------------------------- export


def _village_of(name: str) -> str:
    return {"东山村": "dongshan", "西河村": "xihe", "南坡村": "nanpo"}[name.split(" ")[0]]


@pytest.mark.parametrize("month", ["2026-05", "2026-09", "2026-10"])
def test_export_then_import_gives_the_same_data(project, tmp_path, month):
    """Every statement and roster of the township's month goes out and comes
    back in; the semantic diff finds nothing but the correction entry that an
    import over an approved file adds (a draft comes back with no change)."""
    before = load_project(project, history=False)
    out = tmp_path / "inbox" / f"清水镇{month}.xlsx"
    result = export_month(ExportOptions(project, month, out=out))
    assert result.path == out and out.is_file()
    checked = 0
    for line in result.sheets:
        name = line.split("：")[0]
        if "公告" in name or "预算" in name or "决算" in name:
            continue  # notices, budgets and year-end accounts are exported, not imported
        vid = _village_of(name)
        draft = "草稿" in line
        period = name.split(" ")[-1] if "财务" in name else None
        r = import_file(
            ImportOptions(
                source=out,
                village=vid,
                project=project,
                sheet=name,
                period=period,
                correction=None if draft else "导出后原样导入",
                today=TODAY,
            )
        )
        assert r.ok, (name, errors(r.report))
        after = load_project(project, only={vid}, history=False)
        old = next(d for d in before.villages[vid].disclosures() if d.rel == r.target)
        new = next(d for d in after.villages[vid].disclosures() if d.rel == r.target)
        changes = [c.to_dict() for c in diff_docs(old.kind, old.model, new.model)]
        if draft:
            assert changes == [], (name, changes)
        else:
            assert changes == [
                {
                    "op": "added",
                    "where": f"corrections[date={TODAY}]",
                    "field": None,
                    "before": None,
                    "after": {"date": str(TODAY), "reason": "导出后原样导入"},
                    "label": changes[0]["label"],
                }
            ], (name, changes)
        checked += 1
    assert checked >= 4


def test_export_sheets_masked_ids_values_and_stamps(project, tmp_path):
    out = tmp_path / "dongshan.xlsx"
    result = export_month(ExportOptions(project, "2026-10", village="dongshan", out=out))
    wb = read_workbook(out.read_bytes(), out.name)
    assert [s.name for s in wb.sheets] == ["目录", "财务 2026-10", "最低生活保障金 2026-10"]
    proj = load_project(project, only={"dongshan"}, history=False)
    docs = {d.rel: d for d in proj.villages["dongshan"].disclosures()}
    fin = docs["villages/dongshan/finance/2026-10.yaml"]
    dibao = docs["villages/dongshan/subsidies/2026-10-dibao.yaml"]
    from cunwu.load.sheets.display import plain_text

    def texts(sheet):
        return [plain_text(c) for row in sheet.rows for c in row if c is not None]

    assert fin.stamp in " ".join(texts(wb.sheets[1])) and dibao.stamp in " ".join(texts(wb.sheets[2]))
    assert fin.stamp in " ".join(texts(wb.sheets[0]))
    cells = [c for row in wb.sheets[1].rows for c in row if c is not None]
    assert not any(c.kind == "f" for c in cells)  # values, never formulas
    assert any(c.kind == "n" and Decimal(repr(c.value)) == Decimal("674062.37") for c in cells)
    ids = [plain_text(row[4]) for row in wb.sheets[2].rows[3:17]]
    assert all(re.fullmatch(r"990101\*{8}[0-9]{3}[0-9X]", i) for i in ids), ids
    assert str(result.path) == str(out)
    # the default place is outside the site
    result = export_month(ExportOptions(project, "2026-10", village="dongshan"))
    assert result.path == project / "build" / "export" / "2026-10" / "东山村2026年10月村务公开.xlsx"
    assert "site" not in result.path.parts
    with pytest.raises(UsageError, match="build/site"):
        export_month(ExportOptions(project, "2026-10", out=project / "build" / "site" / "x.xlsx"))


def test_export_has_the_budget_of_its_adjustment_month_and_the_year_end_accounts(project, tmp_path):
    """A budget goes out in the month of its latest adjustment, one row per
    account with the original and adjusted amounts; year-end accounts in the
    month of their approval, with their totals as values."""
    from cunwu.load.sheets.display import plain_text

    def rows(path: Path, sheet: str) -> list[list[str]]:
        wb = read_workbook(path.read_bytes(), path.name)
        ws = next(s for s in wb.sheets if s.name == sheet)
        return [[plain_text(c) for c in row if c is not None and plain_text(c)] for row in ws.rows]

    out = tmp_path / "d.xlsx"
    result = export_month(ExportOptions(project, "2026-05", village="dongshan", out=out))
    assert any(s.startswith("预算 2026：东山村2026年度预算（调整 1 次）") for s in result.sheets)
    budget = rows(out, "预算 2026")
    assert budget[2] == ["类别", "科目编码", "科目名称", "年初预算（元）", "第1次调整后（元）"]
    assert ["支出", "51401", "道路维护", "30,000.00", "230,000.00"] in budget
    assert ["收入合计", "331,500.00", "531,500.00"] in budget
    text = " ".join(" ".join(r) for r in budget)
    assert "第1次预算调整（2026-05-18 公开" in text and "a013e3a192" in text

    out = tmp_path / "n.xlsx"
    export_month(ExportOptions(project, "2026-01", village="nanpo", out=out))
    yearend = " ".join(" ".join(r) for r in rows(out, "决算 2025"))
    assert "支出合计" in yearend and "年末余额 125,077.77 元" in yearend


def test_export_scans_its_cells_and_writes_nothing_with_a_leak(tmp_path):
    import xlsxwriter

    body = "990101194803010" + "01"
    from cunwu.privacy import id_check_char

    full = body + id_check_char(body)
    path = tmp_path / "x.xlsx"
    buf = tmp_path / "src.xlsx"
    wb = xlsxwriter.Workbook(str(buf))
    ws = wb.add_worksheet("名单")
    ws.write_string(3, 2, full)
    wb.close()
    with pytest.raises(SheetLeak) as info:
        checked_write(buf.read_bytes(), path)
    assert not path.exists()
    assert full not in str(info.value) and "名单!C4" in str(info.value)


def test_export_refuses_a_project_with_errors_and_a_month_without_disclosures(project, tmp_path):
    from cunwu.errors import ValidationFailed

    with pytest.raises(UsageError, match="没有财务公开"):
        export_month(ExportOptions(project, "2030-01", out=tmp_path / "x.xlsx"))
    bad = project / "villages/dongshan/finance/2026-10.yaml"
    bad.write_text(
        bad.read_text("utf-8").replace("closing_balance: 674062.37", "closing_balance: 1.00"), "utf-8"
    )
    with pytest.raises(ValidationFailed):
        export_month(ExportOptions(project, "2026-10", out=tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


# ---------------------------------------------------------------- new


def test_new_finance_starts_from_the_last_closing_balance(project):
    r = new_file(NewOptions(project, "finance", "dongshan"))
    assert r.rel == "villages/dongshan/finance/2026-11.yaml" and r.report.ok(strict=False)
    assert not r.report.errors
    text = (project / r.rel).read_text("utf-8")
    data = parse_yaml(r.rel, text)[0].data
    assert data["status"] == "draft" and data["opening_balance"] == "674062.37"
    assert data["closing_balance"] == "674062.37" and data["income"] == [] and data["expense"] == []
    assert "notice" not in data and "approved_on" not in data
    assert data["signoff"]["handler"] == "赵晓燕"
    assert "# 期初余额 = 上期（2026-10）期末余额" in text
    assert validate(project, history=False).ok()
    # a quarterly village gets the next quarter
    q = new_file(NewOptions(project, "finance", "nanpo"))
    assert q.rel == "villages/nanpo/finance/2026-Q4.yaml" and not q.report.errors
    with pytest.raises(UsageError, match="已经存在"):
        new_file(NewOptions(project, "finance", "dongshan", period="2026-11"))
    with pytest.raises(UsageError, match="季度"):
        new_file(NewOptions(project, "finance", "nanpo", period="2027-01"))


def test_new_finance_once_filled_validates(project):
    r = new_file(NewOptions(project, "finance", "dongshan"))
    path = project / r.rel
    text = path.read_text("utf-8").replace(
        "income: []",
        'income:\n  - {date: 2026-11-05, voucher: "记-001", account: "50101", summary: 收厂房租金, amount: 6500.00}',
    )
    text = text.replace("  income: 0.00", "  income: 6500.00").replace(
        "closing_balance: 674062.37", "closing_balance: 680562.37"
    )
    path.write_text(text, "utf-8")
    assert validate(project, history=False).ok(), validate(project, history=False).to_text()


def test_new_subsidy_keeps_last_months_rows_and_keys(project):
    r = new_file(NewOptions(project, "subsidy", "dongshan", program="dibao"))
    assert r.rel == "villages/dongshan/subsidies/2026-11-dibao.yaml" and not r.report.errors
    proj = load_project(project, only={"dongshan"}, history=False)
    docs = {d.rel: d for d in proj.villages["dongshan"].rosters}
    old, new = docs["villages/dongshan/subsidies/2026-10-dibao.yaml"], docs[r.rel]
    assert [x.key for x in new.model.recipients] == [x.key for x in old.model.recipients]
    assert new.model.total == old.model.total and new.model.status == "draft"
    assert new.model.notice.start == dt.date(2026, 11, 4)  # moved on by a month
    assert any("公示期" in t for t in r.todo)
    # an area x rate roster keeps its rate, a year on
    g = new_file(NewOptions(project, "subsidy", "dongshan", program="gengdi", period="2027-05"))
    assert not g.report.errors, g.report.to_text()
    with pytest.raises(UsageError, match="--program"):
        new_file(NewOptions(project, "subsidy", "dongshan"))
    with pytest.raises(UsageError, match="还没有"):
        new_file(NewOptions(project, "subsidy", "dongshan", program="tekun"))


# ---------------------------------------------------------------- init and its CI


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=文书", "-c", "user.email=clerk@example.org", "commit", "-qm", message)


def test_init_then_validate_and_build(tmp_path, isolated_git):
    from cunwu.commands.build import BuildOptions, build
    from cunwu.commands.init import InitOptions, init_project

    town = tmp_path / "town"
    r = init_project(InitOptions(town, township="shifan"))
    assert "cunwu validate" in "\n".join(r.summary)
    for rel in (
        "cunwu.yaml",
        "villages/shili/village.yaml",
        ".gitignore",
        "README.md",
        ".github/workflows/cunwu.yml",
        ".gitlab-ci.yml",
    ):
        assert (town / rel).is_file(), rel
    assert (town / ".git" / "hooks" / "pre-commit").is_file()
    assert "# 乡镇标识" in (town / "cunwu.yaml").read_text("utf-8")
    ignore = (town / ".gitignore").read_text("utf-8").split()
    assert {"*.xlsx", "*.xls", "*.ods", "*.csv", ".cunwu/", "build/"} <= set(ignore)
    readme = (town / "README.md").read_text("utf-8")
    assert "cunwu validate" in readme and "cunwu build" in readme
    _commit(town, "开始")
    report = validate(town)
    assert report.ok(strict=True), report.to_text()
    result = build(BuildOptions(path=town, progress=False))
    assert (result.site / "shili" / "index.html").is_file()
    # a spreadsheet in the new repository is ignored by git
    (town / "名单.xlsx").write_bytes(b"PK")
    assert git(town, "status", "--porcelain") == ""
    with pytest.raises(UsageError, match="不是空文件夹"):
        init_project(InitOptions(town))


def _steps_github(path: Path) -> tuple[dict, list[tuple[str, str, str]]]:
    wf = yaml.safe_load(path.read_text("utf-8"))
    steps = wf["jobs"]["build"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    return wf["env"], [(s.get("name", ""), s.get("if", ""), s["run"]) for s in steps if "run" in s]


def _script_gitlab(path: Path) -> tuple[dict, str]:
    ci = yaml.safe_load(path.read_text("utf-8"))
    assert ci["variables"]["GIT_DEPTH"] == "0"
    job = ci["pages"]
    return ci["variables"], "\n".join(job["before_script"] + job["script"])


@pytest.mark.slow
def test_the_ci_workflows_commands_publish_a_new_township(tmp_path, isolated_git):
    """Run the workflows' own commands, as written, in fresh full clones: the
    first publication (GitHub's), then an ordinary push (GitLab's) that checks
    the published versions.json, served over HTTP at the township's base_url.
    Only where cunwu comes from (CUNWU_SPEC: this checkout) and the Debian
    install (a stand-in that logs) differ from a real runner."""
    import http.server
    import socket
    import threading

    from cunwu.commands.init import InitOptions, init_project

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    town = tmp_path / "town"
    init_project(InitOptions(town, township="shifan"))
    cfg = town / "cunwu.yaml"
    cfg.write_text(
        cfg.read_text("utf-8").replace("https://example.org/shifan/", f"http://127.0.0.1:{port}/"), "utf-8"
    )
    _commit(town, "开始村务公开")

    # the runner: a Python with cunwu's dependencies (this venv's) but not cunwu itself
    venv = tmp_path / "runner"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site_packages = next(venv.glob("lib/python3*/site-packages"))
    here = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "pip").is_dir())
    (site_packages / "_runner_deps.pth").write_text(here + "\n")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    log = tmp_path / "apt.log"
    (stubs / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    (stubs / "apt-get").write_text(f'#!/bin/sh\necho "apt-get $*" >> {log}\n')
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}:{stubs}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "CUNWU_SPEC": str(REPO),
    }
    env.pop("VIRTUAL_ENV", None)

    def runner(name: str) -> Path:
        clone = tmp_path / name
        git(tmp_path, "clone", "-q", str(town), str(clone))
        assert git(clone, "rev-parse", "--is-shallow-repository") == "false"
        return clone

    # 1. GitHub Actions, first publication (workflow_dispatch with the box ticked)
    wf_env, steps = _steps_github(town / ".github/workflows/cunwu.yml")
    assert "--require-history --manifest" in steps[-1][2]
    first = runner("gh")
    script = "set -e\n" + "\n".join(run for _n, _if, run in steps)
    env1 = {**env, "FIRST_PUBLICATION": "1"}
    r = subprocess.run(
        ["bash", "-c", script], cwd=first, env=env1, capture_output=True, text=True, timeout=600
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "apt-get install" in log.read_text() and "fonts-noto-cjk" in log.read_text()
    site = first / "build" / "site"
    assert (site / "versions.json").is_file() and (site / "shili" / "index.html").is_file()
    # the runner's cunwu is the installed one, not this checkout
    which = subprocess.run(["bash", "-c", "command -v cunwu"], env=env, capture_output=True, text=True)
    assert which.stdout.strip() == str(venv / "bin" / "cunwu")

    # 2. GitLab CI, an ordinary push: checks the live versions.json
    variables, script = _script_gitlab(town / ".gitlab-ci.yml")
    assert "--require-history --manifest" in script and variables["CUNWU_SPEC"] == "cunwu==0.1.0"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    def handler(*a, **kw):
        return Quiet(*a, directory=str(site), **kw)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        second = runner("gl")
        r = subprocess.run(
            ["bash", "-c", "set -e\n" + script],
            cwd=second,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        assert (second / "public" / "versions.json").is_file()
    finally:
        server.shutdown()
    # 3. with the live site unreachable an ordinary push fails: no silent first publication
    third = runner("gl2")
    r = subprocess.run(
        ["bash", "-c", "set -e\n" + script], cwd=third, env=env, capture_output=True, text=True, timeout=600
    )
    assert r.returncode != 0 and "versions.json" in r.stdout + r.stderr


# ---------------------------------------------------------------- the README's words, from a fresh clone


def _readme_blocks() -> dict[str, str]:
    """The README's sh blocks, keyed by the section they are in."""
    text = (REPO / "README.md").read_text("utf-8")
    out: dict[str, str] = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title = section.splitlines()[0].strip()
        blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
        if blocks:
            out[title] = "\n".join(blocks)
    return out


def test_every_command_has_a_make_target():
    from cunwu.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    makefile = (REPO / "Makefile").read_text("utf-8")
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.M))
    assert set(action.choices) <= targets, set(action.choices) - targets
    for name in action.choices:
        recipe = re.search(rf"^{name}:.*\n\t(.*)", makefile, re.M)[1]
        assert f"cunwu {name}" in recipe or name in ("serve",) and "cunwu serve" in recipe, (name, recipe)


def test_the_readme_has_exactly_two_setup_commands():
    blocks = _readme_blocks()
    setup = [ln.split("#")[0].strip() for ln in blocks["Two commands"].splitlines() if ln.strip()]
    assert setup == ["make demo", "make test"]
    assert blocks["Typing `cunwu` yourself"].strip() == ". .venv/bin/activate"


@pytest.mark.slow
def test_the_readme_words_work_as_written_in_a_fresh_clone(tmp_path):
    """Clone this repository, run `make demo` as the README says (until it
    serves the demo), then the README's one line that puts `cunwu` on the PATH,
    and a make target: no "command not found"."""
    import signal
    import socket
    import time
    import urllib.request

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    blocks = _readme_blocks()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if ".venv" not in p)
    env["PORT"] = str(port)
    demo = next(ln.split("#")[0].strip() for ln in blocks["Two commands"].splitlines() if "demo" in ln)
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen(
        ["sh", "-c", demo], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    assert resp.status == 200 and "村务公开" in resp.read().decode("utf-8")
                    break
            except OSError:
                time.sleep(2)
        else:
            pytest.fail("make demo did not serve the demo: " + (tmp_path / "demo.log").read_text()[-2000:])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    # a new terminal: without the README's line there is no cunwu, with it there is
    missing = subprocess.run(
        ["sh", "-c", "command -v cunwu"], cwd=clone, env=env, capture_output=True, text=True
    )
    assert missing.returncode != 0
    activate = blocks["Typing `cunwu` yourself"].strip()
    r = subprocess.run(
        ["sh", "-c", f"{activate}\ncommand -v cunwu\ncunwu validate --no-history"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and "校验通过" in r.stdout, r.stdout + r.stderr
    assert r.stdout.splitlines()[0] == str(clone / ".venv" / "bin" / "cunwu")
    r = subprocess.run(
        ["make", "template", "KIND=finance", "VILLAGE=dongshan", "PERIOD=2026-11"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert (clone / "build" / "templates" / "东山村2026年11月明细账.xlsx").is_file()


def test_a_roster_group_outside_the_declared_groups_is_a_warning(project):
    village = project / "villages" / "dongshan" / "village.yaml"
    groups = "groups: [一组, 二组, 三组, 四组, 五组, 六组, 七组]\n"  # 八组 left out
    village.write_text(village.read_text("utf-8") + groups, "utf-8")
    report = validate(project, history=False)
    found = {(p.file, p.code, p.severity) for p in report.problems if p.code == "unknown-village-group"}
    assert ("villages/dongshan/subsidies/2026-10-dibao.yaml", "unknown-village-group", "warning") not in found
    assert ("villages/dongshan/subsidies/2026-09-gaoling.yaml", "unknown-village-group", "warning") in found
    assert report.ok() and not report.ok(strict=True)


# ---------------------------------------------------------------- budgets


def _budget_sheet(path: Path, rows: list[tuple], signed: bool = True) -> Path:
    """A budget as a bookkeeper fills in the template: the template's title, unit
    line and header, then the rows, and the signature block (written here with
    xlsxwriter, numbers as Excel stores them: doubles)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("预算")
    ws.write_string(0, 0, path.stem)
    ws.write_string(1, 0, "单位：元")
    for i, h in enumerate(["类别", "科目编码", "科目名称", "预算金额（元）", "说明"]):
        ws.write_string(2, i, h)
    for k, row in enumerate(rows):
        for i, v in enumerate(row):
            if isinstance(v, float | int):
                ws.write_number(3 + k, i, v)
            elif v:
                ws.write_string(3 + k, i, v)
    if signed:
        for k, (label, name) in enumerate(
            (("制表人：", "孙晓丽"), ("审核人：", "周建国"), ("负责人：", "吴明远"))
        ):
            ws.write_string(5 + len(rows) + k, 0, label)
            ws.write_string(5 + len(rows) + k, 1, name)
    wb.close()
    return path


def test_budget_template_has_the_headers_the_import_reads(project, tmp_path):
    from cunwu.ingest.budget import find_header

    result = make_templates(TemplateOptions(project, "budget", village="xihe", period="2027", out=tmp_path))
    [path] = result.files
    assert path.name == "西河村2027年度预算.xlsx"
    wb = read_workbook(path.read_bytes(), path.name)
    assert [s.name for s in wb.sheets] == ["填写说明", "预算", "下拉选项"]
    header, cols = find_header(wb.sheets[1])
    assert header == 2 and set(cols) == {"section", "account", "name", "amount", "note"}
    assert "四议两公开" in " ".join(str(c.value) for row in wb.sheets[0].rows for c in row if c is not None)
    with pytest.raises(UsageError, match="年份"):
        make_templates(TemplateOptions(project, "budget", period="2027-01", out=tmp_path))


def test_budget_import_writes_a_draft_that_validates(project, tmp_path):
    src = _budget_sheet(
        tmp_path / "inbox" / "西河村2027年度预算.xlsx",
        [
            ("收入", "50301", "村级组织运转经费补助", 160000, "镇拨付"),
            ("", "50101", "集体资产租赁收入", 43250.5, ""),
            ("支出", "513 管理费用", "", 30000, "办公、误工补贴"),
            ("支出", "51402", "环境卫生", 1234.5, ""),
        ],
    )
    r = import_file(ImportOptions(source=src, village="xihe", project=project, kind="budget"))
    assert r.ok, errors(r.report)
    assert r.target == "villages/xihe/budget/2027.yaml"
    data = yaml.safe_load((project / r.target).read_text("utf-8"))
    assert data["status"] == "draft" and str(data["year"]) == "2027"
    assert [(x["account"], str(x["amount"])) for x in data["expense"]] == [
        ("513", "30000.0"),
        ("51402", "1234.5"),
    ]
    assert data["signoff"] == {"handler": "孙晓丽", "oversight": ["周建国"], "approver": "吴明远"}
    assert validate(project, history=False).ok()


def test_budget_import_refuses_bad_cells_and_an_approved_budget(project, tmp_path):
    src = _budget_sheet(
        tmp_path / "inbox" / "西河村2027年度预算.xlsx",
        [
            ("支出", "599", "", 100, ""),
            ("支出", "51402", "", 1200.555, ""),
            ("收入", "513", "", 50, ""),
            ("支出", "51401", "", 10, ""),
            ("支出", "51401", "", 20, ""),
        ],
    )
    r = import_file(ImportOptions(source=src, village="xihe", project=project, kind="budget"))
    got = sorted((p.code, p.cell) for p in r.report.errors)
    assert got == [
        ("account-kind-mismatch", "B6"),
        ("duplicate-id", "B8"),
        ("money-format", "D5"),
        ("unknown-account", "B4"),
    ], got
    assert not (project / "villages" / "xihe" / "budget").exists()

    # dongshan's 2026 budget is approved: an import never replaces it
    before = (project / "villages" / "dongshan" / "budget" / "2026.yaml").read_bytes()
    ok = _budget_sheet(tmp_path / "inbox" / "东山村2026年度预算.xlsx", [("支出", "513", "", 100, "")])
    r = import_file(ImportOptions(source=ok, village="dongshan", project=project, kind="budget"))
    assert [p.code for p in r.report.errors] == ["sheet-kind"]
    assert "adjustments" in r.report.errors[0].message
    assert (project / "villages" / "dongshan" / "budget" / "2026.yaml").read_bytes() == before
