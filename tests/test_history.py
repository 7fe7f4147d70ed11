"""Git history of the sources and semantic diffs (cunwu.history.git, cunwu.history.diff).

Every test builds its own throwaway repository with fixed authors and dates,
so commit dates, authors and diffs are exact. All names, amounts and ID
numbers are invented; IDs are masked like 990101********123X.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from cunwu.history.diff import Change, body_diff, diff_blobs, diff_docs, parse_blob, revision_diffs
from cunwu.history.git import read_history
from cunwu.privacy import id_check_char
from cunwu.render.changes import render_text, summarise
from cunwu.validate.sourcescan import scan_source

from conftest import git

ROSTER = "villages/dongshan/subsidies/2026-01-dibao.yaml"
FINANCE = "villages/dongshan/finance/2026-01.yaml"
NOTICE_OLD = "villages/dongshan/notices/road.md"
NOTICE_NEW = "villages/dongshan/notices/2026-01-road-tender.md"

LIU = ("刘春华", "liu@example.cn")
ZHAO = ("赵晓燕", "zhao@example.cn")
SUN = ("孙德福", "sun@example.cn")
CHEN = ("陈立明", "chen@example.cn")


pytestmark = pytest.mark.usefixtures("isolated_git")


def init(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "测试")
    git(repo, "config", "user.email", "test@example.cn")
    git(repo, "config", "commit.gpgsign", "false")
    return repo


def commit(repo: Path, message: str, when: str, who=LIU, *extra: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": who[0],
        "GIT_AUTHOR_EMAIL": who[1],
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": who[0],
        "GIT_COMMITTER_EMAIL": who[1],
        "GIT_COMMITTER_DATE": when,
    }
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, *extra, env=env)
    return git(repo, "rev-parse", "HEAD")


def write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


# ---------------------------------------------------------------- fixtures


def roster(rows: list[tuple[str, str, str, str]], total: str, corrections: str = "", indent: int = 2) -> str:
    """A dibao roster; rows are (key, name, id tail, amount)."""
    pad = " " * indent
    lines = [
        "program: dibao",
        'period: "2026-01"',
        "status: approved",
        "approved_on: 2026-01-05",
        corrections,
        "standard: 农村低保标准每人每月 880 元，按差额发放。",
        "notice:",
        f"{pad}start: 2026-01-05",
        f"{pad}end: 2026-01-11",
        "supervision:",
        f"{pad}- label: 清水镇民政办",
        f"{pad}  number: 0123-66881002",
        "recipients:",
    ]
    for key, name, tail, amount in rows:
        lines += [
            f"{pad}- key: {key}",
            f"{pad}  name: {name}",
            f"{pad}  group: 三组",
            f"{pad}  id_masked: 990101********{tail}",
            f"{pad}  people: 1",
            f"{pad}  amount: {amount}",
        ]
    lines.append(f"total: {total}")
    return "\n".join(ln for ln in lines if ln) + "\n"


ROWS_1 = [
    ("DS-0001", "张某某", "123X", "500.00"),
    ("DS-0002", "李某某", "2321", "300.00"),
    ("DS-0003", "王某某", "4650", "400.00"),
]
CORR = "corrections:\n  - date: 2026-01-10\n    reason: 张某某家庭人口变化，金额由 500 元调整为 650 元\n"
CORR_4 = (
    "corrections:\n    - date: 2026-01-10\n      reason: 张某某家庭人口变化，金额由 500 元调整为 650 元\n"
)
ROWS_2 = [("DS-0001", "张某某", "123X", "650.00"), *ROWS_1[1:]]
ROWS_3 = [ROWS_2[0], ROWS_2[2], ("DS-0004", "陈某某", "7195", "200.00")]


def finance(
    expense_extra: str = "", amount: str = "199.00", closing: str = "10301.00", exp: str = "199.00"
) -> str:
    return f"""period: "2026-01"
status: approved
approved_on: 2026-02-05
opening_balance: 10000.00
income:
  - date: 2026-01-05
    voucher: "记-001"
    account: "50101"
    summary: 收厂房租金（1月）
    amount: 500.00
expense:
  - date: 2026-01-06
    voucher: "记-002"
    account: "51301"
    summary: 1月宽带费
    amount: {amount}
    handler: 赵晓燕
    approver: 陈立明
{expense_extra}totals:
  income: 500.00
  expense: {exp}
closing_balance: {closing}
signoff:
  handler: 赵晓燕
  oversight: [孙德福]
  approver: 陈立明
"""


EXTRA_LINE = """  - date: 2026-01-20
    voucher: "记-005"
    line: 2
    account: "51303"
    summary: 1月路灯电费
    amount: 101.00
    handler: 赵晓燕
    approver: 陈立明
