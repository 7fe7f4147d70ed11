"""Rules between files: balances across months, unique identities, numbering."""

from __future__ import annotations

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
