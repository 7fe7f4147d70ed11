"""Validate a whole project: load every file, check every rule, report everything.

The unit of work is the village: :func:`check_village` is a pure function of
the township context and the village's files, so it can be cached by the
files' hashes and run in worker processes (see :mod:`cunwu.write.pipeline`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from ..ingest.scan import BINARY_SHEETS, csv_text, repository_problems, sheet_problems
from ..load.frontmatter import parse_markdown
from ..load.yamlsafe import Located, decode_text, format_loc, parse_yaml
from ..model.finance import FinanceStatement
from ..model.notice import Notice
from ..model.power import PowerCatalog, PowerItem
from ..model.subsidy import SubsidyRoster
from ..model.township import ChartOfAccounts, TownshipConfig
from ..model.village import Village
from ..problems import Problem, Report, problem
from ..sources import TEXT_SUFFIXES, SourceFile, discover, find_root, unsafe_reason
from . import rules
from .privacy import MARKDOWN_SUFFIXES, Finding, redact, scan, scan_lines, scan_markdown_lines
from .project import Doc, Project, TownshipContext, VillageBundle
from .translate import from_validation_error

MODELS: dict[str, type[BaseModel]] = {
    "config": TownshipConfig,
    "catalog": PowerCatalog,
    "power": PowerItem,
    "village": Village,
    "finance": FinanceStatement,
    "subsidy": SubsidyRoster,
    "notice": Notice,
}


def _builtin(name: str) -> Located:
    text = resources.files("cunwu.data").joinpath(name).read_text("utf-8")
    located, problems = parse_yaml(f"<cunwu>/{name}", text)
    assert located is not None and not problems, problems
    return located


def builtin_accounts() -> ChartOfAccounts:
    return ChartOfAccounts.model_validate(_builtin("accounts.yaml").data)


def builtin_programs() -> list:
    from ..model.township import Program

    return [Program.model_validate(p) for p in _builtin("programs.yaml").data["programs"]]


# ---------------------------------------------------------------- one file


class Loaded:
    """Result of reading and parsing one file (before model validation)."""

    def __init__(self, raw: bytes):
        self.raw = raw
        # git's blob id of these bytes: history can tell "unchanged since the
        # last commit" without reading the blob back from git
        self.sha = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
        self.text: str | None = None
        self.located: Located | None = None
        self.body: str | None = None
        self.body_line = 0


def read_source(root: Path, sf: SourceFile, allowed: list[str] | None, out: list[Problem]) -> Loaded | None:
    """Read a file from disk and load it (see :func:`load_source`)."""
    reason = unsafe_reason(root, sf)
    if reason is not None:
        out.append(problem(sf.rel, 0, "unsafe-file", reason))
        return None
    try:
        raw = (root / sf.rel).read_bytes()
    except OSError as exc:
        out.append(problem(sf.rel, 0, "invalid-utf8", f"无法读取文件：{exc.strerror}"))
        return None
    return load_source(sf, raw, allowed, out)


def load_source(sf: SourceFile, raw: bytes, allowed: list[str] | None, out: list[Problem]) -> Loaded | None:
    """Decode and parse YAML or a Markdown front matter, and scan for personal
    numbers (unless ``allowed`` is None): the raw text, and what parsing
    reveals. Works on any revision's bytes, so git history uses it too. Never
    raises on bad input."""
    loaded = Loaded(raw)
    try:
        return _load(sf, raw, loaded, out)
    finally:
        suffix = PurePosixPath(sf.rel).suffix.lower()
        if allowed is not None and suffix in TEXT_SUFFIXES:
            text = loaded.text if loaded.text is not None else _raw_text(suffix, raw)
            out.extend(privacy_problems(sf.rel, text, allowed, loaded.located))
        elif allowed is not None and suffix in BINARY_SHEETS:
            out.extend(sheet_problems(sf.rel, raw, allowed))


def _raw_text(suffix: str, raw: bytes) -> str:
    """Text of a file cunwu does not parse; a CSV in its own encoding (GBK, UTF-16)."""
    return csv_text(raw) if suffix == ".csv" else raw.decode("utf-8", errors="replace")


def _load(sf: SourceFile, raw: bytes, loaded: Loaded, out: list[Problem]) -> Loaded | None:
    if sf.kind in ("attachment", "asset", "unknown"):
        return loaded
    text, problems = decode_text(sf.rel, raw)
    out.extend(problems)
    if text is None:
        return None
    loaded.text = text
    if sf.kind == "page":
        return loaded
    if sf.kind == "notice":
        doc, problems = parse_markdown(sf.rel, text)
        out.extend(problems)
        if doc is None:
            return None
        loaded.located, loaded.body, loaded.body_line = doc.meta, doc.body, doc.body_line
    else:
        loaded.located, problems = parse_yaml(sf.rel, text)
        out.extend(problems)
        if loaded.located is None:
            return None
    return loaded


def _top(loaded: Loaded) -> dict[str, int]:
    loc = loaded.located
    return {k[0]: loc.line_of(k) for k in loc.lines if len(k) == 1}


def privacy_problems(
    rel: str, text: str, allowed: list[str], located: Located | None = None
) -> list[Problem]:
    """Personal numbers in a source file, comments included: in its text; in a
    Markdown file also in what a reader sees (entities decoded, markup taken
    out); with ``located``, also in YAML strings whose value is not their text
    (folded over lines, escapes such as ``"\u0039"``)."""
    hits: dict[tuple[int, str, str], tuple[int, Finding, str]] = {}

    def add(line: int, f: Finding, loc: str = "", span: range | None = None) -> None:
        lines = span or (line,)
        if not any((ln, f.code, f.masked) in hits for ln in lines):
            hits[(line, f.code, f.masked)] = (line, f, loc)

    for line, f in scan_lines(text, allowed):
        add(line, f)
    if PurePosixPath(rel).suffix.lower() in MARKDOWN_SUFFIXES:
        for line, f in scan_markdown_lines(text, allowed):
            add(line, f)
    if located is not None:
        for path, value, first, last in located.reshaped:
            for f in scan(value, allowed):
                add(first, f, format_loc(path), range(first, last + 1))
    return [
        problem(
            rel,
            line,
            f.code,
            f"发现疑似{f.label} {f.masked}（此处只显示脱敏形式）。公开资料只能写脱敏号码；"
            "提交到 Git 后会永久留在历史中，请在提交前改正。",
            loc,
        )
        for line, f, loc in sorted(hits.values(), key=lambda h: (h[0], h[1].start))
    ]


def scan_source(rel: str, raw: bytes, allowed: list[str]) -> list[Problem]:
    """:func:`privacy_problems` of one file's bytes, parsed as its name says
    (for the pre-commit hook, which reads files that are not on disk)."""
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix in BINARY_SHEETS:
        return sheet_problems(rel, raw, allowed)
    text = _raw_text(suffix, raw)
    located = None
    if suffix in (".yaml", ".yml"):
        located, _ = parse_yaml(rel, text)
    elif suffix in MARKDOWN_SUFFIXES:
        doc, _ = parse_markdown(rel, text)
        located = doc.meta if doc is not None else None
    return privacy_problems(rel, text, allowed, located)


def _redacted(problems: list[Problem]) -> list[Problem]:
    """Messages quote values as typed; they must never repeat a personal number."""
    return [dataclasses.replace(p, message=redact(p.message)) for p in problems]


def model_of(sf: SourceFile, loaded: Loaded, out: list[Problem]) -> Any:
    cls = MODELS[sf.kind]
    try:
        return cls.model_validate(loaded.located.data)
    except ValidationError as exc:
        out.extend(from_validation_error(sf.rel, loaded.located, exc, cls))
        return None


# ---------------------------------------------------------------- township


def load_township(root: Path, files: list[SourceFile], report: Report, history=None) -> TownshipContext:
    out: list[Problem] = []
    config = config_located = None
    sf = next((f for f in files if f.kind == "config"), None)
    if sf is not None:
        loaded = read_source(root, sf, [], out)
        # numbers in cunwu.yaml are official by definition: re-scan with them allowed
        if loaded is not None and loaded.located is not None:
            config = model_of(sf, loaded, out)
            config_located = loaded.located
            if config is not None:
                out[:] = [p for p in out if not (p.file == sf.rel and p.code == "mobile-leak")]
                out.extend(
                    p
                    for p in privacy_problems(sf.rel, loaded.text, config.official_numbers(), loaded.located)
                    if p.code == "mobile-leak"
                )
    report.files_checked += 1
    if config is None:
        # keep checking the villages with safe defaults, so one broken setting
        # does not hide every other problem
        config = TownshipConfig.model_construct(
            township=None,
            complaint=None,
            **{
                k: f.get_default(call_default_factory=True)
                for k, f in TownshipConfig.model_fields.items()
                if not f.is_required()
            },
        )
    accounts = {a.code: a for a in builtin_accounts().accounts}
    if getattr(config, "accounts", None):
        acc_file = SourceFile(config.accounts, "accounts")
        loaded = read_source(root, acc_file, [], out) if (root / config.accounts).is_file() else None
        if loaded is None:
            out.append(
                problem(
                    sf.rel,
                    config_located.line_of(("accounts",)),
                    "unknown-reference",
                    f"找不到会计科目表文件 {config.accounts}",
                    "accounts",
                )
            )
        elif loaded.located is not None:
            try:
                for a in ChartOfAccounts.model_validate(loaded.located.data).accounts:
                    accounts[a.code] = a
            except ValidationError as exc:
                out.extend(from_validation_error(config.accounts, loaded.located, exc, ChartOfAccounts))
    programs = {p.id: p for p in builtin_programs()}
    for p in getattr(config, "programs", []) or []:
        programs[p.id] = p
    ctx = TownshipContext(root, config, accounts, programs, None)

    allowed = ctx.official_numbers()
    cat_sf = next((f for f in files if f.kind == "catalog"), None)
    if cat_sf is not None:
        loaded = read_source(root, cat_sf, allowed, out)
        report.files_checked += 1
        if loaded is not None and loaded.located is not None:
            cat = model_of(cat_sf, loaded, out)
            if cat is not None:
                c = rules.Checker(cat_sf.rel, loaded.located)
                rules.check_disclosure(c, cat, None)
                rules.check_catalog(c, cat)
                out.extend(c.problems)
                ctx.catalog = cat
                ctx.catalog_doc = Doc("catalog", "catalog", cat_sf.rel, cat, sha=loaded.sha)
    for sf in files:
        if sf.kind == "power" and sf.village is None:
            report.files_checked += 1
            doc = _load_power(ctx, sf, allowed, out, None)
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
            read_source(root, sf, allowed, out)
        if sf.kind == "unknown" and sf.village is None:
            out.append(
                problem(
                    sf.rel,
                    0,
                    "unknown-file",
                    "不认识的文件位置或扩展名，构建时会忽略它（格式说明见 docs/format.md）",
                )
            )
    _check_power_numbers(list(ctx.powers.values()), out)
    # spreadsheets and linkage keys elsewhere in the repository (cunwu.ingest.scan)
    out.extend(repository_problems(root, allowed))
    if history is not None:
        docs = list(ctx.powers.values()) + ([ctx.catalog_doc] if ctx.catalog_doc else [])
        ctx.histories = _histories(docs, history, out)
    report.extend(_redacted(out))
    return ctx


def _histories(docs: list[Doc], history, out: list[Problem]) -> dict:
    """Versions and silent edits of each document, from git (see history/versions.py)."""
    from ..history.versions import analyse

    result = {}
    for d in docs:
        dh = analyse(d, history)
        out.extend(dh.problems)
        result[f"{d.kind}:{d.key}"] = dh
    return result


def _load_power(ctx, sf, allowed, out, village_dir) -> Doc | None:
    loaded = read_source(ctx.root, sf, allowed, out)
    if loaded is None or loaded.located is None:
        return None
    item = model_of(sf, loaded, out)
    if item is None:
        return None
    c = rules.Checker(sf.rel, loaded.located)
    rules.check_disclosure(c, item, village_dir)
    rules.check_power(c, item, PurePosixPath(sf.rel).stem, ctx)
    out.extend(c.problems)
    return Doc("power", item.id, sf.rel, item, sha=loaded.sha, lines=_top(loaded))


def _check_power_numbers(docs: list[Doc], out: list[Problem], only: set[str] | None = None) -> None:
    """Power item numbers are unique; with ``only``, report just those items."""
    seen: dict[int, Doc] = {}
    for d in sorted(docs, key=lambda d: (d.rel.startswith("villages/"), d.rel)):
        n = d.model.number
        if n in seen and (only is None or d.key in only):
            out.append(
                problem(d.rel, d.line("number"), "duplicate-id", f"序号 {n} 与 {seen[n].rel} 重复", "number")
            )
        seen.setdefault(n, d)


# ---------------------------------------------------------------- villages


def check_village(
    ctx: TownshipContext, vid: str, files: list[SourceFile], history=None
) -> tuple[VillageBundle | None, list[Problem], int]:
    """Load and check one village. Returns (bundle or None, problems, files checked).

    With a :class:`cunwu.history.git.History`, each disclosure's published
    versions are worked out and silent edits reported (``bundle.histories``)."""
    out: list[Problem] = []
    root = ctx.root
    vdir = root / "villages" / vid
    vfile = f"villages/{vid}/village.yaml"
    village_sf = next((f for f in files if f.kind == "village"), None)
    if village_sf is None:
        out.append(problem(vfile, 0, "missing-field", f"村文件夹 villages/{vid}/ 缺少 village.yaml"))
        return None, out, 0
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", vid):
        out.append(
            problem(
                vfile,
                0,
                "code-format",
                f"村文件夹名 “{vid}” 会成为网址，只能用小写字母、数字和连字符，如 dongshan",
            )
        )
    # official numbers of the village are needed before scanning its files,
    # so read village.yaml first with the township's numbers only
    pre: list[Problem] = []
    loaded = read_source(root, village_sf, ctx.official_numbers(), pre)
    village = model_of(village_sf, loaded, pre) if loaded and loaded.located else None
    if village is not None:
        allowed = ctx.official_numbers(village)
        pre = [p for p in pre if p.code != "mobile-leak"] + [
            p
            for p in privacy_problems(vfile, loaded.text, allowed, loaded.located)
            if p.code == "mobile-leak"
        ]
    out.extend(pre)
    count = 1
    # a broken village.yaml must not hide the problems of the village's other
    # files: check them all, without the rules that need the village's settings
    broken = village is None
    if broken:
        allowed = ctx.official_numbers()
        village_doc = Doc("village", vid, vfile, None)
    else:
        village_doc = Doc("village", vid, vfile, village, sha=loaded.sha, lines=_top(loaded))
        vc = rules.Checker(vfile, loaded.located)
        if ctx.config.township is not None and village.township != ctx.config.township.name:
            vc.add(
                ("township",),
                "township-mismatch",
                f"所属乡镇 “{village.township}” 与 cunwu.yaml 中的 “{ctx.config.township.name}” 不一致",
            )
        for i, pid in enumerate(village.recurring):
            if pid not in ctx.programs:
                vc.add(("recurring", i), "unknown-program", f"补贴项目 “{pid}” 未定义")
        for i, pid in enumerate(village.powers_exclude):
            if pid not in ctx.powers:
                vc.add(("powers_exclude", i), "unknown-reference", f"乡镇权力清单中没有事项 “{pid}”")
        out.extend(vc.problems)

    bundle = VillageBundle(vid, village, village_doc)
    own_powers: dict[str, Doc] = {}
    for sf in files:
        if sf.kind == "village":
            continue
        count += 1
        if sf.kind == "power":
            doc = _load_power(ctx, sf, allowed, out, vdir)
            if doc is not None:
                own_powers[doc.key] = doc
            continue
        if sf.kind == "attachment":
            bundle.attachments.append(sf.rel)
            read_source(root, sf, allowed, out)
            continue
        if sf.kind == "unknown":
            read_source(root, sf, allowed, out)
            out.append(
                problem(
                    sf.rel,
                    0,
                    "unknown-file",
                    "不认识的文件位置或扩展名，构建时会忽略它（格式说明见 docs/format.md）",
                )
            )
            continue
        loaded_doc = read_source(root, sf, allowed, out)
        if loaded_doc is None or loaded_doc.located is None:
            continue
        m = model_of(sf, loaded_doc, out)
        if m is None:
            continue
        c = rules.Checker(sf.rel, loaded_doc.located)
        rules.check_disclosure(c, m, vdir)
        stem = PurePosixPath(sf.rel).stem
        if sf.kind == "finance":
            rules.check_finance(c, m, stem, None if broken else village.cadence, ctx, vdir)
            bundle.finance.append(
                Doc("finance", str(m.period), sf.rel, m, sha=loaded_doc.sha, lines=_top(loaded_doc))
            )
        elif sf.kind == "subsidy":
            rules.check_roster(c, m, stem, ctx)
            bundle.rosters.append(
                Doc(
                    "subsidy",
                    f"{m.period}-{m.program}",
                    sf.rel,
                    m,
                    sha=loaded_doc.sha,
                    lines=_top(loaded_doc),
                )
            )
        elif sf.kind == "notice":
            rules.check_notice(c, m, loaded_doc.body, loaded_doc.body_line, vdir)
            bundle.notices.append(
                Doc(
                    "notice",
                    m.slug,
                    sf.rel,
                    m,
                    body=loaded_doc.body,
                    sha=loaded_doc.sha,
                    lines=_top(loaded_doc),
                )
            )
        out.extend(c.problems)

    # sort first, so a duplicate is reported on the later or misnamed file, not
    # on the one that rightly owns the period or URL (a finance or roster key is
    # exactly the file name its content calls for)
    bundle.finance.sort(key=lambda d: (d.model.period, PurePosixPath(d.rel).stem != d.key))
    bundle.rosters.sort(key=lambda d: (d.model.period, d.model.program, PurePosixPath(d.rel).stem != d.key))
    bundle.notices.sort(key=lambda d: (d.model.date, d.key))
    out.extend(_cross_checks(bundle))
    excluded = [] if broken else village.powers_exclude
    merged = {k: d for k, d in ctx.powers.items() if k not in excluded}
    merged.update(own_powers)
    bundle.powers = sorted(merged.values(), key=lambda d: (d.model.number, d.key))
    if own_powers:
        # a village's own item must not take a number the resolved list already uses
        _check_power_numbers(bundle.powers, out, only=set(own_powers))
    if history is not None and not broken:
        own = bundle.finance + bundle.rosters + bundle.notices + list(own_powers.values())
        bundle.histories = _histories(own, history, out)
    return (None if broken else bundle), _redacted(out), count


def _span(first, last) -> str:
    return str(first) if first == last else f"{first} 至 {last}"


def _cross_checks(bundle: VillageBundle) -> list[Problem]:
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
                    f"期初余额 {rules.yuan(c.opening_balance)} 应等于上期（{p.period}）期末余额 {rules.yuan(p.closing_balance)}"
                    f"（相差 {rules.yuan(c.opening_balance - p.closing_balance)}）",
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


# ---------------------------------------------------------------- project


def open_history(root: Path, report: Report, require: bool = False, cache: Path | None = None):
    """Read git history once; say what cannot be shown when there is none.
    ``cache``: where a build keeps the parsed log between runs."""
    from ..history.git import read_history

    history = read_history(root, cache=cache)
    if not history.available or history.shallow:
        reason = history.reason or ("浅克隆，历史不完整" if history.shallow else "")
        report.add(
            problem(
                "cunwu.yaml",
                0,
                "history-unavailable",
                f"无法检查修改历史：{reason}。已公开内容是否被悄悄修改、旧版本页面都无法检查和生成。",
                severity="error" if require else "warning",
            )
        )
    return history


def check_unique_codes(items: list[tuple[str, int, str]]) -> list[Problem]:
    """Village codes are unique across the township: (rel, line, code) per village."""
    out, codes = [], {}
    for rel, line, code in sorted(items):
        if code in codes:
            out.append(problem(rel, line, "duplicate-id", f"村代码 {code} 与 {codes[code]} 重复", "code"))
        codes.setdefault(code, rel)
    return out


def load_project(
    path: Path | str = ".",
    *,
    history: bool = True,
    require_history: bool = False,
    only: set[str] | None = None,
) -> Project:
    """Load and validate everything under the project containing ``path``
    (with ``only``, just those villages), keeping the models in memory.

    With ``history`` (the default), git history is read once and every
    approved disclosure is checked for silent edits."""
    root = find_root(Path(path))
    files = discover(root)
    report = Report()
    hist = open_history(root, report, require_history) if history else None
    ctx = load_township(root, files, report, hist)
    villages: dict[str, VillageBundle] = {}
    by_village: dict[str, list[SourceFile]] = {}
    for sf in files:
        if sf.village:
            by_village.setdefault(sf.village, []).append(sf)
    for vid in sorted(by_village):
        if only is not None and vid not in only:
            continue
        bundle, problems, count = check_village(ctx, vid, by_village[vid], hist)
        report.extend(problems)
        report.files_checked += count
        if bundle is not None:
            villages[vid] = bundle
    report.extend(
        check_unique_codes(
            [(b.village_doc.rel, b.village_doc.line("code"), b.village.code) for b in villages.values()]
        )
    )
    if hist is not None:
        hist.close()
    return Project(ctx, villages, report)


_SHARED: tuple | None = None  # (ctx, history) for forked workers


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _check_only(item: tuple[str, list[SourceFile]]) -> tuple[list[Problem], int, tuple | None]:
    """Check one village and keep only what the report needs: a county's
    bundles are never held in memory all at once."""
    ctx, hist = _SHARED
    vid, files = item
    bundle, problems, count = check_village(ctx, vid, files, hist)
    code = (bundle.village_doc.rel, bundle.village_doc.line("code"), bundle.village.code) if bundle else None
    return problems, count, code


def validate(
    path: Path | str = ".", *, history: bool = True, require_history: bool = False, jobs: int = 0
) -> Report:
    """``cunwu validate``: every problem in the project, as a report.

    Villages are checked in parallel worker processes (one per core by
    default), each holding one village at a time."""
    import concurrent.futures as cf
    import multiprocessing
    import os

    global _SHARED
    root = find_root(Path(path))
    files = discover(root)
    report = Report()
    hist = open_history(root, report, require_history) if history else None
    ctx = load_township(root, files, report, hist)
    by_village: dict[str, list[SourceFile]] = {}
    for sf in files:
        if sf.village:
            by_village.setdefault(sf.village, []).append(sf)
    items = sorted(by_village.items())
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1:  # largest villages first, so that no core waits long for the last one
        items.sort(key=lambda item: -sum(_size(root / sf.rel) for sf in item[1]))
    _SHARED = (ctx, hist)
    try:
        if jobs > 1 and len(items) > 2:
            pool_ctx = multiprocessing.get_context("fork")
            with cf.ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=pool_ctx) as pool:
                results = list(pool.map(_check_only, items))
        else:
            results = [_check_only(item) for item in items]
    finally:
        _SHARED = None
    codes = []
    for problems, count, code in results:
        report.extend(problems)
        report.files_checked += count
        if code:
            codes.append(code)
    report.extend(check_unique_codes(codes))
    if hist is not None:
        hist.close()
    return report
