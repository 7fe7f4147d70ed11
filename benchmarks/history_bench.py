"""Benchmark: read the git history of a township with years of monthly commits.

Builds, in a temporary folder, a repository of 50 villages x 36 monthly
commits (1,800 commits, each adding or correcting one finance statement of one
village; every sixth month a village corrects its previous statement instead
of adding one), then times:

* ``read_history`` (one ``git log`` over everything),
* ``History.revisions()`` of one file,
* reading and parsing every revision of every finance file of one village.

Usage::

    .venv/bin/python benchmarks/history_bench.py [--villages 50] [--months 36] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from cunwu.history.diff import diff_docs, parse_blob
from cunwu.history.git import read_history


def statement(vid: int, year: int, month: int, corrected: bool) -> str:
    lines = []
    for i in range(10):
        lines.append(
            f"""  - date: {year}-{month:02d}-{i + 5:02d}
    voucher: "记-{i + 1:03d}"
    account: "51301"
    summary: 办公用品及杂费（第 {i + 1} 笔）
    amount: {100 + i + (50 if corrected and i == 3 else 0)}.00
    handler: 报账员{vid}
    approver: 村主任{vid}
"""
        )
    expense = sum(100 + i for i in range(10)) + (50 if corrected else 0)
    corrections = (
        f"corrections:\n  - date: {year}-{month:02d}-28\n    reason: 第 4 笔金额录入错误，更正\n"
        if corrected
        else ""
    )
    return (
        f'period: "{year}-{month:02d}"\n'
        "status: approved\n"
        f"approved_on: {year}-{month:02d}-27\n"
        f"{corrections}"
        "opening_balance: 100000.00\n"
        "income:\n"
        f"  - date: {year}-{month:02d}-02\n"
        '    voucher: "记-000"\n'
        '    account: "50101"\n'
        "    summary: 租金收入\n"
        "    amount: 5000.00\n"
        "expense:\n" + "".join(lines) + "totals:\n"
        "  income: 5000.00\n"
        f"  expense: {expense}.00\n"
        f"closing_balance: {100000 + 5000 - expense}.00\n"
        "signoff:\n"
        f"  handler: 报账员{vid}\n"
        f"  oversight: [监督员{vid}]\n"
        f"  approver: 村主任{vid}\n"
    )


def build(repo: Path, villages: int, months: int) -> int:
    """Write the repository with git fast-import; return the number of commits."""
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    out: list[bytes] = []
    mark = 0
    when = 1704038400  # 2024-01-01
    for m in range(months):
        year, month = 2024 + m // 12, m % 12 + 1
        for v in range(villages):
            mark += 1
            when += 600
            correct = m % 6 == 5
            if correct:
                py, pm = (year, month - 1) if month > 1 else (year - 1, 12)
                path = f"villages/v{v:02d}/finance/{py}-{pm:02d}.yaml"
                text = statement(v, py, pm, corrected=True).encode()
                msg = f"v{v:02d} 更正 {py}-{pm:02d} 财务公开".encode()
            else:
                path = f"villages/v{v:02d}/finance/{year}-{month:02d}.yaml"
                text = statement(v, year, month, corrected=False).encode()
                msg = f"v{v:02d} {year}-{month:02d} 财务公开".encode()
            out += [
                b"commit refs/heads/main",
                b"mark :%d" % mark,
                b"author cadre%d <v%02d@example.cn> %d +0800" % (v, v, when),
                b"committer cadre%d <v%02d@example.cn> %d +0800" % (v, v, when),
                b"data %d" % len(msg),
                msg,
            ]
            if mark > 1:
                out.append(b"from :%d" % (mark - 1))
            out += [b"M 100644 inline " + path.encode(), b"data %d" % len(text), text]
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, input=b"\n".join(out) + b"\n", check=True, env=env
    )
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True, env=env)
    return mark


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--villages", type=int, default=50)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--keep", action="store_true", help="keep the temporary repository")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cunwu-history-bench-"))
    repo = tmp / "repo"
    try:
        t = time.perf_counter()
        n = build(repo, args.villages, args.months)
        print(
            f"built {n} commits ({args.villages} villages x {args.months} months) in {time.perf_counter() - t:.2f}s"
        )

        t = time.perf_counter()
        h = read_history(repo)
        t_read = time.perf_counter() - t
        assert h.available, h.reason
        print(f"read_history: {t_read * 1000:.0f} ms ({len(h.commits)} commits, {len(h.files())} files)")

        target = "villages/v07/finance/2024-05.yaml"
        t = time.perf_counter()
        revs = h.revisions(target)
        t_revs = time.perf_counter() - t
        print(f"revisions({target}): {t_revs * 1e6:.0f} us ({len(revs)} revisions)")

        t = time.perf_counter()
        village = [p for p in h.tracked() if p.startswith("villages/v07/")]
        parsed = changes = 0
        for path in village:
            prev = None
            for r in h.revisions(path):
                if r.blob is None:
                    continue
                _, model, _, problems = parse_blob(r.path, h.blob(r.blob))
                assert model is not None, problems
                parsed += 1
                if prev is not None:
                    changes += len(diff_docs("finance", prev, model))
                prev = model
        t_parse = time.perf_counter() - t
        print(
            f"parse + diff every revision of one village: {t_parse * 1000:.0f} ms "
            f"({len(village)} files, {parsed} blobs, {changes} changes)"
        )
        print(f"total: {(t_read + t_revs + t_parse) * 1000:.0f} ms")
        h.close()
    finally:
        if args.keep:
            print(f"kept {repo}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
