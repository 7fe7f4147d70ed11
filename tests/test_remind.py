"""cunwu remind: the digest for the township's work group, as text and as JSON."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from completeness_fixture import sample
from cunwu.cli import main
from cunwu.privacy import scan
from cunwu.render.remind import digest, digest_text

REPO = Path(__file__).resolve().parents[1]


def test_digest_of_the_fixture():
    d = digest(sample(), since=dt.date(2026, 11, 1), days=30)
    by = {v["id"]: v for v in d["villages"]}
    assert [e["id"] for e in by["xihe"]["overdue"]] == ["xihe/finance/2026-10"]
    assert by["xihe"]["overdue"][0]["days_late"] == 10
    assert [(e["id"], e["days_left"]) for e in by["xihe"]["due_soon"]] == [("xihe/finance/2026-11", 20)]
    # published on or after since: dongshan's October (11-09) and xihe's 低保 (11-02)
    assert [e["id"] for e in by["dongshan"]["published"]] == ["dongshan/finance/2026-10"]
    assert [e["id"] for e in by["xihe"]["published"]] == ["xihe/dibao/2026-10"]
    assert d["totals"] == {"due_soon": 3, "overdue": 1, "published": 2}
    # a shorter look ahead leaves out what is due in 20 days
    assert digest(sample(), since=dt.date(2026, 11, 1), days=7)["totals"]["due_soon"] == 0
    # since is inclusive; the day after leaves out what was published on it
    assert digest(sample(), since=dt.date(2026, 11, 9), days=7)["totals"]["published"] == 1
    assert digest(sample(), since=dt.date(2026, 11, 10), days=7)["totals"]["published"] == 0


def test_digest_text():
    text = digest_text(digest(sample(), since=dt.date(2026, 10, 1), days=30))
    assert text.startswith("【清水镇村务公开提醒】2026年11月20日\n")
    assert "30天内到期 3 项；逾期未公开 1 项；10月1日以来新公开 4 项。" in text
    assert "  · 2026-10 财务公开，应于11月10日前公开，已逾期 10 天" in text
    assert "  · 2026-11 财务公开，12月10日前（还有 20 天）" in text
    # a statement published late says by how much
    assert "  · 2026-09 财务公开（10月30日，迟 20 天）" in text
    assert "    https://cunwu.example.org/qingshui/dongshan/finance/2026-10/" in text
    # the villages with work first; a village with nothing to do is named at the end
    assert text.index("■ 东山村") < text.index("■ 西河村")
    assert "■ 南坡村" in text  # something due within 30 days
    quiet = digest_text(digest(sample(), since=dt.date(2026, 11, 20), days=1))
    assert "无待办事项：东山村、南坡村" in quiet


def demo_recipient_names() -> set[str]:
    names = set()
    for path in (REPO / "villages").glob("*/subsidies/*.yaml"):
        for row in yaml.safe_load(path.read_text("utf-8")).get("recipients") or []:
            names.add(row["name"])
    assert len(names) > 10
    return names


def test_remind_on_the_demo(capsys):
    # 2026-12-08, a weekly digest (since 12-01, due within 7 days): xihe's October
    # statement is 28 days overdue, November's items fall due on 12-10, and the
    # demo's commits of 12-07 (the Git clock: the commit date counts) are new
    assert main(["remind", "--as-of", "2026-12-08", "--path", str(REPO)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("【清水镇村务公开提醒】2026年12月8日\n")
    assert "12月1日以来新公开" in text
    assert "· 2026年10月财务公开，应于11月10日前公开，已逾期 28 天" in text
    assert "· 2026年11月财务公开，12月10日前（还有 2 天）" in text
    # published late, and by how much
    assert "· 灌溉渠道清淤工程：招标公告（12月7日，迟 21 天）" in text
    assert "    https://cunwu.example.org/qingshui/xihe/notices/2026-11-canal-tender/" in text
    # a due date in another year carries its year
    assert re.search(r"应于2025年\d+月\d+日前公开", text)
    # counts, titles, dates and links only: no recipient's name, no personal number
    assert not [n for n in demo_recipient_names() if n in text]
    assert scan(text) == []

    assert main(["remind", "--as-of", "2026-12-08", "--format", "json", "--path", str(REPO)]) == 0
    raw = capsys.readouterr().out
    d = json.loads(raw)
    assert d["schema"] == "cunwu-remind/1" and d["since"] == "2026-12-01" and d["days"] == 7
    assert {v["id"] for v in d["villages"]} == {"dongshan", "nanpo", "xihe"}
    xihe = next(v for v in d["villages"] if v["id"] == "xihe")
    late = next(e for e in xihe["overdue"] if e["id"] == "xihe/finance/2026-10")
    assert late["days_late"] == 28
    # its November statement falls due in 2 days; its November 低保 roster was
    # approved and committed on 12-07, so it is published, not due
    assert [(e["id"], e["days_left"]) for e in xihe["due_soon"]] == [("xihe/finance/2026-11", 2)]
    assert [(e["published_on"], e["late"]) for e in xihe["published"]] == [
        ("2026-12-07", False),
        ("2026-12-07", True),
    ]
    assert not [n for n in demo_recipient_names() if n in raw]
    assert scan(raw) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--village", "beishan"], "没有这个村：beishan"),
        (["--since", "2026-12-01"], "晚于统计日期"),
        (["--days", "-1"], "不能为负数"),
    ],
)
def test_remind_bad_options(capsys, args, message):
    assert main(["remind", "--as-of", "2026-11-12", "--path", str(REPO), *args]) == 2
    assert message in capsys.readouterr().err


def test_remind_one_village(capsys):
    assert main(["remind", "--as-of", "2026-11-12", "--village", "xihe", "--path", str(REPO)]) == 0
    text = capsys.readouterr().out
    assert "■ 西河村" in text and "东山村" not in text
