"""What completeness adds to a build, at county scale (issue 19).

    python benchmarks/completeness_bench.py --villages 300

Generates one village of the synthetic county with the disclosure calendar
(12 months, one git commit a month), loads it as a build does and takes its
facts (the part kept in each village's cached summary). Then, for N copies of
those facts under N village ids, times what a no-change build runs for every
village: the township's completeness (items, exemptions, scores, worst-first
order, completeness.json and .csv) and each village's year line (part of its
render fingerprint). Prints the CPU seconds (the machine may be shared), the
best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cunwu.commands.validate import load_project  # noqa: E402
from cunwu.model.calendar import Calendar  # noqa: E402
from cunwu.render import completeness as cp  # noqa: E402

from county import generate  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--villages", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, 1, 12, calendar=True)
        project = load_project(root)
    cfg = project.township.config
    cal = cfg.calendar or Calendar()
    ((vid, bundle),) = project.villages.items()
    t = time.process_time()
    facts = cp.village_facts(bundle)
    facts_s = time.process_time() - t
    as_of = dt.date(2026, 11, 20)
    ids = [f"v{i:03d}" for i in range(1, args.villages + 1)]

    def township() -> int:
        villages = []
        for v in ids:
            url = f"{cfg.base_url}{v}/"
            items = cp.village_items(v, facts, cal, cfg.due_day, as_of, url, {})
            cp.apply_exemptions(v, items, cal)
            villages.append(cp.village_entry(v, v, url, items, as_of, None))
        data = cp.report({"id": "b"}, as_of, villages)
        body = (json.dumps(data, ensure_ascii=False) + "\n").encode()
        return len(body) + len(cp.to_csv(data))

    def lines() -> None:
        for v in ids:
            json.dumps(
                cp.year_line(v, facts, cal, cfg.due_day, as_of, f"{cfg.base_url}{v}/", {}), sort_keys=True
            )

    def key() -> None:
        # the township root's key hashes every summary, facts included
        json.dumps([{"id": v, "facts": facts} for v in ids], sort_keys=True, ensure_ascii=False)

    best_t = best_l = best_k = float("inf")
    size = 0
    for _ in range(args.rounds):
        t = time.process_time()
        size = township()
        best_t = min(best_t, time.process_time() - t)
        t = time.process_time()
        lines()
        best_l = min(best_l, time.process_time() - t)
        t = time.process_time()
        key()
        best_k = min(best_k, time.process_time() - t)
    items = len(cp.village_items(vid, facts, cal, cfg.due_day, as_of, "", {}))
    print(f"{args.villages} villages, {items} calendar items each (facts: {len(json.dumps(facts))} bytes)")
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| facts of one village (in its task, only when it is rebuilt) | {facts_s:.4f} |")
    print(f"| township completeness: items, scores, json + csv ({size // 1024} KiB) | {best_t:.3f} |")
    print(f"| year lines of every village (render fingerprints) | {best_l:.3f} |")
    print(f"| the facts in the township root's key (JSON of every summary) | {best_k:.3f} |")
    print(
        f"| total added to a no-change build (year lines + key; the root is not rendered) | {best_l + best_k:.3f} |"
    )
    print(
        f"| total when the township index is rendered (one village changed) | {best_t + best_l + best_k:.3f} |"
    )


if __name__ == "__main__":
    main()
