"""Old code against new on one synthetic county, interleaved: the before-and-after table.

    python benchmarks/compare.py --old ../cunwu-old --villages 300 --rounds 3

``--old`` is a checkout of an earlier cunwu (``git worktree add ../cunwu-old
<commit>``); it runs with this checkout's Python packages. Each round runs
every step for the old code, then for the new, on the same county:

* ``cunwu validate``;
* a cold HTML build (posters off), each into its own output folder;
* a rebuild with nothing changed;
* a rebuild after one village-month changed (edited with a correction entry
  and committed, as a cadre would; each round changes another month);
* plain Pelican building as many Chinese Markdown pages, once a round, so
  the cold builds are also a ratio to it.

Prints the median (and the range) of each figure, old and new, and the ratio
new/old of the medians; ``--json`` also writes every run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import BIN, commit_one_change, html_pages, measure, pelican_site  # noqa: E402
from county import generate  # noqa: E402

NEW = Path(__file__).resolve().parents[1]


def cunwu_of(checkout: Path) -> list[str]:
    code = f"import sys; sys.path.insert(0, {str(checkout / 'plugins')!r}); from cunwu.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, required=True, help="a checkout of the earlier cunwu")
    ap.add_argument("--villages", type=int, default=30)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build the county here and keep it")
    ap.add_argument("--json", type=Path, help="write every run here")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="cunwu-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    county = work / "county"
    if county.exists():
        shutil.rmtree(county)
    county.mkdir()
    info = generate(county, args.villages, args.months)
    print(
        f"county: {args.villages} villages × {args.months} months, {info['source_files']} files in {county}"
    )
    months = sorted(p.stem for p in (county / "villages/v001/finance").glob("*.yaml"))
    sides = {"old": cunwu_of(args.old.resolve()), "new": cunwu_of(NEW)}
    for checkout in (args.old.resolve(), NEW):  # bytecode ready, as after an install
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "plugins")], check=True)
    runs: list[dict] = []

    def step(round_: int, side: str, name: str, argv: list[str]) -> dict:
        r = measure(sides[side] + argv, county)
        r.update(round=round_, side=side, name=name)
        r.pop("output", None)
        runs.append(r)
        print(
            f"  round {round_} {side:3} {name}: {r['seconds']:.2f} s, CPU {r['cpu_seconds']:.2f} s, {r['peak_mb']:.0f} MB",
            flush=True,
        )
        return r

    pages = 0
    for n in range(1, args.rounds + 1):
        for side in sides:
            step(n, side, "validate", ["validate", "."])
        for side in sides:
            out = work / f"build-{side}"
            shutil.rmtree(out, ignore_errors=True)
            step(n, side, "cold build, HTML only", ["build", "--no-posters", "--quiet", "--out", str(out)])
            pages = html_pages(out / "site")
        for side in sides:
            out = work / f"build-{side}"
            step(n, side, "rebuild, nothing changed", ["build", "--no-posters", "--quiet", "--out", str(out)])
        commit_one_change(county, months[-n % len(months)])
        for side in sides:
            out = work / f"build-{side}"
            step(
                n,
                side,
                "rebuild, one village-month changed",
                ["build", "--no-posters", "--quiet", "--out", str(out)],
            )
        pel = work / "pelican"
        shutil.rmtree(pel, ignore_errors=True)
        pelican_site(pel, pages)
        t = time.monotonic()
        r = measure([str(BIN / "pelican"), "content", "-o", "output", "-s", "pelicanconf.py", "-q"], pel)
        r.update(round=n, side="pelican", name="plain Pelican, cold", pages=pages)
        r.pop("output", None)
        runs.append(r)
        print(f"  round {n} plain Pelican: {time.monotonic() - t:.2f} s for {pages} pages", flush=True)

    def fig(side: str, name: str, key: str) -> list[float]:
        return [r[key] for r in runs if r["side"] == side and r["name"] == name]

    pelican = statistics.median(fig("pelican", "plain Pelican, cold", "seconds"))
    pelican_cpu = statistics.median(fig("pelican", "plain Pelican, cold", "cpu_seconds"))
    print()
    print(
        f"N={args.villages} villages × {args.months} months, {pages} HTML pages, {args.rounds} rounds, median (range)"
    )
    print()
    print("| step | old | new | new/old | old CPU | new CPU | CPU new/old | old peak | new peak |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in (
        "validate",
        "cold build, HTML only",
        "rebuild, nothing changed",
        "rebuild, one village-month changed",
    ):
        cells = []
        for side in sides:
            s = fig(side, name, "seconds")
            cells.append((statistics.median(s), min(s), max(s)))
        peaks = [statistics.median(fig(side, name, "peak_mb")) for side in sides]
        oc, nc = (statistics.median(fig(side, name, "cpu_seconds")) for side in sides)
        (om, olo, ohi), (nm, nlo, nhi) = cells
        print(
            f"| {name} | {om:.2f} s ({olo:.2f}–{ohi:.2f}) | {nm:.2f} s ({nlo:.2f}–{nhi:.2f}) | {nm / om:.2f} "
            f"| {oc:.2f} s | {nc:.2f} s | {nc / oc:.2f} | {peaks[0]:.0f} MB | {peaks[1]:.0f} MB |"
        )
    for side in sides:
        cold = statistics.median(fig(side, "cold build, HTML only", "seconds"))
        cold_cpu = statistics.median(fig(side, "cold build, HTML only", "cpu_seconds"))
        print(
            f"| cold build, {side} code, against plain Pelican ({pelican:.2f} s, CPU {pelican_cpu:.2f} s) "
            f"| | | {pelican / cold:.2f}× faster | | | {pelican_cpu / cold_cpu:.2f}× less CPU | | |"
        )
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
