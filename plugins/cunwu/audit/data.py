"""The township's rows as dataframes: from the build's facts, or loaded.

A build leaves each village's rows in ``build/.cache/audit/<village>.pickle``
(:mod:`cunwu.write.auditfacts`) with the hash of every file they came from.
A village whose files are unchanged since is read from there; any other is
loaded and validated here, as a build would. A village whose files do not
validate is left out of the audit and named in the report.

Linkage keys are joined from the git-ignored sidecars (docs/import.md), the
only place that keeps them.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..commands.project import OpenProject
from ..ingest.linkage import load_sidecar
from ..render.urls import village_base_url
from ..validate.village import check_village
from ..write.auditfacts import FACTS_VERSION, facts_path, file_sha, file_stat, village_facts
from ..write.records import atomic_pickle

ROSTER_SCHEMA = {
    "vid": pl.Utf8,
    "rel": pl.Utf8,
    "line": pl.Int64,
    "program": pl.Utf8,
    "month": pl.Utf8,
    "key": pl.Utf8,
    "name": pl.Utf8,
    "group": pl.Utf8,
    "id_masked": pl.Utf8,
    "people": pl.Int64,
    "area": pl.Utf8,
    "amount": pl.Utf8,
    "end": pl.Utf8,
    "status": pl.Utf8,
    "url": pl.Utf8,
}
LEDGER_SCHEMA = {
    "vid": pl.Utf8,
    "rel": pl.Utf8,
    "line": pl.Int64,
    "month": pl.Utf8,
    "date": pl.Utf8,
    "voucher": pl.Utf8,
    "kind": pl.Utf8,
    "account": pl.Utf8,
    "summary": pl.Utf8,
    "amount": pl.Utf8,
    "payee": pl.Utf8,
    "method": pl.Utf8,
    "approver": pl.Utf8,
    "url": pl.Utf8,
}


@dataclass
class Township:
    rosters: pl.DataFrame
    ledgers: pl.DataFrame
    #: village id -> {"name", "cadres", "village_rel", "cadres_line", "base_url"}
    villages: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: villages left out (their files do not validate): id -> why
    skipped: dict[str, str] = field(default_factory=dict)
    from_cache: int = 0


def fen(col: str) -> pl.Expr:
    """Money text (``720.00``) as whole fen, exactly (no float on the way)."""
    parts = pl.col(col).str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64)
    frac = parts.struct.field("field_1").fill_null("0").str.pad_end(2, "0").str.slice(0, 2).cast(pl.Int64)
    return (whole * 100 + pl.when(whole < 0).then(-frac).otherwise(frac)).alias(col + "_fen")


def nv_expr(name: str, id_masked: str) -> pl.Expr:
    """:func:`cunwu.model.identity.name_id` as an expression: a masked ID has one
    run of ``*`` (validate checks its shape), collapsed to one."""
    vis = pl.col(id_masked).str.strip_chars().str.to_uppercase().str.replace_all(r"\*+", "*")
    return (
        pl.when(pl.col(id_masked).is_null() | (pl.col(id_masked) == ""))
        .then(None)
        .otherwise(pl.col(name).str.strip_chars() + "|" + vis)
        .alias("nv")
    )


def _cached(project: OpenProject, vid: str, cache: Path | None) -> dict[str, Any] | None:
    if cache is None:
        return None
    try:
        facts = pickle.loads(facts_path(cache, vid).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError):
        return None
    if not isinstance(facts, dict) or facts.get("version") != FACTS_VERSION:
        return None
    wanted = {
        sf.rel for sf in project.by_village.get(vid, []) if sf.kind in ("village", "finance", "subsidy")
    }
    if set(facts["sources"]) != wanted:
        return None
    stats = facts.get("stats", {})
    for rel, sha in facts["sources"].items():
        path = project.root / rel
        if stats.get(rel) != file_stat(path) and file_sha(path) != sha:
            return None
    return facts


def load_township(project: OpenProject, cache: Path | None) -> Township:
    """Every village's rows, from the build's facts where they are current."""
    rosters: dict[str, list] = {k: [] for k in ROSTER_SCHEMA}
    ledgers: dict[str, list] = {k: [] for k in LEDGER_SCHEMA}
    r_frames: list[pl.DataFrame] = []
    l_frames: list[pl.DataFrame] = []

    def flush() -> None:
        r_frames.append(pl.DataFrame(rosters, schema=ROSTER_SCHEMA))
        l_frames.append(pl.DataFrame(ledgers, schema=LEDGER_SCHEMA))
        for cols in (rosters, ledgers):
            for v in cols.values():
                v.clear()

    out = Township(pl.DataFrame(schema=ROSTER_SCHEMA), pl.DataFrame(schema=LEDGER_SCHEMA))
    for vid in sorted(project.by_village):
        facts = _cached(project, vid, cache)
        if facts is not None:
            out.from_cache += 1
        else:
            bundle, problems, _ = check_village(project.ctx, vid, project.by_village[vid])
            if bundle is None or any(p.severity == "error" for p in problems):
                out.skipped[vid] = "文件有错误（cunwu validate），本次未审计"
                continue
            facts = village_facts(project.root, village_base_url(project.ctx, vid, bundle.village), bundle)
            if cache is not None:  # kept for the next run, as a build keeps it
                atomic_pickle(facts_path(cache, vid), facts)
        out.villages[vid] = {
            k: facts[k] for k in ("name", "cadres", "village_rel", "cadres_line", "base_url")
        }
        # frames built from long columns, a batch of villages at a time: faster
        # than hundreds of small frames, and the Python lists never hold the county
        for cols, got in ((rosters, facts["rosters"]), (ledgers, facts["ledgers"])):
            cols["vid"].extend([vid] * len(got["rel"]))
            for k, values in got.items():
                cols[k].extend(values)
        if len(rosters["vid"]) > 30_000:
            flush()
    flush()
    out.rosters = pl.concat(r_frames) if r_frames else pl.DataFrame(schema=ROSTER_SCHEMA)
    out.ledgers = pl.concat(l_frames) if l_frames else pl.DataFrame(schema=LEDGER_SCHEMA)
    links = _links(project.root, list(out.villages))
    out.rosters = (
        out.rosters.with_columns(fen("amount"))
        .with_columns(nv_expr("name", "id_masked"))
        .join(links, on=["vid", "key"], how="left")
    )
    out.ledgers = out.ledgers.with_columns(fen("amount"))
    return out


def _links(root: Path, vids: list[str]) -> pl.DataFrame:
    """(vid, key, link) from the villages' sidecars."""
    v, k, lk = [], [], []
    for vid in vids:
        for key, info in load_sidecar(root, vid).get("rows", {}).items():
            if isinstance(info, dict) and info.get("linkage_key"):
                v.append(vid)
                k.append(key)
                lk.append(str(info["linkage_key"]))
    return pl.DataFrame(
        {"vid": v, "key": k, "link": lk}, schema={"vid": pl.Utf8, "key": pl.Utf8, "link": pl.Utf8}
    )
