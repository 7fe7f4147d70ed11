"""``cunwu import``: one spreadsheet in, one validated YAML file out.

:func:`import_file` is the whole command as a library call. It collects
every problem first and writes only when there is none; the written file is
validated with the village, and taken back if validation fails, so a failed
import leaves the repository as it was.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from ..errors import UsageError
from ..load.sheets.read import MAX_SOURCE_BYTES, ReadError, Sheet, Workbook, read_workbook
from ..model.types import Period
from ..problems import Report
from ..sources import find_root
from .columns import (
    FIELD_ZH,
    LEDGER_FIELDS,
    ROSTER_FIELDS,
    Mapping,
    Table,
    header_candidates,
    kind_of,
    load_mapping_file,
    periods_in,
    title_text,
)
from .options import USE_ENV, ImportOptions, ImportResult, program_of, raw_doc
from .sink import Sink

__all__ = ["USE_ENV", "ImportOptions", "ImportResult", "import_file", "program_of", "raw_doc"]


def import_file(opts: ImportOptions) -> ImportResult:
    """Import one spreadsheet; never raises on bad input (see the report).
    Raises :class:`UsageError` for a wrong command line only."""
    holder: list[Sink] = []
    try:
        return _import(opts, holder)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - no traceback, and no cell value, ever
        sink = holder[0] if holder else Sink(str(opts.source))
        sink.add(
            "sheet-unreadable",
            f"导入时出现内部错误（{type(exc).__name__}），没有写入任何文件。请把这条信息和表格的样式（不要发送真实数据）告诉维护人员",
        )
        result = ImportResult(Report())
        result.report.extend(sink.problems)
        return result


def _import(opts: ImportOptions, holder: list) -> ImportResult:
    t0 = time.perf_counter()
    root = find_root(Path(opts.project))
    vid = opts.village
    if not (root / "villages" / vid / "village.yaml").is_file():
        raise UsageError(f"没有这个村：villages/{vid}/village.yaml 不存在")
    if opts.kind not in (None, "finance", "subsidy", "budget"):
        raise UsageError("--kind 只能是 finance（财务明细账）、subsidy（补贴名单）或 budget（年度预算）")
    source = Path(opts.source)
    sink = Sink(str(opts.source))
    holder.append(sink)
    result = ImportResult(Report())
    result.report.files_checked = 1

    def done() -> ImportResult:
        sink.flush_notes()
        result.report.extend(sink.problems)
        result.timings["total"] = time.perf_counter() - t0
        return result

    if not source.is_file():
        raise UsageError(f"找不到要导入的文件：{opts.source}")
    size = source.stat().st_size
    if size > MAX_SOURCE_BYTES:
        sink.add(
            "file-too-large",
            f"文件有 {size / 1024 / 1024:.1f} MB，超过 20 MB，没有读取。请只导出本村、本期的数据",
        )
        return done()
    why = _inside_repository(root, source)
    if why:
        sink.add("source-in-repository", why)
        return done()
    try:
        data = source.read_bytes()
        wb = read_workbook(data, source.name)
    except ReadError as exc:
        sink.add(exc.code, exc.message)
        return done()
    except OSError as exc:
        raise UsageError(f"无法读取 {opts.source}：{exc.strerror}") from None
    del data
    result.timings["read"] = time.perf_counter() - t0

    from ..commands.validate import load_project

    t1 = time.perf_counter()
    project = load_project(root, only={vid}, history=False)
    bundle = project.villages.get(vid)
    result.timings["load"] = time.perf_counter() - t1
    if bundle is None:
        result.report.extend(p for p in project.report.errors if p.file.startswith(f"villages/{vid}/"))
        sink.add(
            "unknown-reference", f"villages/{vid}/village.yaml 有错误，无法导入：请先运行 cunwu validate 改正"
        )
        return done()
    ctx = project.township
    extra, bad = load_mapping_file(root)
    if bad:
        sink.add("invalid-value", f"config/import.yaml：{bad}")
        return done()
    mapping = Mapping.build(extra, ctx.programs)

    if opts.kind == "budget":
        from .budget import build_budget

        year = None
        if opts.period:
            if not re.fullmatch(r"[12][0-9]{3}", opts.period):
                raise UsageError(f"预算的 --period 写年份，如 2026：{opts.period}")
            year = int(opts.period)
        result.kind, result.status = "budget", "draft"
        made = build_budget(root, vid, ctx, wb, opts.sheet, year, source.stem, sink)
        if made is None or sink.errors:
            return done()
        result.target = made[0]
        result.rows = made[1].count("account:")
        from .commit import write_and_validate

        write_and_validate(root, vid, ctx, made[0], made[1], {}, sink, result)
        return done()

    t2 = time.perf_counter()
    table = find_table(wb, opts, mapping, sink)
    if table is None:
        return done()
    result.sheet = table.sheet.name
    result.kind = table.kind
    if opts.kind and opts.kind != table.kind:
        sink.add(
            "sheet-kind",
            f"指定了 --kind {opts.kind}，但这张表看起来是{'财务明细账' if table.kind == 'finance' else '补贴名单'}",
            table.sheet.name,
        )
        return done()
    context = f"{source.stem} {table.sheet.name} {table.title}"
    if re.search(r"单位\s*[:：]\s*(万元|千元)", table.title):
        sink.add("sheet-kind", "表格的金额单位是万元或千元：请改成以元为单位后再导入", table.sheet.name)
        return done()
    period = _period(opts, context, table, sink)
    if table.kind == "subsidy":
        from .build import build_roster

        built = build_roster(root, vid, ctx, bundle, table, mapping, opts, period, context, sink, result, wb)
    else:
        from .ledger import build_ledger

        built = build_ledger(root, vid, ctx, bundle, table, mapping, opts, period, context, sink, result, wb)
    result.timings["convert"] = time.perf_counter() - t2
    if built is None or sink.errors:
        return done()
    target_rel, text, sidecar_rows = built
    result.target = target_rel

    t3 = time.perf_counter()
    from .commit import write_and_validate

    write_and_validate(root, vid, ctx, target_rel, text, sidecar_rows, sink, result)
    result.timings["write+validate"] = time.perf_counter() - t3
    return done()


def _inside_repository(root: Path, source: Path) -> str:
    """Why ``source`` must not be read from where it is, or ''."""
    src = source.resolve()
    top = root.resolve()
    if not src.is_relative_to(top):
        return ""
    rel = src.relative_to(top).as_posix()
    try:
        # a tracked file is never "ignored", whatever .gitignore says
        r = subprocess.run(["git", "check-ignore", "-q", "--", rel], cwd=top, capture_output=True, timeout=30)
        if r.returncode == 0:
            return ""
    except (OSError, subprocess.SubprocessError):
        pass  # no git: the folder is still the repository's
    return (
        f"原始表格 {rel} 在仓库文件夹里，又没有被 Git 忽略：一旦 git add 就会连同完整身份证号永久留在历史中。"
        "请把它移到仓库之外（如“文档”文件夹）再导入，或把它的文件夹写进 .gitignore"
    )


def find_table(wb: Workbook, opts: ImportOptions, mapping: Mapping, sink: Sink) -> Table | None:
    """The sheet and header row to import; hidden sheets with data are errors."""
    for s in wb.sheets:
        if s.hidden and any(s.row_has_data(r) for r in range(len(s.rows))):
            sink.add(
                "sheet-hidden",
                f"工作表 “{s.name}” 被隐藏，里面有数据：打印出来的和导入的会不一样。"
                "请取消隐藏并确认，或删除这个工作表后再导入",
                s.name,
            )
    if sink.errors:
        return None
    sheets = [s for s in wb.sheets if not s.hidden]
    if opts.sheet is not None:
        sheets = [s for s in sheets if s.name == opts.sheet]
        if not sheets:
            names = "、".join(s.name for s in wb.sheets)
            sink.add("sheet-kind", f"没有名为 “{opts.sheet}” 的工作表（有：{names}）")
            return None
    found: list[Table] = []
    for s in sheets:
        for r, cols in header_candidates(s, mapping):
            kind = kind_of(cols)
            if kind is None or (opts.kind and kind != opts.kind):
                continue
            found.append(_table(s, r, cols, kind, mapping, sink))
            break
    if not found:
        want = {"finance": "财务明细账", "subsidy": "补贴名单"}.get(opts.kind or "", "补贴名单或财务明细账")
        sink.add(
            "sheet-kind",
            f"没有找到{want}的表头。名单至少要有“姓名”和“金额”（或“发放金额”等）两列，"
            "明细账要有“摘要”或“凭证号”和“借方”“贷方”列；列名与常见写法不同时，可在 config/import.yaml 中登记（见 docs/import.md）",
            sheets[0].name if len(sheets) == 1 else "",
        )
        return None
    if len(found) > 1:
        names = "、".join(f"“{t.sheet.name}”" for t in found)
        sink.add("sheet-kind", f"有 {len(found)} 个工作表都像要导入的表（{names}）：请用 --sheet 指定一个")
        return None
    table = found[0]
    fields = ROSTER_FIELDS if table.kind == "subsidy" else LEDGER_FIELDS
    for f, dup_cols in table.duplicates.items():
        if f in fields:
            heads = "、".join(f"“{table.headers[c]}”" for c in dup_cols)
            sink.add(
                "column-ambiguous",
                f"{heads}这几列都可以作为“{FIELD_ZH[f]}”：请删掉多余的列，或在 config/import.yaml 中指明用哪一列",
                table.sheet.name,
                table.header_row,
                dup_cols[1],
            )
    return table


def _table(
    sheet: Sheet, r: int, cols: dict[str, list[int]], kind: str, mapping: Mapping, sink: Sink
) -> Table:
    from ..load.sheets.display import plain_text

    headers = {}
    row = sheet.rows[r]
    for c, cell in enumerate(row):
        t = plain_text(cell).strip() if cell is not None else ""
        if t:
            headers[c] = t
    columns = {f: cs[0] for f, cs in cols.items()}
    table = Table(
        sheet=sheet,
        header_row=r,
        columns=columns,
        headers=headers,
        kind=kind,
        title=title_text(sheet, r),
        first_data_row=r + 1,
        unknown=[c for c in headers if mapping.field_of(headers[c]) is None],
        duplicates={f: cs for f, cs in cols.items() if len(cs) > 1},
    )
    return table


def _period(opts: ImportOptions, context: str, table: Table, sink: Sink) -> Period | None:
    if opts.period:
        try:
            return Period.parse(opts.period)
        except ValueError:
            raise UsageError(f"--period 应写成 YYYY-MM 或 YYYY-Qn，如 2026-11：{opts.period}") from None
    found = periods_in(context)
    if len(found) == 1:
        return Period.parse(found[0])
    if len(found) > 1 and table.kind == "subsidy":
        sink.add(
            "sheet-kind",
            f"文件名和标题中有几个期间（{'、'.join(found)}），无法判断是哪一期：请用 --period 指定",
            table.sheet.name,
        )
    return None
