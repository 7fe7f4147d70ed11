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


# ---------------------------------------------------------------- the audit's county (issue 18)

#: the county-wide linkage secret of the synthetic county (CUNWU_LINK_SECRET)
BENCH_SECRET = "bench-county-link-secret-0001"
AUDIT_RULES = (
    "same-person-two-villages",
    "exclusive-programs",
    "paid-after-death",
    "undeclared-relative",
    "declared-relative",
    "on-public-payroll",
    "owns-assets",
    "over-standard",
    "amount-jump",
    "paid-after-end",
    "roster-ledger-mismatch",
    "ledger-without-roster",
    "split-payment",
    "cash-over-limit",
    "payee-is-cadre",
    "voucher-reused",
    "duplicate-payment",
)


def _full_id(rng: random.Random) -> str:
    import datetime as dt

    sys_path_plugins()
    from cunwu.privacy import id_check_char

    d = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(27_000))
    first17 = f"9901{rng.randint(1, 99):02d}{d:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def sys_path_plugins() -> None:
    import sys

    plugins = str(Path(__file__).resolve().parents[1] / "plugins")
    if plugins not in sys.path:
        sys.path.insert(0, plugins)


def _masked(full: str) -> str:
    return full[:6] + "*" * 8 + full[-4:]


def generate_audit(
    root: Path, villages: int, months: int, seed: int = 1, plant: bool = False, register_rows: int = 100_000
) -> dict:
    """A county for ``cunwu audit``: rosters with full IDs behind them (masked in
    the files, linkage keys in the git-ignored sidecars, as ``cunwu import``
    leaves them), dibao in every village, a village-paid 老人慰问金 in every
    tenth, ledgers, and four registers of ``register_rows`` rows (written to
    ``root.parent / (root.name + "-registers")``, outside the project).

    Without ``plant`` nothing in it breaks a rule. With ``plant``, one case of
    every rule (:data:`AUDIT_RULES`) is planted at random; the cases are
    returned as ``planted``: [rule, village] pairs, reproducible from ``seed``."""
    sys_path_plugins()
    from cunwu.ingest.linkage import linkage_key, save_sidecar

    secret = BENCH_SECRET.encode()
    township(root)
    with open(root / "cunwu.yaml", "a", encoding="utf-8") as fh:
        fh.write(
            "programs:\n"
            "  - {id: dibao, name: 最低生活保障金, columns: [people], unit: 元/户·月, excludes: [tekun],"
            " registers: [public-payroll, assets], standards: [{since: '2025-01', per_person: 880.00}]}\n"
            "  - {id: tekun, name: 特困人员救助供养金, unit: 元/人·月, excludes: [dibao], registers: [public-payroll, assets]}\n"
            "  - {id: laonian, name: 老人慰问金, unit: 元/人·月, paid_by: village, ledger_words: [老人慰问金]}\n"
        )
    rng = random.Random(seed)
    plan = random.Random(seed * 7919 + 18)  # where the cases go: its own stream, recorded by the seed
    cal = _months(2025, 11, months)
    periods = [f"{y}-{m:02d}" for y, m in cal]
    used_ids: set[str] = set()

    def new_id() -> str:
        while True:
            full = _full_id(rng)
            if full not in used_ids:
                used_ids.add(full)
                return full

    # households: key, name, group, people, full id, rate per person (stable month to month)
    hh: dict[int, list[dict]] = {}
    for v in range(1, villages + 1):
        hh[v] = [
            {
                "key": f"H{i:05d}",
                "name": _name(rng),
                "group": rng.choice(GROUPS),
                "people": rng.randint(1, 4),
                "id": new_id(),
                "rate": rng.randint(300, 700),
                "from": 0,
                "to": months,
            }
            for i in range(rng.randint(50, 300))
        ]
    cadre = {v: _name(rng) for v in hh}
    planted: list[list[str]] = []
    regs: dict[str, list[str]] = {
        "deaths": [],
        "cadre-households": [],
        "declared-relatives": [],
        "public-payroll": [],
        "assets": [],
    }
    extra_rows: dict[tuple[int, int], list[dict]] = {}  # (village, month index) -> rows added
    lines_extra: dict[
        tuple[int, int], list[tuple]
    ] = {}  # (village, month index) -> (summary, amount, payee, method, day, voucher)
    tekun: dict[tuple[int, int], list[dict]] = {}
    pay_short: set[tuple[int, int]] = set()
    laonian_villages = {v for v in hh if v % 10 == 0} or {1}

    picked: set[str] = set()

    def pick(v: int | None = None) -> tuple[int, dict]:
        """A household no other case uses, and none of the first five (the elders
        of a village paying 老人慰问金), so each case makes exactly one finding."""
        while True:
            v = v if v is not None else plan.randint(1, villages)
            h = plan.choice(hh[v][5:])
            if h["key"] + vid(v) not in picked:
                picked.add(h["key"] + vid(v))
                return v, h

    def vid(v: int) -> str:
        return f"v{v:03d}"

    last = months - 1
    if plant:
        # 1. people
        a, h = pick()
        b = plan.choice([x for x in hh if x != a]) if villages > 1 else a
        extra_rows.setdefault((b, last), []).append({**h, "key": f"X{a:03d}{h['key']}"})
        planted.append(["same-person-two-villages", vid(min(a, b))])
        v, h = pick()
        tekun.setdefault((v, last), []).append({**h, "key": h["key"] + "T"})
        planted.append(["exclusive-programs", vid(v)])
        # 2. registers
        v, h = pick()
        died = periods[max(0, last - 3)]
        regs["deaths"].append(f"{h['name']},{h['id']},{died}-15")
        planted.append(["paid-after-death", vid(v)])
        v, h = pick()
        regs["cadre-households"].append(f"{h['name']},{h['id']},{cadre[v]},{vid(v)},父亲")
        planted.append(["undeclared-relative", vid(v)])
        v, h = pick()
        regs["cadre-households"].append(f"{h['name']},{h['id']},{cadre[v]},{vid(v)},母亲")
        regs["declared-relatives"].append(f"{h['name']},{h['id']},{cadre[v]},最低生活保障金")
        planted.append(["declared-relative", vid(v)])
        v, h = pick()
        regs["public-payroll"].append(f"{h['name']},{h['id']},某镇中心小学")
        planted.append(["on-public-payroll", vid(v)])
        v, h = pick()
        regs["assets"].append(f"{h['name']},{h['id']},车辆（小型轿车）")
        planted.append(["owns-assets", vid(v)])
        # 3. money
        v, h = pick()
        h["rate"] = 900  # over the 880 standard every month (and so never a jump)
        planted.append(["over-standard", vid(v)])
        v, h = pick()
        h["rate"], h["jump"] = 250, plan.randint(1, last)
        planted.append(["amount-jump", vid(v)])
        v, h = pick()
        h["end"] = plan.randint(0, last - 1)
        planted.append(["paid-after-end", vid(v)])
        v = plan.choice(sorted(laonian_villages))
        pay_short.add((v, plan.randint(0, last)))
        planted.append(["roster-ledger-mismatch", vid(v)])
        v = plan.choice([x for x in hh if x not in laonian_villages] or [1])
        lines_extra.setdefault((v, plan.randint(0, last)), []).append(
            ("发放老人慰问金", Decimal(1200), None, None, 20, None)
        )
        planted.append(["ledger-without-roster", vid(v)])
        # 4. ledgers
        v, m = plan.randint(1, villages), plan.randint(0, last)
        for day in (3, 7, 11):
            amount = Decimal(plan.randint(4500_00, 4990_00)) / 100
            lines_extra.setdefault((v, m), []).append(
                (f"购材料（{day}日）", amount, "某某建材经营部", "bank", day, None)
            )
        planted.append(["split-payment", vid(v)])
        v, m = plan.randint(1, villages), plan.randint(0, last)
        lines_extra.setdefault((v, m), []).append(
            ("现金购买慰问品", Decimal(3000), "某某超市", "cash", 9, None)
        )
        planted.append(["cash-over-limit", vid(v)])
        v, m = plan.randint(1, villages), plan.randint(0, last)
        lines_extra.setdefault((v, m), []).append(("误工补贴", Decimal(800), cadre[v], "bank", 12, None))
        planted.append(["payee-is-cadre", vid(v)])
        v, m = plan.randint(1, villages), plan.randint(0, last)
        lines_extra.setdefault((v, m), []).append(("办公用品", Decimal(310), None, None, 28, "记-001"))
        planted.append(["voucher-reused", vid(v)])
        v = plan.randint(1, villages)
        for m in sorted(plan.sample(range(months), min(2, months))):
            lines_extra.setdefault((v, m), []).append(
                ("维修水泵", Decimal(650), "某某水电维修部", "bank", 14, None)
            )
        planted.append(["duplicate-payment", vid(v)])

    # the registers: mostly people on no roster
    for name, n in (
        ("deaths", register_rows),
        ("cadre-households", register_rows),
        ("public-payroll", register_rows),
        ("assets", register_rows),
        ("declared-relatives", register_rows // 100),
    ):
        extra = {
            "deaths": lambda: f"{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "cadre-households": lambda: f"某干部,v{rng.randint(1, villages):03d},亲属",
            "public-payroll": lambda: "某单位",
            "assets": lambda: "个体工商户",
            "declared-relatives": lambda: "某干部,最低生活保障金",
        }[name]
        rows = regs[name]
        while len(rows) < n:
            rows.append(f"{_name(rng)},{new_id()},{extra()}")
    heads = {
        "deaths": "姓名,身份证号,死亡日期",
        "cadre-households": "姓名,身份证号,干部姓名,村,关系",
        "declared-relatives": "姓名,身份证号,干部姓名,享受项目",
        "public-payroll": "姓名,身份证号,单位",
        "assets": "姓名,身份证号,类型",
    }
    reg_dir = root.parent / (root.name + "-registers")
    reg_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in regs.items():
        plan.shuffle(rows)
        (reg_dir / f"{name}.csv").write_text(heads[name] + "\n" + "\n".join(rows) + "\n", "utf-8")

    balances = {v: Decimal(rng.randint(10_000_00, 500_000_00)) / 100 + Decimal(10_000_000) for v in hh}
    sidecars: dict[int, dict] = {v: {} for v in hh}
    for mi, (year, month) in enumerate(cal):
        period = periods[mi]
        for v in hh:
            vdir = root / "villages" / vid(v)
            (vdir / "finance").mkdir(parents=True, exist_ok=True)
            (vdir / "subsidies").mkdir(exist_ok=True)
            if mi == 0:
                (vdir / "village.yaml").write_text(
                    f'code: "9901{v:08d}"\nname: 基准{v}村\ntownship: 基准镇\nsince: {period}\nrecurring: [dibao]\n'
                    f"contacts:\n  - {{role: 村委会主任, name: {cadre[v]}}}\n"
                    f"supervision:\n  - {{label: 村务监督委员会, number: 0123-6690{v:04d}}}\n",
                    "utf-8",
                )
            ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
            approved = f"{ny}-{nm:02d}-05"
            start = f"{period}-08"
            head = (
                f"status: approved\napproved_on: {start}\nstandard: 按差额补助\n"
                f"notice: {{start: {start}, end: {period}-15}}\nsupervision:\n  - {{label: 镇民政办, number: 0123-66880002}}\n"
            )

            def roster(program: str, people: list[dict], amount_of) -> Decimal:
                rows, total = [], Decimal(0)
                for h in people:
                    amount = amount_of(h)
                    total += amount
                    end = f', end: "{periods[h["end"]]}"' if "end" in h and mi >= h["end"] else ""  # noqa: B023 (called in this iteration)
                    rows.append(
                        f'  - {{key: {h["key"]}, name: {h["name"]}, group: {h["group"]}, id_masked: "{_masked(h["id"])}",'
                        f" people: {h['people']}, amount: {_money(amount)}{end}}}"
                    )
                    sidecars[v][h["key"]] = {  # noqa: B023 (called in this iteration)
                        "name": h["name"],
                        "id_masked": _masked(h["id"]),
                        "linkage_key": linkage_key(h["id"], secret),
                        "seen": [],
                    }
                (vdir / "subsidies" / f"{period}-{program}.yaml").write_text(  # noqa: B023 (called in this iteration)
                    f"program: {program}\nperiod: {period}\n"  # noqa: B023 (called in this iteration)
                    + head  # noqa: B023 (called in this iteration)
                    + "recipients:\n"
                    + "\n".join(rows)
                    + f"\ntotal: {_money(total)}\n",
                    "utf-8",
                )
                return total

            def dibao_amount(h: dict) -> Decimal:
                rate = h["rate"] * 3 if h.get("jump") == mi else h["rate"]  # noqa: B023 (called in this iteration)
                return Decimal(h["people"] * rate)

            roster("dibao", hh[v] + extra_rows.get((v, mi), []), dibao_amount)
            if (v, mi) in tekun:
                roster("tekun", tekun[(v, mi)], lambda h: Decimal(600))
            lines: list[tuple] = []
            if v in laonian_villages:
                elders = hh[v][:5]
                total = roster(
                    "laonian", [{**h, "key": h["key"] + "L"} for h in elders], lambda h: Decimal(400)
                )
                paid = total - 400 if (v, mi) in pay_short else total
                lines.append((f"发放{month}月老人慰问金", paid, None, None, 20, None))
            lines += lines_extra.get((v, mi), [])
            n = rng.randint(20, 80)
            income, expense = [], []
            for i in range(n):
                day = rng.randint(1, 27)  # the 28th is the planted reused voucher's
                is_income = i % 4 == 0
                code, summary = rng.choice(INCOMES if is_income else EXPENSES)
                amount = Decimal(rng.randint(500, 900000)) / 100
                if not is_income and 4000_00 <= amount * 100 < 5000_00:
                    amount -= 1000  # none just under the approval threshold by chance
                line = f'  - {{date: {period}-{day:02d}, voucher: "记-{i + 1:03d}", account: "{code}", summary: {summary}（{i + 1}）, amount: {_money(amount)}'
                if is_income:
                    income.append((amount, line + "}"))
                else:
                    expense.append((amount, line + ", handler: 报账员, approver: 村主任}"))
            for k, (summary, amount, payee, method, day, voucher) in enumerate(lines):
                vno = voucher or f"记-{n + k + 1:03d}"
                ln = ", line: 2" if voucher else ""
                extra = (f", payee: {payee}" if payee else "") + (f", method: {method}" if method else "")
                expense.append(
                    (
                        amount,
                        f'  - {{date: {period}-{day:02d}, voucher: "{vno}"{ln}, account: "515", summary: {summary}, amount: {_money(amount)}, handler: 报账员, approver: 村主任{extra}}}',
                    )
                )
            inc = sum((a for a, _ in income), Decimal(0))
            exp = sum((a for a, _ in expense), Decimal(0))
            closing = balances[v] + inc - exp
            (vdir / "finance" / f"{period}.yaml").write_text(
                f"period: {period}\nstatus: approved\napproved_on: {approved}\nnotice: {{start: {approved}, end: {ny}-{nm:02d}-25}}\n"
                f"opening_balance: {_money(balances[v])}\nincome:\n"
                + "\n".join(x for _, x in income)
                + "\nexpense:\n"
                + "\n".join(x for _, x in expense)
                + f"\ntotals: {{income: {_money(inc)}, expense: {_money(exp)}}}\nclosing_balance: {_money(closing)}\n"
                "signoff: {handler: 报账员, oversight: [监督委员], approver: 村主任}\n",
                "utf-8",
            )
            balances[v] = closing
    for v, rows in sidecars.items():
        save_sidecar(root, vid(v), {"format": 1, "village": vid(v), "updated": "2026-11-30", "rows": rows})
    return {
        "villages": villages,
        "months": months,
        "seed": seed,
        "registers": str(reg_dir),
        "register_rows": {k: len(v) for k, v in regs.items()},
        "roster_rows": sum(len(h) for h in hh.values()) * months,
        "planted": sorted(planted),
    }
