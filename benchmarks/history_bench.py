"""Benchmark: the history features on a township with years of monthly commits.

Builds, in a temporary folder, a complete project (township settings, 30
power items, the catalog, one ``village.yaml`` per village) and then a
history of 50 villages x 36 monthly commits (1,800 commits, each publishing
one village's finance statement for the month, approved on the 5th of the
next month; every sixth month the same commit also corrects the previous
month's statement (a summary, with a correction entry), so the sites have pages of versions). Then it times:

* ``read_history`` (one ``git log`` over everything), ``History.revisions()``
  of one file, and reading and diffing every revision of one village;
* ``cunwu history FILE`` as a user runs it (a new process);
* ``cunwu build --no-posters``, cold and with nothing changed, on the
  repository and on a copy of the same files without ``.git`` (no history:
  no version pages, no silent-edit check, no manifest check): the
  difference is what the history features cost a build;
* how many ``git`` processes each command starts (a logging ``git`` first on
  ``PATH``): the history must be read in one pass, not per file;
* a village held back (issue 16): one more commit gives one village a new
  month that does not add up, and the build publishes it from its last
  passing commit, cold in a new folder (as in CI) and with nothing changed;
  then the worst case, a village none of whose states may be published (its
  code taken by another village from the next commit on), so that every
  state of its history is checked.

Timings on a shared machine are noisy; compare runs made one after another.

Usage::

    .venv/bin/python benchmarks/history_bench.py [--villages 50] [--months 36] [--jobs 0] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cunwu.history.diff import diff_docs, parse_blob
from cunwu.history.git import read_history

sys.path.insert(0, str(Path(__file__).resolve().parent))
from county import township  # noqa: E402 - the same township files as bench.py

BIN = Path(sys.executable).parent
CST = dt.timezone(dt.timedelta(hours=8))
EPOCH_2024 = int(dt.datetime(2024, 1, 1, 9, tzinfo=CST).timestamp())


def statement(vid: int, year: int, month: int, opening: int, corrected: bool) -> str:
    """One month's statement; a correction edits a summary, so balances still chain."""
    lines = []
    for i in range(10):
        summary = f"办公用品及杂费（第 {i + 1} 笔）"
        if corrected and i == 3:
            summary = f"村部打印机墨盒（第 {i + 1} 笔，按原始凭证更正）"
        lines.append(
            f"""  - date: {year}-{month:02d}-{i + 5:02d}
    voucher: "记-{i + 1:03d}"
    account: "51301"
    summary: {summary}
    amount: {100 + i}.00
    handler: 报账员{vid}
    approver: 村主任{vid}
"""
        )
    expense = sum(100 + i for i in range(10))
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    cy, cm = (ny + 1, 1) if nm == 12 else (ny, nm + 1)  # corrected when the next month is published
    corrections = (
        f"corrections:\n  - date: {cy}-{cm:02d}-05\n    reason: 第 4 笔摘要按原始凭证更正，金额不变\n"
        if corrected
        else ""
    )
    return (
        f'period: "{year}-{month:02d}"\n'
        "status: approved\n"
        f"approved_on: {ny}-{nm:02d}-05\n"
        f"notice: {{start: {ny}-{nm:02d}-05, end: {ny}-{nm:02d}-20}}\n"
        f"{corrections}"
        f"opening_balance: {opening}.00\n"
        "income:\n"
        f"  - date: {year}-{month:02d}-02\n"
        '    voucher: "记-000"\n'
        '    account: "50101"\n'
        "    summary: 租金收入\n"
        "    amount: 5000.00\n"
        "expense:\n" + "".join(lines) + "totals:\n"
        "  income: 5000.00\n"
        f"  expense: {expense}.00\n"
        f"closing_balance: {opening + 5000 - expense}.00\n"
        "signoff:\n"
        f"  handler: 报账员{vid}\n"
        f"  oversight: [监督员{vid}]\n"
        f"  approver: 村主任{vid}\n"
    )


CLOSING_STEP = 5000 - sum(100 + i for i in range(10))


def village_yaml(v: int) -> str:
    return (
        f'code: "9901{v:08d}"\nname: 基准{v}村\ntownship: 基准镇\nsince: 2024-01\n'
        f"supervision:\n  - {{label: 村务监督委员会, number: 0123-6690{v:04d}}}\n"
    )


def _blob(path: str, text: str) -> list[bytes]:
    data = text.encode()
    return [b"M 100644 inline " + path.encode(), b"data %d" % len(data), data]


