"""The auditor commands: ``cunwu diff`` and ``cunwu history`` (cunwu.history.treediff, cunwu.render.diffreport).

One throwaway repository, built once from the golden project with fixed
authors and dates: a roster approved, amended, rows added and removed (one
recipient with a hostile name), reordered, a notice renamed and edited, a
correction entry committed, and uncommitted work left in the working tree.
All names and numbers are invented.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cunwu.cli import main
from cunwu.errors import HistoryError, UsageError
from cunwu.history.treediff import file_history, tree_diff
from cunwu.render.diffreport import (
    file_dict,
    file_summary,
    history_to_json,
    render_history_text,
    render_html,
    render_text,
    revision_dict,
    to_json,
    tree_dict,
)
from cunwu.words import clean

from conftest import git

GOLDEN = Path(__file__).resolve().parent / "golden" / "project"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "history.md"

ROSTER = "villages/alpha/subsidies/2026-10-dibao.yaml"
FINANCE = "villages/alpha/finance/2026-10.yaml"
NOTICE_OLD = "villages/alpha/notices/tender.md"
NOTICE_NEW = "villages/alpha/notices/2026-10-road-tender.md"
MEETING = "villages/alpha/notices/2026-10-meeting.md"
PHOTO = "villages/alpha/attachments/site.png"

LIU = ("刘春华", "liu@example.cn")
ZHAO = ("赵晓燕", "zhao@example.cn")
HOSTILE = "<script>alert(1)</script>"
ROW_4 = (
    f"  - {{key: A-004, name: {HOSTILE}, group: 三组, id_masked: 990101********0016, people: 1,"
    " start: 2026-10, amount: 300.00}\n"
)
REASON = "张某某家庭人口变化，金额由 820.00 元调整为 970.00 元；李䶮迁出；新增 A-004"


pytestmark = pytest.mark.usefixtures("isolated_git")


def commit(repo: Path, message: str, when: str, who) -> str:
    env = {
        "GIT_AUTHOR_NAME": who[0],
        "GIT_AUTHOR_EMAIL": who[1],
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": who[0],
        "GIT_COMMITTER_EMAIL": who[1],
        "GIT_COMMITTER_DATE": when,
    }
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, env=env)
    return git(repo, "rev-parse", "HEAD")


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text("utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


def copy_golden(dst: Path) -> Path:
    shutil.copytree(GOLDEN, dst, ignore=shutil.ignore_patterns("build", ".git", "__pycache__"))
    return dst


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    repo = copy_golden(tmp_path_factory.mktemp("report") / "repo")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "commit.gpgsign", "false")
    c = {}
    edit(repo, ROSTER, "status: approved\napproved_on: 2026-10-05\n", "status: draft\n")
    c["import"] = commit(repo, "导入测试镇公开资料", "2026-10-01T09:00:00+08:00", LIU)
    edit(repo, ROSTER, "status: draft\n", "status: approved\napproved_on: 2026-10-05\n")
    c["approve"] = commit(repo, "低保名单审核公开", "2026-10-05T10:00:00+08:00", ZHAO)
    edit(repo, ROSTER, "amount: 820.00}", "amount: 970.00}")
    edit(repo, ROSTER, "total: 2530.00", "total: 2680.00")
    c["amend"] = commit(repo, "更正张某某低保金额", "2026-10-08T11:00:00+08:00", ZHAO)
    text = (repo / ROSTER).read_text("utf-8")
    rows = [ln for ln in text.splitlines(keepends=True) if ln.startswith("  - {key: A-")]
    edit(repo, ROSTER, rows[1], "")
    edit(repo, ROSTER, "total: 2680.00", ROW_4 + "total: 2470.00")
    c["rows"] = commit(repo, "名单增删", "2026-10-09T15:30:00+08:00", ZHAO)
    text = (repo / ROSTER).read_text("utf-8")
    rows = [ln for ln in text.splitlines(keepends=True) if ln.startswith("  - {key: A-")]
    edit(repo, ROSTER, "".join(rows), "".join(reversed(rows)))
    c["reorder"] = commit(repo, "调整名单顺序", "2026-10-10T08:00:00+08:00", LIU)
    git(repo, "mv", NOTICE_OLD, NOTICE_NEW)
    edit(repo, NOTICE_NEW, "| 预算 | 12.5 万元 |", "| 预算 | 13.0 万元 |")
    c["rename"] = commit(repo, "公告改名并更正预算", "2026-10-16T16:00:00+08:00", LIU)
    edit(
        repo,
        ROSTER,
        "approved_on: 2026-10-05\n",
        f"approved_on: 2026-10-05\ncorrections:\n  - {{date: 2026-10-20, reason: {REASON}}}\n",
    )
    c["correction"] = commit(repo, "补记更正记录", "2026-10-20T09:30:00+08:00", ZHAO)
    # left uncommitted: an edited roster and statement, a replaced photo, a new notice
    edit(repo, ROSTER, "amount: 1200.00}", "amount: 1250.00}")
    edit(repo, ROSTER, "total: 2470.00", "total: 2520.00")
    edit(repo, FINANCE, "amount: 250.00, handler", "amount: 260.00, handler")
    edit(repo, FINANCE, "expense: 250.00}", "expense: 260.00}")
    edit(repo, FINANCE, "closing_balance: 1650.10", "closing_balance: 1640.10")
    (repo / PHOTO).write_bytes((repo / PHOTO).read_bytes() + b"\0\1")
    (repo / MEETING).write_text(
        (repo / NOTICE_NEW)
        .read_text("utf-8")
        .replace("slug: 2026-10-road-tender", "slug: 2026-10-meeting")
        .replace("aliases: [road-tender]\n", "")
        .replace("招标公告", "村民代表会议决议公告"),
        "utf-8",
    )
    return repo, c


def short(sha: str) -> str:
    return sha[:10]


# ---------------------------------------------------------------- cunwu diff: records


def side(c: dict, name: str, rev: str | None = None, **kw) -> dict:
    meta = {
        "import": ("2026-10-01T09:00:00+08:00", "刘春华", "导入测试镇公开资料"),
        "approve": ("2026-10-05T10:00:00+08:00", "赵晓燕", "低保名单审核公开"),
        "amend": ("2026-10-08T11:00:00+08:00", "赵晓燕", "更正张某某低保金额"),
        "rows": ("2026-10-09T15:30:00+08:00", "赵晓燕", "名单增删"),
        "reorder": ("2026-10-10T08:00:00+08:00", "刘春华", "调整名单顺序"),
        "rename": ("2026-10-16T16:00:00+08:00", "刘春华", "公告改名并更正预算"),
        "correction": ("2026-10-20T09:30:00+08:00", "赵晓燕", "补记更正记录"),
    }[name]
    return {
        "rev": rev or c[name],
        "commit": c[name],
        "date": meta[0],
        "author": meta[1],
        "subject": meta[2],
        "worktree": False,
    }


WORKTREE = {"rev": None, "commit": None, "date": None, "author": None, "subject": None, "worktree": True}


def roster_figures(before: tuple[str, str], after: tuple[str, str]) -> list[dict]:
    return [
        {"name": "recipients", "label": "户数", "before": before[0], "after": after[0]},
        {"name": "total", "label": "合计金额", "before": before[1], "after": after[1]},
    ]


def file_record(path, status, kind, summary, changes, figures=(), old_path=None) -> dict:
    return {
        "path": path,
        "old_path": old_path,
        "status": status,
        "kind": kind,
        "summary": summary,
        "textual": False,
        "figures": list(figures),
        "before_problems": [],
        "after_problems": [],
        "changes": changes,
    }


def test_diff_approval_and_amended_amount(scenario):
    repo, c = scenario
    td = tree_diff(repo, c["import"], c["amend"])
    assert tree_dict(td) == {
        "version": 1,
        "from": side(c, "import"),
        "to": side(c, "amend"),
        "village": None,
        "warnings": ["工作区有未提交的修改，没有包括在这次比较中（只写一个修订即可与工作区比较）"],
        "files": [
            file_record(
                ROSTER,
                "modified",
                "subsidy",
                "名单：审核公开（2026-10-05）；修改 1 处；合计 2,530.00 → 2,680.00",
                [
                    {
                        "op": "changed",
                        "where": "status",
                        "field": None,
                        "before": "draft",
                        "after": "approved",
                        "label": "状态",
                    },
                    {
                        "op": "changed",
                        "where": "approved_on",
                        "field": None,
                        "before": None,
                        "after": "2026-10-05",
                        "label": "审核公开日期",
                    },
                    {
                        "op": "changed",
                        "where": "recipients[key=A-001]",
                        "field": "amount",
                        "before": "820.00",
                        "after": "970.00",
                        "label": "张某某 金额",
                    },
                    {
                        "op": "changed",
                        "where": "total",
                        "field": None,
                        "before": "2530.00",
                        "after": "2680.00",
                        "label": "合计金额",
                    },
                ],
                roster_figures(("3", "2530.00"), ("3", "2680.00")),
            )
        ],
    }


ADDED_4 = {
    "key": "A-004",
    "name": HOSTILE,
    "group": "三组",
    "id_masked": "990101********0016",
    "people": "1",
    "start": "2026-10",
    "amount": "300.00",
}
REMOVED_2 = {
    "key": "A-002",
    "name": "李䶮",
    "group": "二组",
    "id_masked": "990101********4561",
    "people": "1",
    "start": "2026-01",
    "amount": "510.00",
}


def test_diff_recipient_added_and_removed_via_cli(scenario, capsys):
    repo, c = scenario
    code = main(["diff", "HEAD~4", "HEAD~3", "--format", "json", "--path", str(repo)])
    out, err = capsys.readouterr()
    assert code == 0
    assert err == "cunwu: 警告：工作区有未提交的修改，没有包括在这次比较中（只写一个修订即可与工作区比较）\n"
    assert out.endswith("}\n") and out.startswith('{\n  "files": [')
    assert json.loads(out) == {
        "version": 1,
        "from": side(c, "amend", "HEAD~4"),
        "to": side(c, "rows", "HEAD~3"),
        "village": None,
        "warnings": ["工作区有未提交的修改，没有包括在这次比较中（只写一个修订即可与工作区比较）"],
        "files": [
            file_record(
                ROSTER,
                "modified",
                "subsidy",
                "名单：新增 1 户，删除 1 户；合计 2,680.00 → 2,470.00",
                [
                    {
                        "op": "removed",
                        "where": "recipients[key=A-002]",
                        "field": None,
                        "before": REMOVED_2,
                        "after": None,
                        "label": "李䶮",
                    },
                    {
                        "op": "added",
                        "where": "recipients[key=A-004]",
                        "field": None,
                        "before": None,
                        "after": ADDED_4,
                        "label": HOSTILE,
                    },
                    {
                        "op": "changed",
                        "where": "total",
                        "field": None,
                        "before": "2680.00",
                        "after": "2470.00",
                        "label": "合计金额",
                    },
                ],
                roster_figures(("3", "2680.00"), ("3", "2470.00")),
            )
        ],
    }
    # the library gives the same document, byte for byte
    assert to_json(tree_diff(repo, "HEAD~4", "HEAD~3")) + "\n" == out


def test_reordered_rows_are_no_change(scenario):
    repo, c = scenario
    td = tree_diff(repo, c["rows"], c["reorder"])
    assert [file_dict(f) for f in td.files] == [
        file_record(
            ROSTER,
            "modified",
            "subsidy",
            "名单：没有实质修改",
            [],
            roster_figures(("3", "2470.00"), ("3", "2470.00")),
        )
    ]
    # rows matched by key, not position: from before the reorder to after it, only the real edits
    td = tree_diff(repo, c["amend"], c["reorder"])
    assert [(x.op, x.where) for x in td.files[0].changes] == [
        ("removed", "recipients[key=A-002]"),
        ("added", "recipients[key=A-004]"),
        ("changed", "total"),
    ]


def test_renamed_and_edited_notice(scenario):
    repo, c = scenario
    td = tree_diff(repo, c["reorder"], c["rename"])
    assert [file_dict(f) for f in td.files] == [
        file_record(
            NOTICE_NEW,
            "renamed",
            "notice",
            f"公告：文件改名 {NOTICE_OLD} → {NOTICE_NEW}；正文新增 1 行，删除 1 行",
            [
                {
                    "op": "changed",
                    "where": "file",
                    "field": "path",
                    "before": NOTICE_OLD,
                    "after": NOTICE_NEW,
                    "label": "文件路径",
                },
                {
                    "op": "removed",
                    "where": "body[line=5]",
                    "field": None,
                    "before": "| 预算 | 12.5 万元 |",
                    "after": None,
                    "label": "正文第 5 行",
                },
                {
                    "op": "added",
                    "where": "body[line=5]",
                    "field": None,
                    "before": None,
                    "after": "| 预算 | 13.0 万元 |",
                    "label": "正文第 5 行",
                },
            ],
            old_path=NOTICE_OLD,
        )
    ]


def test_correction_entry_is_named(scenario):
    repo, c = scenario
    td = tree_diff(repo, c["rename"], c["correction"], village="alpha")
    assert td.village == "alpha"
    assert [file_dict(f) for f in td.files] == [
        file_record(
            ROSTER,
            "modified",
            "subsidy",
            f"名单：新增更正记录（2026-10-20：{REASON[:39]}…）",
            [
                {
                    "op": "added",
                    "where": "corrections[date=2026-10-20]",
                    "field": None,
                    "before": None,
                    "after": {"date": "2026-10-20", "reason": REASON},
                    "label": "更正记录 2026-10-20",
                }
            ],
            roster_figures(("3", "2470.00"), ("3", "2470.00")),
        )
    ]


def test_diff_against_the_working_tree(scenario):
    repo, c = scenario
    td = tree_diff(repo, "HEAD")
    assert tree_dict(td)["from"] == side(c, "correction", "HEAD")
    assert tree_dict(td)["to"] == WORKTREE
    assert td.warnings == []
    assert [(f.path, f.status, f.kind, file_summary(f)) for f in td.files] == [
        (PHOTO, "modified", "attachment", "附件：内容已替换"),
        (
            FINANCE,
            "modified",
            "finance",
            "财务：支出修改 1 处；支出合计 250.00 → 260.00；期末余额 1,650.10 → 1,640.10",
        ),
        (MEETING, "added", "notice", "公告：新建"),
        (ROSTER, "modified", "subsidy", "名单：修改 1 处；合计 2,470.00 → 2,520.00"),
    ]
    photo, finance, meeting, roster = td.files
    assert [dataclasses.asdict(x) for x in finance.figures] == [
        {"name": "opening_balance", "label": "期初余额", "before": "1400.10", "after": "1400.10"},
        {"name": "income", "label": "收入合计", "before": "500.00", "after": "500.00"},
        {"name": "expense", "label": "支出合计", "before": "250.00", "after": "260.00"},
        {"name": "closing_balance", "label": "期末余额", "before": "1650.10", "after": "1640.10"},
    ]
    assert [x.to_dict() for x in finance.changes][0] == {
        "op": "changed",
        "where": "expense[voucher=0013,line=1]",
        "field": "amount",
        "before": "250.00",
        "after": "260.00",
        "label": "支出 0013 金额",
    }
    data = (GOLDEN / PHOTO).read_bytes()
    assert [x.to_dict() for x in photo.changes] == [
        {
            "op": "changed",
            "where": "file",
            "field": "content",
            "before": f"{len(data)} 字节，sha256:{__import__('hashlib').sha256(data).hexdigest()[:16]}",
            "after": photo.changes[0].after,
            "label": "文件内容",
        }
    ]
    assert photo.changes[0].after.startswith(f"{len(data) + 2} 字节，sha256:")
    assert [x.to_dict() for x in meeting.changes] == [
        {"op": "added", "where": "", "field": None, "before": None, "after": None, "label": "新建公告"}
    ]
    assert [x.to_dict() for x in roster.changes][0]["where"] == "recipients[key=A-003]"
    # --village restricts to the village folder; the township files are not looked at
    assert [f.path for f in tree_diff(repo, "HEAD", village="alpha").files] == [
        PHOTO,
        FINANCE,
        MEETING,
        ROSTER,
    ]


def test_unstaged_move_is_a_rename(scenario, tmp_path):
    repo, c = scenario
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    (clone / NOTICE_NEW).rename(clone / NOTICE_OLD)  # moved back, not git-added
    td = tree_diff(clone, "HEAD")
    assert [(f.status, f.old_path, f.path, file_summary(f)) for f in td.files] == [
        ("renamed", NOTICE_NEW, NOTICE_OLD, f"公告：文件改名 {NOTICE_NEW} → {NOTICE_OLD}")
    ]
    # a committed rename is found by git itself, across several commits
    td = tree_diff(repo, c["import"], c["correction"])
    assert [(f.status, f.old_path, f.path) for f in td.files] == [
        ("renamed", NOTICE_OLD, NOTICE_NEW),
        ("modified", None, ROSTER),
    ]


# ---------------------------------------------------------------- cunwu diff: output


def test_text_output(scenario, capsys):
    repo, c = scenario
    td = tree_diff(repo, c["approve"], c["amend"])
    assert render_text(td) == "\n".join(
        [
            f"比较：{short(c['approve'])}（2026-10-05 10:00 赵晓燕：低保名单审核公开）",
            f"  → {short(c['amend'])}（2026-10-08 11:00 赵晓燕：更正张某某低保金额）",
            "共 1 个文件有变化。",
            "",
            f"修改 {ROSTER}",
            "  名单：修改 1 处；合计 2,530.00 → 2,680.00",
            "  户数 3（未变）；合计金额 2,530.00 → 2,680.00",
            "    ~ 张某某 金额：820.00 → 970.00  [recipients[key=A-001].amount]",
            "    ~ 合计金额：2530.00 → 2680.00  [total]",
        ]
    )
    coloured = render_text(td, color=True)
    assert "\x1b[33m修改\x1b[0m" in coloured and "\x1b[33m~ 张某某 金额：820.00 → 970.00\x1b[0m" in coloured
    # the CLI: colour only when asked or on a terminal (capsys is not one)
    assert main(["diff", c["approve"], c["amend"], "--path", str(repo)]) == 0
    plain = capsys.readouterr().out
    assert "\x1b[" not in plain and plain.startswith(f"比较：{short(c['approve'])}")
    assert main(["diff", c["approve"], c["amend"], "--path", str(repo), "--color", "always"]) == 0
    assert "\x1b[33m" in capsys.readouterr().out
    assert render_text(tree_diff(repo, c["rows"], c["rows"])).endswith("两个版本之间，公开资料没有变化。")


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_standalone_and_escaped(scenario, capsys):
    repo, c = scenario
    assert main(["diff", c["amend"], "HEAD", "--format", "html", "--path", str(repo)]) == 0
    page = capsys.readouterr().out
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    parser = _Collect()
    parser.feed(page)
    parser.close()
    assert "script" not in parser.tags
    assert set(parser.tags) <= {
        "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "dl", "dt", "dd", "p",
        "section", "span", "code", "ul", "ol", "li", "strong", "del", "ins", "footer",
    }  # fmt: skip
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    # the hostile name is there, as text, and only escaped in the markup
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert any(HOSTILE in t for t in parser.text)
    assert "<link" not in page and "http://" not in page and "https://" not in page
    assert 'name="viewport"' in page and "default-src 'none'" in page
    text = "".join(parser.text)
    assert "名单：新增 1 户，删除 1 户；合计 2,680.00 → 2,470.00" in text and "新增更正记录" in text
    assert render_html(tree_diff(repo, c["amend"], c["rows"])).count(HOSTILE) == 0


def test_control_characters_are_shown_not_sent_to_the_terminal(tmp_path):
    assert clean("张\x1b[2J某\u202e056") == "张\\x1b[2J某\\u202e056"
    assert clean("普通文字 A-001") == "普通文字 A-001"
    repo = copy_golden(tmp_path / "repo")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "one", "2026-10-01T09:00:00+08:00", LIU)
    # a bidi override passes validation (an escaped ESC does not: see test_yamlsafe)
    edit(repo, ROSTER, "name: 王堃", 'name: "王堃\\u202e"')
    td = tree_diff(repo, "HEAD")
    assert td.files[0].changes[0].after == "王堃\u202e"  # the data is faithful ...
    out = render_text(td) + render_html(td)
    assert "\u202e" not in out  # ... what people see is not
    assert "王堃\\u202e" in render_text(td)


# ---------------------------------------------------------------- cunwu history


def test_history_of_a_roster(scenario):
    repo, c = scenario
    history = file_history(repo, ROSTER)
    revs = [revision_dict(r) for r in history.revisions]
    assert history.path == ROSTER and history.kind == "subsidy" and history.warnings == []
    assert [(r["commit"], r["author"], r["date"], r["subject"], r["status"], r["summary"]) for r in revs] == [
        (c["import"], "刘春华", "2026-10-01T09:00:00+08:00", "导入测试镇公开资料", "A", "新建"),
        (
            c["approve"],
            "赵晓燕",
            "2026-10-05T10:00:00+08:00",
            "低保名单审核公开",
            "M",
            "审核公开（2026-10-05）",
        ),
        (
            c["amend"],
            "赵晓燕",
            "2026-10-08T11:00:00+08:00",
            "更正张某某低保金额",
            "M",
            # approved, then changed without a correction entry: auditors look for this
            "修改（未登记更正）：修改 1 处；合计 2,530.00 → 2,680.00",
        ),
        (
            c["rows"],
            "赵晓燕",
            "2026-10-09T15:30:00+08:00",
            "名单增删",
            "M",
            "修改（未登记更正）：新增 1 户，删除 1 户；合计 2,680.00 → 2,470.00",
        ),
        (c["reorder"], "刘春华", "2026-10-10T08:00:00+08:00", "调整名单顺序", "M", "没有实质修改"),
        (
            c["correction"],
            "赵晓燕",
            "2026-10-20T09:30:00+08:00",
            "补记更正记录",
            "M",
            f"新增更正记录（2026-10-20：{REASON[:39]}…）",
        ),
        # the third edit after approval, with one correction entry: not covered
        (None, None, None, "未提交的修改", "M", "修改（未登记更正）：修改 1 处；合计 2,470.00 → 2,520.00"),
    ]
    assert [r["silent_edit"] for r in revs] == [False, False, True, True, False, False, True]
    assert revs[0] == {
        "commit": c["import"],
        "date": "2026-10-01T09:00:00+08:00",
        "author": "刘春华",
        "author_email": "liu@example.cn",
        "subject": "导入测试镇公开资料",
        "path": ROSTER,
        "old_path": None,
        "status": "A",
        "summary": "新建",
        "silent_edit": False,
    }
    assert render_history_text(history).split("\n")[:6] == [
        f"{ROSTER} 的修改历史（6 个提交）",
        "",
        f"{short(c['import'])}  2026-10-01 09:00  刘春华  导入测试镇公开资料",
        "    新建",
        "",
        f"{short(c['approve'])}  2026-10-05 10:00  赵晓燕  低保名单审核公开",
    ]
    assert render_history_text(history).split("\n")[-2:] == [
        "未提交的修改",
        "    修改（未登记更正）：修改 1 处；合计 2,470.00 → 2,520.00",
    ]


def test_history_follows_a_rename_via_cli(scenario, capsys, monkeypatch):
    repo, c = scenario
    monkeypatch.chdir(repo / "villages" / "alpha")
    # the old path, relative to the current folder, finds the renamed file
    assert main(["history", "notices/tender.md", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    doc = json.loads(out)
    assert out == history_to_json(file_history(repo, NOTICE_NEW)) + "\n"
    assert doc == {
        "version": 1,
        "path": NOTICE_NEW,
        "kind": "notice",
        "warnings": [],
        "revisions": [
            {
                "commit": c["import"],
                "date": "2026-10-01T09:00:00+08:00",
                "author": "刘春华",
                "author_email": "liu@example.cn",
                "subject": "导入测试镇公开资料",
                "path": NOTICE_OLD,
                "old_path": None,
                "status": "A",
                "summary": "新建",
                "silent_edit": False,
            },
            {
                "commit": c["rename"],
                "date": "2026-10-16T16:00:00+08:00",
                "author": "刘春华",
                "author_email": "liu@example.cn",
                "subject": "公告改名并更正预算",
                "path": NOTICE_NEW,
                "old_path": NOTICE_OLD,
                "status": "R",
                # the approved notice's text changed without a correction entry
                "summary": f"修改（未登记更正）：文件改名 {NOTICE_OLD} → {NOTICE_NEW}；正文新增 1 行，删除 1 行",
                "silent_edit": True,
            },
        ],
    }
    assert main(["history", "notices/2026-10-road-tender.md"]) == 0
    text = capsys.readouterr().out
    assert text.rstrip("\n").split("\n")[-1] == (
        f"    修改（未登记更正）：文件改名 {NOTICE_OLD} → {NOTICE_NEW}；正文新增 1 行，删除 1 行"
        f"  [{NOTICE_OLD} → {NOTICE_NEW}]"
    )


def test_history_of_an_untracked_file(scenario):
    repo, _ = scenario
    history = file_history(repo, MEETING)
    revs = [revision_dict(r) for r in history.revisions]
    assert [(r["commit"], r["subject"], r["status"], r["summary"]) for r in revs] == [
        (None, "未提交的修改", "A", "新建")
    ]


# ---------------------------------------------------------------- failure modes


def test_bad_revision_is_a_clean_error(scenario, capsys):
    repo, _ = scenario
    assert main(["diff", "no-such-tag", "--path", str(repo)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "cunwu: 找不到修订 “no-such-tag”\n"
    assert main(["diff", "--path", str(repo), "--", "--output=/tmp/x"]) == 2
    assert "修订名无效" in capsys.readouterr().err
    with pytest.raises(UsageError, match="找不到修订 “HEAD~99”"):
        tree_diff(repo, "HEAD~99")
    with pytest.raises(UsageError, match="找不到村 “beta”"):
        tree_diff(repo, "HEAD", village="beta")
    with pytest.raises(UsageError, match="村的标识"):
        tree_diff(repo, "HEAD", village="../alpha")
    assert main(["history", "villages/alpha/notices/nothing.md", "--path", str(repo)]) == 2
    assert "找不到 villages/alpha/notices/nothing.md 的任何版本" in capsys.readouterr().err
    assert main(["history", "README.md", "--path", str(repo)]) == 2
    assert "只能查看" in capsys.readouterr().err


def test_closed_pipe_is_not_a_traceback(scenario):
    """`cunwu diff ... | head`: the reader goes away; no Python traceback."""
    import subprocess
    import sys

    repo, c = scenario
    code = "import sys; from cunwu.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "diff", c["import"], "--format", "json", "--path", str(repo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # before anything is written
    err = proc.stderr.read().decode()
    assert proc.wait() == 141
    assert err == ""


def test_no_git_repository(tmp_path, capsys):
    plain = copy_golden(tmp_path / "plain")
    assert main(["diff", "HEAD", "--path", str(plain)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"cunwu: {plain} 不在 Git 仓库中，没有修改历史，无法比较修订\n"
    # history still shows what there is: the file as it is now
    assert main(["history", ROSTER, "--path", str(plain)]) == 0
    out, err = capsys.readouterr()
    assert (
        err.startswith("cunwu: 警告：") and "不在 Git 仓库中" in err and "只能显示工作区中的当前内容" in err
    )
    assert out == f"{ROSTER} 的修改历史（0 个提交）\n\n未提交的修改\n    新建\n"


def test_repository_without_commits(tmp_path, capsys):
    repo = copy_golden(tmp_path / "repo")
    git(repo, "init", "-q", "-b", "main")
    assert main(["diff", "HEAD", "--path", str(repo)]) == 2
    assert capsys.readouterr().err == "cunwu: 找不到修订 “HEAD”；这个 Git 仓库还没有任何提交\n"
    history = file_history(repo, ROSTER)
    revs = [revision_dict(r) for r in history.revisions]
    assert "还没有任何提交" in history.warnings[0]
    assert [(r["subject"], r["summary"]) for r in revs] == [("未提交的修改", "新建")]


def test_git_missing(tmp_path, monkeypatch, capsys):
    repo = copy_golden(tmp_path / "repo")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(HistoryError, match="找不到 git 命令"):
        tree_diff(repo, "HEAD")
    assert main(["history", ROSTER, "--path", str(repo)]) == 0
    assert "找不到 git 命令" in capsys.readouterr().err


def test_shallow_clone(scenario, tmp_path, capsys):
    repo, c = scenario
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", repo.as_uri(), str(clone))
    # what is there can be compared
    td = tree_diff(clone, "HEAD~1", "HEAD")
    assert [(f.path, file_summary(f)) for f in td.files] == [
        (ROSTER, f"名单：新增更正记录（2026-10-20：{REASON[:39]}…）")
    ]
    # what is not, is a clean error that says why
    assert main(["diff", "HEAD~2", "--path", str(clone)]) == 2
    assert capsys.readouterr().err == (
        "cunwu: 找不到修订 “HEAD~2”；这是浅克隆，较早的提交不在本地（可用 git fetch --unshallow 取得完整历史）\n"
    )
    # the history shows the visible part and says the rest is cut off
    assert main(["history", ROSTER, "--path", str(clone), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == "cunwu: 警告：这是浅克隆（shallow clone），只包含最近的部分历史；较早的修改无法显示\n"
    doc = json.loads(out)
    assert doc["warnings"] == ["这是浅克隆（shallow clone），只包含最近的部分历史；较早的修改无法显示"]
    assert [(r["commit"], r["summary"]) for r in doc["revisions"]] == [
        (c["rename"], "浅克隆中最早的版本（更早的修改看不到）"),
        (c["correction"], f"新增更正记录（2026-10-20：{REASON[:39]}…）"),
    ]


# ---------------------------------------------------------------- docs


def test_json_shape_is_documented(scenario):
    repo, c = scenario
    doc = DOCS.read_text("utf-8")
    td = tree_dict(tree_diff(repo, c["import"], "HEAD"))
    keys = set(td) | set(td["from"])
    for f in td["files"]:
        keys |= set(f) | {k for x in f["figures"] for k in x} | {k for x in f["changes"] for k in x}
    keys |= set(json.loads(history_to_json(file_history(repo, ROSTER)))["revisions"][0])
    missing = sorted(k for k in keys if f'"{k}"' not in doc)
    assert not missing, f"docs/history.md does not mention {missing}"
