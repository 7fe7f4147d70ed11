"""Rules between files: balances across months, unique identities, numbering."""

from __future__ import annotations

from decimal import Decimal

from ..load.document import Doc
from ..model.calendar import STEP_ZH
from ..problems import Problem, problem
from ..words import money
from .project import VillageBundle
from .rules import Checker


def _span(first: object, last: object) -> str:
    return str(first) if first == last else f"{first} 至 {last}"


def check_bundle(bundle: VillageBundle) -> list[Problem]:
    """A village's files against each other: one statement per period, no gap,
    each opening balance the last closing balance; unique roster and notice identities."""
    out: list[Problem] = []
    by_period = sorted(bundle.finance, key=lambda d: d.model.period)
    for prev, cur in zip(by_period, by_period[1:], strict=False):
        p, c = prev.model, cur.model
        if c.period == p.period:
            out.append(
                problem(
                    cur.rel,
                    cur.line("period"),
                    "duplicate-id",
                    f"期间 {c.period} 已在 {prev.rel} 中公开",
                    "period",
                )
            )
            continue
        if c.period != p.period.next():
            out.append(
                problem(
                    cur.rel,
                    cur.line("period"),
                    "period-gap",
                    f"上一期是 {p.period}，缺少 {_span(p.period.next(), c.period.prev())} 的财务公开",
                    "period",
                )
            )
            continue
        if c.opening_balance != p.closing_balance:
            out.append(
                problem(
                    cur.rel,
                    cur.line("opening_balance"),
                    "opening-mismatch",
                    f"期初余额 {money(c.opening_balance)} 应等于上期（{p.period}）期末余额 {money(p.closing_balance)}"
                    f"（相差 {money(c.opening_balance - p.closing_balance)}）",
                    "opening_balance",
                )
            )
    for kind, what in (("budget", "预算"), ("yearend", "决算")):
        years: dict[str, str] = {}
        for d in bundle.of(kind):
            if d.key in years:
                extra = (
                    "；调整预算请在原文件的 adjustments 中新增一条，不要另建文件" if kind == "budget" else ""
                )
                out.append(
                    problem(
                        d.rel,
                        d.line("year"),
                        "duplicate-id",
                        f"{d.key} 年度{what}已在 {years[d.key]} 中公开{extra}",
                        "year",
                    )
                )
            years.setdefault(d.key, d.rel)
    out.extend(check_yearends(bundle))
    seen: dict[str, str] = {}
    for d in bundle.rosters:
        if d.key in seen:
            out.append(
                problem(
                    d.rel, d.line("program"), "duplicate-id", f"{d.key} 已在 {seen[d.key]} 中公开", "program"
                )
            )
        seen.setdefault(d.key, d.rel)
    slugs: dict[str, str] = {}
    for d in bundle.notices:
        for s in [d.model.slug, *d.model.aliases]:
            if s in slugs and slugs[s] != d.rel:
                out.append(
                    problem(
                        d.rel, d.line("slug"), "duplicate-id", f"网址标识 “{s}” 已被 {slugs[s]} 使用", "slug"
                    )
                )
            slugs.setdefault(s, d.rel)
    return out


def check_power_numbers(docs: list[Doc], out: list[Problem], only: set[str] | None = None) -> None:
    """Power item numbers are unique; with ``only``, report just those items."""
    seen: dict[int, Doc] = {}
    for d in sorted(docs, key=lambda d: (d.rel.startswith("villages/"), d.rel)):
        n = d.model.number
        if n in seen and (only is None or d.key in only):
            out.append(
                problem(d.rel, d.line("number"), "duplicate-id", f"序号 {n} 与 {seen[n].rel} 重复", "number")
            )
        seen.setdefault(n, d)


def check_unique_codes(items: list[tuple[str, int, str]]) -> list[Problem]:
    """Village codes are unique across the township: (rel, line, code) per village."""
    out: list[Problem] = []
    codes: dict[str, str] = {}
    for rel, line, code in sorted(items):
        if code in codes:
            out.append(problem(rel, line, "duplicate-id", f"村代码 {code} 与 {codes[code]} 重复", "code"))
        codes.setdefault(code, rel)
    return out


def _account_of(code: str, lines: dict[str, object]) -> str | None:
    """The line of the year-end accounts that a statement's account books to:
    the sub-account's own line, else its parent account's."""
    if code in lines:
        return code
    if len(code) == 5 and code[:3] in lines:
        return code[:3]
    return None