"""

BODY = [
    "根据“四议两公开”工作法，东山村就三组道路硬化工程公开招标，现公告如下。",
    "",
    "一、工程名称：三组至五组道路硬化工程。",
    "二、工程地点：东山村三组至五组。",
    "三、建设规模：全长约 1.8 公里，路面宽 4.5 米。",
    "四、预算金额：24.6 万元。",
    "五、报名时间：2026 年 1 月 6 日至 1 月 12 日。",
    "六、报名地点：镇公共资源交易服务站。",
    "七、联系电话：0123-66882103。",
    "八、监督电话：0123-66881001。",
]


def notice(slug: str, body: list[str], aliases: str = "") -> str:
    return (
        "---\n"
        f"slug: {slug}\n"
        "title: 东山村三组道路硬化工程招标公告\n"
        "date: 2026-01-05\n"
        "kind: 村务\n"
        "topic: 招投标\n"
        "status: approved\n"
        "approved_on: 2026-01-05\n"
        f"{aliases}"
        "---\n" + "\n".join(body) + "\n"
    )


BODY_2 = [*BODY[:6], "五、报名时间：2026 年 1 月 6 日至 1 月 15 日。", *BODY[7:]]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """A village's history: edits, a reorder, a rename, a merge from a branch."""
    repo = init(tmp_path_factory.mktemp("hist") / "repo")
    write(repo, "cunwu.yaml", "township: {id: qingshui}\n")
    write(repo, ROSTER, roster(ROWS_1, "1200.00"))
    write(repo, FINANCE, finance())
    write(repo, NOTICE_OLD, notice("road", BODY))
    write(repo, "README.md", "not under the prefixes\n")
    c = {}
    c["first"] = commit(repo, "东山村2026年1月公开", "2026-01-05T09:00:00+08:00", LIU)
    write(repo, ROSTER, roster(ROWS_2, "1350.00", CORR))
    c["amend"] = commit(repo, "更正张某某低保金额", "2026-01-10T10:30:00+08:00", ZHAO)
    write(repo, ROSTER, roster(ROWS_3, "1250.00", CORR))
    c["rows"] = commit(repo, "名单增删", "2026-01-12T11:00:00+08:00", ZHAO)
    reordered = list(reversed(ROWS_3))
    write(repo, ROSTER, roster(reordered, "1250.00", CORR_4, indent=4))
    c["reorder"] = commit(repo, "调整名单顺序和缩进", "2026-01-15T08:00:00+08:00", LIU)
    git(repo, "mv", NOTICE_OLD, NOTICE_NEW)
    write(repo, NOTICE_NEW, notice("2026-01-road-tender", BODY_2, "aliases: [road]\n"))
    c["rename"] = commit(repo, "公告改名并延长报名时间", "2026-01-20T16:00:00+08:00", LIU)
    git(repo, "checkout", "-q", "-b", "fix")
    write(repo, FINANCE, finance(EXTRA_LINE, amount="99.00", closing="10300.00", exp="200.00"))
    c["branch"] = commit(repo, "补记路灯电费", "2026-01-22T09:00:00+08:00", SUN)
    git(repo, "checkout", "-q", "main")
    write(repo, "cunwu.yaml", "township: {id: qingshui, name: 清水镇}\n")
    c["config"] = commit(repo, "乡镇设置", "2026-01-23T09:00:00+08:00", LIU)
    env = {"GIT_AUTHOR_DATE": "2026-01-25T15:00:00+08:00", "GIT_COMMITTER_DATE": "2026-01-25T15:00:00+08:00"}
    git(
        repo,
        "-c",
        f"user.name={CHEN[0]}",
        "-c",
        f"user.email={CHEN[1]}",
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "合并：补记路灯电费",
        "fix",
        env=env,
    )
    c["merge"] = git(repo, "rev-parse", "HEAD")
    return repo, c


def summary_of(revs):
    return [(r.subject, r.author, r.author_email, r.date, r.status, r.path, r.old_path) for r in revs]


# ---------------------------------------------------------------- reading history


def test_history_reads_the_published_line(scenario):
    repo, c = scenario
    with read_history(repo) as h:
        assert h.available and h.reason == "" and not h.shallow
        assert h.head == c["merge"]
        # the branch commit is not on the published line: its change arrives with the merge
        assert [x.sha for x in h.commits] == [
            c["first"],
            c["amend"],
            c["rows"],
            c["reorder"],
            c["rename"],
            c["config"],
            c["merge"],
        ]
        merge = h.commit(c["merge"])
        assert merge.is_merge and merge.parents == (c["config"], c["branch"])
        assert merge.author == "陈立明" and merge.date == "2026-01-25T15:00:00+08:00"
        assert [(ch.status, ch.path) for ch in merge.changes] == [("M", FINANCE)]
        # README.md is outside the prefixes
        assert "README.md" not in h.paths()
        assert h.tracked() == sorted(["cunwu.yaml", ROSTER, FINANCE, NOTICE_NEW])
        assert h.dirty_paths == {}


