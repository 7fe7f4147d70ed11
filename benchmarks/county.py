"""A synthetic county for benchmarks: N villages × M months, all invented.

Sizes follow the performance issue: rosters of 50-300 rows, 20-80 ledger
lines a month, 30 power items, 2 notices a month. Every file validates, and
each month is one git commit, as cadres work. Deterministic for a seed.
"""

from __future__ import annotations

import os
import random
import subprocess
from decimal import Decimal
from pathlib import Path

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "建国志强秀英桂兰明华春生玉兰海军丽娟红梅德福永康淑珍国庆长林金凤文斌晓燕德胜家豪"
EXPENSES = [
    ("51301", "办公用品"),
    ("51302", "村干部误工补贴"),
    ("51303", "村部电费"),
    ("51401", "道路维修"),
    ("51402", "保洁员工资"),
    ("51403", "文体活动"),
    ("515", "其他支出"),
]
INCOMES = [
    ("50101", "集体资产租金"),
    ("50102", "服务收入"),
    ("50301", "村级组织运转经费"),
    ("504", "其他收入"),
]
GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + rng.choice(GIVEN[1::2])


def _money(d: Decimal) -> str:
    return f"{d:.2f}"


def _months(start_year: int, start_month: int, n: int) -> list[tuple[int, int]]:
    out, y, m = [], start_year, start_month
    for _ in range(n):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


#: the disclosure calendar (issue 19) for ``--calendar``: what completeness counts
#: (off by default: a cunwu from before the calendar refuses the key)
CALENDAR = (
    "calendar:\n  migration: 2026-01-01\n  items:\n"
    "    - {id: finance, kind: finance}\n"
    "    - {id: dibao, kind: subsidy, program: dibao, every: month, recurring_only: true}\n"
    "    - {id: party, kind: notice, category: 党务, title: 党务公开, every: quarter, due_day: 15}\n"
    '    - {id: budget, kind: budget, every: year, due: "03-31", title: 年度预算公开}\n'
    "  exemptions:\n    - {village: v001, item: party, date: 2026-01-05, reason: 基准测试的豁免}\n"
)


