"""The county-scale benchmark: ``make bench`` (N=30) or ``make bench N=300``.

Generates a synthetic county in a temp folder (benchmarks/county.py), then
measures, each in a fresh process, wall time and peak memory (the sum of
resident memory over the whole process tree, sampled every 20 ms):

* plain Pelican 4.12 (default theme) building as many Chinese Markdown pages
  (each with a 30-row table) as our build writes HTML pages, in the same run,
  so every figure is also a ratio to it;
* ``cunwu validate``; the cold HTML build; a rebuild with nothing changed; a
  rebuild after one village-month changed (edited with a correction entry
  and committed, as a cadre would);
* with ``--posters``: the cold build with every poster, posters on one core
  against two, and a one-change rebuild with posters.

Prints a Markdown table; ``--json`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from county import generate  # noqa: E402

BIN = Path(sys.executable).parent


def _tree_rss(root_pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            pid, ppid = int(entry.name), int(fields[1])
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(ppid, []).append(pid)
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def measure(cmd: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Run ``cmd``; wall seconds, CPU seconds (user + system, the process and
    every descendant it waited for) and peak memory of its process tree.

    CPU seconds hold still when other work shares the machine, wall seconds
    do not: compare the CPU column when the machine was busy."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    full = {**os.environ, **(env or {})}
    # measure what users run: with bytecode written and read (a shell that sets
    # PYTHONDONTWRITEBYTECODE would compile every module on every run)
    full.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.Popen(cmd, cwd=cwd, env=full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    seconds = time.monotonic() - start
    t.join()
    if proc.returncode != 0:
        sys.stderr.write(out.decode("utf-8", "replace")[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": peak[0] / 2**20,
        "output": out.decode("utf-8", "replace"),
    }


def pelican_site(folder: Path, pages: int) -> None:
    """``pages`` Chinese Markdown pages with a 30-row table, like the issue's reference."""
    content = folder / "content"
    content.mkdir(parents=True)
    rows = "\n".join(
        f"| 2026-10-{d % 28 + 1:02d} | 记-{d:03d} | 村级组织运转经费第{d}笔 | {d * 137 % 9000 + 100}.50 |"
        for d in range(1, 31)
    )
    for i in range(pages):
        (content / f"p{i:05d}.md").write_text(
            f"Title: 第{i}号村务公开\nDate: 2026-10-{i % 28 + 1:02d}\nSlug: p{i:05d}\nCategory: 财务公开\n\n"
            f"本月收支逐项公开如下，请村民监督。\n\n| 日期 | 凭证 | 摘要 | 金额 |\n|---|---|---|---|\n{rows}\n",
            "utf-8",
        )
    (folder / "pelicanconf.py").write_text(
        'SITENAME = "基准"\nPATH = "content"\nTIMEZONE = "Asia/Shanghai"\nDEFAULT_LANG = "zh-CN"\n'
        "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nAUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\n"
        "TRANSLATION_FEED_ATOM = None\n",
        "utf-8",
    )


def commit_one_change(county: Path, month: str) -> None:
    path = county / "villages" / "v001" / "finance" / f"{month}.yaml"
    text = path.read_text("utf-8")
    text = text.replace("summary: ", "summary: 更正后", 1)
    if "\ncorrections:\n" not in text:
        text += "corrections:\n"
    # corrections is the last block: one more entry of its own for this change
    text += f"  - {{date: {_after_approval(text)}, reason: 基准测试：修改一笔摘要}}\n"
    path.write_text(text, "utf-8")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "基准",
        "GIT_AUTHOR_EMAIL": "b@example.invalid",
        "GIT_COMMITTER_NAME": "基准",
        "GIT_COMMITTER_EMAIL": "b@example.invalid",
    }
    subprocess.run(["git", "commit", "-qam", "更正一笔"], cwd=county, env=env, check=True)


def _after_approval(text: str) -> str:
    import re

    approved = re.search(r"approved_on: (\d{4}-\d{2}-\d{2})", text).group(1)
    return approved[:8] + "28"