def test_revisions_of_a_roster(scenario):
    repo, c = scenario
    h = read_history(repo)
    revs = h.revisions(ROSTER)
    assert summary_of(revs) == [
        ("东山村2026年1月公开", "刘春华", "liu@example.cn", "2026-01-05T09:00:00+08:00", "A", ROSTER, None),
        ("更正张某某低保金额", "赵晓燕", "zhao@example.cn", "2026-01-10T10:30:00+08:00", "M", ROSTER, None),
        ("名单增删", "赵晓燕", "zhao@example.cn", "2026-01-12T11:00:00+08:00", "M", ROSTER, None),
        ("调整名单顺序和缩进", "刘春华", "liu@example.cn", "2026-01-15T08:00:00+08:00", "M", ROSTER, None),
    ]
    assert [r.commit for r in revs] == [c["first"], c["amend"], c["rows"], c["reorder"]]
    assert revs[0].parents == () and revs[1].parents == (c["first"],)
    assert revs[0].committer_date == "2026-01-05T09:00:00+08:00"
    assert revs[0].old_blob is None and revs[1].old_blob == revs[0].blob
    assert h.blob(revs[0].blob).decode() == roster(ROWS_1, "1200.00")
    d = revs[1].to_dict()
    assert list(d) == [
        "commit",
        "parents",
        "author",
        "author_email",
        "date",
        "committer_date",
        "subject",
        "path",
        "blob",
        "status",
        "old_path",
        "old_blob",
    ]
    json.dumps(d)
    h.close()


def test_revisions_follow_a_rename(scenario):
    repo, c = scenario
    h = read_history(repo)
    revs = h.revisions(NOTICE_NEW)
    assert summary_of(revs) == [
        (
            "东山村2026年1月公开",
            "刘春华",
            "liu@example.cn",
            "2026-01-05T09:00:00+08:00",
            "A",
            NOTICE_OLD,
            None,
        ),
        (
            "公告改名并延长报名时间",
            "刘春华",
            "liu@example.cn",
            "2026-01-20T16:00:00+08:00",
            "R",
            NOTICE_NEW,
            NOTICE_OLD,
        ),
    ]
    # the old path leads to the same file; the rename chain is kept for redirects
    assert h.revisions(NOTICE_OLD) == revs
    assert h.renames() == {NOTICE_OLD: NOTICE_NEW}
    assert h.paths()[NOTICE_OLD] == [NOTICE_OLD, NOTICE_NEW]
    fh = h.file(NOTICE_NEW)
    assert fh.current == NOTICE_NEW and fh.former_paths == [NOTICE_OLD] and not fh.deleted
    # the old slug is readable from the old blob, for a redirect page
    kind, old, _, problems = parse_blob(NOTICE_OLD, h.blob(revs[0].blob))
    assert (kind, old.slug, problems) == ("notice", "road", [])
    h.close()


def test_merge_is_one_revision_of_the_published_line(scenario):
    repo, c = scenario
    h = read_history(repo)
    revs = h.revisions(FINANCE)
    assert [(r.commit, r.status, r.author, r.is_merge) for r in revs] == [
        (c["first"], "A", "刘春华", False),
        (c["merge"], "M", "陈立明", True),
    ]
    diff = diff_blobs(FINANCE, h.blob(revs[0].blob), FINANCE, h.blob(revs[1].blob))
    assert [x.to_dict() for x in diff.changes] == [
        {
            "op": "changed",
            "where": "expense[voucher=记-002,line=1]",
            "field": "amount",
            "before": "199.00",
            "after": "99.00",
            "label": "支出 记-002 金额",
        },
        {
            "op": "added",
            "where": "expense[voucher=记-005,line=2]",
            "field": None,
            "before": None,
            "after": {
                "date": "2026-01-20",
                "voucher": "记-005",
                "line": "2",
                "account": "51303",
                "summary": "1月路灯电费",
                "amount": "101.00",
                "handler": "赵晓燕",
                "approver": "陈立明",
            },
            "label": "支出 记-005 第2行",
        },
        {
            "op": "changed",
            "where": "totals",
            "field": "expense",
            "before": "199.00",
            "after": "200.00",
            "label": "合计 支出合计",
        },
        {
            "op": "changed",
            "where": "closing_balance",
            "field": None,
            "before": "10301.00",
            "after": "10300.00",
            "label": "期末余额",
        },
    ]
    assert summarise(diff.changes, "finance") == (
        "财务：支出新增 1 笔，修改 1 处；支出合计 199.00 → 200.00；期末余额 10,301.00 → 10,300.00"
    )
    assert not diff.textual and diff.before_problems == [] and diff.after_problems == []
    h.close()


# ---------------------------------------------------------------- roster diffs


def _roster_diff(h, i):
    revs = h.revisions(ROSTER)
    _, before, _, p1 = parse_blob(ROSTER, h.blob(revs[i - 1].blob))
    _, after, _, p2 = parse_blob(ROSTER, h.blob(revs[i].blob))
    assert p1 == p2 == []
    return diff_docs("subsidy", before, after)


def test_roster_amount_amended(scenario):
    h = read_history(scenario[0])
    changes = _roster_diff(h, 1)
    assert [x.to_dict() for x in changes] == [
        {
            "op": "added",
            "where": "corrections[date=2026-01-10]",
            "field": None,
            "before": None,
            "after": {"date": "2026-01-10", "reason": "张某某家庭人口变化，金额由 500 元调整为 650 元"},
            "label": "更正记录 2026-01-10",
        },
        {
            "op": "changed",
            "where": "recipients[key=DS-0001]",
            "field": "amount",
            "before": "500.00",
            "after": "650.00",
            "label": "张某某 金额",
        },
        {
            "op": "changed",
            "where": "total",
            "field": None,
            "before": "1200.00",
            "after": "1350.00",
            "label": "合计金额",
        },
    ]
    assert summarise(changes, "subsidy") == "名单：修改 1 处；合计 1,200.00 → 1,350.00；另改：更正记录"
    assert render_text(changes) == (
        "+ 新增 更正记录 2026-01-10：更正日期 2026-01-10，更正原因 张某某家庭人口变化，金额由 500 元调整为 650 元"
        "  [corrections[date=2026-01-10]]\n"
        "~ 张某某 金额：500.00 → 650.00  [recipients[key=DS-0001].amount]\n"
        "~ 合计金额：1200.00 → 1350.00  [total]"
    )
    h.close()


