"""DuckDB or Polars for the audit's joins: the same three rules in both, at 1× and 10×.

1× is the benchmark county: 300 villages × 12 months × ~175 roster rows
(630,000 rows) and a 100,000-row register; 10× is ten times both. The rules:
the same person in two villages in one program-month (a self-join), payments
after a death date (a join with a register), month-to-month jumps (a window).
Run: ``python benchmarks/audit_engines.py [--scale 1 10]``; prints seconds and
peak RSS per engine and scale, each in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time


def data(scale: int, seed: int = 7):
    rng = random.Random(seed)
    villages, months, per = 300 * scale, 12, 175
    rows = {"vid": [], "month": [], "program": [], "key": [], "link": [], "amount": []}
    for v in range(villages):
        people = [rng.getrandbits(60) for _ in range(per)]
        for m in range(months):
            for i, p in enumerate(people):
                rows["vid"].append(f"v{v:05d}")
                rows["month"].append(f"2026-{m + 1:02d}")
                rows["program"].append("dibao")
                rows["key"].append(f"H{i:05d}")
                rows["link"].append(f"cwlk-{p:015x}")
                rows["amount"].append(300 + (p % 400))
    reg = {
        "link": [f"cwlk-{rng.getrandbits(60):015x}" for _ in range(100_000 * scale)],
        "died": ["2026-03"] * (100_000 * scale),
    }
    return rows, reg


def run_duckdb(rows, reg) -> int:
    import duckdb
    import pyarrow as pa  # noqa: F401  (duckdb reads dicts via arrow when present)

    con = duckdb.connect()
    con.execute("SET threads=2")
    con.register("r", rows.to_arrow())
    con.register("d", reg.to_arrow())
    n = 0
    n += con.execute(
        "SELECT count(*) FROM (SELECT link, program, month FROM r GROUP BY ALL HAVING count(DISTINCT vid) > 1)"
    ).fetchone()[0]
    n += con.execute("SELECT count(*) FROM r JOIN d USING (link) WHERE r.month > d.died").fetchone()[0]
    n += con.execute(
        "SELECT count(*) FROM (SELECT amount, lag(amount) OVER (PARTITION BY vid, program, key ORDER BY month) AS prev FROM r) "
        "WHERE prev IS NOT NULL AND amount > 2 * prev"
    ).fetchone()[0]
    return n


def run_polars(rows, reg) -> int:
    import polars as pl

    r = rows.lazy()
    d = reg.lazy()
    n = 0
    n += (
        r.group_by("link", "program", "month")
        .agg(pl.col("vid").n_unique().alias("n"))
        .filter(pl.col("n") > 1)
        .select(pl.len())
        .collect()
        .item()
    )
    n += r.join(d, on="link").filter(pl.col("month") > pl.col("died")).select(pl.len()).collect().item()
    n += (
        r.sort("month")
        .with_columns(pl.col("amount").shift(1).over("vid", "program", "key").alias("prev"))
        .filter(pl.col("prev").is_not_null() & (pl.col("amount") > 2 * pl.col("prev")))
        .select(pl.len())
        .collect()
        .item()
    )
    return n


def one(engine: str, scale: int) -> dict:
    import polars as pl  # both engines get the columns as one Arrow-backed frame

    raw, rawreg = data(scale)
    rows, reg = pl.DataFrame(raw), pl.DataFrame(rawreg)
    del raw, rawreg
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    n = (run_duckdb if engine == "duckdb" else run_polars)(rows, reg)
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "engine": engine,
        "scale": scale,
        "rows": rows.height,
        "seconds": round(secs, 2),
        "peak_mb": round(peak / 1024),
        "data_mb": round(base / 1024),
        "found": n,
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, nargs="*", default=[1, 10])
    ap.add_argument("--one", nargs=2)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], int(a.one[1]))))
        sys.exit()
    print("| engine | scale | roster rows | seconds (rules) | peak RSS MB (data held in Python) |")
    print("|---|---|---|---|---|")
    for scale in a.scale:
        for engine in ("duckdb", "polars"):
            out = subprocess.run(
                [sys.executable, __file__, "--one", engine, str(scale)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout)
            print(
                f"| {r['engine']} | {r['scale']}× | {r['rows']:,} | {r['seconds']} | {r['peak_mb']} ({r['data_mb']}) |"
            )
