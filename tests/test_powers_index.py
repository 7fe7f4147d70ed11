"""The powers index shows the power list's version stamp, the one its poster carries."""

from __future__ import annotations

import re

import pypdfium2

from conftest import GOLDEN_PROJECT, build_site, copy_project


def page_stamp(site) -> str:
    html = (site / "alpha/powers/index.html").read_text("utf-8")
    m = re.search(r'<p class="stamp">版本 <b>([0-9a-f]{10})</b> · 2026年1月5日<br>', html)
    assert m is not None, html
    return m.group(1)


def test_the_stamp_is_shown_with_or_without_a_poster(golden_site, tmp_path):
    stamp = page_stamp(golden_site)
    pdf = pypdfium2.PdfDocument(str(golden_site / "alpha/powers/poster.pdf"))
    try:
        text = pdf[0].get_textpage().get_text_range()
    finally:
        pdf.close()
    assert f"核对版本 {stamp}" in text  # the poster's stamp is the page's
    # no poster printed (outside the print window, or --no-posters): the page still says its version
    build_site(copy_project(GOLDEN_PROJECT, tmp_path / "p"), tmp_path / "out", posters=False)
    site = tmp_path / "out/site"
    assert page_stamp(site) == stamp
    assert "poster.pdf" not in (site / "alpha/powers/index.html").read_text("utf-8")
