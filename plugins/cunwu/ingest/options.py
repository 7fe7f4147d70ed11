"""What an import is asked to do and what it did, and the lookups every
builder (:mod:`.build` for rosters, :mod:`.ledger` for ledgers) shares with
the command (:mod:`.api`): which program a sheet is for, a file as typed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from ..errors import UsageError
from ..load.yamlsafe import parse_yaml
from ..problems import Report
from .columns import Mapping, program_in
from .sink import Sink


class _Secret(Enum):
    FROM_ENV = "env"


#: ImportOptions.secret default: read CUNWU_LINK_SECRET
USE_ENV = _Secret.FROM_ENV


@dataclass
class ImportOptions:
    source: Path
    village: str
    project: Path = Path(".")
    kind: str | None = None  # finance | subsidy
    program: str | None = None
    period: str | None = None
    correction: str | None = None
    sheet: str | None = None
    #: the date of a correction entry (tests fix it)
    today: dt.date | None = None
    #: the linkage secret; by default from CUNWU_LINK_SECRET
    secret: bytes | None | _Secret = USE_ENV


@dataclass
class ImportResult:
    report: Report
    target: str = ""
    written: bool = False
    kind: str = ""
    program: str = ""
    period: str = ""
    sheet: str = ""
    status: str = ""  # draft | approved (kept, with a new correction)
    rows: int = 0
    matched: dict[str, int] = field(default_factory=dict)
    new_keys: list[str] = field(default_factory=list)
    linkage: str = ""
    sidecar: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.report.errors


def program_of(
    opts: ImportOptions, context: str, mapping: Mapping, ctx, sink: Sink, sheet: str
) -> str | None:
    if opts.program:
        if opts.program not in ctx.programs:
            raise UsageError(
                f"--program {opts.program} 不是已知的补贴项目（有：{'、'.join(sorted(ctx.programs))}）"
            )
        return opts.program
    found = program_in(context, mapping)
    if len(found) == 1:
        return found[0]
    if not found:
        sink.add(
            "sheet-kind",
            f"从文件名和标题看不出是哪个补贴项目：请用 --program 指定（{'、'.join(sorted(ctx.programs))}）",
            sheet,
        )
    else:
        sink.add(
            "sheet-kind", f"文件名和标题中提到几个项目（{'、'.join(found)}）：请用 --program 指定", sheet
        )
    return None


def raw_doc(path: Path) -> dict | None:
    """An existing YAML file's data as typed (strings), or None."""
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    located, problems = parse_yaml(path.name, text)
    if located is None or not isinstance(located.data, dict):
        return None
    return located.data