def test_roster_recipient_added_and_removed(scenario):
    h = read_history(scenario[0])
    changes = _roster_diff(h, 2)
    assert [x.to_dict() for x in changes] == [
        {
            "op": "removed",
            "where": "recipients[key=DS-0002]",
            "field": None,
            "before": {
                "key": "DS-0002",
                "name": "李某某",
                "group": "三组",
                "id_masked": "990101********2321",
                "people": "1",
                "amount": "300.00",
            },
            "after": None,
            "label": "李某某",
        },
        {
            "op": "added",
            "where": "recipients[key=DS-0004]",
            "field": None,
            "before": None,
            "after": {
                "key": "DS-0004",
                "name": "陈某某",
                "group": "三组",
                "id_masked": "990101********7195",
                "people": "1",
                "amount": "200.00",
            },
            "label": "陈某某",
        },
        {
            "op": "changed",
            "where": "total",
            "field": None,
            "before": "1350.00",
            "after": "1250.00",
            "label": "合计金额",
        },
    ]
    assert summarise(changes, "subsidy") == "名单：新增 1 户，删除 1 户；合计 1,350.00 → 1,250.00"
    h.close()


def test_reordered_and_reindented_roster_has_no_changes(scenario):
    h = read_history(scenario[0])
    revs = h.revisions(ROSTER)
    # the bytes did change ...
    assert revs[3].blob != revs[2].blob
    # ... the disclosure did not
    assert _roster_diff(h, 3) == []
    assert summarise([], "subsidy") == "名单：没有实质修改"
    assert diff_blobs(ROSTER, h.blob(revs[2].blob), ROSTER, h.blob(revs[3].blob)).changes == []
    h.close()


def test_summary_of_the_whole_roster_history(scenario):
    h = read_history(scenario[0])
    revs = h.revisions(ROSTER)
    _, first, _, _ = parse_blob(ROSTER, h.blob(revs[0].blob))
    _, last, _, _ = parse_blob(ROSTER, h.blob(revs[-1].blob))
    changes = diff_docs("subsidy", first, last)
    assert summarise(changes) == (
        "名单：新增 1 户，删除 1 户，修改 1 处；合计 1,200.00 → 1,250.00；另改：更正记录"
    )
    assert diff_docs("subsidy", None, last) == [Change("added", "", None, None, None, "新建名单")]
    assert [(r.subject, summarise(d.changes, d.kind)) for r, d in revision_diffs(h, ROSTER)] == [
        ("东山村2026年1月公开", "名单：新建"),
        ("更正张某某低保金额", "名单：修改 1 处；合计 1,200.00 → 1,350.00；另改：更正记录"),
        ("名单增删", "名单：新增 1 户，删除 1 户；合计 1,350.00 → 1,250.00"),
        ("调整名单顺序和缩进", "名单：没有实质修改"),
    ]
    renamed = revision_diffs(h, NOTICE_NEW)[1][1]
    assert renamed.kind == "notice" and renamed.changes[0].where == "file"
    assert summarise(diff_docs("subsidy", None, last), "subsidy") == "名单：新建"
    assert summarise(diff_docs("subsidy", last, None), "subsidy") == "名单：已删除"
    h.close()


# ---------------------------------------------------------------- notices


def test_notice_renamed_and_edited(scenario):
    repo, _ = scenario
    h = read_history(repo)
    old, new = h.revisions(NOTICE_NEW)
    diff = diff_blobs(old.path, h.blob(old.blob), new.path, h.blob(new.blob))
    assert [x.to_dict() for x in diff.changes] == [
        {
            "op": "changed",
            "where": "file",
            "field": "path",
            "before": NOTICE_OLD,
            "after": NOTICE_NEW,
            "label": "文件路径",
        },
        {
            "op": "changed",
            "where": "slug",
            "field": None,
            "before": "road",
            "after": "2026-01-road-tender",
            "label": "永久网址标识",
        },
        {
            "op": "added",
            "where": "aliases",
            "field": None,
            "before": None,
            "after": "road",
            "label": "曾用标识",
        },
        {
            "op": "removed",
            "where": "body[line=7]",
            "field": None,
            "before": "五、报名时间：2026 年 1 月 6 日至 1 月 12 日。",
            "after": None,
            "label": "正文第 7 行",
        },
        {
            "op": "added",
            "where": "body[line=7]",
            "field": None,
            "before": None,
            "after": "五、报名时间：2026 年 1 月 6 日至 1 月 15 日。",
            "label": "正文第 7 行",
        },
    ]
    assert summarise(diff.changes, "notice") == (
        f"公告：文件改名 {NOTICE_OLD} → {NOTICE_NEW}；修改 永久网址标识、曾用标识；正文新增 1 行，删除 1 行"
    )
    _, _, b1, _ = parse_blob(old.path, h.blob(old.blob))
    _, _, b2, _ = parse_blob(new.path, h.blob(new.blob))
    assert body_diff(b1, b2, context=0) == [
        "--- 修改前",
        "+++ 修改后",
        "@@ -7 +7 @@",
        "-五、报名时间：2026 年 1 月 6 日至 1 月 12 日。",
        "+五、报名时间：2026 年 1 月 6 日至 1 月 15 日。",
    ]
    h.close()


