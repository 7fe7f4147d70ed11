"""`cunwu import`: real spreadsheets in (made by LibreOffice, see
tests/fixtures/sheets/make_fixtures.py), validated YAML out, full ID numbers
masked at the door and found nowhere afterwards."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.ingest import cells
from cunwu.ingest.api import ImportOptions, import_file
from cunwu.ingest.write import render
from cunwu.load.sheets.read import Cell, read_workbook
from cunwu.load.yamlsafe import parse_yaml
from cunwu.privacy import is_id18
from cunwu.problems import Problem, Report

from conftest import REPO, git

SHEETS = REPO / "tests" / "fixtures" / "sheets"
SECRET = "qingshan-county-test-secret-2026"
TODAY = dt.date(2026, 11, 20)
PLATFORM = "2026-11-低保-平台导出"


def make_id(body17: str) -> str:
    from cunwu.privacy import id_check_char

    return body17 + id_check_char(body17)


def fixture_ids() -> set[str]:
    """Every full ID number the fixtures hold (read from the UTF-8 export)."""
    text = (SHEETS / f"{PLATFORM}.utf8.csv").read_text("utf-8")
    text += (SHEETS / "2026-10-低保-模板填写.xlsx").name  # (no IDs in a name)
    found = {m for m in re.findall(r"[0-9]{17}[0-9X]", text) if is_id18(m)}
    assert len(found) == 6, found
    return found


@pytest.fixture
def project(tmp_path, isolated_git, monkeypatch):
    """A committed copy of the demo township, an inbox of sheets outside it,
    and a TMPDIR of its own (searched for leaks afterwards)."""
    proj = tmp_path / "proj"
    proj.mkdir()
    for name in ("cunwu.yaml", "villages", "powers", "content", "schemas"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, proj / name)
    git(proj, "init", "-q")
    git(proj, "add", "-A")
    git(proj, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "demo")
    inbox = tmp_path / "inbox"
    shutil.copytree(SHEETS, inbox, ignore=shutil.ignore_patterns("*.py", "*.sh"))
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("CUNWU_LINK_SECRET", SECRET)
    return proj


def run(project: Path, name: str, **kw):
    inbox = project.parent / "inbox"
    kw.setdefault("village", "dongshan")
    kw.setdefault("today", TODAY)
    return import_file(ImportOptions(source=inbox / name, project=project, **kw))


def codes(result) -> list[tuple[str, str, str]]:
    return [(p.code, p.sheet, p.cell) for p in result.report.sorted() if p.severity == "error"]


def roster(project: Path, rel: str) -> dict:
    located, problems = parse_yaml(rel, (project / rel).read_text("utf-8"))
    assert not problems
    return located.data


# ---------------------------------------------------------------- real sheets, every format

FORMATS = ["xlsx", "xls", "ods", "gb18030.csv", "utf8.csv", "utf8-bom.csv", "utf16.csv"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_platform_export_in_every_format(project, fmt):
    result = run(project, f"{PLATFORM}.{fmt}")
    assert result.ok, result.report.to_text()
    assert result.written and result.target == "villages/dongshan/subsidies/2026-11-dibao.yaml"
    assert (result.kind, result.program, result.period) == ("subsidy", "dibao", "2026-11")
    data = roster(project, result.target)
    assert data["status"] == "draft"
    rows = {r["name"]: r for r in data["recipients"]}
    # keys of people on earlier rosters (name + masked ID), new people the next numbers
    assert {n: r["key"] for n, r in rows.items()} == {
        "吴月娥": "DS-0003",
        "陈彩霞": "DS-0011",  # a full-width space inside the name, removed
        "王堃": "DS-0017",
        "赵新民": "DS-0041",
        "李\U0002b4f9": "DS-0065",  # a character outside the BMP, kept
        "周新华": "DS-0066",
    }
    assert rows["王堃"]["amount"] == "1234.50"  # stored 1234.4999999999998 in xlsx, xls, ods
    assert rows["李\U0002b4f9"]["amount"] == "650.50"
    assert rows["吴月娥"]["id_masked"] == "990101********2321"
    assert rows["陈彩霞"]["start"] == "2023-12" and rows["周新华"]["people"] == "4"
    assert data["total"] == "7265.00"  # and the sheet's 合计 row agreed
    assert data["notice"] == {"start": "2026-11-04", "end": "2026-11-10"}  # from the sheet's 公示时间
    assert "联系电话" not in (project / result.target).read_text("utf-8")
    found = {(p.code, p.cell) for p in result.report.warnings}
    assert ("column-dropped", "H3") in found  # the mobile column
    if fmt in ("xlsx", "xls", "ods"):
        assert ("money-float-corrected", "I6") in found
        assert any(p.sheet == "低保名单" for p in result.report.warnings)
    else:
        assert ("cell-normalised", "I5") in found  # "2,100.00" as text in a CSV
    text = (project / result.target).read_text("utf-8")
    for full in fixture_ids():
        assert full not in text
    assert text.startswith("# yaml-language-server: $schema=../../../schemas/subsidy.schema.json\n")


def test_every_format_reads_the_same_cells():
    """xlsx, xls and ods made by LibreOffice from one sheet give the same
    table: the readers agree on values, hidden rows and merged cells."""
    books = {
        f: read_workbook((SHEETS / f"{PLATFORM}.{f}").read_bytes(), f"x.{f}") for f in ("xlsx", "xls", "ods")
    }
    shapes = {}
    for f, wb in books.items():
        sheet = wb.sheets[0]
        shapes[f] = [[cells.plain_text(c) for c in row] for row in sheet.rows]
        assert sheet.name == "低保名单"
        assert (0, 0, 0, 9) in sheet.merged  # the title row, merged across the table
    assert shapes["xlsx"] == shapes["ods"] == shapes["xls"]
    hidden = {
        f: read_workbook((SHEETS / f"2026-11-低保-hidden-row.{f}").read_bytes(), f"x.{f}")
        for f in ("xlsx", "xls", "ods")
    }
    assert all(wb.sheets[0].hidden_rows == {4} for wb in hidden.values())


# ---------------------------------------------------------------- hard inputs

HARD = [
    ("2026-11-低保-hidden-row.xlsx", [("sheet-hidden", "低保名单", "A5")]),
    ("2026-11-低保-hidden-row.xls", [("sheet-hidden", "低保名单", "A5")]),
    ("2026-11-低保-hidden-row.ods", [("sheet-hidden", "低保名单", "A5")]),
    ("2026-11-低保-hidden-sheet.xlsx", [("sheet-hidden", "备用", "")]),
    ("2026-11-低保-hidden-sheet.xls", [("sheet-hidden", "备用", "")]),
    ("2026-11-低保-hidden-sheet.ods", [("sheet-hidden", "备用", "")]),
    ("2026-11-低保-id-as-number.xlsx", [("id-number-format", "低保名单", "C6")]),
    ("2026-11-低保-id-as-number.csv", [("id-number-format", "", "C6")]),
    ("2026-11-低保-two-headers.xlsx", [("header-repeated", "低保名单", "A4")]),
    ("2026-11-低保-bank.xlsx", [("column-refused", "低保名单", "H3")]),
    ("2026-11-低保-duplicate.xlsx", [("duplicate-person", "低保名单", "B11")]),
    ("2026-11-低保-private-use.xlsx", [("private-use-char", "低保名单", "B9")]),
    ("2026-11-低保-no-amount.xlsx", [("column-missing", "低保名单", "A3")]),
    ("2026-11-低保-bad-total.xlsx", [("total-mismatch", "低保名单", "I11")]),
    ("2026-11-低保-password.xls", [("sheet-unreadable", "", "")]),
    ("2026-11-低保-corrupt.xlsx", [("sheet-unreadable", "", "")]),
    ("2026-11-低保-formula-no-value.xlsx", [("cell-formula-no-value", "低保名单", "D3")]),
    ("2026-11-低保-big5.csv", [("sheet-encoding", "", "")]),
    ("2026-05-耕地-288.365.xlsx", [("money-format", "耕地地力补贴", "G4")]),
    ("2026-05-耕地-288.365.ods", [("money-format", "耕地地力补贴", "G4")]),
]


@pytest.mark.parametrize("name,expected", HARD, ids=[h[0] for h in HARD])
def test_hard_inputs_are_errors_at_their_cell_and_write_nothing(project, name, expected):
    before = git(project, "status", "--porcelain", "--untracked-files=all")
    kw = {"correction": "复核"} if "耕地" in name else {}
    result = run(project, name, **kw)
    assert codes(result) == expected, result.report.to_text()
    assert not result.written
    assert git(project, "status", "--porcelain", "--untracked-files=all") == before
    for p in result.report.problems:
        for full in fixture_ids():
            assert full not in p.message and full not in p.format()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_sheets_never_raise_anything_but_a_read_error(data):
    """Any sheet, cut or with bytes changed, reads or fails with a ReadError."""
    from cunwu.load.sheets.read import ReadError

    name = data.draw(st.sampled_from(sorted(p.name for p in SHEETS.glob("2026-11-低保-平台导出.*"))))
    raw = bytearray((SHEETS / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    try:
        read_workbook(bytes(raw[:cut]), name)
    except ReadError as exc:
        assert exc.code in ("sheet-unreadable", "sheet-encoding", "file-too-large", "empty-file")


def test_money_shown_rounded_is_refused_with_both_values(project):
    result = run(project, "2026-05-耕地-288.365.xlsx", correction="复核")
    (p,) = result.report.errors
    assert "288.365" in p.message and "288.37" in p.message
    assert p.format().startswith(
        f"{project.parent / 'inbox'}/2026-05-耕地-288.365.xlsx:耕地地力补贴!G4: money-format: "
    )


def test_wrong_kind_and_missing_options(project):
    result = run(project, "东山村2026年11月明细账.xlsx", kind="subsidy")
    assert codes(result) == [("sheet-kind", "明细账", "")]
    result = run(project, "低保名单模板.xlsx")  # a blank template: no period, no program
    assert [c for c, _s, _c in codes(result)] == ["sheet-kind"]


def test_file_over_20_mb_is_refused_before_it_is_read(project, monkeypatch):
    big = project.parent / "inbox" / "2026-11-低保-大.xlsx"
    with open(big, "wb") as fh:
        fh.truncate(21 * 1024 * 1024)

    def no(*_a, **_k):
        raise AssertionError("parsed a file over the limit")

    monkeypatch.setattr("cunwu.ingest.api.read_workbook", no)
    result = run(project, big.name)
    assert codes(result) == [("file-too-large", "", "")]


def test_cli_never_shows_a_traceback(project):
    inbox = project.parent / "inbox"
    for name in ("2026-11-低保-corrupt.xlsx", "2026-11-低保-password.xls", "2026-11-低保-big5.csv"):
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "cunwu.cli",
                "import",
                str(inbox / name),
                "--village",
                "dongshan",
                "--path",
                str(project),
            ],
            capture_output=True,
            text=True,
        )
        assert r.returncode == 1
        assert "Traceback" not in r.stderr + r.stdout
        assert "没有写入任何文件" in r.stdout


def test_json_report_carries_sheet_cell_and_line(project):
    inbox = project.parent / "inbox"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "cunwu.cli",
            "import",
            str(inbox / "2026-11-低保-bad-total.xlsx"),
            "--village",
            "dongshan",
            "--path",
            str(project),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
    )
    data = json.loads(r.stdout)
    (p,) = [p for p in data["problems"] if p["severity"] == "error"]
    assert (p["code"], p["sheet"], p["cell"], p["line"]) == ("total-mismatch", "低保名单", "I11", 11)
    assert data["written"] is False


def test_problem_format_with_sheet_and_cell():
    p = Problem("2026-11-低保.xlsx", 12, "money-format", "金额……", sheet="低保名单", cell="C12")
    assert p.format() == "2026-11-低保.xlsx:低保名单!C12: money-format: 金额……"
    assert Problem("a.csv", 3, "money-format", "m", cell="C3").format() == "a.csv:C3: money-format: m"
    # problems of YAML files print as before
    assert Problem("v.yaml", 3, "money-format", "m", "amount").format() == "v.yaml:3: money-format: amount: m"
    rep = Report(
        [
            Problem("f.xlsx", 10, "money-format", "m", sheet="s", cell="AA10"),
            Problem("f.xlsx", 10, "money-format", "m", sheet="s", cell="B10"),
        ]
    )
    assert [p.cell for p in rep.sorted()] == ["B10", "AA10"]


# ---------------------------------------------------------------- cells


def num(value: float, fmt: str = "General", raw: str | None = None) -> Cell:
    return Cell("n", value, raw or repr(value), fmt)


def test_money_cells():
    assert cells.money(num(1234.5)) == (Decimal("1234.50"), "", "")
    d, _note, warning = cells.money(num(1234.4999999999998, "#,##0.00"))
    assert d == Decimal("1234.50") and "1234.4999999999998" in warning
    with pytest.raises(cells.CellError) as exc:
        cells.money(num(288.365, "0.00"))
    assert "288.365" in exc.value.message and "288.37" in exc.value.message
    with pytest.raises(cells.CellError) as exc:
        cells.money(num(288.365, "#,##0.00"))
    assert "288.37" in exc.value.message
    for text, want in (
        ("1,234.50", "1234.50"),
        ("１２３.００", "123.00"),
        ("616.20元", "616.20"),
        ("¥616.2", "616.20"),
        ("￥ 616.20", "616.20"),
    ):
        d, note, _ = cells.money(Cell("s", text))
        assert d == Decimal(want) and note, text
    assert cells.money(Cell("s", "616.20")) == (Decimal("616.20"), "", "")
    for bad in ("12.345", "1 234.50", "二百元", "1,23.00", "1e3"):
        with pytest.raises(cells.CellError):
            cells.money(Cell("s", bad))
    with pytest.raises(cells.CellError) as exc:
        cells.money(Cell("f", None))
    assert exc.value.code == "cell-formula-no-value"


def test_date_cells():
    assert cells.date(num(46331.0))[0] == dt.date(2026, 11, 5)  # an Excel serial number
    assert cells.date(Cell("d", dt.datetime(2026, 10, 5)))[0] == dt.date(2026, 10, 5)
    for text in ("2026年10月5日", "2026/10/5", "2026.10.5", "2026-10-05", "20261005", "２０２６年１０月５日"):
        assert cells.date(Cell("s", text))[0] == dt.date(2026, 10, 5), text
    for bad in ("2026年13月5日", "10月5日", "2026-02-30"):
        with pytest.raises(cells.CellError):
            cells.date(Cell("s", bad))


def test_voucher_numbers_keep_leading_zeros():
    assert cells.code_text(Cell("s", "012"), "凭证号")[0] == "012"
    assert cells.code_text(num(12.0, "000"), "凭证号")[0] == "012"
    assert cells.code_text(num(12.0, '"记-"000'), "凭证号")[0] == "记-012"
    assert cells.code_text(Cell("s", "记-０１２"), "凭证号")[0] == "记-012"


def test_names_and_stray_characters():
    assert cells.clean_name(Cell("s", " 王\u3000 明\u200b "))[0] == "王明"
    assert cells.clean_name(Cell("s", "阿卜杜·热合曼"))[0] == "阿卜杜·热合曼"
    assert cells.clean_name(Cell("s", "李\U0002b4f9"))[0] == "李\U0002b4f9"
    assert cells.clean_name(Cell("s", "Maria  Gomez"))[0] == "Maria Gomez"
    with pytest.raises(cells.CellError) as exc:
        cells.clean_name(Cell("s", "周\ue000华"))
    assert exc.value.code == "private-use-char" and "U+E000" in exc.value.message


def test_id_numbers_are_masked_in_the_townships_style():
    full = sorted(fixture_ids())[0]
    v, _ = cells.id_number(Cell("s", full), "6-4")
    assert v.masked == full[:6] + "********" + full[-4:] and v.full == full
    v, _ = cells.id_number(Cell("s", full), "3-3")
    assert v.masked == full[:3] + "*" * 12 + full[-3:]
    spaced = f"{full[:6]} {full[6:14]} {full[14:].lower()}".translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    v, note = cells.id_number(Cell("s", spaced), "6-4")
    assert v.full == full and note
    v, _ = cells.id_number(Cell("s", "990101********2321"), "3-3")  # masked 6-4 → re-masked 3-3
    assert v.masked == "990************321" and v.full is None
    bad = full[:-1] + ("0" if full[-1] != "0" else "1")
    with pytest.raises(cells.CellError) as exc:
        cells.id_number(Cell("s", bad), "6-4")
    assert bad not in exc.value.message
    with pytest.raises(cells.CellError) as exc:
        cells.id_number(num(3.30683199001011e17), "6-4")
    assert "文本" in exc.value.message


# ---------------------------------------------------------------- YAML that reads back exactly


@pytest.mark.parametrize(
    "text",
    [
        "新增 #1",
        "@王",
        "*星",
        "%5",
        "`x",
        "yes",
        "No",
        "1e3",
        "0012",
        "2026-11",
        "a: b",
        "- x",
        "{x}",
        "[1]",
        "a, b",
        "'单引号",
        '"双引号',
        "end:",
        " 前后空格 ",
        "tab\there",
        "line\nbreak",
        "\u2028",
        "null",
        "~",
        "=",
        "<<",
        "李\U0002b4f9",
    ],
)
def test_written_yaml_reads_back_exactly(text):
    doc = {"note": text, "rows": [{"key": "K-1", "note": text}]}
    out = render(doc, "x.json", flow_keys={"rows"})
    located, problems = parse_yaml("t.yaml", out)
    assert not problems and located.data == doc
    import yaml

    assert yaml.safe_load(out) == doc  # and other tools read strings too


def test_render_refuses_to_write_what_would_read_differently(monkeypatch):
    """The self-check is real: with quoting switched off, a ` #` or a
    ``, `` in a flow row would be cut, and render raises instead."""
    monkeypatch.setattr("cunwu.ingest.write.needs_quotes", lambda s, flow: False)
    for doc in ({"note": "新增 #1"}, {"rows": [{"key": "K-1", "note": "甲, 乙"}]}, {"note": "a: b"}):
        with pytest.raises(AssertionError):
            render(doc, "x.json", flow_keys={"rows"})


# ---------------------------------------------------------------- stable keys, linkage, sidecar


def csv_roster(
    project: Path, name: str, rows: list[tuple], period_title: str, household: bool = False
) -> str:
    head = "户主姓名,身份证号码,组别,发放金额" + (",户号" if household else "")
    lines = [f"东山村{period_title}低保名单", head]
    for r in rows:
        lines.append(",".join(r))
    (project.parent / "inbox" / name).write_text("\n".join(lines) + "\n", "utf-8")
    return name


def test_keys_survive_a_gap_and_are_never_reused(project):
    ids = sorted(fixture_ids())
    first = run(project, f"{PLATFORM}.xlsx")
    assert first.ok and first.new_keys == ["DS-0065", "DS-0066"]
    keys = {r["name"]: r["key"] for r in roster(project, first.target)["recipients"]}
    # December: 周新华 drops out, somebody new comes
    zhou = next(i for i in ids if i.endswith("3307"))
    wu = next(i for i in ids if i.endswith("2321"))
    new = make_id("99010119920304441")
    dec = csv_roster(
        project, "12.csv", [("吴月娥", wu, "一组", "720"), ("孙新来", new, "二组", "500")], "2026年12月"
    )
    r = run(project, dec)
    assert r.ok, r.report.to_text()
    dec_keys = {x["name"]: x["key"] for x in roster(project, r.target)["recipients"]}
    assert dec_keys == {"吴月娥": "DS-0003", "孙新来": "DS-0067"}  # DS-0066 is not given again
    # January: 周新华 is back after a gap and gets the old key
    jan = csv_roster(
        project, "01.csv", [("周新华", zhou, "八组", "1680"), ("孙新来", new, "二组", "500")], "2027年1月"
    )
    r = run(project, jan)
    jan_keys = {x["name"]: x["key"] for x in roster(project, r.target)["recipients"]}
    assert jan_keys == {"周新华": keys["周新华"], "孙新来": "DS-0067"}
    assert r.matched.get("linkage") == 2


def test_linkage_key_matches_a_corrected_name_and_stays_in_the_sidecar(project, monkeypatch):
    ids = sorted(fixture_ids())
    zhou = next(i for i in ids if i.endswith("3307"))
    assert run(project, f"{PLATFORM}.xlsx").ok
    side_path = project / ".cunwu" / "linkage" / "dongshan.json"
    side = json.loads(side_path.read_text("utf-8"))
    entry = side["rows"]["DS-0066"]
    assert entry["name"] == "周新华" and entry["household"] == "1012010071"
    assert re.fullmatch(r"cwlk-[a-z2-7]{26}", entry["linkage_key"])
    assert oct(side_path.stat().st_mode & 0o777) == "0o600"
    raw = side_path.read_text("utf-8")
    assert not any(full in raw for full in ids)
    # git ignores the sidecar folder, whatever the project's .gitignore says
    assert git(project, "status", "--porcelain", "--untracked-files=all", "--", ".cunwu") == ""
    # the name was misspelt last month: the linkage key still finds the person
    dec = csv_roster(project, "12.csv", [("周新化", zhou, "八组", "1680")], "2026年12月")
    r = run(project, dec)
    assert r.ok and [x["key"] for x in roster(project, r.target)["recipients"]] == ["DS-0066"]
    assert r.matched == {"linkage": 1}
    # a different secret gives other keys: nothing matches by key then, only
    # by name + masked ID (as written in the December draft just imported)
    monkeypatch.setenv("CUNWU_LINK_SECRET", "another-county-secret-0001")
    r = run(project, csv_roster(project, "12b.csv", [("周新化", zhou, "八组", "1680")], "2026年12月"))
    assert r.ok and r.matched == {"name-id": 1}


def test_without_a_secret_import_works_and_says_so(project, monkeypatch):
    monkeypatch.delenv("CUNWU_LINK_SECRET")
    r = run(project, f"{PLATFORM}.ods")
    assert r.ok and "CUNWU_LINK_SECRET" in r.linkage
    side = (project / ".cunwu" / "linkage" / "dongshan.json").read_text("utf-8")
    assert "cwlk-" not in side


def test_household_numbers_match_before_names(project):
    assert run(project, f"{PLATFORM}.xls").ok
    # 户号 1012010071 is 周新华's household; the head changed to his wife
    other = make_id("99010119860712552")
    r = run(
        project,
        csv_roster(project, "12.csv", [("郑小梅", other, "八组", "1680", "1012010071")], "2026年12月", True),
    )
    assert r.ok and r.matched == {"household": 1}
    assert roster(project, r.target)["recipients"][0]["key"] == "DS-0066"


def test_an_ambiguous_match_is_an_error(project):
    wu = next(i for i in fixture_ids() if i.endswith("2321"))
    # two earlier rows with the same name and masked ID under different keys
    path = project / "villages/dongshan/subsidies/2026-09-gaoling.yaml"
    text = path.read_text("utf-8")
    line = "  - {key: DS-0900, name: 吴月娥, group: 一组, id_masked: 990101********2321, category: 八十至八十九周岁, amount: 100.00}\n"
    text = text.replace("recipients:\n", "recipients:\n" + line)
    text = re.sub(r"total: ([0-9.]+)", lambda m: f"total: {Decimal(m[1]) + 100:.2f}", text)
    path.write_text(text, "utf-8")
    r = run(project, csv_roster(project, "12.csv", [("吴月娥", wu, "一组", "720")], "2026年12月"))
    assert codes(r) == [("key-ambiguous", "", "A3")]


# ---------------------------------------------------------------- approved targets


def test_an_approved_roster_needs_a_correction(project):
    target = project / "villages/dongshan/subsidies/2026-10-dibao.yaml"
    before = target.read_bytes()
    r = run(project, "2026-10-低保-模板填写.xlsx")
    assert codes(r) == [("target-approved", "", "")] and target.read_bytes() == before
    r = run(project, "2026-10-低保-模板填写.xlsx", correction="按县民政局复核结果更正名单")
    assert r.ok, r.report.to_text()
    data = roster(project, "villages/dongshan/subsidies/2026-10-dibao.yaml")
    assert data["status"] == "approved" and data["approved_on"] == "2026-10-04"
    assert data["corrections"][-1] == {"date": "2026-11-20", "reason": "按县民政局复核结果更正名单"}
    assert len(data["corrections"]) == 2  # the earlier one is kept
    # a correction on a file that was never approved is refused
    r = run(project, f"{PLATFORM}.xlsx", correction="多余")
    assert codes(r) == [("correction-invalid", "", "")]


def test_source_inside_the_repository_is_refused_unless_ignored(project):
    inside = project / "原始表格"
    inside.mkdir()
    shutil.copy(SHEETS / f"{PLATFORM}.xlsx", inside / f"{PLATFORM}.xlsx")
    r = import_file(ImportOptions(source=inside / f"{PLATFORM}.xlsx", village="dongshan", project=project))
    assert codes(r) == [("source-in-repository", "", "")]
    (project / ".gitignore").write_text("/原始表格/\n", "utf-8")
    r = import_file(ImportOptions(source=inside / f"{PLATFORM}.xlsx", village="dongshan", project=project))
    assert r.ok, r.report.to_text()


# ---------------------------------------------------------------- ledgers


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "xls"])
def test_ledger_export_becomes_a_statement(project, fmt):
    r = run(project, f"东山村2026年11月明细账.{fmt}")
    assert r.ok, r.report.to_text()
    assert (r.kind, r.period, r.target) == ("finance", "2026-11", "villages/dongshan/finance/2026-11.yaml")
    d = roster(project, r.target)
    assert d["opening_balance"] == "674062.37"  # the 期初 row, equal to October's closing
    assert [(x["voucher"], x["account"], x["amount"]) for x in d["income"]] == [
        ("记-001", "50101", "6500.00"),
        ("记-006", "50401", "812.46"),
    ]
    assert [(x["voucher"], x.get("line", "1"), x["amount"], x["handler"]) for x in d["expense"]] == [
        ("记-002", "1", "199.00", "赵晓燕"),
        ("记-005", "1", "2400.00", "赵晓燕"),
        ("记-005", "2", "1200.10", "赵晓燕"),  # stored 1200.0999999999999 in the xlsx
    ]
    assert d["expense"][0]["date"] == "2026-11-05"  # typed as text 2026年11月5日
    assert d["transfers"] == [
        {
            "date": "2026-11-06",
            "voucher": "记-003",
            "direction": "cash_to_bank",
            "summary": "备用金存入农商银行",
            "amount": "3000.00",
        }
    ]
    assert d["pass_through"][0]["paid"] == "22260.00"
    assert d["totals"] == {"income": "7312.46", "expense": "3799.10"}
    assert d["closing_balance"] == "655315.73"  # and the sheet's running balance agreed
    assert d["status"] == "draft" and d["signoff"]["handler"] == "赵晓燕"


def ledger_csv(project: Path, rows: list[str], name="ledger.csv") -> str:
    head = [
        "东山村2026年11月明细账",
        "日期,凭证字号,科目编码,摘要,借方金额,贷方金额,余额",
        ",,,期初余额,,,674062.37",
    ]
    (project.parent / "inbox" / name).write_text("\n".join(head + rows) + "\n", "utf-8")
    return name


def test_ledger_errors_point_at_their_cells(project):
    r = run(
        project,
        ledger_csv(
            project,
            [
                "2026-11-03,记-001,50101,租金,6500.00,,680562.37",
                "2026-11-04,记-002,51301,电话费,,199.00,680000.00",
            ],
        ),
    )
    assert codes(r) == [("ledger-mismatch", "", "G5")]
    r = run(project, ledger_csv(project, ["2026-11-03,记-001,151,购置电脑,,5000.00,669062.37"]))
    assert codes(r) == [("ledger-account", "", "C4")]
    r = run(
        project,
        ledger_csv(
            project, ["2026-11-03,记-001,50101,租金,6500.00,,680562.37", ",,,本月合计,6000.00,,680562.37"]
        ),
    )
    assert codes(r) == [("ledger-mismatch", "", "E5")]
    bad_open = ledger_csv(project, ["2026-11-03,记-001,50101,租金,6500.00,,680562.37"]).replace("", "")
    text = (
        (project.parent / "inbox" / bad_open)
        .read_text("utf-8")
        .replace("674062.37", "674000.00")
        .replace("680562.37", "680500.00")
    )
    (project.parent / "inbox" / bad_open).write_text(text, "utf-8")
    r = run(project, bad_open)
    assert codes(r) == [("ledger-mismatch", "", "G3")]
    r = run(project, ledger_csv(project, ["2026-11-03,记-003,102,存现金,,3000.00,671062.37"]))
    assert codes(r) == [("ledger-mismatch", "", "C4")]  # one side of a cash-bank move only


# ---------------------------------------------------------------- the privacy gates read spreadsheets


def test_validate_hook_and_build_read_spreadsheet_cells(project):
    from cunwu.commands.validate import validate
    from cunwu.validate.staged import check_staged

    sheet = SHEETS / f"{PLATFORM}.xlsx"
    (project / "content" / "data").mkdir()
    shutil.copy(sheet, project / "content/data/名单.xlsx")
    (project / "原始").mkdir()
    shutil.copy(SHEETS / f"{PLATFORM}.gb18030.csv", project / "原始/名单.csv")
    shutil.copy(SHEETS / f"{PLATFORM}.utf16.csv", project / "原始/名单16.csv")
    shutil.copy(SHEETS / f"{PLATFORM}.ods", project / "原始/名单.ods")
    rep = validate(project, history=False)
    leaks = {(p.file, p.sheet, p.cell, p.line) for p in rep.errors if p.code == "id-number-leak"}
    assert ("content/data/名单.xlsx", "低保名单", "C4", 4) in leaks
    assert ("原始/名单.ods", "低保名单", "C9", 9) in leaks
    assert ("原始/名单.csv", "", "", 4) in leaks
    assert ("原始/名单16.csv", "", "", 4) in leaks
    assert any(p.code == "mobile-leak" and p.file == "content/data/名单.xlsx" for p in rep.errors)
    # a git-ignored folder is not in the repository
    (project / ".gitignore").write_text("/原始/\n", "utf-8")
    rep = validate(project, history=False)
    assert not [p for p in rep.errors if p.file.startswith("原始/")]
    # the pre-commit hook reads the staged cells
    git(project, "add", "content/data/名单.xlsx")
    problems, _n = check_staged(project)
    assert {(p.file, p.sheet, p.cell) for p in problems if p.code == "id-number-leak"} >= {
        ("content/data/名单.xlsx", "低保名单", "C4")
    }


def test_output_scan_reads_published_spreadsheets(tmp_path):
    from cunwu.write.outputscan import scan_outputs

    shutil.copy(SHEETS / f"{PLATFORM}.xls", tmp_path / "a.xls")
    shutil.copy(SHEETS / f"{PLATFORM}.utf16.csv", tmp_path / "b.csv")
    shutil.copy(SHEETS / "2026-11-低保-password.xls", tmp_path / "c.xls")
    found = scan_outputs(
        {n: (tmp_path / n).read_bytes() for n in ("a.xls", "b.csv", "c.xls")}, "dongshan", {}, []
    )
    files = {p.file for p in found if p.code == "id-number-leak"}
    assert files == {"build/site/dongshan/a.xls", "build/site/dongshan/b.csv", "build/site/dongshan/c.xls"}


def test_a_linkage_key_anywhere_is_a_leak(project):
    from cunwu.commands.validate import validate
    from cunwu.privacy import scan_markup
    from cunwu.validate.staged import check_staged

    assert run(project, f"{PLATFORM}.xlsx").ok
    side = json.loads((project / ".cunwu/linkage/dongshan.json").read_text("utf-8"))
    key = side["rows"]["DS-0066"]["linkage_key"]
    notice = project / "villages/dongshan/notices/2026-07-party-dues.md"
    notice.write_text(notice.read_text("utf-8") + f"\n关联码 {key}\n", "utf-8")
    (project / "notes.txt").write_text(f"{key}\n", "utf-8")
    rep = validate(project, history=False)
    where = {p.file for p in rep.errors if p.code == "linkage-key-leak"}
    assert where == {"villages/dongshan/notices/2026-07-party-dues.md", "notes.txt"}
    assert all(key not in p.message for p in rep.problems)
    git(project, "add", "notes.txt")
    problems, _ = check_staged(project)
    assert [p.code for p in problems] == ["linkage-key-leak"]
    assert [f.code for f in scan_markup(f"<p>{key}</p>")] == ["linkage-key-leak"]


# ---------------------------------------------------------------- LibreOffice filled it, the site shows it


# ---------------------------------------------------------------- the full numbers are nowhere


def poster_text(path: Path) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(path)
    try:
        return "".join(p.get_textpage().get_text_range() for p in pdf)
    finally:
        pdf.close()


@pytest.mark.slow
def test_imports_reach_page_and_poster_and_no_full_id_is_anywhere(project):
    """The template was filled in LibreOffice (a formula computed there, a
    float artefact typed in): import it over the approved October roster,
    with every other fixture, build, read the page and the poster; then
    search the repository, the build and its caches, the sidecar, TMPDIR and
    every git object for the fixtures' full ID numbers."""
    from conftest import build_site

    for name in (
        f"{PLATFORM}.xlsx",
        f"{PLATFORM}.xls",
        f"{PLATFORM}.ods",
        f"{PLATFORM}.gb18030.csv",
        "东山村2026年11月明细账.xlsx",
    ):
        assert run(project, name).ok
    for name, _ in HARD:
        run(project, name)
    assert run(project, "2026-10-低保-模板填写.xlsx", correction="更正").ok
    git(project, "add", "-A")
    git(project, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "imports")
    out = project / "build"
    build_site(project, out, as_of=TODAY)
    page = (out / "site/dongshan/subsidies/2026-10-dibao/index.html").read_text("utf-8")
    for text in ("周新华", "1,680.00", "720.00", "680.30", "6,060.30", "更正"):
        assert text in page, text
    flat = re.sub(r"\s+", "", poster_text(out / "site/dongshan/subsidies/2026-10-dibao/poster.pdf"))
    for text in ("周新华", "1,680.00", "990101********3307", "6,060.30"):
        assert text in flat, text
    ids = fixture_ids()
    spellings = set()
    for full in ids:
        spellings |= {full.encode(), full.encode("utf-16-le"), full.encode("utf-16-be")}
        spellings.add(" ".join([full[:6], full[6:14], full[14:]]).encode())
    places = [
        project / "villages",
        project / "content",
        project / "build",
        project / ".cunwu",
        Path(os.environ["TMPDIR"]),
    ]
    hits = []
    for place in places:
        for path in place.rglob("*") if place.exists() else []:
            if path.is_file():
                data = path.read_bytes()
                hits += [str(path) for s in spellings if s in data]
    blobs = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"], cwd=project, capture_output=True, check=True
    ).stdout
    hits += ["git object" for s in spellings if s in blobs]
    assert hits == []


