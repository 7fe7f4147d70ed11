"""Make the screenshots of docs/guide-zh.md.

    .venv/bin/python docs/img/make_screenshots.py

Needs LibreOffice (libreoffice-calc-nogui), poppler-utils and chromium (make
test installs the last two). In a throwaway copy of the demo township it
imports the ledger template filled in LibreOffice
(tests/fixtures/sheets/templates), approves it, builds, and takes:

* guide-instructions.png: the 填写说明 sheet of a roster template;
* guide-template.png: the filled ledger template, as LibreOffice prints it;
* guide-import.png is not an image: the guide quotes the import's output;
* guide-page.png: the published statement on a phone (390 px, Chromium);
* guide-poster.png: the first page of its notice-board poster.

No screenshot shows an ID number: the roster template is shown empty.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "tests"))

from browser import browser, serve  # noqa: E402

from cunwu.commands.build import BuildOptions, build  # noqa: E402
from cunwu.ingest.api import ImportOptions, import_file  # noqa: E402
from cunwu.ingest.template import TemplateOptions, make_templates  # noqa: E402

FILLED = REPO / "tests" / "fixtures" / "sheets" / "templates" / "东山村2026年11月明细账-已填写.xlsx"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=文书", "-c", "user.email=clerk@example.org", *args], cwd=repo, check=True
    )


def pdf_page_png(pdf: Path, page: int, out: Path, width: int = 1000) -> None:
    stem = out.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-f", str(page), "-l", str(page), "-singlefile", "-scale-to-x", str(width),
         "-scale-to-y", "-1", str(pdf), str(stem)],
        check=True,
    )  # fmt: skip


def xlsx_to_pdf(xlsx: Path, work: Path) -> Path:
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{work}/lo", "--convert-to", "pdf",
         "--outdir", str(work), str(xlsx)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return work / (xlsx.stem + ".pdf")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        proj = work / "proj"
        proj.mkdir()
        for name in ("cunwu.yaml", "villages", "powers", "content", "schemas"):
            src = REPO / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, proj / name)
        (proj / ".gitignore").write_text("build/\n.cunwu/\n")
        git(proj, "init", "-q")
        git(proj, "add", "-A")
        git(proj, "commit", "-qm", "demo")

        # the templates, as LibreOffice prints them
        t = make_templates(TemplateOptions(proj, "subsidy", program="dibao", village="dongshan",
                                           period="2026-11", out=work / "t"))  # fmt: skip
        pdf_page_png(xlsx_to_pdf(t.files[0], work), 1, OUT / "guide-instructions.png")
        filled = work / "东山村2026年11月明细账.xlsx"
        shutil.copy(FILLED, filled)
        pdf_page_png(xlsx_to_pdf(filled, work), 2, OUT / "guide-template.png")

        # import, approve, build
        r = import_file(ImportOptions(source=filled, village="dongshan", project=proj))
        assert r.ok, [p.format() for p in r.report.errors]
        path = proj / r.target
        text = path.read_text("utf-8").replace(
            "status: draft\n",
            "status: approved\napproved_on: 2026-12-04\nnotice:\n  start: 2026-12-04\n  end: 2026-12-18\n",
        )
        path.write_text(text, "utf-8")
        git(proj, "add", "-A")
        git(proj, "commit", "-qm", "东山村2026年11月财务公开")
        res = build(BuildOptions(path=proj, as_of=dt.date(2026, 12, 6), progress=False))
        site = res.site
        with serve(site) as base, browser() as b:
            page = b.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            page.goto(base + "dongshan/finance/2026-11/")
            page.screenshot(path=str(OUT / "guide-page.png"), full_page=False)
        posters = sorted(site.rglob("*.pdf"))
        poster = next(p for p in posters if "2026-11" in str(p) and "finance" in str(p))
        pdf_page_png(poster, 1, OUT / "guide-poster.png", width=700)
    for png in sorted(OUT.glob("guide-*.png")):
        shrink(png)
        print(png.name, png.stat().st_size)


def shrink(png: Path) -> None:
    """Cut the blank paper below the content and keep 64 colours: small files for git."""
    from PIL import Image, ImageChops

    img = Image.open(png).convert("RGB")
    box = ImageChops.difference(img, Image.new("RGB", img.size, (255, 255, 255))).getbbox()
    if box:
        img = img.crop((0, 0, img.width, min(img.height, box[3] + 24)))
    img.quantize(colors=64, dither=Image.Dither.NONE).save(png, optimize=True)


if __name__ == "__main__":
    main()
