"""One folder per bad-input case, each asserting the whole report.

``tests/cases/_base/`` is a small, valid township (all data invented). Each
other folder holds only the files that differ from it, plus a ``case.yaml``:

.. code-block:: yaml

    about: what the case shows
    expected:                      # the whole report: [file, line, code], any order
      - [villages/demo/finance/2026-10.yaml, 47, balance-mismatch]
    delete: [paths]                # base files removed before validating
    symlinks: {path: target}       # symbolic links created in the project
    pad: {path: p, to_bytes: n}    # comment lines appended to p past n bytes
    messages:                      # a problem whose message contains a text
      - [file, line, code, "text"]
    absent: [paths]                # files that must not exist afterwards
    max_seconds: 5                 # validation must finish this fast
    strict: true                   # judge the exit status with --strict
    exit: 1                        # expected exit status; by default 1 if an
                                   # expected code is an error (or any, strict)

The test copies ``_base`` to a temporary folder, lays the case over it and
runs :func:`cunwu.commands.validate.validate` from the project root.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from cunwu.cli import main
from cunwu.commands.validate import load_project, validate
from cunwu.privacy import scan
from cunwu.problems import CODES

CASES = Path(__file__).parent / "cases"
BASE = CASES / "_base"
SPEC = "case.yaml"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir() and p.name != "_base")
#: codes produced by the history stage (git) or by ``cunwu build`` only, not by
#: ``cunwu validate`` of a folder (tests/test_versions.py covers them)
NOT_VALIDATE_CODES = {"history-unavailable", "silent-edit", "uncommitted-changes", "manifest-missing"}
#: what Python prints for its own values and types
PYTHON_WORDS = re.compile(
    r"(?<![A-Za-z])(None|True|False|NoneType|dict|list|str|int|float|Decimal)(?![A-Za-z])"
)
#: PyYAML's and pydantic's English, which must never reach a cadre
PARSER_ENGLISH = re.compile(r"\b(found|expected|while scanning|could not|did not|Input should|Value error)\b")
#: codes of ``cunwu import`` only (tests/test_import.py covers them, each at its cell)
NOT_VALIDATE_CODES |= {
    "sheet-encoding",
    "sheet-hidden",
    "sheet-kind",
    "column-missing",
    "column-ambiguous",
    "column-refused",
    "column-dropped",
    "header-repeated",
    "cell-formula-no-value",
    "cell-normalised",
    "money-float-corrected",
    "id-number-format",
    "private-use-char",
    "duplicate-person",
    "key-ambiguous",
    "target-approved",
    "source-in-repository",
    "import-default",
    "ledger-account",
    "ledger-mismatch",
}
#: codes of ``cunwu county`` only (tests/test_county.py covers them, each at its line)
NOT_VALIDATE_CODES |= {"json-syntax"}
#: the longest message a case may show (values quoted in it are cut short)
MAX_MESSAGE = 300
SPEC_KEYS = {
    "about",
    "expected",
    "delete",
    "symlinks",
    "pad",
    "messages",
    "absent",
    "max_seconds",
    "strict",
    "exit",
}


def read_spec(name: str) -> dict:
    spec = yaml.safe_load((CASES / name / SPEC).read_text("utf-8"))
    assert set(spec) <= SPEC_KEYS, f"{name}: unknown keys {set(spec) - SPEC_KEYS}"
    assert "expected" in spec, f"{name}: case.yaml has no expected list"
    return spec


def overlay_files(name: str) -> list[Path]:
    """The case's files (relative paths), without case.yaml."""
    folder = CASES / name
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder) != Path(SPEC)
    )


