"""`cunwu audit` (issue 18): the demo's planted cases exactly, registers refused
inside the repository, review state, exit status, and what the text format prints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cunwu.audit.registers import RegisterError
from cunwu.audit.run import AuditOptions, audit
from cunwu.cli import main
from cunwu.model.identity import name_id, visible
from cunwu.privacy import id_check_char

REPO = Path(__file__).resolve().parents[1]
DEMO_REGISTERS = REPO / "demo-registers"

#: every planted case of the demo township (demo-registers/README.md), and nothing else
PLANTED = {
    ("paid-after-death", "dongshan", "吴月娥", 3),
    ("same-person-two-villages", "nanpo", "赵新民", 1),
    ("undeclared-relative", "dongshan", "陈海林", 13),
    ("declared-relative", "nanpo", "林桂兰", 14),
    ("roster-ledger-mismatch", "xihe", "八十周岁以上老人慰问金", 2),
    ("split-payment", "xihe", "清水镇宏达建材经营部", 3),
}


def _key(f) -> tuple:
    for who in ("吴月娥", "赵新民", "陈海林", "林桂兰", "八十周岁以上老人慰问金", "清水镇宏达建材经营部"):
        if who in f.summary:
            return (f.rule, f.village, who, f.size)
    return (f.rule, f.village, f.summary, f.size)


@pytest.fixture(scope="module")
def demo_audit(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit-build")
    regs = tmp_path_factory.mktemp("regs")
    for p in DEMO_REGISTERS.glob("*.csv"):
        shutil.copy(p, regs / p.name)
    return audit(AuditOptions(path=REPO, registers=regs, out=out)), out, regs


def test_demo_finds_every_planted_case_and_nothing_else(demo_audit):
    result, out, _ = demo_audit
    assert {_key(f) for f in result.findings} == PLANTED
    assert len(result.findings) == len(PLANTED)
    death = next(f for f in result.findings if f.rule == "paid-after-death")
    assert "2026-08、2026-09、2026-10" in death.summary
    assert death.amount_fen == 3 * 72000
    assert death.strength == "name-id"  # no linkage keys in the demo: the weaker match, labelled
    assert {e.file for e in death.evidence} >= {
        "deaths.csv",
        "villages/dongshan/subsidies/2026-10-dibao.yaml",
    }
    # evidence lines point at the row itself, linked to its public page
    row = next(e for e in death.evidence if e.file.endswith("2026-10-dibao.yaml"))
    text = (REPO / row.file).read_text("utf-8").splitlines()[row.line - 1]
    assert "吴月娥" in text and row.url.endswith("/dongshan/subsidies/2026-10-dibao/")
    split = next(f for f in result.findings if f.rule == "split-payment")
    assert split.amount_fen == 1435000
    for e in split.evidence:
        assert "voucher" in (REPO / e.file).read_text("utf-8").splitlines()[e.line - 1]


def test_demo_audit_from_the_registers_folder_in_the_repository(tmp_path):
    """The demo's marked folder is the one folder inside the repository accepted."""
    result = audit(AuditOptions(path=REPO, registers=DEMO_REGISTERS, out=tmp_path))
    assert {_key(f) for f in result.findings} == PLANTED


def test_report_files_and_stable_ids(demo_audit, tmp_path):
    result, out, regs = demo_audit
    files = sorted(p.name for p in (out / "audit").iterdir())
    assert files == ["findings.csv", "findings.json", "index.html"]
    assert not (out / "site" / "audit").exists()
    html = (out / "audit" / "index.html").read_text("utf-8")
    assert "死亡后仍在发放" in html and "990101********2321" in html
    for p in DEMO_REGISTERS.glob("*.csv"):  # no full number from a register anywhere
        for line in p.read_text("utf-8").splitlines()[1:]:
            full = line.split(",")[1]
            for f in (out / "audit").iterdir():
                assert full not in f.read_text("utf-8")
    data = json.loads((out / "audit" / "findings.json").read_text("utf-8"))
    first = {f["id"] for f in data["findings"]}
    again = audit(AuditOptions(path=REPO, registers=regs, out=out))
    assert {f.id for f in again.findings} == first  # stable run to run
    assert not any(f.new for f in again.findings)  # nothing new since the last run