def build_repo(repo: Path, villages: int, months: int) -> int:
    """Write the repository with git fast-import; return the number of commits."""
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    seed = repo.parent / "seed"
    township(seed)
    out: list[bytes] = []

    def commit(mark: int, who: int, when: int, msg: str, files: list[bytes]) -> None:
        m = msg.encode()
        out.extend(
            [
                b"commit refs/heads/main",
                b"mark :%d" % mark,
                b"author cadre%d <v%02d@example.cn> %d +0800" % (who, who, when),
                b"committer cadre%d <v%02d@example.cn> %d +0800" % (who, who, when),
                b"data %d" % len(m),
                m,
            ]
        )
        if mark > 1:
            out.append(b"from :%d" % (mark - 1))
        out.extend(files)

    first: list[bytes] = []
    for p in sorted(seed.rglob("*")):
        if p.is_file():
            first += _blob(p.relative_to(seed).as_posix(), p.read_text("utf-8"))
    for v in range(villages):
        first += _blob(f"villages/v{v:02d}/village.yaml", village_yaml(v))
    commit(1, 0, EPOCH_2024, "导入乡镇设置、权力清单和各村信息", first)
    mark = 1
    for m in range(months):
        year, month = 2024 + m // 12, m % 12 + 1
        # approved on the 5th of the next month, committed that evening, one village after another
        ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
        day = int(dt.datetime(ny, nm, 5, 18, tzinfo=CST).timestamp())
        for v in range(villages):
            mark += 1
            opening = 100000 + m * CLOSING_STEP
            files = _blob(
                f"villages/v{v:02d}/finance/{year}-{month:02d}.yaml",
                statement(v, year, month, opening, False),
            )
            msg = f"v{v:02d} {year}-{month:02d} 财务公开"
            if m % 6 == 5:
                py, pm = (year, month - 1) if month > 1 else (year - 1, 12)
                files += _blob(
                    f"villages/v{v:02d}/finance/{py}-{pm:02d}.yaml",
                    statement(v, py, pm, opening - CLOSING_STEP, True),
                )
                msg += f"；更正 {py}-{pm:02d}"
            commit(mark, v, day + v * 60, msg, files)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, input=b"\n".join(out) + b"\n", check=True, env=env
    )
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True, env=env)
    shutil.rmtree(seed)
    return mark


def git_shim(folder: Path, log: Path) -> dict[str, str]:
    """Environment with a ``git`` first on PATH that logs each call, then runs the real one."""
    real = shutil.which("git")
    folder.mkdir(parents=True, exist_ok=True)
    shim = folder / "git"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(cmd: list[str], cwd: Path, env: dict | None = None, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True)
    seconds = time.perf_counter() - start
    if r.returncode not in ok:
        sys.stderr.write(
            r.stdout.decode(errors="replace")[-3000:] + r.stderr.decode(errors="replace")[-3000:]
        )
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return seconds


def counted(
    cmd: list[str], cwd: Path, shim: dict, log: Path, ok: tuple[int, ...] = (0,)
) -> tuple[float, list[str]]:
    log.write_text("")
    seconds = run(cmd, cwd, shim, ok)
    return seconds, log.read_text().splitlines()


def git_commit(repo: Path, message: str) -> None:
    env = dict(
        os.environ,
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="cadre",
        GIT_AUTHOR_EMAIL="cadre@example.cn",
        GIT_COMMITTER_NAME="cadre",
        GIT_COMMITTER_EMAIL="cadre@example.cn",
    )
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, env=env)


def held_back(
    repo: Path, tmp: Path, cunwu: list[str], jobs: list[str], months: int, villages: int, shim, log
):
    """Builds with a village held back: (label, seconds, git processes) rows."""
    vid = min(7, villages - 1)
    m = months  # the month after the last one committed
    year, month = 2024 + m // 12, m % 12 + 1
    text = statement(vid, year, month, 100000 + m * CLOSING_STEP, False)
    good = f"closing_balance: {100000 + m * CLOSING_STEP + CLOSING_STEP}.00"
    assert good in text
    path = repo / f"villages/v{vid:02d}/finance/{year}-{month:02d}.yaml"
    path.write_text(text.replace(good, good[:-3] + ".01"), "utf-8")
    git_commit(repo, f"v{vid:02d} {year}-{month:02d} 财务公开（期末余额有误）")
    build = [*cunwu, "build", "--quiet", "--no-posters", *jobs]
    rows = []
    out = tmp / "out-held"
    for label in ("cold, new folder (CI)", "nothing changed"):
        seconds, git_calls = counted([*build, "--out", str(out)], repo, shim, log, ok=(3,))
        rows.append((f"one village held back: {label}", seconds, git_calls))
    if villages >= 2:
        # from now on the last village's code is the one before it's: it is held
        # back, and none of its states may be published, so every one is checked
        last, other = villages - 1, villages - 2
        vfile = repo / f"villages/v{other:02d}/village.yaml"
        vfile.write_text(
            vfile.read_text("utf-8").replace(f'code: "9901{other:08d}"', f'code: "9901{last:08d}"'), "utf-8"
        )
        git_commit(repo, f"v{other:02d} 村代码与 v{last:02d} 相同")
        seconds, git_calls = counted([*build, "--out", str(tmp / "out-never")], repo, shim, log, ok=(3,))
        rows.append(
            (f"+ a village none of whose {months + 1} states may be published: cold", seconds, git_calls)
        )
    return rows