def test_notice_body_line_endings_and_blank_edges_are_not_changes():
    a = parse_blob(NOTICE_NEW, notice("x", BODY).encode())
    b = parse_blob(NOTICE_NEW, (notice("x", ["", *BODY, "", ""])).replace("\n", "\r\n").encode())
    assert a[3] == [] and b[3] == []
    assert diff_docs("notice", a[1], b[1], a[2], b[2]) == []


# ---------------------------------------------------------------- power items

POWER = """id: dibao-application
number: 15
group: service
name: 最低生活保障申请
status: approved
approved_on: 2026-01-16
basis:
  - 《社会救助暂行办法》
responsible: 镇人民政府
public: 保障对象姓名、小组、人数、金额
supervisor:
  - label: 清水镇民政办
    number: 0123-66881002
flow:
  - id: apply
    step: 提出书面申请
    actor: 申请人
    next: investigate
  - id: investigate
    step: 入户调查
    time_limit: 3 个工作日内
    next: decide
  - id: decide
    decision: 是否符合条件？
    yes: grant
    no: refuse
  - id: grant
    end: 次月起发放
  - id: refuse
    end: 书面说明理由
"""

POWER_2 = (
    POWER.replace(
        "  - 《社会救助暂行办法》\n", "  - 《社会救助暂行办法》\n  - 《最低生活保障审核确认办法》\n"
    )
    .replace("    next: investigate\n", "    next: check\n")
    .replace("    time_limit: 3 个工作日内\n", "    time_limit: 5 个工作日内\n    next: publicize\n", 1)
    .replace("    next: decide\n", "")
    .replace(
        "  - id: decide\n",
        "  - id: check\n    step: 审查申请材料\n    next: investigate\n"
        "  - id: publicize\n    step: 村内公示\n    time_limit: 7 天\n    next: decide\n"
        "  - id: decide\n",
    )
    .replace("  - id: refuse\n    end: 书面说明理由\n", "")
    .replace("    no: refuse\n", "    no: grant\n")
)


def test_power_item_flow_rewired():
    k1, before, _, p1 = parse_blob("powers/dibao-application.yaml", POWER.encode())
    k2, after, _, p2 = parse_blob("powers/dibao-application.yaml", POWER_2.encode())
    assert (k1, k2, p1, p2) == ("power", "power", [], [])
    changes = diff_docs("power", before, after)
    assert [x.to_dict() for x in changes] == [
        {
            "op": "added",
            "where": "basis",
            "field": None,
            "before": None,
            "after": "《最低生活保障审核确认办法》",
            "label": "法律政策依据",
        },
        {
            "op": "removed",
            "where": "flow.end[id=refuse]",
            "field": None,
            "before": {"id": "refuse", "end": "书面说明理由"},
            "after": None,
            "label": "流程“书面说明理由”",
        },
        {
            "op": "changed",
            "where": "flow.step[id=apply]",
            "field": "next",
            "before": "investigate",
            "after": "check",
            "label": "流程“提出书面申请” 下一步",
        },
        {
            "op": "changed",
            "where": "flow.step[id=investigate]",
            "field": "time_limit",
            "before": "3 个工作日内",
            "after": "5 个工作日内",
            "label": "流程“入户调查” 时限",
        },
        {
            "op": "changed",
            "where": "flow.step[id=investigate]",
            "field": "next",
            "before": "decide",
            "after": "publicize",
            "label": "流程“入户调查” 下一步",
        },
        {
            "op": "added",
            "where": "flow.step[id=check]",
            "field": None,
            "before": None,
            "after": {"id": "check", "step": "审查申请材料", "next": "investigate"},
            "label": "流程“审查申请材料”",
        },
        {
            "op": "added",
            "where": "flow.step[id=publicize]",
            "field": None,
            "before": None,
            "after": {"id": "publicize", "step": "村内公示", "time_limit": "7 天", "next": "decide"},
            "label": "流程“村内公示”",
        },
        {
            "op": "changed",
            "where": "flow.decision[id=decide]",
            "field": "no",
            "before": "refuse",
            "after": "grant",
            "label": "流程“是否符合条件？” “否”分支",
        },
    ]
    assert summarise(changes) == (
        "权力事项：修改 法律政策依据；流程新增 2 个节点，删除 1 个节点，改线 3 处，修改 1 处"
    )
    # moving the start node changes the flow; reordering the other nodes does not
    lines = POWER.split("\n")
    i = lines.index("  - id: grant")
    swapped = (
        "\n".join(lines[:i]) + "\n  - id: refuse\n    end: 书面说明理由\n  - id: grant\n    end: 次月起发放\n"
    )
    assert diff_docs("power", before, parse_blob("powers/x.yaml", swapped.encode())[1]) == []
    start_moved = POWER.replace("flow:\n", "flow:\n  - id: intake\n    step: 村委会受理\n    next: apply\n")
    moved = diff_docs("power", before, parse_blob("powers/x.yaml", start_moved.encode())[1])
    assert moved[0].to_dict() == {
        "op": "changed",
        "where": "flow",
        "field": "start",
        "before": "apply",
        "after": "intake",
        "label": "流程图 起点",
    }
    assert summarise(moved, "power") == "权力事项：流程新增 1 个节点，改线 1 处"


