"""The ``cunwu`` command: a thin layer over the library.

Each sub-command parses its options, calls one library function, and turns
a :class:`~cunwu.errors.CunwuError` into a clean message and exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import CunwuError


def cmd_validate(args) -> int:
    from .commands.validate import validate

    report = validate(args.path, history=not args.no_history, require_history=args.require_history)
    if args.format == "json":
        print(report.to_json(strict=args.strict))
    else:
        print(report.to_text())
    return 0 if report.ok(strict=args.strict) else 1


def cmd_schema(args) -> int:
    from .commands.schema import write_schemas
    from .sources import find_root

    out = Path(args.out) if args.out else find_root(Path(".")) / "schemas"
    changed = write_schemas(out)
    print(f"已写入 {out}（{len(changed)} 个文件有变化）")
    return 0


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD：{text}") from None


def cmd_build(args) -> int:
    from .commands.build import BuildOptions, build
    from .errors import ValidationFailed

    opts = BuildOptions(
        path=Path(args.path),
        out=Path(args.out) if args.out else None,
        as_of=args.as_of,
        jobs=args.jobs,
        drafts=args.drafts,
        progress=not args.quiet,
        use_cache=not args.no_cache,
        require_history=args.require_history,
        allow_rewrite=args.allow_rewrite,
        manifest=args.manifest,
        posters=not args.no_posters,
        all_or_nothing=args.all_or_nothing,
    )
    try:
        result = build(opts)
    except ValidationFailed as exc:
        print(exc.report.to_text())
        print("校验未通过，没有构建；网站保持上次的样子。", file=sys.stderr)
        return 1
    if result.held:
        print(result.report.to_text())  # every problem of the held villages, as a failed build shows them
    else:
        for p in result.report.warnings + result.report.notes:
            print(p.format())
    print(
        f"构建完成：{result.villages} 个村，重建 {len(result.rebuilt)} 个，渲染 {result.pages_rendered} 页、"
        f"{result.posters_rendered} 张张贴版，"
        f"{result.files_changed} 个文件有变化，用时 {result.seconds:.1f} 秒。统计日期 {result.as_of}。"
    )
    print(f"网站在 {result.site}")
    if result.held:
        held = "；".join(f"{vid}：{h.text}" for vid, h in sorted(result.held.items()))
        print(
            f"网站已发布，但有 {len(result.held)} 个村暂缓更新（改正后重新构建即可）：{held}",
            file=sys.stderr,
        )
        return 3
    return 0


def cmd_audit(args) -> int:
    from .audit.report import counts
    from .audit.run import AuditOptions, audit

    result = audit(
        AuditOptions(
            path=Path(args.path),
            registers=Path(args.registers) if args.registers else None,
            as_of=args.as_of,
            out=Path(args.out) if args.out else None,
            review=Path(args.review) if args.review else None,
            fail_on=args.fail_on,
        )
    )
    if args.format == "text":
        # counts only, never a name or a number: CI logs can be public
        print(counts(result.findings), end="")
    else:
        for note in result.notes:
            print(f"提示：{note}", file=sys.stderr)
        new = sum(f.new for f in result.findings)
        print(
            f"审计完成：{result.villages} 个村（{result.from_cache} 个读自上次构建），"
            f"发现 {len(result.findings)} 条，其中未审核 {sum(not f.reviewed for f in result.findings)} 条、"
            f"新发现 {new} 条。报告在 {result.out}/index.html（内部资料，不要发布）"
        )
    return 1 if result.failing else 0


def cmd_serve(args) -> int:
    from .write.serve import serve

    serve(Path(args.path), host=args.host, port=args.port)
    return 0


def cmd_print(args) -> int:
    from .commands.printing import print_month
    from .errors import ValidationFailed

    def progress(label: str) -> None:
        if not args.quiet:
            print(f"  {label}", file=sys.stderr, flush=True)

    try:
        r = print_month(Path(args.path), args.month, args.village, progress)
    except ValidationFailed as exc:
        print(exc.report.to_text())
        return 1
    for vid, path in r.packs.items():
        print(f"{vid}: {path}")
    if r.empty:
        print(f"本月没有已审核公开的内容：{'、'.join(r.empty)}")
    per_page = f"，新渲染 {r.rendered} 张用时 {r.render_seconds:.1f} 秒" if r.rendered else "（全部来自缓存）"
    print(f"打印包完成：{r.posters} 张张贴版，共 {r.pages} 页{per_page}；总用时 {r.seconds:.1f} 秒。")
    return 0


def cmd_privacy_check(args) -> int:
    from .problems import Report
    from .sources import find_root
    from .validate.sourcescan import scan_source
    from .validate.staged import check_staged

    root = find_root(Path(args.path))
    report = Report()
    if args.staged:
        problems, count = check_staged(root, data_only=args.data_only)
        report.extend(problems)
        report.files_checked += count
    for f in args.files:
        report.files_checked += 1
        path = Path(f)
        report.extend(scan_source(f, path.read_bytes(), []))
    if report.problems:
        print(report.to_text())
        print(
            "提交被拒绝：请改成脱敏号码后重新 git add。已经提交过的，请按 README 的“号码泄露处理流程”清除历史。",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_install_hook(args) -> int:
    from .sources import find_root
    from .validate.staged import install_hook

    hook = install_hook(find_root(Path(args.path)), sys.executable, force=args.force)
    print(f"已安装 Git 提交前检查：{hook}")
    return 0


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def cmd_diff(args) -> int:
    from .history.treediff import tree_diff
    from .render.diffreport import render_html, render_text, to_json
    from .render.theme import find_theme, theme_env
    from .sources import find_root

    td = tree_diff(find_root(Path(args.path)), args.rev1, args.rev2, village=args.village)
    for w in td.warnings:
        print(f"cunwu: 警告：{w}", file=sys.stderr)
    if args.format == "json":
        print(to_json(td))
    elif args.format == "html":
        print(render_html(td, theme_env(find_theme(find_root(Path(args.path))))), end="")
    else:
        print(render_text(td, color=_use_color(args.color)))
    return 0


def cmd_history(args) -> int:
    from .history.treediff import file_history
    from .render.diffreport import history_to_json, render_history_text
    from .sources import find_root

    revs = file_history(find_root(Path(args.path)), args.file)
    for w in revs.warnings:
        print(f"cunwu: 警告：{w}", file=sys.stderr)
    if args.format == "json":
        print(history_to_json(revs))
    else:
        print(render_history_text(revs, color=_use_color(args.color)))
    return 0


def cmd_import(args) -> int:
    from .ingest.api import ImportOptions, import_file
    from .ingest.report import render_result

    result = import_file(
        ImportOptions(
            source=Path(args.file),
            village=args.village,
            project=Path(args.path),
            kind=args.kind,
            program=args.program,
            period=args.period,
            correction=args.correction,
            sheet=args.sheet,
        )
    )
    print(render_result(result, args.format))
    return 0 if result.ok else 1


def cmd_template(args) -> int:
    from .ingest.template import TemplateOptions, make_templates

    result = make_templates(
        TemplateOptions(
            project=Path(args.path),
            kind=args.kind,
            program=args.program,
            village=args.village,
            period=args.period,
            out=Path(args.out) if args.out else None,
        )
    )
    for note in result.notes:
        print(note)
    for f in result.files:
        print(f"已写入 {f}")
    return 0


def cmd_export(args) -> int:
    from .errors import ValidationFailed
    from .ingest.export import ExportOptions, export_month

    try:
        result = export_month(
            ExportOptions(
                project=Path(args.path),
                month=args.month,
                village=args.village,
                out=Path(args.out) if args.out else None,
            )
        )
    except ValidationFailed as exc:
        print(exc.report.to_text())
        print("校验未通过，没有导出。", file=sys.stderr)
        return 1
    print(f"已写入 {result.path}（{len(result.sheets)} 个工作表，用时 {result.seconds:.1f} 秒）")
    for line in result.sheets:
        print(f"  {line}")
    return 0


def cmd_init(args) -> int:
    from .commands.init import InitOptions, init_project

    result = init_project(
        InitOptions(target=Path(args.dir), township=args.township, cunwu_spec=args.cunwu_spec)
    )
    for line in result.summary:
        print(line)
    return 0


def cmd_new(args) -> int:
    from .ingest.newperiod import NewOptions, new_file

    result = new_file(
        NewOptions(
            project=Path(args.path),
            kind=args.kind,
            village=args.village,
            period=args.period,
            program=args.program,
        )
    )
    print(f"已写入 {result.rel}（草稿）")
    for line in result.todo:
        print(f"  待填写：{line}")
    if result.report.problems:
        print(result.report.to_text())
    return 0 if result.report.ok() else 1


def cmd_county(args) -> int:
    from .commands.county import build_county
    from .errors import ValidationFailed

    try:
        r = build_county([Path(f) for f in args.files], Path(args.out))
    except ValidationFailed as exc:
        print(exc.report.to_text())
        print(str(exc), file=sys.stderr)
        return 1
    t = r.page["totals"]
    pct = f"{t['percent']}%" if t["percent"] is not None else "—"
    print(
        f"县级页面已写入 {r.out}：{t['townships']} 个乡镇、{t['villages']} 个村，"
        f"全县完成率 {pct}（按时 {t['on_time']} / 应公开 {t['due']}，未公开 {t['counts']['missing']}）。"
    )
    return 0


def cmd_remind(args) -> int:
    import json

    from .commands.remind import remind
    from .errors import ValidationFailed
    from .render.remind import digest_text

    try:
        d = remind(Path(args.path), args.as_of, args.since, args.days, args.village)
    except ValidationFailed as exc:
        print(exc.report.to_text())
        return 1
    if args.format == "json":
        print(json.dumps(d, ensure_ascii=False, indent=1))
    else:
        print(digest_text(d), end="")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cunwu",
        description="村务公开静态网站发布工具：校验、构建网站、打印张贴版。",
    )
    p.add_argument("--version", action="version", version=f"cunwu {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser(
        "validate",
        help="校验所有公开资料，像编译器一样列出每个问题",
        description="校验所有公开资料：格式、金额、流程图、个人信息泄露。",
    )
    v.add_argument("path", nargs="?", default=".", help="项目目录（含 cunwu.yaml），默认当前目录")
    v.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
    v.add_argument("--strict", action="store_true", help="把警告也当作错误")
    v.add_argument(
        "--no-history", action="store_true", help="不读取 Git 历史（不检查已公开内容是否被悄悄修改）"
    )
    v.add_argument(
        "--require-history",
        action="store_true",
        help="没有完整的 Git 历史（无仓库、浅克隆）时报错而不是警告，供 CI 使用",
    )
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser(
        "schema",
        help="生成 JSON Schema，供编辑器自动补全和检查",
        description="按数据模型生成每种文件的 JSON Schema。",
    )
    s.add_argument("--out", help="输出目录，默认为项目的 schemas/")
    s.set_defaults(func=cmd_schema)
    b = sub.add_parser(
        "build",
        help="校验并生成网站（只重建有变化的部分）",
        description="校验并生成乡镇首页和每个村的网站，写入 build/site。某个村的文件有错误时，"
        "这个村暂缓更新（网站保持它上一次通过检查的版本），其他村照常发布，退出码 3；"
        "乡镇的文件有错误或 Git 历史被改写时什么都不发布，网站保持原样，退出码 1。",
    )
    b.add_argument("path", nargs="?", default=".", help="项目目录（含 cunwu.yaml），默认当前目录")
    b.add_argument("--out", help="输出目录，默认为项目的 build/")
    b.add_argument("--as-of", type=_date, help="按这一天统计按时/迟报（默认：最新一次提交的日期）")
    b.add_argument("--jobs", type=int, default=0, help="并行进程数，默认每个 CPU 核一个")
    b.add_argument("--drafts", action="store_true", help="把草稿也放进网站（仅供本地预览）")
    b.add_argument("--no-cache", action="store_true", help="不使用上次构建的缓存")
    b.add_argument("--quiet", action="store_true", help="不显示进度")
    b.add_argument("--no-posters", action="store_true", help="只生成网页，不生成张贴版 PDF（不需要中文字体）")
    b.add_argument("--require-history", action="store_true", help="没有完整的 Git 历史时报错（供 CI 使用）")
    b.add_argument(
        "--allow-rewrite",
        metavar="原因",
        help="Git 历史被改写、已发布的版本找不到时仍然构建；原因会记入 versions.json",
    )
    b.add_argument(
        "--manifest",
        metavar="网址或文件",
        help="上次发布的版本清单 versions.json（线上网站的网址或文件），与 build 中的合并后核对；"
        "build 文件夹是新的（如 CI）时必须提供，否则无法发现被改写的历史",
    )
    b.add_argument(
        "--all-or-nothing",
        action="store_true",
        help="任何一个村有错误都不发布（不让有错误的村暂缓更新、其他村照常发布）",
    )
    b.set_defaults(func=cmd_build)

    au = sub.add_parser(
        "audit",
        help="全镇交叉核查：跨村、跨项目、对照外部名册和账目（纪委、审计使用）",
        description="对全镇的名单和账目运行审计规则（同一人两村领取、死亡后仍发放、干部亲属未备案、"
        "超标准、拆分支出等，见 docs/audit.md），报告写入 build/audit/（不发布）。"
        "在 cunwu build 之后运行时直接读取构建结果。有未审核的、达到 --fail-on 严重程度的发现时退出码 1。",
    )
    au.add_argument("path", nargs="?", default=".", help="项目目录（含 cunwu.yaml），默认当前目录")
    au.add_argument(
        "--registers",
        metavar="DIR",
        help="外部名册所在的文件夹（须在仓库以外）；审核记录 review.yaml 也在这里",
    )
    au.add_argument("--as-of", type=_date, help="只审计这一天及以前的名单、账目和死亡登记")
    au.add_argument("--out", help="构建目录，默认为项目的 build/；报告写入其中的 audit/")
    au.add_argument("--review", metavar="FILE", help="审核记录文件，默认为名册文件夹中的 review.yaml")
    au.add_argument(
        "--fail-on",
        choices=["high", "medium", "low", "info", "none"],
        default="high",
        help="有未审核的、达到这一严重程度的发现时退出码为 1（默认 high）",
    )
    au.add_argument(
        "--format",
        choices=["summary", "text"],
        default="summary",
        help="text：只输出各规则、各严重程度的数量（不含姓名，可放进公开的 CI 日志）",
    )
    au.set_defaults(func=cmd_audit)

    sv = sub.add_parser(
        "serve",
        help="在本机预览网站（默认 127.0.0.1:8000）",
        description="用内置的静态文件服务器预览 build/site。",
    )
    sv.add_argument("path", nargs="?", default=".", help="项目目录，默认当前目录")
    sv.add_argument("--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1")
    sv.add_argument("--port", type=int, default=8000, help="端口，默认 8000")
    sv.set_defaults(func=cmd_serve)
    pr = sub.add_parser(
        "print",
        help="生成某个月的打印包（每村一个 PDF，另加全乡镇一个）",
        description="把某个月所有已审核公开的内容做成张贴版，合成每村一个、全乡镇一个 PDF，写入 build/print/<月份>/。",
    )
    pr.add_argument("--month", required=True, help="月份 YYYY-MM，如 2026-10")
    pr.add_argument("--village", help="只打印这个村（村文件夹名）")
    pr.add_argument("--path", default=".", help="项目目录，默认当前目录")
    pr.add_argument("--quiet", action="store_true", help="不显示进度")
    pr.set_defaults(func=cmd_print)

    pc = sub.add_parser(
        "privacy-check",
        help="检查暂存（git add）的文件里有没有身份证号、银行卡号、私人手机号",
        description="在提交前检查个人号码泄露：读取 Git 暂存区的内容（不是工作区），与 cunwu validate 用同一套规则。",
    )
    pc.add_argument("files", nargs="*", help="另外要检查的文件")
    pc.add_argument(
        "--staged",
        action="store_true",
        help="检查 Git 暂存区中的所有文件（图片等二进制文件除外）",
    )
    pc.add_argument(
        "--data-only", action="store_true", help="只检查公开资料：cunwu.yaml、villages/、powers/、content/"
    )
    pc.add_argument("--path", default=".", help="项目目录，默认当前目录")
    pc.set_defaults(func=cmd_privacy_check)

    ih = sub.add_parser(
        "install-hook",
        help="安装 Git 提交前检查，阻止把个人号码提交进仓库",
        description="在本仓库安装 pre-commit 钩子，每次 git commit 前运行 cunwu privacy-check --staged。",
    )
    ih.add_argument("path", nargs="?", default=".", help="项目目录，默认当前目录")
    ih.add_argument("--force", action="store_true", help="覆盖已有的 pre-commit 钩子")
    ih.set_defaults(func=cmd_install_hook)

    df = sub.add_parser(
        "diff",
        help="按内容比较两个版本的公开资料（名单、财务、权力事项、公告），供审计使用",
        description="比较两个修订之间公开资料的实际变化：名单增删改的户、财务明细和余额、流程图节点、公告正文，"
        "以及新增、删除、改名的文件。行按稳定标识比对，调整顺序或缩进不算修改。省略 REV2 时与工作区比较"
        "（含未提交、未跟踪的文件）。",
    )
    df.add_argument("rev1", metavar="REV1", help="较早的修订：提交号、分支、标签或 HEAD~1 这样的写法")
    df.add_argument("rev2", metavar="REV2", nargs="?", help="较晚的修订；不写则与工作区比较")
    df.add_argument("--village", metavar="ID", help="只比较这个村（村文件夹名）的文件")
    df.add_argument(
        "--format",
        choices=["text", "json", "html"],
        default="text",
        help="输出格式：text（终端阅读）、json（稳定格式，见 docs/history.md）、html（独立网页，可在手机上打开）",
    )
    df.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="text 格式是否用颜色：auto 仅在终端中使用（默认）、always、never",
    )
    df.add_argument("--path", default=".", help="项目目录，默认当前目录")
    df.set_defaults(func=cmd_diff)

    hi = sub.add_parser(
        "history",
        help="列出一个公开资料文件的每个版本：提交、日期、作者、说明和改了什么",
        description="列出一个公开资料文件的全部修订（跟随改名）：提交号、日期、作者、提交说明，"
        "以及这一版相对上一版改了什么（新建、审核公开、更正记录、金额变化等）；工作区有未提交的修改时列在最后。",
    )
    hi.add_argument(
        "file", metavar="FILE", help="公开资料文件的路径（相对当前目录或项目目录），也可以是改名前的旧路径"
    )
    hi.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="输出格式：text 或 json（见 docs/history.md）",
    )
    hi.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="text 格式是否用颜色：auto 仅在终端中使用（默认）、always、never",
    )
    hi.add_argument("--path", default=".", help="项目目录，默认当前目录")
    hi.set_defaults(func=cmd_history)

    im = sub.add_parser(
        "import",
        help="把 Excel/WPS/CSV 表格（补贴名单或财务明细账）导入为公开资料 YAML，身份证号当场脱敏",
        description="读取 .xlsx、.xls（含 WPS）、.ods 或 .csv 表格，找出表头和数据行，把完整身份证号按乡镇规定脱敏，"
        "写成 villages/<村>/subsidies/<期间>-<项目>.yaml 或 villages/<村>/finance/<期间>.yaml 并校验。"
        "有任何错误都不写入，每个问题指到单元格（文件:工作表!C12）。原始表格请放在仓库之外。",
    )
    im.add_argument("file", metavar="FILE", help="要导入的表格文件（放在仓库之外，或被 .gitignore 忽略）")
    im.add_argument("--village", required=True, metavar="ID", help="村文件夹名，如 dongshan")
    im.add_argument(
        "--kind",
        choices=["finance", "subsidy", "budget"],
        help="表格种类：finance 财务明细账、subsidy 补贴名单、budget 年度预算（须写明）；不写则按表头判断名单或明细账",
    )
    im.add_argument("--program", metavar="P", help="补贴项目 id，如 dibao；不写则按文件名和标题判断")
    im.add_argument(
        "--period", metavar="YYYY-MM", help="期间，如 2026-11（或 2026-Q4）；不写则按文件名和标题判断"
    )
    im.add_argument(
        "--correction",
        metavar="原因",
        help="目标文件已审核公开时必须写：更正原因（改了什么、为什么），会记入 corrections",
    )
    im.add_argument("--sheet", metavar="名称", help="有几个工作表都像要导入的表时，指定用哪一个")
    im.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
    im.add_argument("--path", default=".", help="项目目录，默认当前目录")
    im.set_defaults(func=cmd_import)

    tp = sub.add_parser(
        "template",
        help="生成给村报账员填写的 Excel 模板（财务明细账，或每个补贴项目一张名单）",
        description="生成 .xlsx 模板：第一页是中文填写说明，表头冻结，列宽适合中文，日期、金额（两位小数）、"
        "科目、组别、类别有数据验证和下拉列表，身份证号列设为文本。填好的模板用 cunwu import 直接导入。"
        "默认写入 build/templates/。",
    )
    tp.add_argument(
        "kind",
        metavar="KIND",
        choices=["finance", "subsidy", "budget"],
        help="finance 财务明细账；subsidy 补贴名单；budget 年度预算",
    )
    tp.add_argument("--program", metavar="P", help="补贴项目 id，如 dibao；不写则每个项目各生成一张")
    tp.add_argument("--village", metavar="ID", help="村文件夹名：填上村名、组别下拉列表和上期期末余额")
    tp.add_argument("--period", metavar="YYYY-MM", help="期间，如 2026-11（按季度公开财务的村写 2026-Q4）")
    tp.add_argument("--out", metavar="DIR", help="输出文件夹，默认为项目的 build/templates/")
    tp.add_argument("--path", default=".", help="项目目录，默认当前目录")
    tp.set_defaults(func=cmd_template)

    ex = sub.add_parser(
        "export",
        help="把一个村（或全乡镇）一个月的公开资料导出为一个 Excel 文件，交给镇里",
        description="导出某个月的公开资料：每份公开资料一个工作表（财务公开为明细账格式，名单每人一行），"
        "身份证号只有脱敏后的，合计是数值，每个工作表注明版本号。写入前读取每个单元格检查个人号码。"
        "默认写入 build/export/<月份>/（不在网站文件夹中）。导出的表可以再用 cunwu import 导入。",
    )
    ex.add_argument("--month", required=True, metavar="YYYY-MM", help="月份，如 2026-10")
    ex.add_argument("--village", metavar="ID", help="只导出这个村；不写则导出全乡镇")
    ex.add_argument(
        "--out",
        metavar="FILE",
        help="输出文件（.xlsx），默认 build/export/<月份>/<村或乡镇><月份>村务公开.xlsx",
    )
    ex.add_argument("--path", default=".", help="项目目录，默认当前目录")
    ex.set_defaults(func=cmd_export)

    it = sub.add_parser(
        "init",
        help="新建一个乡镇的村务公开仓库（含一个示例村、CI 配置和中文说明）",
        description="在 DIR 中新建乡镇仓库：带中文注释的 cunwu.yaml、一个示例村、.gitignore（表格、.cunwu/、build/）、"
        "已安装的提交前检查、中文 README，以及 GitHub Actions 和 GitLab CI 的发布配置。DIR 必须不存在或为空。",
    )
    it.add_argument("dir", metavar="DIR", help="新仓库的文件夹（不存在或为空）")
    it.add_argument(
        "--township", metavar="ID", default="example", help="乡镇标识（小写字母、数字、短横线），默认 example"
    )
    it.add_argument(
        "--cunwu-spec",
        metavar="SPEC",
        help="CI 中安装 cunwu 用的 pip 写法，默认为当前版本（如 cunwu==0.1.0）；"
        "cunwu 不是从 PyPI 安装时写 git 地址，如 “cunwu @ git+https://…”",
    )
    it.set_defaults(func=cmd_init)

    nw = sub.add_parser(
        "new",
        help="从上一期开始新的一期：财务公开（期初=上期期末）或补贴名单（沿用上期的人和行标识）",
        description="新建下一期的草稿文件。finance：期初余额取上期期末余额，按本村的公开周期（月或季度），"
        "明细、合计和日期清空，注释写明要填什么。subsidy：沿用上一期名单的人和行标识。写好后立即校验。",
    )
    nw.add_argument("kind", metavar="KIND", choices=["finance", "subsidy"], help="finance 或 subsidy")
    nw.add_argument("--village", required=True, metavar="ID", help="村文件夹名，如 dongshan")
    nw.add_argument(
        "--period", metavar="YYYY-MM", help="期间，如 2026-11（季度村写 2026-Q4）；不写则为上一期的下一期"
    )
    nw.add_argument("--program", metavar="P", help="补贴项目 id（subsidy 必填），如 dibao")
    nw.add_argument("--path", default=".", help="项目目录，默认当前目录")
    nw.set_defaults(func=cmd_new)

    co = sub.add_parser(
        "county",
        help="县级页面：汇总各乡镇网站发布的 completeness.json，列出乡镇和完成率最低的村",
        description="读取各乡镇网站发布的 completeness.json（每个乡镇保留自己的仓库），在 DIR 中写出县级页面 "
        "index.html、county.csv 和 county.json：先列各乡镇，再按完成率从低到高列出所有村，附全县合计。",
    )
    co.add_argument("files", nargs="+", metavar="TOWNSHIP_JSON", help="乡镇的 completeness.json（可给多个）")
    co.add_argument("--out", required=True, metavar="DIR", help="县级页面写到的文件夹")
    co.set_defaults(func=cmd_county)

    rm = sub.add_parser(
        "remind",
        help="提醒：生成可以直接贴到乡镇工作群的中文提醒（即将到期、逾期未公开、新公开）",
        description="按统计日期列出每个村：N 天内到期的公开事项、逾期未公开的事项（逾期几天）、"
        "上次提醒以来新公开的事项（带网页链接）。只有数目、标题、日期和链接，不含任何人名或证件号。",
    )
    rm.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="统计日期，默认今天")
    rm.add_argument(
        "--since",
        type=_date,
        metavar="YYYY-MM-DD",
        help="上次提醒的日期：列出这天（含）以来新公开的事项；默认统计日期前 7 天",
    )
    rm.add_argument("--days", type=int, default=7, metavar="N", help="列出 N 天内到期的事项，默认 7")
    rm.add_argument("--village", metavar="ID", help="只看一个村，如 dongshan")
    rm.add_argument("--format", choices=["text", "json"], default="text", help="text（默认）或 json")
    rm.add_argument("--path", default=".", help="项目目录，默认当前目录")
    rm.set_defaults(func=cmd_remind)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CunwuError as exc:
        print(f"cunwu: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cunwu: 已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `cunwu diff ... | head`: the reader went away; no traceback, and no
        # second error when Python flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
