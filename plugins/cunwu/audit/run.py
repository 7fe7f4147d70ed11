"""``cunwu audit``: the rules over the whole township, its report and its review state.

After a build the township's rows come from the build's facts
(:mod:`cunwu.audit.data`); registers are read from a folder outside the
repository, IDs masked at the door (:mod:`cunwu.audit.registers`); the rules
run (:mod:`cunwu.audit.rules`); the report goes to ``build/audit/``. The
office marks findings reviewed in ``review.yaml`` beside the registers; a
reviewed finding comes back when its evidence grows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml

from ..commands.project import open_project
from ..errors import UsageError
from ..ingest.linkage import secret_from_env
from ..problems import Report
from .data import load_township
from .findings import SEVERITIES, Finding, rank
from .registers import Register, read_registers
from .report import order, write_report
from .rules import run_rules

REVIEW_FILE = "review.yaml"


@dataclass
class AuditOptions:
    path: Path = Path(".")
    registers: Path | None = None
    as_of: dt.date | None = None
    out: Path | None = None  # the build folder (default: <project>/build)
    review: Path | None = None  # default: <registers>/review.yaml
    fail_on: str = "high"


@dataclass
class AuditResult:
    findings: list[Finding]
    out: Path
    notes: list[str] = field(default_factory=list)
    registers: list[str] = field(default_factory=list)
    from_cache: int = 0
    villages: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    fail_on: str = "high"

    @property
    def failing(self) -> list[Finding]:
        if self.fail_on == "none":
            return []
        return [f for f in self.findings if not f.reviewed and rank(f.severity) <= rank(self.fail_on)]


def read_review(path: Path | None) -> dict[str, int]:
    """Finding id -> the evidence size it was reviewed at."""
    if path is None or not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as e:
        raise UsageError(f"审核记录 {path.name} 无法读取：{e}") from None
    out: dict[str, int] = {}
    items = (data.get("reviewed") or []) if isinstance(data, dict) else []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("id"):
            out[str(item["id"])] = int(item.get("size", 0) or 0)
    return out


def previous_ids(out: Path) -> set[str] | None:
    try:
        data = json.loads((out / "findings.json").read_text("utf-8"))
        return {f["id"] for f in data["findings"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def audit(opts: AuditOptions) -> AuditResult:
    project = open_project(opts.path, history=False, report=Report())
    try:
        root = project.root
        build = (opts.out or root / "build").resolve()
        out = build / "audit"
        site = (build / "site").resolve()
        if out == site or site in out.parents:
            raise UsageError("审计报告不能写进网站目录")
        ctx = project.ctx
        regs: dict[str, Register] = {}
        notes: list[str] = []
        if opts.registers is not None:
            secret, why = secret_from_env()
            if why:
                notes.append(why + "：名册只能按姓名和脱敏身份证号匹配")
            regs, problems, _demo = read_registers(opts.registers, root, secret, ctx.config.id_mask)
            notes += problems
        t = load_township(project, build / ".cache")
        if opts.as_of is not None:
            month = f"{opts.as_of.year}-{opts.as_of.month:02d}"
            t.rosters = t.rosters.filter(pl.col("month") <= month)
            t.ledgers = t.ledgers.filter(pl.col("date") <= opts.as_of.isoformat())
        t.rosters = t.rosters.filter(pl.col("status") == "approved")
        findings = run_rules(t, regs, ctx.programs, ctx.config.audit, opts.as_of)
        review_path = opts.review or (opts.registers / REVIEW_FILE if opts.registers else None)
        reviewed = read_review(review_path)
        before = previous_ids(out)
        for f in findings:
            f.reviewed = f.id in reviewed and f.size <= reviewed[f.id]
            f.new = before is not None and f.id not in before
        names = {vid: info["name"] for vid, info in t.villages.items()}
        findings = order(findings, names)
        meta = {
            "generated": dt.datetime.now().isoformat(timespec="seconds"),
            "as_of": opts.as_of.isoformat() if opts.as_of else "",
            "registers": [r.title for r in regs.values()],
            "skipped": t.skipped,
            "notes": notes,
        }
        write_report(out, findings, names, meta)
        return AuditResult(
            findings,
            out,
            notes,
            [r.name for r in regs.values()],
            t.from_cache,
            len(t.villages),
            t.skipped,
            opts.fail_on,
        )
    finally:
        project.close()


__all__ = ["AuditOptions", "AuditResult", "audit", "SEVERITIES"]
