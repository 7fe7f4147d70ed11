"""How far a phone photo of each kind of poster can shrink before its QR codes stop scanning.

Usage::

    python benchmarks/poster_margin.py                     # build the demo now, measure it
    python benchmarks/poster_margin.py --site build/site   # measure a site built before
    python benchmarks/poster_margin.py --sweep             # the table behind the sizes and EC level

Every page of the chosen posters is degraded like a phone photo (tests/phone_photo.py:
rendered N px wide, turned 3 degrees, Gaussian blur sigma 1, JPEG quality 50) and read with
zxing-cpp. A page's *margin* is the smallest width N at which both of its codes, the page
code and the complaint code, still decode, found by stepping down from 1,000 px (40 px,
then 10 px steps) until a width fails; "-" when a page has no pair of codes even at the
largest width tried. The table gives, per poster kind, the worst page: the width a photo
of any page of any such poster needs. The lower, the farther away or the worse the phone.

Posters measured: per kind, every multi-page poster and the first ``--per-kind`` others
(all of them with ``--all``). The demo is built for each ``--as-of`` day given (default
2026-11-20 and 2026-05-20: the demo's only long roster, 48 rows, is of May).

``--sweep`` draws single codes on an otherwise blank A4 sheet (WeasyPrint, as posters are)
for the URL lengths posters carry and each error-correction level, and reports the
version, the narrowest photo that decodes at a given size (so the pixels a module needs)
and, at 1,000 px, the widest disc (a drawing pin, a glare spot) it survives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from phone_photo import ANGLE, QUALITY, SIGMA, decode, degrade, page_count, render_pages  # noqa: E402

KINDS = ("finance", "roster", "notice", "power item", "power list")


def kind_of(rel: str) -> str:
    parts = rel.split("/")
    if parts[1] == "powers":
        return "power list" if len(parts) == 3 else "power item"
    return {"finance": "finance", "subsidies": "roster", "notices": "notice"}[parts[1]]


def expected_prefixes(poster: Path) -> tuple[str, str]:
    """(site base, intake) of a poster, read from its page: its canonical URL and its
    complaint link. The page code starts with the one, the complaint code with the other."""
    html = (poster.parent / "index.html").read_text("utf-8")
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
    intake = re.search(r'class="report" href="([^"?]+)', html).group(1)
    parts = urlsplit(canonical)
    return f"{parts.scheme}://{parts.netloc}/", intake


def both_codes(image, site: str, intake: str, sigma: float, angle: float) -> bool:
    texts = decode(degrade(image, angle=angle, sigma=sigma, quality=QUALITY))
    return any(t.startswith(site) for t in texts) and any(t.startswith(intake) for t in texts)


def page_margin(pdf: Path, index: int, site: str, intake: str, args) -> int | None:
    """The smallest width (px) at which page ``index`` still shows both codes, or None."""

    def ok(width: int) -> bool:
        return both_codes(render_pages(pdf, width, only=index)[0], site, intake, args.sigma, args.angle)

    width = args.start
    if not ok(width):  # the start fails: look upward for a width that works
        while width < args.max:
            width += 100
            if ok(width):
                break
        else:
            return None
    while width - 40 >= args.min and ok(width - 40):
        width -= 40
    while width - 10 >= args.min and ok(width - 10):
        width -= 10
    return width


def choose(posters: dict, per_kind: int, take_all: bool) -> dict:
    out = {}
    for kind, found in posters.items():
        if take_all:
            out[kind] = found
            continue
        multi = [sp for sp in found if page_count(sp[1]) > 1]
        single = [sp for sp in found if sp not in multi]
        out[kind] = multi + single[:per_kind]
    return out


def build_demo(out: Path, as_of: dt.date) -> Path:
    from cunwu.commands.build import BuildOptions, build

    build(BuildOptions(path=REPO, out=out, as_of=as_of, progress=False))
    return out / "site"


def find_posters(sites: list[Path]) -> dict[str, list[tuple[Path, Path]]]:
    """Per kind, ``(site, poster)`` of every current-version poster, each path once."""
    seen, out = set(), defaultdict(list)
    for site in sites:
        for p in sorted(site.rglob("poster.pdf")):
            rel = p.relative_to(site).as_posix()
            if "/v/" not in rel and rel not in seen:
                seen.add(rel)
                out[kind_of(rel)].append((site, p))
    return out


def measure(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if args.site:
            sites = [Path(s) for s in args.site]
        else:
            days = args.as_of or [dt.date(2026, 11, 20), dt.date(2026, 5, 20)]
            sites = [build_demo(Path(tmp) / f"out-{day}", day) for day in days]
        chosen = choose(find_posters(sites), args.per_kind, args.all)
        rows = []
        started = time.perf_counter()
        for kind in KINDS:
            first, further, pages, missing = [], [], 0, 0
            for site, pdf in chosen.get(kind, []):
                site_base, intake = expected_prefixes(pdf)
                n = page_count(pdf)
                for i in range(n):
                    m = page_margin(pdf, i, site_base, intake, args)
                    pages += 1
                    if m is None:
                        missing += 1
                    (first if i == 0 else further).append((m, pdf.relative_to(site).as_posix(), i + 1))
                    if args.verbose:
                        print(f"  {kind:10} {pdf.relative_to(site)} page {i + 1}: {m or '-'}", flush=True)
            rows.append((kind, len(chosen.get(kind, [])), pages, first, further, missing))
        elapsed = time.perf_counter() - started

    def worst(found):
        if not found:
            return "(no such page)"
        bad = [f for f in found if f[0] is None]
        if bad:
            return f"- on {len(bad)} of {len(found)} pages"
        m, rel, page = max(found)
        return f"{m} px ({rel} p.{page})"

    print(
        f"phone photo: turned {args.angle} deg, blur sigma {args.sigma}, JPEG {QUALITY}; "
        f"margin = narrowest width (px) at which both codes of a page decode"
    )
    print(f"{'kind':12}{'posters':>8}{'pages':>7}   {'first pages: worst':58}further pages: worst")
    for kind, n, pages, first, further, _missing in rows:
        print(f"{kind:12}{n:>8}{pages:>7}   {worst(first):58}{worst(further)}")
    print(f"({elapsed:.0f} s)")


# --------------------------------------------------------------------------- the sweep


def sweep(args) -> None:
    import pypdfium2
    import qrcode
    import weasyprint
    from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

    from cunwu.render.qr import matrix_svg

    levels = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
    payloads = [
        ("short page code", "https://cunwu.example.org/qingshui/dongshan/s/b2bdcf88f2/"),
        ("power list code", "https://cunwu.example.org/qingshui/dongshan/powers/?v=c8a3fa8bfa"),
        ("complaint (new)", "https://jubao.example.org/report?village=990101101201&page=s/b2bdcf88f2"),
        (
            "complaint (old)",
            "https://jubao.example.org/report?village=990101101201&page=subsidies%2F2026-10-dibao&v=508b9093ef",
        ),
    ]
    size = args.size

    def sheet(svg: str, disc: float = 0.0, fx: float = 0.5, fy: float = 0.5, colour: str = "#fff") -> bytes:
        spot = ""
        if disc:
            spot = (
                f"<div style='position:absolute; left:{fx * size - disc / 2}mm; top:{fy * size - disc / 2}mm;"
                f" width:{disc}mm; height:{disc}mm; border-radius:50%; background:{colour}'></div>"
            )
        html = (
            "<html><head><style>@page { size: A4; margin: 14mm 12mm } body { margin: 0 }"
            f".c {{ position: relative; margin-left: auto; width: {size}mm }} svg {{ display: block }}"
            f"</style></head><body><div class='c'>{svg}{spot}</div></body></html>"
        )
        return weasyprint.HTML(string=html).write_pdf()

    def decodes(pdf_bytes: bytes, data: str, width: int) -> bool:
        pdf = pypdfium2.PdfDocument(pdf_bytes)
        try:
            page = pdf[0]
            img = page.render(scale=width / page.get_width()).to_pil().convert("RGB")
        finally:
            pdf.close()
        return data in decode(degrade(img, angle=args.angle, sigma=args.sigma, quality=QUALITY))

    print(f"one code {size} mm wide (quiet zone included) on A4; photo as above (sigma {args.sigma})")
    print(
        f"{'payload':18}{'chars':>6}{'EC':>4}{'ver':>5}{'module':>9}{'min width':>11}{'px/module':>11}   disc"
    )
    for name, data in payloads:
        for ec, level in levels.items():
            code = qrcode.QRCode(error_correction=level, border=4)
            code.add_data(data)
            code.make(fit=True)
            matrix = [[bool(c) for c in row] for row in code.get_matrix()]
            svg = matrix_svg(matrix, size=f"{size}mm", label="x")
            plain = sheet(svg)
            width = None
            for w in range(1400, 299, -20):
                if not decodes(plain, data, w):
                    break
                width = w
            module = size / len(matrix)
            per_module = f"{width / 210 * module:.2f}" if width else "-"
            # the widest disc, white (glare) and black (a pin head), at four spots, still read
            disc = 0.0
            for d in [x * 1.0 for x in range(2, 21)]:
                spots = [(0.5, 0.5), (0.62, 0.7), (0.75, 0.45), (0.4, 0.8)]
                if all(
                    decodes(sheet(svg, d, fx, fy, c), data, 1000)
                    for fx, fy in spots
                    for c in ("#fff", "#000")
                ):
                    disc = d
                else:
                    break
            print(
                f"{name:18}{len(data):>6}{ec:>4}{code.version:>5}{module:>8.2f}mm{(width or 0):>9}px"
                f"{per_module:>11}   {disc:.0f} mm",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", action="append", help="a built site (build/site); repeatable")
    ap.add_argument(
        "--as-of", action="append", type=dt.date.fromisoformat, help="build the demo for this day"
    )
    ap.add_argument("--per-kind", type=int, default=3, help="single-page posters measured per kind")
    ap.add_argument("--all", action="store_true", help="measure every poster")
    ap.add_argument("--start", type=int, default=1000)
    ap.add_argument("--min", type=int, default=200)
    ap.add_argument("--max", type=int, default=2000)
    ap.add_argument("--sigma", type=float, default=SIGMA)
    ap.add_argument("--angle", type=float, default=ANGLE)
    ap.add_argument("--size", type=float, default=34.0, help="--sweep: code size in mm")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    sweep(args) if args.sweep else measure(args)


if __name__ == "__main__":
    main()