# ---------------------------------------------------------------- parse_blob


def test_parse_blob_old_schema_returns_problems_not_exceptions():
    old = roster(ROWS_1, "1200.00").replace("standard:", "standard_text:")
    kind, model, body, problems = parse_blob(ROSTER, old.encode())
    assert (kind, model, body) == ("subsidy", None, None)
    assert {p.code for p in problems} == {"unknown-field", "missing-field"}
    kind, model, _, problems = parse_blob(ROSTER, b"recipients: [\n")
    assert (kind, model, [p.code for p in problems]) == ("subsidy", None, ["yaml-syntax"])
    assert parse_blob(ROSTER, b"\xff\xfe")[3][0].code == "invalid-utf8"
    assert parse_blob("villages/dongshan/attachments/a.jpg", b"\xff") == ("attachment", None, None, [])
    # a broken side gives a raw line diff instead of a semantic one
    good = roster(ROWS_1, "1200.00").encode()
    diff = diff_blobs(ROSTER, old.encode(), ROSTER, good)
    assert diff.textual and diff.after_problems == []
    assert [(c.op, c.where, c.before, c.after) for c in diff.changes] == [
        ("removed", "text[line=5]", "standard_text: 农村低保标准每人每月 880 元，按差额发放。", None),
        ("added", "text[line=5]", None, "standard: 农村低保标准每人每月 880 元，按差额发放。"),
    ]
    assert summarise(diff.changes, "subsidy") == "名单：无法按当前格式解析，原文新增 1 行，删除 1 行"


def _full_id() -> str:
    first17 = "99010119600101123"
    return first17 + id_check_char(first17)


def test_a_leak_in_an_old_revision_is_not_repeated_by_the_diff():
    full = _full_id()
    leaked = roster(ROWS_1, "1200.00").replace("990101********123X", full)
    problems = scan_source(ROSTER, leaked.encode(), [])
    assert "id-number-leak" in {p.code for p in problems}
    _, before, _, _ = parse_blob(ROSTER, leaked.encode())
    assert all(full not in p.message for p in problems)
    _, after, _, _ = parse_blob(ROSTER, roster(ROWS_1, "1200.00").encode())
    changes = diff_docs("subsidy", before, after)
    assert len(changes) == 1 and changes[0].field == "id_masked"
    assert full not in json.dumps([c.to_dict() for c in changes], ensure_ascii=False)
    assert changes[0].after == "990101********123X"


# ---------------------------------------------------------------- rendering