def test_review_file_and_exit_status(tmp_path):
    regs = tmp_path / "regs"
    shutil.copytree(DEMO_REGISTERS, regs)
    out = tmp_path / "build"
    assert main(["audit", str(REPO), "--registers", str(regs), "--out", str(out)]) == 1
    data = json.loads((out / "audit" / "findings.json").read_text("utf-8"))
    assert all(f["new"] is False for f in data["findings"])  # no earlier run: nothing marked new
    high = [f for f in data["findings"] if f["severity"] == "high"]
    # reviewed at a smaller evidence: the death finding has grown since (3 months, reviewed at 2)
    lines = ["reviewed:"]
    for f in high:
        size = f["size"] - 1 if f["rule"] == "paid-after-death" else f["size"]
        lines.append(f"  - {{id: {f['id']}, size: {size}, note: 已核查}}")
    (regs / "review.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    assert main(["audit", str(REPO), "--registers", str(regs), "--out", str(out)]) == 1
    back = json.loads((out / "audit" / "findings.json").read_text("utf-8"))["findings"]
    assert [f["rule"] for f in back if f["severity"] == "high" and not f["reviewed"]] == ["paid-after-death"]
    (regs / "review.yaml").write_text("\n".join(lines).replace("size: 2,", "size: 3,") + "\n", "utf-8")
    assert main(["audit", str(REPO), "--registers", str(regs), "--out", str(out)]) == 0
    assert main(["audit", str(REPO), "--registers", str(regs), "--out", str(out), "--fail-on", "info"]) == 1
    assert main(["audit", str(REPO), "--out", str(out)]) == 1  # without registers: the ledger cases remain


def test_text_format_prints_counts_only(tmp_path, capsys):
    main(["audit", str(REPO), "--registers", str(DEMO_REGISTERS), "--out", str(tmp_path), "--format", "text"])
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "paid-after-death\thigh\t1\t0" in text
    for word in ("吴月娥", "赵新民", "陈海林", "林桂兰", "宏达", "990101", "东山", "dongshan"):
        assert word not in text


def _full_id(seed: int) -> str:
    first17 = f"990101{1940 + seed % 50}{1 + seed % 12:02d}{1 + seed % 28:02d}{seed % 1000:03d}"
    return first17 + id_check_char(first17)


def test_registers_inside_the_repository_are_refused(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(REPO / "tests" / "cases" / "_base", project)
    inside = project / "registers"
    inside.mkdir()
    (inside / "deaths.csv").write_text(f"姓名,身份证号,死亡日期\n张三,{_full_id(1)},2026-01-01\n", "utf-8")
    with pytest.raises(RegisterError, match="不能放在 git 仓库里"):
        audit(AuditOptions(path=project, registers=inside, out=tmp_path / "b"))
    outside = tmp_path / "regs"
    shutil.copytree(inside, outside)
    assert audit(AuditOptions(path=project, registers=outside, out=tmp_path / "b")).findings == []


def test_demo_folder_takes_fictional_numbers_only(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(REPO / "tests" / "cases" / "_base", project)
    demo = project / "demo-registers"
    demo.mkdir()
    real = "110101199003071233"  # a well-formed number outside the fictional prefix
    assert id_check_char(real[:17]) == real[17]
    (demo / "deaths.csv").write_text(f"姓名,身份证号,死亡日期\n张三,{real},2026-01-01\n", "utf-8")
    with pytest.raises(RegisterError, match="虚构前缀"):
        audit(AuditOptions(path=project, registers=demo, out=tmp_path / "b"))
    # and cunwu validate's scan of the repository says so too, without the number
    from cunwu.validate.sheetscan import fictional_register_problems

    found = fictional_register_problems("demo-registers/deaths.csv", (demo / "deaths.csv").read_bytes())
    assert [p.code for p in found] == ["id-number-leak"] and real not in found[0].message
    fake = _full_id(7)
    assert fictional_register_problems("demo-registers/x.csv", f"a,{fake}\n".encode()) == []
    assert fictional_register_problems("elsewhere/x.csv", f"a,{fake}\n".encode()) != []


def test_one_definition_of_the_same_person():
    assert visible("990101********2321") == "990101*2321"
    assert name_id("王堃 ", "990101********129x") == name_id("王堃", "990101********129X")
    assert name_id("王堃", None) is None
    assert name_id("王堃", "990101********1290") != name_id("王堃", "990101********129X")


def test_refusal_is_a_usage_error_with_exit_status_2(tmp_path, capsys):
    project = tmp_path / "proj"
    shutil.copytree(REPO / "tests" / "cases" / "_base", project)
    (project / "regs").mkdir()
    assert (
        main(["audit", str(project), "--registers", str(project / "regs"), "--out", str(tmp_path / "b")]) == 2
    )
    assert "不能放在 git 仓库里" in capsys.readouterr().err
