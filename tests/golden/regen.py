"""Rewrite tests/golden/expected from tests/golden/project (``make golden``).

Review the diff: every change in it is a change villagers will see. A PDF is
kept as its page count and extracted text (``poster.pdf.txt``), not bytes.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import GOLDEN_AS_OF, GOLDEN_EXPECTED, GOLDEN_PROJECT, build_site  # noqa: E402


def pdf_summary(path: Path) -> str:
    """Page count and text of a PDF: what a reviewer can read in a diff."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        texts = [page.get_textpage().get_text_range().replace("\r\n", "\n") for page in pdf]
    finally:
        pdf.close()
    return f"pages: {len(texts)}\n" + "".join(f"\n--- page {i} ---\n{t}\n" for i, t in enumerate(texts, 1))


def card_summary(path: Path) -> str:
    """A villagers' card as its size and the text of its QR code: its pixels
    depend on the fonts installed, what it links to does not."""
    import zxingcpp
    from PIL import Image

    img = Image.open(path)
    codes = [r.text for r in zxingcpp.read_barcodes(img)]
    return f"size: {img.size[0]}x{img.size[1]}\n" + "".join(f"qr: {c}\n" for c in codes)


def snapshot(site: Path, target: Path) -> None:
    """Copy a built site for comparison, PDFs replaced by their summaries."""
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(site)
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".pdf":
            dest.with_name(dest.name + ".txt").write_text(pdf_summary(path), "utf-8")
        elif path.suffix == ".png" and rel.parts[0] == "digest":
            dest.with_name(dest.name + ".txt").write_text(card_summary(path), "utf-8")
        else:
            shutil.copyfile(path, dest)


#: `cunwu diff --format html` between two fixed commits of the demo's history
DIFF_REVS = ("675bce1", "238919a")
DIFF_EXPECTED = Path(__file__).resolve().parent / "diff" / f"{DIFF_REVS[0]}-{DIFF_REVS[1]}.html"


def diff_html() -> str:
    from cunwu.history.treediff import tree_diff
    from cunwu.render.diffreport import render_html
    from cunwu.render.theme import find_theme, theme_env

    root = GOLDEN_PROJECT.parents[2]
    return render_html(tree_diff(root, *DIFF_REVS), theme_env(find_theme(root)))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build_site(GOLDEN_PROJECT, Path(tmp), GOLDEN_AS_OF)
        if GOLDEN_EXPECTED.exists():
            shutil.rmtree(GOLDEN_EXPECTED)
        snapshot(Path(tmp) / "site", GOLDEN_EXPECTED)
    DIFF_EXPECTED.write_text(diff_html(), "utf-8")
    print(f"rewrote {GOLDEN_EXPECTED} and {DIFF_EXPECTED}")


if __name__ == "__main__":
    main()