def test_render_text_colours_only_when_asked(scenario):
    h = read_history(scenario[0])
    changes = _roster_diff(h, 2)
    plain = render_text(changes, color=False)
    coloured = render_text(changes, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31m- 删除 李某某" in coloured and "\x1b[32m+ 新增 陈某某" in coloured
    assert plain.splitlines()[0] == (
        "- 删除 李某某：姓名 李某某，村民小组 三组，脱敏身份证号 990101********2321，保障人数 1，金额 300.00"
        "  [recipients[key=DS-0002]]"
    )
    h.close()


def test_change_json_form_is_stable():
    c = Change("changed", "total", None, "1.00", "2.00", "合计金额")
    assert list(c.to_dict()) == ["op", "where", "field", "before", "after", "label"]
    assert json.loads(json.dumps(c.to_dict())) == c.to_dict()


# ---------------------------------------------------------------- robustness


def test_shallow_clone(scenario, tmp_path):
    repo, c = scenario
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(clone))
    h = read_history(clone)
    assert h.available and h.shallow
    assert "浅克隆" in h.reason
    assert [x.sha for x in h.commits] == [c["merge"]]
    revs = h.revisions(ROSTER)
    assert [(r.commit, r.status) for r in revs] == [(c["merge"], "A")]
    assert (
        parse_blob(ROSTER, h.blob(revs[0].blob))[1].total
        == parse_blob(ROSTER, (repo / ROSTER).read_bytes())[1].total
    )
    h.close()


def test_uncommitted_and_untracked_changes(tmp_path):
    repo = init(tmp_path / "repo")
    write(repo, ROSTER, roster(ROWS_1, "1200.00"))
    write(repo, FINANCE, finance())
    write(repo, "cunwu.yaml", "a: 1\n")
    commit(repo, "first", "2026-01-05T09:00:00+08:00")
    write(repo, ROSTER, roster(ROWS_2, "1350.00"))  # edited, not staged
    write(repo, NOTICE_NEW, notice("x", BODY))  # untracked
    write(repo, "villages/dongshan/finance/2026-02.yaml", finance())
    git(repo, "add", "villages/dongshan/finance/2026-02.yaml")  # staged, not committed
    (repo / "cunwu.yaml").unlink()  # deleted
    write(repo, "notes.txt", "outside the prefixes\n")
    h = read_history(repo)
    assert h.available
    assert h.dirty_paths == {
        ROSTER: " M",
        NOTICE_NEW: "??",
        "villages/dongshan/finance/2026-02.yaml": "A ",
        "cunwu.yaml": " D",
    }
    assert h.dirty(ROSTER) and not h.dirty(FINANCE)
    assert h.untracked() == [NOTICE_NEW]
    # history still shows the committed state only
    assert [r.status for r in h.revisions(ROSTER)] == ["A"]
    assert h.revisions(NOTICE_NEW) == []


def test_no_git_repository(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    write(plain, ROSTER, roster(ROWS_1, "1200.00"))
    h = read_history(plain)
    assert not h.available and not h.shallow and h.head is None
    assert "不在 Git 仓库中" in h.reason
    assert h.commits == [] and h.revisions(ROSTER) == [] and h.files() == [] and not h.dirty(ROSTER)
    with pytest.raises(KeyError):
        h.blob("0" * 40)


def test_repository_without_commits(tmp_path):
    repo = init(tmp_path / "repo")
    write(repo, ROSTER, roster(ROWS_1, "1200.00"))
    h = read_history(repo)
    assert not h.available and "还没有任何提交" in h.reason


def test_git_missing_from_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    h = read_history(tmp_path)
    assert not h.available and "找不到 git" in h.reason


def test_project_in_a_subfolder_of_the_repository(tmp_path):
    repo = init(tmp_path / "repo")
    site = repo / "site"
    write(site, ROSTER, roster(ROWS_1, "1200.00"))
    write(repo, "villages/elsewhere/finance/2026-01.yaml", finance())  # not in the project
    commit(repo, "first", "2026-01-05T09:00:00+08:00")
    write(site, ROSTER, roster(ROWS_2, "1350.00"))
    h = read_history(site)
    assert h.available and h.prefix == "site/"
    assert h.tracked() == [ROSTER]
    assert [r.path for r in h.revisions(ROSTER)] == [ROSTER]
    assert h.dirty_paths == {ROSTER: " M"}


def test_deleted_then_added_again_keeps_the_earlier_life(tmp_path):
    repo = init(tmp_path / "repo")
    write(repo, ROSTER, roster(ROWS_1, "1200.00"))
    commit(repo, "add", "2026-01-05T09:00:00+08:00")
    (repo / ROSTER).unlink()
    commit(repo, "delete", "2026-01-06T09:00:00+08:00")
    write(repo, ROSTER, roster(ROWS_3, "1250.00"))
    commit(repo, "add again", "2026-01-07T09:00:00+08:00")
    h = read_history(repo)
    assert [(r.subject, r.status, r.blob is None) for r in h.revisions(ROSTER)] == [
        ("add", "A", False),
        ("delete", "D", True),
        ("add again", "A", False),
    ]
    assert len(h.files()) == 2 and h.files()[0].deleted and h.files()[1].current == ROSTER


# ---------------------------------------------------------------- one pass


def _fast_import(repo: Path, files: int, commits: int) -> None:
    """``commits`` commits each editing ``files`` roster files, via git fast-import."""
    out: list[bytes] = []
    for n in range(commits):
        when = 1767225600 + n * 86400 * 30
        msg = f"第 {n + 1} 期".encode()
        out += [
            b"commit refs/heads/main",
            b"mark :%d" % (n + 1),
            b"author cadre <cadre@example.cn> %d +0800" % when,
            b"committer cadre <cadre@example.cn> %d +0800" % when,
            b"data %d" % len(msg),
            msg,
        ]
        if n:
            out.append(b"from :%d" % n)
        for f in range(files):
            text = roster([("DS-0001", "张某某", "123X", f"{500 + n}.00")], f"{500 + n}.00").encode()
            out += [
                b"M 100644 inline villages/v%02d/subsidies/2026-01-dibao.yaml" % f,
                b"data %d" % len(text),
                text,
            ]
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"\n".join(out) + b"\n", check=True)
    git(repo, "checkout", "-q", "-f", "main")


def test_whole_history_is_read_with_one_git_log(tmp_path, monkeypatch):
    repo = init(tmp_path / "repo")
    _fast_import(repo, files=50, commits=36)
    calls: list[list[str]] = []
    real_run, real_popen = subprocess.run, subprocess.Popen

    def run(args, *a, **kw):
        calls.append(list(args))
        return real_run(args, *a, **kw)

    class Popen(real_popen):
        def __init__(self, args, *a, **kw):
            if "cat-file" in args:
                calls.append(list(args))
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(subprocess, "Popen", Popen)
    t0 = time.perf_counter()
    h = read_history(repo)
    for f in range(50):
        rel = f"villages/v{f:02d}/subsidies/2026-01-dibao.yaml"
        revs = h.revisions(rel)
        assert len(revs) == 36
    blobs = [
        parse_blob(r.path, h.blob(r.blob)) for r in h.revisions("villages/v07/subsidies/2026-01-dibao.yaml")
    ]
    elapsed = time.perf_counter() - t0
    verbs = [next(x for x in c if x in ("log", "rev-parse", "status", "cat-file")) for c in calls]
    assert verbs == ["rev-parse", "log", "status", "cat-file"]
    assert len(h.commits) == 36
    assert [str(b[1].total) for b in blobs] == [f"{500 + n}.00" for n in range(36)]
    assert elapsed < 30
    h.close()


def test_a_new_file_at_a_renamed_files_old_path_has_its_own_history(tmp_path):
    repo = init(tmp_path / "repo")
    write(repo, NOTICE_OLD, notice("road", BODY))
    commit(repo, "add", "2026-01-05T09:00:00+08:00")
    git(repo, "mv", NOTICE_OLD, NOTICE_NEW)
    commit(repo, "rename", "2026-01-06T09:00:00+08:00")
    write(repo, NOTICE_OLD, notice("road-2", [*BODY, "（新公告）"]))
    commit(repo, "new file at the old path", "2026-01-07T09:00:00+08:00")
    h = read_history(repo)
    assert [(r.subject, r.status, r.path) for r in h.revisions(NOTICE_NEW)] == [
        ("add", "A", NOTICE_OLD),
        ("rename", "R", NOTICE_NEW),
    ]
    assert [(r.subject, r.status) for r in h.revisions(NOTICE_OLD)] == [("new file at the old path", "A")]
    assert h.renames() == {NOTICE_OLD: NOTICE_NEW}
    assert h.paths() == {NOTICE_NEW: [NOTICE_OLD, NOTICE_NEW], NOTICE_OLD: [NOTICE_OLD]}


def test_history_can_be_sent_to_a_worker_process(scenario):
    import pickle

    h = read_history(scenario[0])
    rev = h.revisions(ROSTER)[-1]
    h.blob(rev.blob)
    copy = pickle.loads(pickle.dumps(h))
    assert copy.revisions(ROSTER) == h.revisions(ROSTER)
    assert copy.blob(rev.blob) == h.blob(rev.blob)
    h.close()
    copy.close()


def test_log_parser_keeps_commits_without_changes(tmp_path):
    from cunwu.history.git import _CONFIG, LOG_ARGS, parse_log

    assert LOG_ARGS[:8] == (
        "log",
        "--first-parent",
        "-m",
        "--raw",
        "-z",
        "-M",
        "--no-abbrev",
        "--root",
    )
    repo = init(tmp_path / "repo")
    write(repo, "cunwu.yaml", "a: 1\n")
    commit(repo, "one", "2026-01-05T09:00:00+08:00")
    commit(repo, "empty: with a colon", "2026-01-06T09:00:00+08:00", LIU, "--allow-empty")
    write(repo, "cunwu.yaml", "a: 2\n")
    commit(repo, "three", "2026-01-07T09:00:00+08:00")
    raw = subprocess.run(["git", *_CONFIG, *LOG_ARGS], cwd=repo, capture_output=True, check=True).stdout
    assert [(c.subject, [(x.status, x.path) for x in c.changes]) for c in parse_log(raw)] == [
        ("three", [("M", "cunwu.yaml")]),
        ("empty: with a colon", []),
        ("one", [("A", "cunwu.yaml")]),
    ]


def _log_state(h):
    return h.commits, {p: h.revisions(p) for p in sorted(h.paths())}


def test_a_cached_log_reads_only_new_commits_and_equals_a_fresh_read(scenario, tmp_path, monkeypatch):
    """A build keeps the parsed log; the next one reads only the commits since.
    Walk the scenario one published commit at a time (edits, a rename, a merge
    from a branch), then rewrite history and go back: the cached reading must
    equal a fresh one every time, and read the log whole when its HEAD left
    the published line."""
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(scenario[0], repo)
    cache = tmp_path / "cache" / "gitlog.pickle"
    line = git(repo, "rev-list", "--first-parent", "--reverse", "main").split()
    calls: list[str] = []
    real_run = subprocess.run

    def run(args, *a, **kw):
        verb = next((x for x in args if x in ("log", "rev-list", "rev-parse", "status")), "?")
        if verb == "log" and any(".." in x for x in args):
            verb = "log since"
        calls.append(verb)
        return real_run(args, *a, **kw)

    monkeypatch.setattr(subprocess, "run", run)

    def check(expected_calls):
        calls.clear()
        cached = read_history(repo, cache=cache)
        assert calls == expected_calls
        fresh = read_history(repo)
        assert cached.available and _log_state(cached) == _log_state(fresh)
        cached.close(), fresh.close()

    git(repo, "checkout", "-q", "--detach", line[0])
    check(["rev-parse", "log", "status"])  # no cache yet: the whole log
    for sha in line[1:]:
        git(repo, "checkout", "-q", "--detach", sha)
        check(["rev-parse", "rev-list", "log since", "status"])  # only what is new
    check(["rev-parse", "status"])  # nothing new: no log at all
    # rewritten: the cached HEAD is no longer on the published line
    git(repo, "commit", "-q", "--amend", "-m", "改写的提交")
    check(["rev-parse", "rev-list", "log", "status"])
    assert cache.is_file()
    # back to an older commit: nothing since the cached HEAD, read whole
    git(repo, "checkout", "-q", "--detach", line[2])
    check(["rev-parse", "rev-list", "log", "status"])
    # a damaged cache is read past, never trusted
    cache.write_bytes(b"not a pickle")
    check(["rev-parse", "log", "status"])
