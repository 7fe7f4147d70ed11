"""The township's own files: settings, chart of accounts, programs, the shared power list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..history.git import History
from ..history.manifest import Published
from ..kinds import ACCOUNTS, KINDS, PENDING_KINDS
from ..load.document import builtin_accounts, builtin_programs, model_of, validate_model
from ..model.township import TownshipConfig
from ..problems import Problem, Report, problem
from ..sources import SourceFile, misnamed
from .checkfile import check_file
from .crossfile import check_power_numbers
from .edits import doc_histories
from .project import TownshipContext
from .rules import Checker
from .sheetscan import repository_problems
from .sourcescan import privacy_problems, read_checked, redacted


def _fallback_config() -> TownshipConfig:
    """Safe defaults, so one broken setting does not hide every other problem
    (without the township's name and intake, which only cunwu.yaml can give)."""
    values: dict[str, Any] = {
        k: f.get_default(call_default_factory=True)
        for k, f in TownshipConfig.model_fields.items()
        if not f.is_required()
    }
    values.update(township=None, complaint=None)
    return TownshipConfig.model_construct(**values)


def load_township(
    root: Path,
    files: list[SourceFile],
    report: Report,
    history: History | None = None,
    published: Published | None = None,
) -> TownshipContext:
    """Check the township's files and build the context every village check needs.

    With a :class:`cunwu.history.git.History`, each township document's
    published versions are worked out and silent edits reported."""
    out: list[Problem] = []
    config = config_located = None
    sf = next((f for f in files if f.kind == "config"), None)
    if sf is not None:
        loaded = read_checked(root, sf, [], out)
        if loaded is not None and loaded.located is not None and loaded.text is not None:
            config = model_of(sf, loaded, out)
            config_located = loaded.located
            if config is not None:
                # numbers in cunwu.yaml are official by definition: scan again with them allowed
                out[:] = [p for p in out if not (p.file == sf.rel and p.code == "mobile-leak")]
                out.extend(
                    p
                    for p in privacy_problems(sf.rel, loaded.text, config.official_numbers(), loaded.located)
                    if p.code == "mobile-leak"
                )
    report.files_checked += 1
    if config is None:
        config = _fallback_config()
    accounts = {a.code: a for a in builtin_accounts().accounts}
    if config.accounts:
        acc_file = SourceFile(config.accounts, ACCOUNTS.name)
        loaded = read_checked(root, acc_file, [], out) if (root / config.accounts).is_file() else None
        if loaded is None or loaded.located is None:
            out.append(
                problem(
                    sf.rel if sf else "cunwu.yaml",
                    config_located.line_of(("accounts",)) if config_located else 0,
                    "unknown-reference",
                    f"找不到会计科目表文件 {config.accounts}",
                    "accounts",
                )
            )
        else:
            chart = validate_model(ACCOUNTS.model, acc_file.rel, loaded.located, out)
            if chart is not None:
                for a in chart.accounts:
                    accounts[a.code] = a
    programs = {p.id: p for p in builtin_programs()}
    for p in getattr(config, "programs", []) or []:
        programs[p.id] = p
    ctx = TownshipContext(root, config, accounts, programs, None)
    if config.calendar is not None and config_located is not None and sf is not None:
        out.extend(check_calendar(config, programs, sf.rel, config_located))

    allowed = ctx.official_numbers()
    cat_sf = next((f for f in files if f.kind == "catalog"), None)
    if cat_sf is not None:
        loaded = read_checked(root, cat_sf, allowed, out)
        report.files_checked += 1
        if loaded is not None and loaded.located is not None:
            cat = check_file(ctx, cat_sf, loaded, out)
            if cat is not None:
                ctx.catalog = cat.model
                ctx.catalog_doc = cat
    for sf in files:
        if sf.kind == "power" and sf.village is None:
            report.files_checked += 1
            loaded = read_checked(root, sf, allowed, out)
            doc = check_file(ctx, sf, loaded, out) if loaded is not None else None
            if doc is not None:
                if doc.key in ctx.powers:
                    out.append(
                        problem(
                            sf.rel,
                            doc.line("id"),
                            "duplicate-id",
                            f"事项标识 {doc.key} 与 {ctx.powers[doc.key].rel} 重复",
                            "id",
                        )
                    )
                else:
                    ctx.powers[doc.key] = doc
        elif sf.kind in ("page", "asset") or (sf.kind == "unknown" and sf.village is None):
            # pages and assets are published as they are, and an unknown file
            # is committed all the same: scan them all for personal numbers
            report.files_checked += 1
            read_checked(root, sf, allowed, out)
        if sf.kind == "unknown" and sf.village is None:
            out.append(unknown_file(sf, root))
    check_power_numbers(list(ctx.powers.values()), out)
    # spreadsheets and linkage keys elsewhere in the repository (validate/sheetscan.py)
    out.extend(repository_problems(root, allowed))
    if history is not None:
        ctx.histories = doc_histories(ctx.township_docs(), history, out, published)
    report.extend(redacted(out))
    return ctx


def unknown_file(sf: SourceFile, root: Path) -> Problem:
    """A file cunwu does not read: an error when its name is a slip for a
    place cunwu reads (it would silently never be published), else a warning."""
    slip = misnamed(sf.rel)
    if slip is None:
        return problem(
            sf.rel,
            0,
            "unknown-file",
            "不认识的文件位置或扩展名，构建时会忽略它（格式说明见 docs/format.md）",
        )
    fix = f"请改名为 {slip.suggested}"
    if (root / slip.suggested).exists():
        fix = f"但 {slip.suggested} 已经存在：请确认哪一份是对的，把它留在 {slip.suggested}，删除另一份"
    return problem(
        sf.rel,
        0,
        "misnamed-file",
        f"文件名或位置写错了，cunwu 不会读取它，它的内容不会发布：{'；'.join(slip.reasons)}。{fix}",
    )


def check_calendar(config: TownshipConfig, programs: dict, rel: str, located) -> list[Problem]:
    """The disclosure calendar against the registry of kinds and the programs:
    every item names a kind that exists (or is on its way), a program that
    exists; every exemption names an item of the calendar."""
    cal = config.calendar
    assert cal is not None
    c = Checker(rel, located)
    known = [k.name for k in KINDS.values() if k.disclosure and k.scope != "township"]
    ids: set[str] = set()
    for i, item in enumerate(cal.items):
        at = ("calendar", "items", i)
        if item.id in ids:
            c.add((*at, "id"), "duplicate-id", f"日历项标识 {item.id} 重复")
        ids.add(item.id)
        if item.kind not in known and item.kind not in PENDING_KINDS:
            c.add(
                (*at, "kind"),
                "unknown-reference",
                f"未知的公开类型 “{item.kind}”，可用：{'、'.join(known + list(PENDING_KINDS))}",
            )
            continue
        if item.kind == "subsidy":
            if item.program is None:
                c.add(at, "missing-field", "补贴名单日历项要写 program（补贴项目 id），如 dibao")
            elif item.program not in programs:
                c.add((*at, "program"), "unknown-reference", f"没有 id 为 {item.program} 的补贴项目")
        if item.kind in PENDING_KINDS and item.due is None:
            c.add(at, "missing-field", "预算、决算日历项要写截止日 due（月-日），如 03-31")
        if item.kind == "notice" and item.category is None and item.topic is None:
            c.add(at, "missing-field", "公告日历项要写 category（如 党务）或 topic（专项类型）")
    for i, ex in enumerate(cal.exemptions):
        if ex.item not in ids and ex.item not in ("project", "asset"):
            c.add(
                ("calendar", "exemptions", i, "item"),
                "unknown-reference",
                f"豁免的日历项 “{ex.item}” 不在 calendar.items 中",
            )
    return c.problems