def township(
    root: Path, tid: str = "benchzhen", name: str = "基准镇", county: str = "基准县", calendar: bool = False
) -> None:
    """The township's own files; ``tid`` and ``name`` tell apart the townships
    of one county (``cunwu county`` reads several)."""
    (root / "powers").mkdir(parents=True, exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    base = "bench" if tid == "benchzhen" else tid
    (root / "cunwu.yaml").write_text(
        f"township: {{id: {tid}, name: {name}, county: {county}}}\n"
        f"base_url: https://cunwu.example.org/{base}/\n"
        "complaint:\n  url: https://jubao.example.org/report\n  phones:\n    - {label: 县纪委监委举报电话, number: 0123-12388}\n"
        "supervision:\n  - {label: 镇纪委, number: 0123-66880001}\n" + (CALENDAR if calendar else ""),
        "utf-8",
    )
    (root / "content" / "about.md").write_text(
        "Title: 关于本站\nSlug: about\n\n基准测试用的虚构乡镇。\n", "utf-8"
    )
    (root / "powers" / "catalog.yaml").write_text(
        "status: approved\napproved_on: 2025-01-05\ngroups:\n  - {id: collective, name: 集体事务类}\n"
        "  - {id: service, name: 便民服务类}\nnegative:\n"
        + "".join(f"  - {{id: n{i}, text: 不得违规办理第{i}类事项}}\n" for i in range(1, 11)),
        "utf-8",
    )
    for i in range(1, 31):
        group = "collective" if i <= 15 else "service"
        nodes = [
            f"  - {{id: s1, step: 提出申请（事项{i}）, actor: 申请人, next: s2}}",
            "  - {id: s2, step: 村委会受理并审核材料, actor: 村民委员会, time_limit: 3个工作日, next: d1}",
            "  - {id: d1, decision: 材料是否齐全且符合条件？, yes: s3, no: s1b}",
            "  - {id: s1b, step: 一次性告知需补正的材料, actor: 村民委员会, next: s2}",
            "  - {id: s3, step: 村“两委”联席会议研究, actor: 村“两委”, time_limit: 5个工作日, next: s4}",
            "  - {id: s4, step: 结果公示, actor: 村务监督委员会, time_limit: 7天, next: e1}",
            "  - {id: e1, end: 办结并归档}",
        ]
        (root / "powers" / f"item-{i:02d}.yaml").write_text(
            f"id: item-{i:02d}\nstatus: approved\napproved_on: 2025-01-05\nnumber: {i}\ngroup: {group}\n"
            f"name: 第{i}项村级事务办理\nbasis: [《中华人民共和国村民委员会组织法》]\nresponsible: 村民委员会\n"
            f"public: 办理结果\nrisks:\n  - {{point: 未按程序办理, measure: 严格执行公开程序并接受监督}}\n"
            f"supervisor:\n  - {{label: 镇纪委, number: 0123-66880001}}\nflow:\n" + "\n".join(nodes) + "\n",
            "utf-8",
        )


def village_month(
    root: Path,
    v: int,
    year: int,
    month: int,
    opening: Decimal,
    rng: random.Random,
    households: list,
    township_name: str = "基准镇",
) -> Decimal:
    """Write one village's files for one month; return the closing balance."""
    vid = f"v{v:03d}"
    vdir = root / "villages" / vid
    period = f"{year}-{month:02d}"
    (vdir / "finance").mkdir(parents=True, exist_ok=True)
    (vdir / "subsidies").mkdir(exist_ok=True)
    (vdir / "notices").mkdir(exist_ok=True)
    if not (vdir / "village.yaml").exists():
        (vdir / "village.yaml").write_text(
            f'code: "9901{v:08d}"\nname: 基准{v}村\ntownship: {township_name}\nsince: {period}\nrecurring: [dibao]\n'
            f"supervision:\n  - {{label: 村务监督委员会, number: 0123-6690{v:04d}}}\n",
            "utf-8",
        )
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    approved = f"{ny}-{nm:02d}-05"
    lines = rng.randint(20, 80)
    income, expense = [], []
    for i in range(lines):
        day = rng.randint(1, 28)
        is_income = i % 4 == 0
        code, summary = rng.choice(INCOMES if is_income else EXPENSES)
        amount = Decimal(rng.randint(500, 900000)) / 100
        line = f'  - {{date: {period}-{day:02d}, voucher: "记-{i + 1:03d}", account: "{code}", summary: {summary}（{i + 1}）, amount: {_money(amount)}'
        if is_income:
            income.append((amount, line + "}"))
        else:
            expense.append((amount, line + ", handler: 报账员, approver: 村主任}"))
    inc = sum((a for a, _ in income), Decimal(0))
    exp = sum((a for a, _ in expense), Decimal(0))
    closing = opening + inc - exp
    (vdir / "finance" / f"{period}.yaml").write_text(
        f"period: {period}\nstatus: approved\napproved_on: {approved}\nnotice: {{start: {approved}, end: {ny}-{nm:02d}-25}}\n"
        f"opening_balance: {_money(opening)}\nincome:\n"
        + "\n".join(x for _, x in income)
        + "\nexpense:\n"
        + "\n".join(x for _, x in expense)
        + f"\ntotals: {{income: {_money(inc)}, expense: {_money(exp)}}}\nclosing_balance: {_money(closing)}\n"
        "signoff: {handler: 报账员, oversight: [监督委员], approver: 村主任}\n",
        "utf-8",
    )
    # the minimum-allowance roster: households come and go a little each month
    if rng.random() < 0.3 and len(households) > 50:
        households.pop(rng.randrange(len(households)))
    if rng.random() < 0.3:
        key = f"H{int(max(h[0] for h in households)[1:]) + 1:05d}"
        households.append((key, _name(rng), rng.choice(GROUPS), rng.randint(1, 5)))
    rows, total = [], Decimal(0)
    for key, name, group, people in households:
        amount = Decimal(people * rng.randint(300, 700))
        total += amount
        rows.append(
            f'  - {{key: {key}, name: {name}, group: {group}, id_masked: "990101********{rng.randint(0, 9999):04d}", people: {people}, amount: {_money(amount)}}}'
        )
    start = f"{period}-08"
    (vdir / "subsidies" / f"{period}-dibao.yaml").write_text(
        f"program: dibao\nperiod: {period}\nstatus: approved\napproved_on: {start}\nstandard: 按差额补助\n"
        f"notice: {{start: {start}, end: {period}-15}}\nsupervision:\n  - {{label: 镇民政办, number: 0123-66880002}}\n"
        "recipients:\n" + "\n".join(rows) + f"\ntotal: {_money(total)}\n",
        "utf-8",
    )
    for n in (1, 2):
        (vdir / "notices" / f"{period}-{n}.md").write_text(
            f"---\nslug: {period}-notice-{n}\ntitle: 基准{v}村{year}年{month}月第{n}号公告\ndate: {period}-{10 + n:02d}\n"
            f"kind: {'党务' if n == 1 and month % 3 == 0 else '村务'}\nstatus: approved\napproved_on: {period}-{10 + n:02d}\n---\n"
            f"经村民代表会议决议，现将有关事项公告如下。\n\n"
            + "\n".join(f"{k}. 第{k}项内容：按程序办理，接受村民监督。" for k in range(1, 6))
            + "\n",
            "utf-8",
        )
    if v % 10 == 0 and not (vdir / "projects.yaml").exists():
        # every tenth village lists a works project: its first notices as resolution and tender
        (vdir / "projects.yaml").write_text(
            f"projects:\n  - id: works-{period}\n    name: 基准工程\n"
            f"    resolution: {period}-notice-1\n    tender: {period}-notice-2\n",
            "utf-8",
        )
    return closing


def _git(root: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "基准",
        "GIT_AUTHOR_EMAIL": "b@example.invalid",
        "GIT_COMMITTER_NAME": "基准",
        "GIT_COMMITTER_EMAIL": "b@example.invalid",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def generate(
    root: Path,
    villages: int,
    months: int,
    seed: int = 1,
    git: bool = True,
    tid: str = "benchzhen",
    name: str = "基准镇",
    county: str = "基准县",
    calendar: bool = False,
) -> dict:
    """Write the county into ``root`` (a git repo with one commit per month)."""
    township(root, tid, name, county, calendar)
    if git:
        _git(root, "init", "-q", "-b", "main")
        _git(root, "config", "gc.auto", "0")  # no background gc while we measure
    rngs = {v: random.Random(seed * 100_003 + v) for v in range(1, villages + 1)}
    balances = {v: Decimal(rngs[v].randint(10_000_00, 500_000_00)) / 100 + Decimal(10_000_000) for v in rngs}
    households = {
        v: [
            (f"H{i:05d}", _name(rngs[v]), rngs[v].choice(GROUPS), rngs[v].randint(1, 5))
            for i in range(rngs[v].randint(50, 300))
        ]
        for v in rngs
    }
    for year, month in _months(2025, 11, months):
        for v in rngs:
            balances[v] = village_month(root, v, year, month, balances[v], rngs[v], households[v], name)
        if git:
            _git(root, "add", "-A")
            _git(root, "commit", "-q", "-m", f"{year}年{month}月公开")
    files = sum(1 for _ in (root / "villages").rglob("*") if _.is_file())
    return {"villages": villages, "months": months, "source_files": files}
