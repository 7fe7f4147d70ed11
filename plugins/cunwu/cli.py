"""The ``cunwu`` command: a thin layer over the library.

Each sub-command parses its options, calls one library function, and turns
a :class:`~cunwu.errors.CunwuError` into a clean message and exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import CunwuError


def cmd_validate(args) -> int:
    from .validate.engine import validate

    report = validate(args.path)
    if args.format == "json":
        print(report.to_json(strict=args.strict))
    else:
        print(report.to_text())
    return 0 if report.ok(strict=args.strict) else 1


def cmd_schema(args) -> int:
    from .model.schema import write_schemas
    from .sources import find_root

    out = Path(args.out) if args.out else find_root(Path(".")) / "schemas"
    changed = write_schemas(out)
    print(f"已写入 {out}（{len(changed)} 个文件有变化）")
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
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser(
        "schema",
        help="生成 JSON Schema，供编辑器自动补全和检查",
        description="按数据模型生成每种文件的 JSON Schema。",
    )
    s.add_argument("--out", help="输出目录，默认为项目的 schemas/")
    s.set_defaults(func=cmd_schema)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