def subcommand(argv: str) -> str:
    """``-c a=b -c x=y log --raw ...`` -> ``log``."""
    words = argv.split(" ")
    i = 0
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in ("-c", "-C") else 1
    return words[i] if i < len(words) else "?"


def calls(lines: list[str]) -> str:
    counts: dict[str, int] = {}
    for sub in map(subcommand, lines):
        counts[sub] = counts.get(sub, 0) + 1
    return f"{len(lines)} ({', '.join(f'{k} {n}' for k, n in sorted(counts.items()))})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--villages", type=int, default=50)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--jobs", type=int, default=0, help="build workers (default: one per core)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cunwu-history-bench-"))
    repo = tmp / "repo"
    cunwu = [str(BIN / "cunwu")]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    try:
        t = time.perf_counter()
        n = build_repo(repo, args.villages, args.months)
        print(
            f"built {n} commits ({args.villages} villages x {args.months} months) in {time.perf_counter() - t:.2f}s"
        )

        t = time.perf_counter()
        h = read_history(repo)
        t_read = time.perf_counter() - t
        assert h.available, h.reason
        print(f"read_history: {t_read * 1000:.0f} ms ({len(h.commits)} commits, {len(h.files())} files)")

        vid = f"v{min(7, args.villages - 1):02d}"
        target = f"villages/{vid}/finance/2024-05.yaml"
        t = time.perf_counter()
        revs = h.revisions(target)
        t_revs = time.perf_counter() - t
        print(f"revisions({target}): {t_revs * 1e6:.0f} us ({len(revs)} revisions)")

        t = time.perf_counter()
        village = [p for p in h.tracked() if p.startswith(f"villages/{vid}/finance/")]
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
        h.close()

        log = tmp / "git-calls.log"
        shim = git_shim(tmp / "shim", log)
        times = [run([*cunwu, "history", target], repo) for _ in range(3)]
        _, hist_calls = counted([*cunwu, "history", target], repo, shim, log)
        print(
            f"cunwu history {target}: {statistics.median(times):.2f} s (median of 3); git processes: {calls(hist_calls)}"
        )
        t_version = run([*cunwu, "--version"], repo)
        print(f"  for scale, `cunwu --version` (interpreter start-up): {t_version:.2f} s")

        plain = tmp / "plain"  # the same files, no git history
        shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
        rows = []
        for label, where in (("with history", repo), ("without .git", plain)):
            cold, cold_calls = counted(
                [*cunwu, "build", "--quiet", "--no-posters", *jobs, "--out", str(tmp / f"out-{where.name}")],
                where,
                shim,
                log,
            )
            again, again_calls = counted(
                [*cunwu, "build", "--quiet", "--no-posters", *jobs, "--out", str(tmp / f"out-{where.name}")],
                where,
                shim,
                log,
            )
            pages = sum(1 for _ in (tmp / f"out-{where.name}" / "site").rglob("*.html"))
            rows.append((label, cold, again, pages, cold_calls, again_calls))
        print()
        print(
            "| build --no-posters | cold (s) | nothing changed (s) | HTML files | git processes, cold | no change |"
        )
        print("|---|---:|---:|---:|---|---|")
        for label, cold, again, pages, cc, ac in rows:
            print(f"| {label} | {cold:.1f} | {again:.2f} | {pages} | {calls(cc)} | {calls(ac)} |")
        (_, c1, a1, p1, *_), (_, c0, a0, p0, *_) = rows
        print(
            f"\nhistory features add {c1 - c0:+.1f} s to a cold build ({(c1 - c0) / c0:+.0%}, "
            f"{p1 - p0} more HTML files: version pages) and {a1 - a0:+.2f} s to a build with nothing changed"
        )
        print("\n| build --no-posters, with history | seconds | git processes |\n|---|---:|---|")
        print(f"| all villages pass: cold | {c1:.1f} | {calls(rows[0][4])} |")
        print(f"| all villages pass: nothing changed | {a1:.2f} | {calls(rows[0][5])} |")
        for label, seconds, git_calls in held_back(
            repo, tmp, cunwu, jobs, args.months, args.villages, shim, log
        ):
            print(f"| {label} | {seconds:.2f} | {calls(git_calls)} |")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