def build(tmp_path: Path, name: str | None) -> tuple[Path, dict]:
    """Copy _base, lay case ``name`` over it; return the project root and the spec."""
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    if name is None:
        return root, {"expected": []}
    spec = read_spec(name)
    for rel in overlay_files(name):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CASES / name / rel, root / rel)
    for rel in spec.get("delete", []):
        (root / rel).unlink()
    for rel, target in (spec.get("symlinks") or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(target)
    if pad := spec.get("pad"):
        path = root / pad["path"]
        line = b"# " + b"x" * 1000 + b"\n"
        with path.open("ab") as fh:
            fh.write(line * (pad["to_bytes"] // len(line) + 1))
    return root, spec


def expected_exit(spec: dict) -> int:
    if "exit" in spec:
        return spec["exit"]
    severities = {CODES[code][0] for _, _, code in spec["expected"]}
    return int("error" in severities or (spec.get("strict", False) and bool(severities)))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case(name, tmp_path, monkeypatch):
    root, spec = build(tmp_path, name)
    # a YAML tag that ran a command would run it here; "absent" checks it did not
    monkeypatch.chdir(root)
    started = time.perf_counter()
    report = validate(root, history=False)
    elapsed = time.perf_counter() - started

    got = sorted((p.file, p.line, p.code) for p in report.problems)
    assert got == sorted(tuple(e) for e in spec["expected"])
    for file, line, code, text in spec.get("messages", []):
        messages = [p.message for p in report.problems if (p.file, p.line, p.code) == (file, line, code)]
        assert any(text in m for m in messages), (text, messages)
    for rel in spec.get("absent", []):
        assert not (root / rel).exists(), f"{rel} was created: a YAML tag was executed"
    if "max_seconds" in spec:
        assert elapsed < spec["max_seconds"]
    assert int(not report.ok(strict=spec.get("strict", False))) == expected_exit(spec)
    # a report pasted into a chat must not leak the numbers it warns about
    for p in report.problems:
        assert scan(p.format()) == [], p.format()
    # and a cadre reads no Python words (None, True, dict …) and no parser English
    for p in report.problems:
        assert not PYTHON_WORDS.search(p.message), p.format()
        assert not PARSER_ENGLISH.search(p.message), p.format()
        # nor a value pasted whole: a data: picture made a message of 11,000 characters
        assert len(p.message) <= MAX_MESSAGE, p.format()[:500]


def test_base_is_clean(tmp_path):
    root, _ = build(tmp_path, None)
    report = validate(root, history=False)
    assert report.problems == []
    assert report.files_checked == 11


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_holds_only_differences(name):
    """A case folder holds only files that are new or differ from _base."""
    files = overlay_files(name)
    spec = read_spec(name)
    assert files or spec.get("delete") or spec.get("symlinks") or spec.get("pad"), "case changes nothing"
    for rel in files:
        base = BASE / rel
        assert not base.is_file() or base.read_bytes() != (CASES / name / rel).read_bytes(), rel
    for rel in spec.get("delete", []):
        assert (BASE / rel).is_file(), rel


def test_only_privacy_cases_hold_personal_numbers():
    """Everywhere else the invented data is masked, so a leak found is the case's own."""
    folders = [BASE] + [CASES / n for n in CASE_NAMES if not n.startswith("privacy-")]
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                assert scan(path.read_bytes().decode("utf-8", "replace")) == [], path


def test_every_problem_code_has_a_case():
    covered = {code for name in CASE_NAMES for _, _, code in read_spec(name)["expected"]}
    assert set(CODES) - NOT_VALIDATE_CODES - covered == set()


def test_voucher_keeps_leading_zeros(tmp_path):
    root, _ = build(tmp_path, None)
    project = load_project(root)
    statement = next(d.model for d in project.villages["demo"].finance if d.key == "2026-10")
    # "0012" is quoted in the file, 0013 is not: both keep their zeros
    assert [line.voucher for line in statement.income] == ["0012"]
    assert [line.voucher for line in statement.expense] == ["0013", "0014"]
    assert str(statement.closing_balance) == "12516.00"


# ---------------------------------------------------------------- the command

#: ``path:line: code: message``; a problem about a whole file (line 0) prints ``path: code: message``
LINE = re.compile(r"^(?P<file>[^:]+)(?::(?P<line>[1-9][0-9]*))?: (?P<code>[a-z0-9-]+): (?P<message>.+)$")


def test_cli_clean_project_exits_0(tmp_path, capsys):
    root, _ = build(tmp_path, None)
    assert main(["validate", "--no-history", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "校验通过：检查了 11 个文件，没有发现问题。"


def test_cli_text_format_is_compiler_style(tmp_path, capsys):
    root, _ = build(tmp_path, "total-mismatch-finance")
    assert main(["validate", "--no-history", str(root)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "检查了 11 个文件：2 个错误，0 个警告。"
    parsed = [LINE.match(line) for line in lines[:-1]]
    assert all(parsed), lines
    assert [(m["file"], int(m["line"]), m["code"]) for m in parsed] == [
        ("villages/demo/finance/2026-10.yaml", 45, "total-mismatch"),
        ("villages/demo/finance/2026-10.yaml", 46, "total-mismatch"),
    ]
    assert parsed[0]["message"].startswith("totals.income: 收入合计填的是 3,000.10")


def test_cli_reports_every_problem_in_one_run(tmp_path, capsys):
    """Errors in several files and kinds, all in one run, errors and warnings alike."""
    root, _ = build(tmp_path, "unknown-file")
    shutil.copyfile(
        CASES / "balance-mismatch/villages/demo/finance/2026-10.yaml",
        root / "villages/demo/finance/2026-10.yaml",
    )
    shutil.copyfile(CASES / "flow-no-end/powers/dibao-apply.yaml", root / "powers/dibao-apply.yaml")
    assert main(["validate", "--no-history", str(root)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "检查了 15 个文件：3 个错误，4 个警告。"
    parsed = [LINE.match(line) for line in lines[:-1]]
    assert sorted((m["file"], int(m["line"] or 0), m["code"]) for m in parsed) == sorted(
        [
            ("powers/dibao-apply.yaml", 34, "flow-no-end"),
            ("powers/dibao-apply.yaml", 37, "flow-no-end"),
            ("villages/demo/finance/2026-10.yaml", 47, "balance-mismatch"),
        ]
        + [tuple(e) for e in read_spec("unknown-file")["expected"]]
    )
    assert any(line.startswith("villages/demo/readme.txt: unknown-file: 警告 ") for line in lines)


def test_cli_json_format(tmp_path, capsys):
    root, _ = build(tmp_path, "undeclared-subaccount")
    assert main(["validate", "--no-history", str(root), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert (data["errors"], data["warnings"], data["files_checked"]) == (0, 1, 11)
    [p] = data["problems"]
    assert p == {
        "file": "villages/demo/finance/2026-10.yaml",
        "line": 27,
        "code": "undeclared-subaccount",
        "message": p["message"],
        "loc": "expense[1].account",
        "severity": "warning",
        "sheet": "",
        "cell": "",
    }
    assert "51399" in p["message"]


def test_cli_json_with_errors(tmp_path, capsys):
    root, _ = build(tmp_path, "yaml-syntax")
    assert main(["validate", "--no-history", "--format", "json", str(root)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["errors"] == 3
    assert {(p["file"], p["line"], p["code"]) for p in data["problems"]} == {
        tuple(e) for e in read_spec("yaml-syntax")["expected"]
    }


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_strict_turns_warnings_into_failure(tmp_path, capsys, fmt):
    root, _ = build(tmp_path, "period-gap")
    assert main(["validate", "--no-history", str(root), "--format", fmt]) == 0
    lenient = capsys.readouterr().out
    assert main(["validate", "--no-history", str(root), "--format", fmt, "--strict"]) == 1
    strict = capsys.readouterr().out
    if fmt == "json":
        assert json.loads(lenient)["ok"] is True
        assert json.loads(strict)["ok"] is False
    else:
        assert lenient == strict
        assert "villages/demo/finance/2026-12.yaml:1: period-gap: 警告 period: " in strict


def test_cli_without_project_exits_2(tmp_path, capsys):
    assert main(["validate", "--no-history", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("cunwu: ") and "cunwu.yaml" in captured.err
    assert "Traceback" not in captured.err