# ---------------------------------------------------------------- odd exports, the mapping file, area x rate


def write_inbox(project: Path, name: str, lines: list[str], encoding="utf-8") -> str:
    (project.parent / "inbox" / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return name


def test_township_mapping_file_and_ambiguous_columns(project):
    wu = next(i for i in fixture_ids() if i.endswith("2321"))
    odd = write_inbox(
        project,
        "odd.csv",
        ["东山村2026年12月低保名单", "领款人,身份证号码,所在组,本月实发", f"吴月娥,{wu},一组,720"],
    )
    r = run(project, odd)
    assert [c for c, _s, _c in codes(r)] == ["sheet-kind"]  # no header it knows
    (project / "config").mkdir()
    (project / "config/import.yaml").write_text("columns:\n  name: [领款人]\n  amount: [本月实发]\n", "utf-8")
    r = run(project, odd)
    assert r.ok, r.report.to_text()
    assert roster(project, r.target)["recipients"][0]["key"] == "DS-0003"
    two = write_inbox(
        project,
        "two.csv",
        ["东山村2026年12月低保名单", "姓名,身份证号码,组别,发放金额,补助金额", f"吴月娥,{wu},一组,720,720"],
    )
    assert codes(run(project, two)) == [("column-ambiguous", "", "E2")]
    (project / "config/import.yaml").write_text("colums:\n  name: [领款人]\n", "utf-8")
    r = run(project, odd)
    assert [c for c, _s, _c in codes(r)] == ["invalid-value"] and "colums" in r.report.errors[0].message


def test_area_times_rate_roster(project):
    ids = [make_id(f"99010119600101{n:03d}") for n in range(3)]
    lines = [
        "东山村2026年耕地地力保护补贴发放名单（2026年11月）",
        "户主姓名,身份证号码,组别,面积（亩）,补贴标准,补贴金额（元）",
    ]
    lines += [f"王春生,{ids[0]},一组,4.7,104.86,492.84", f"刘志强,{ids[1]},一组,2.75,104.86,288.37"]
    r = run(project, write_inbox(project, "gengdi.csv", lines, "gb18030"))
    assert r.ok, r.report.to_text()
    d = roster(project, "villages/dongshan/subsidies/2026-11-gengdi.yaml")
    assert d["rate"] == "104.86" and [(x["area"], x["amount"]) for x in d["recipients"]] == [
        ("4.7", "492.84"),
        ("2.75", "288.37"),
    ]
    lines[-1] = f"刘志强,{ids[1]},一组,2.75,104.86,288.36"  # rounded down: paper ledgers round half up
    r = run(project, write_inbox(project, "gengdi2.csv", lines))
    assert codes(r) == [("area-rate-mismatch", "", "F4")]