def html_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("*.html"))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--villages", type=int, default=30)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument(
        "--posters", action="store_true", help="also cold builds with every poster (slow: use N≤30)"
    )
    ap.add_argument("--keep", type=Path, help="build the county here and keep it")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="cunwu-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    county = work / "county"
    if county.exists():
        shutil.rmtree(county)
    county.mkdir()
    t = time.monotonic()
    info = generate(county, args.villages, args.months)
    print(
        f"county: {args.villages} villages × {args.months} months, {info['source_files']} source files "
        f"(generated in {time.monotonic() - t:.0f} s) in {county}",
        flush=True,
    )
    cunwu = [str(BIN / "cunwu")]
    last_month = sorted(p.stem for p in (county / "villages/v001/finance").glob("*.yaml"))[-1]
    rows = []

    def step(name, cmd, pages=None, env=None):
        r = measure(cmd, county, env)
        r.update(name=name, pages=pages)
        rows.append(r)
        print(f"  {name}: {r['seconds']:.2f} s, peak {r['peak_mb']:.0f} MB", flush=True)
        return r

    step("cunwu validate", cunwu + ["validate", "."])
    cold = step("cold build, HTML only", cunwu + ["build", "--no-posters", "--quiet"])
    pages = html_pages(county / "build" / "site")
    cold["pages"] = pages
    step("rebuild, nothing changed", cunwu + ["build", "--no-posters", "--quiet"], pages)
    commit_one_change(county, last_month)
    step("rebuild, one village-month changed", cunwu + ["build", "--no-posters", "--quiet"], pages)

    # plain Pelican, same number of pages, same machine, same run
    pel = work / "pelican"
    if pel.exists():
        shutil.rmtree(pel)
    pelican_site(pel, pages)
    r = measure([str(BIN / "pelican"), "content", "-o", "output", "-s", "pelicanconf.py", "-q"], pel)
    r.update(name="plain Pelican, cold", pages=pages)
    rows.append(r)
    print(f"  plain Pelican: {r['seconds']:.2f} s for {pages} pages, peak {r['peak_mb']:.0f} MB", flush=True)
    pelican_rate = pages / r["seconds"]

    if args.posters:
        shutil.rmtree(county / "build", ignore_errors=True)
        shutil.rmtree(Path.home() / ".cache/cunwu-bench-none", ignore_errors=True)
        p2 = step("cold build with posters, 2 cores", cunwu + ["build", "--quiet"])
        poster_pages = _poster_pages(county / "build" / "site")
        p2["poster_pages"] = poster_pages
        shutil.rmtree(county / "build")
        p1 = step("cold build with posters, 1 core", cunwu + ["build", "--quiet", "--jobs", "1"])
        p1["poster_pages"] = poster_pages
        html_1core = measure(
            cunwu + ["build", "--quiet", "--jobs", "1", "--no-posters", "--out", str(work / "html1")], county
        )
        p1["html_seconds"] = html_1core["seconds"]
        p2["html_seconds"] = cold["seconds"]
        commit_one_change(county, last_month)
        step("rebuild with posters, one village-month changed", cunwu + ["build", "--quiet"], pages)

    print()
    print(
        f"| step (N={args.villages}, M={args.months}) | seconds | HTML pages/s | × plain Pelican | peak memory |"
    )
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        rate = (
            r["pages"] / r["seconds"]
            if r.get("pages") and r["name"] in ("cold build, HTML only", "plain Pelican, cold")
            else None
        )
        ratio = (
            f"{rate / pelican_rate:.2f}×"
            if rate
            else f"{r['seconds'] / (pages / pelican_rate):.3f} of its time"
        )
        print(
            f"| {r['name']} | {r['seconds']:.2f} | {f'{rate:.0f}' if rate else ''} | {ratio} | {r['peak_mb']:.0f} MB |"
        )
    per_page = {}
    for r in rows:
        if "poster_pages" in r:
            per = per_page[r["name"]] = (r["seconds"] - r["html_seconds"]) / r["poster_pages"]
            print(
                f"| {r['name']}: {r['poster_pages']} poster pages | | | {per:.3f} s of wall time per poster page | |"
            )
    if len(per_page) == 2:
        one, two = per_page["cold build with posters, 1 core"], per_page["cold build with posters, 2 cores"]
        print(f"| posters on 2 cores vs 1 core | | | {one / two:.2f}× the throughput | |")
    if args.posters:
        sizes = _poster_sizes(county / "build" / "site")
        one_page = sorted(sizes[1]) if 1 in sizes else [0]
        print(
            f"| one-page posters: {len(one_page)} | | | median {one_page[len(one_page) // 2] / 1024:.0f} KB, "
            f"largest {one_page[-1] / 1024:.0f} KB | |"
        )
    if args.json:
        args.json.write_text(
            json.dumps([{k: v for k, v in r.items() if k != "output"} for r in rows], indent=1)
        )


def _poster_sizes(site: Path) -> dict[int, list[int]]:
    """File sizes of the posters, by page count."""
    import pypdfium2

    out: dict[int, list[int]] = {}
    for p in site.rglob("poster.pdf"):
        pdf = pypdfium2.PdfDocument(str(p))
        out.setdefault(len(pdf), []).append(p.stat().st_size)
        pdf.close()
    return out


def _poster_pages(site: Path) -> int:
    import pypdfium2

    total = 0
    for p in site.rglob("poster.pdf"):
        pdf = pypdfium2.PdfDocument(str(p))
        total += len(pdf)
        pdf.close()
    return total


if __name__ == "__main__":
    main()