def check_yearends(bundle: VillageBundle) -> list[Problem]:
    """Each year-end account against the year's statements: every period of the
    year published, each account's total the sum of its statement lines, the
    balances those of the first and last statement, and the next year's first
    statement opening with the year-end closing balance."""
    out: list[Problem] = []
    for d in bundle.of("yearend"):
        y = d.model
        stmts = [f for f in bundle.finance if f.model.period.year == y.year]
        months = sorted({mo for f in stmts for mo in f.model.period.months()})
        missing = [f"{y.year}-{mo:02d}" for mo in range(1, 13) if f"{y.year}-{mo:02d}" not in months]
        if missing:
            shown = "、".join(missing[:6]) + ("等" if len(missing) > 6 else "")
            out.append(
                problem(
                    d.rel,
                    d.line("year"),
                    "yearend-incomplete",
                    f"{y.year} 年还有 {len(missing)} 个月没有财务公开（{shown}）：决算须在全年各期财务公开之后编制",
                    "year",
                )
            )
            continue
        for section, zh in (("income", "收入"), ("expense", "支出")):
            lines = {ln.account: ln for ln in getattr(y, section)}
            actual: dict[str, Decimal] = {}
            where: dict[str, dict[str, Decimal]] = {}
            for f in stmts:
                for ln in getattr(f.model, section):
                    acc = _account_of(ln.account, lines) or ln.account
                    actual[acc] = actual.get(acc, Decimal(0)) + ln.amount
                    per = where.setdefault(acc, {})
                    per[str(f.model.period)] = per.get(str(f.model.period), Decimal(0)) + ln.amount
            for code, ln in lines.items():
                got = actual.get(code, Decimal(0))
                if ln.amount != got:
                    periods = where.get(code, {})
                    detail = (
                        "；各期为 " + "、".join(f"{p} {money(v)}" for p, v in sorted(periods.items()))
                        if periods
                        else "；全年各期财务公开中没有这个科目"
                    )
                    out.append(
                        problem(
                            d.rel,
                            d.line(section),
                            "yearend-mismatch",
                            f"{zh}科目 {code}：决算填的是 {money(ln.amount)}，{y.year} 年各期财务公开合计 {money(got)}"
                            f"（相差 {money(ln.amount - got)}）{detail}",
                            section,
                        )
                    )
            for code in sorted(set(actual) - set(lines)):
                periods = where[code]
                out.append(
                    problem(
                        d.rel,
                        d.line(section),
                        "yearend-mismatch",
                        f"{zh}科目 {code} 在 {y.year} 年的财务公开中共 {money(actual[code])}"
                        f"（{'、'.join(f'{p} {money(v)}' for p, v in sorted(periods.items()))}），决算中却没有这个科目",
                        section,
                    )
                )
        first, last = stmts[0].model, stmts[-1].model
        if y.opening_balance != first.opening_balance:
            out.append(
                problem(
                    d.rel,
                    d.line("opening_balance"),
                    "yearend-mismatch",
                    f"年初余额 {money(y.opening_balance)} 应等于 {first.period} 财务公开的期初余额 {money(first.opening_balance)}",
                    "opening_balance",
                )
            )
        pass_net = sum((f.model.pass_net for f in stmts), Decimal(0))
        if y.pass_through_net != pass_net:
            out.append(
                problem(
                    d.rel,
                    d.line("pass_through_net")
                    if "pass_through_net" in d.lines
                    else d.line("closing_balance"),
                    "yearend-mismatch",
                    f"代收代付净额填的是 {money(y.pass_through_net)}，{y.year} 年各期财务公开合计 {money(pass_net)}",
                    "pass_through_net",
                )
            )
        if y.closing_balance != last.closing_balance:
            out.append(
                problem(
                    d.rel,
                    d.line("closing_balance"),
                    "yearend-mismatch",
                    f"年末余额 {money(y.closing_balance)} 应等于 {last.period} 财务公开的期末余额 {money(last.closing_balance)}",
                    "closing_balance",
                )
            )
        after = [f for f in bundle.finance if f.model.period.year == y.year + 1]
        if after and after[0].model.opening_balance != y.closing_balance:
            nxt = after[0]
            out.append(
                problem(
                    nxt.rel,
                    nxt.line("opening_balance"),
                    "yearend-mismatch",
                    f"{nxt.model.period} 的期初余额 {money(nxt.model.opening_balance)} 应等于 {y.year} 年决算的年末余额"
                    f" {money(y.closing_balance)}（{d.rel}）",
                    "opening_balance",
                )
            )
    return out


def check_projects(bundle: VillageBundle, located) -> list[Problem]:
    """projects.yaml against the village's notices: every step names a notice
    that exists, and no id is used twice."""
    docs = bundle.of("projects")
    if not docs:
        return []
    c = Checker(docs[0].rel, located)
    slugs = {d.model.slug for d in bundle.notices}
    seen: set[str] = set()
    for i, p in enumerate(docs[0].model.projects):
        if p.id in seen:
            c.add(("projects", i, "id"), "duplicate-id", f"项目标识 {p.id} 重复")
        seen.add(p.id)
        for step, zh in STEP_ZH.items():
            slug = getattr(p, step)
            if slug is not None and slug not in slugs:
                c.add(
                    ("projects", i, step),
                    "unknown-reference",
                    f"项目 {p.id} 的{zh}写的是公告 “{slug}”，但本村没有这个标识的公告（见 notices/ 中各公告的 slug）",
                )
        if p.type == "works" and p.notice is not None:
            c.add(("projects", i, "notice"), "invalid-value", "notice 只用于资产项目（type: asset）")
    return c.problems
