"""`cunwu audit` at county scale (issue 18): 300 villages × 12 months, four
registers of 100,000 rows, one case of every rule planted (benchmarks/county.py).

Steps: generate the county (or reuse ``--root``), ``cunwu build`` it once
(the build leaves the rows the audit reads), then run ``cunwu audit`` in a
fresh process ``--runs`` times and report wall time, CPU time (the process
and its register-reading workers) and peak resident memory (the largest of
the process and its workers), and whether exactly the planted cases were found.

``--scale10`` then measures growth: the county's rows and registers, read
once, replicated ten times (each copy a separate set of villages and people:
village ids and linkage keys suffixed), and the rules run over them in a
fresh process. Reading registers is linear in their rows (Python, one row at
a time); its 10× figure is the 1× figure times ten, and is labelled so.

    python benchmarks/audit_bench.py [--villages 300] [--months 12] [--register-rows 100000]
                                     [--root DIR] [--runs 3] [--scale10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from county import BENCH_SECRET, generate_audit  # noqa: E402

BIN = Path(sys.executable).parent


def _env() -> dict:
    return {
        **os.environ,
        "CUNWU_LINK_SECRET": BENCH_SECRET,
        "PYTHONPATH": str(HERE.parent / "plugins") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }


def timed(cmd: list[str]) -> dict:
    """Wall, CPU (self + children) and peak RSS of one command in a fresh process."""
    wrapper = (
        "import resource,subprocess,sys,time,json;t=time.monotonic();"
        "r=subprocess.run(sys.argv[1:],capture_output=True);w=time.monotonic()-t;"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps({'rc':r.returncode,'wall':w,'cpu':u.ru_utime+u.ru_stime,'peak_mb':u.ru_maxrss/1024,"
        "'out':r.stdout.decode()[-400:],'err':r.stderr.decode()[-400:]}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, env=_env(), check=True
    )
    return json.loads(out.stdout)


def scale10(root: Path, registers: Path, out: Path) -> dict:
    """Rules over the county replicated ten times (run in this process; call in a fresh one)."""
    import polars as pl

    from cunwu.audit.data import load_township
    from cunwu.audit.registers import read_registers
    from cunwu.audit.rules import run_rules
    from cunwu.commands.project import open_project
    from cunwu.problems import Report

    t0 = time.monotonic()
    project = open_project(root, history=False, report=Report())
    regs, _, _ = read_registers(registers, project.root, BENCH_SECRET.encode(), "6-4")
    t = load_township(project, out / ".cache")
    t.rosters = t.rosters.filter(pl.col("status") == "approved")
    read = time.monotonic() - t0

    def copies(df: pl.DataFrame, cols: list[str]) -> pl.DataFrame:
        return pl.concat(
            [df.with_columns([(pl.col(c) + f"~{k}") for c in cols if c in df.columns]) for k in range(10)]
        )

    t.rosters = copies(t.rosters, ["vid", "link", "nv"])
    t.ledgers = copies(t.ledgers, ["vid"])
    t.villages = {f"{v}~{k}": info for v, info in t.villages.items() for k in range(10)}
    for reg in regs.values():
        reg.rows = copies(reg.rows, ["link", "name"])
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t1, c1 = time.monotonic(), time.process_time()
    found = run_rules(t, regs, project.ctx.programs, project.ctx.config.audit, None)
    rules, rules_cpu = time.monotonic() - t1, time.process_time() - c1
    return {
        "roster_rows": t.rosters.height,
        "ledger_lines": t.ledgers.height,
        "register_rows": sum(r.rows.height for r in regs.values()),
        "findings": len(found),
        "read_1x_s": round(read, 2),
        "rules_s": round(rules, 2),
        "rules_cpu_s": round(rules_cpu, 2),
        "data_peak_mb": round(base),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--villages", type=int, default=300)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--register-rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--root", type=Path, help="a county generated earlier (its registers beside it)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scale10", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--_scale10", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._scale10:
        print(json.dumps(scale10(*(Path(x) for x in a._scale10))))
        return
    figures: dict = {}
    if a.root is None:
        tmp = Path(tempfile.mkdtemp(prefix="audit-bench-"))
        root = tmp / "county"
        t = time.monotonic()
        info = generate_audit(
            root, a.villages, a.months, seed=a.seed, plant=True, register_rows=a.register_rows
        )
        figures["generate_s"] = round(time.monotonic() - t, 1)
        (tmp / "planted.json").write_text(json.dumps(info), "utf-8")
    else:
        root = a.root
        info = json.loads((root.parent / "planted.json").read_text("utf-8"))
    registers, build = Path(info["registers"]), root.parent / "build"
    if not (build / ".cache" / "audit").is_dir():
        b = timed([str(BIN / "cunwu"), "build", str(root), "--out", str(build), "--no-posters", "--quiet"])
        figures["build"] = {k: round(v, 1) for k, v in b.items() if k in ("wall", "cpu", "peak_mb")}
    cmd = [
        str(BIN / "cunwu"),
        "audit",
        str(root),
        "--registers",
        str(registers),
        "--out",
        str(build),
        "--fail-on",
        "none",
    ]
    runs = [timed(cmd) for _ in range(a.runs)]
    found = json.loads((build / "audit" / "findings.json").read_text("utf-8"))["findings"]
    figures["audit"] = {
        "wall_s": [round(r["wall"], 2) for r in runs],
        "cpu_s": [round(r["cpu"], 2) for r in runs],
        "peak_mb": [round(r["peak_mb"]) for r in runs],
        "from_build": runs[-1]["out"].strip()[-200:],
        "exactly_planted": sorted([f["rule"], f["village"]] for f in found) == info["planted"],
        "findings": len(found),
    }
    figures["load_average"] = os.getloadavg()
    if a.scale10:
        out = subprocess.run(
            [sys.executable, __file__, "--_scale10", str(root), str(registers), str(build)],
            capture_output=True,
            text=True,
            env=_env(),
            check=True,
        )
        figures["scale10"] = json.loads(out.stdout)
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    au = figures["audit"]
    print("\n| step | wall s (median) | CPU s (median) | peak MB (max) |\n|---|---|---|---|")
    if "build" in figures:
        print(
            f"| cunwu build (once) | {figures['build']['wall']} | {figures['build']['cpu']} | {figures['build']['peak_mb']} |"
        )
    print(
        f"| cunwu audit 1× ({info['roster_rows']:,} roster rows, 4 × {a.register_rows:,} register rows) | "
        f"{statistics.median(au['wall_s'])} | {statistics.median(au['cpu_s'])} | {max(au['peak_mb'])} |"
    )
    if "scale10" in figures:
        s = figures["scale10"]
        print(
            f"| rules 10× ({s['roster_rows']:,} roster rows, {s['register_rows']:,} register rows) | {s['rules_s']} | "
            f"{s['rules_cpu_s']} | {s['peak_mb']} (data alone {s['data_peak_mb']}) |"
        )
        print(
            f"| reading at 10×: 10 × the 1× read ({s['read_1x_s']} s) | ≈{round(10 * s['read_1x_s'], 1)} | – | – |"
        )
    if a.json:
        a.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
