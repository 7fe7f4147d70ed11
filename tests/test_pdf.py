"""The poster PDF engine: embedded CJK fonts, glyph warnings, the locked fetcher, reproducibility, merge.

The session's engine uses the real font cache (``~/.cache/cunwu/fonts`` or ``$XDG_CACHE_HOME``):
on a machine where it is empty, the first test pays the one-time subsetting (~15 s).
"""

from __future__ import annotations

import contextlib
import ctypes
import http.server
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

pdfium = pytest.importorskip("pypdfium2")
pdfium_c = pytest.importorskip("pypdfium2.raw")

from cunwu.errors import BuildError, FontMissing  # noqa: E402
from cunwu.write import fonts as fontmod  # noqa: E402
from cunwu.write.fonts import (  # noqa: E402
    FAMILY,
    base_charset,
    cached_subset,
    check_cjk_font,
    default_cache_dir,
    find_cjk_faces,
)
from cunwu.write.merge import merge_pdfs  # noqa: E402
from cunwu.write.pdf import PdfEngine, ResourceRefused  # noqa: E402

SUBSET_FONT = re.compile(r"^[A-Z]{6}\+Cunwu-Noto-SC(-Bold)?$")
SYSTEM_CJK_FONT = re.compile(r"^[A-Z]{6}\+Noto-Sans-CJK-SC(-Bold)?$")
ITEMS = ["办公用品采购", "村道路灯维修", "低保金代发", "耕地地力保护补贴", "村委会水电费", "垃圾清运费"]
# SVG text does not inherit the page's CSS in WeasyPrint: it must name the family itself
SVG_FONT = f' font-family="{FAMILY}, Noto Sans CJK SC, sans-serif"'
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="45mm" height="13.5mm" viewBox="0 0 120 36"'
    + SVG_FONT
    + '><rect x="1" y="1" width="118" height="34" fill="none" stroke="#333"/>'
    '<text x="8" y="23" font-size="14">本月收入与支出</text></svg>'
)


# --------------------------------------------------------------------------- helpers


def poster(rows: int = 30, title: str = "东山村2026年10月财务收支公开", extra: str = "", names=()) -> str:
    """A poster as later templates will write it: its own CSS, no font-family in @page."""
    trs = []
    for i in range(rows):
        name = names[i % len(names)] if names else "张三丰"
        trs.append(
            f"<tr><td>2026-10-{i % 28 + 1:02d}</td><td>记-{i + 1:03d}</td>"
            f"<td>{ITEMS[i % len(ITEMS)]}（第{i + 1}笔）</td><td>51301 管理费用</td>"
            f"<td class=n>{(i * 137.5) % 9000:,.2f}</td><td>{name}</td></tr>"
        )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ margin: 14mm 12mm 16mm;
  @bottom-center {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 9pt; }} }}
body {{ font-size: 10pt; }}
h1 {{ text-align: center; font-size: 18pt; margin: 0 0 2mm; }}
table {{ width: 100%; border-collapse: collapse; }}
th, td {{ border: 0.5pt solid #333; padding: 0.6mm 1.5mm; }}
th {{ background: #eee; }} .n {{ text-align: right; }}
</style></head><body><h1>{title}</h1>
<p>公示期：2026年11月1日至11月15日。如有异议，请拨打监督电话 0571-12388。</p>{SVG}{extra}
<table><thead><tr><th>日期</th><th>凭证号</th><th>摘要</th><th>科目</th><th>金额（元）</th><th>经办人</th></tr></thead>
<tbody>{"".join(trs)}</tbody></table>
<p>期初余额 125,430.00 元；本期收入 48,200.00 元；本期支出 37,615.50 元；期末余额 135,014.50 元。</p>
</body></html>"""


def page_texts(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def text_fonts(pdf: bytes) -> list[tuple[int, str, bool, str]]:
    """(page, base font name, embedded, text) of every text object, through PDFium."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,)):
                font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                n = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
                name = ctypes.create_string_buffer(n)
                pdfium_c.FPDFFont_GetBaseFontName(font, name, n)
                n = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage, None, 0)
                buf = (ctypes.c_ushort * n)()
                pdfium_c.FPDFTextObj_GetText(obj.raw, textpage, buf, n)
                text = bytes(buf).decode("utf-16-le").rstrip("\0")
                out.append((i, name.value.decode(), bool(pdfium_c.FPDFFont_GetIsEmbedded(font)), text))
    finally:
        doc.close()
    return out


def font_of(pdf: bytes, needle: str) -> set[str]:
    return {name for _, name, _, text in text_fonts(pdf) if needle in text}


def page_size(pdf: bytes) -> tuple[float, float]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return tuple(round(v) for v in doc[0].get_size())
    finally:
        doc.close()


def pdf_dates(pdf: bytes) -> list[bytes]:
    """CreationDate/ModDate values, also inside WeasyPrint's compressed object streams."""
    chunks = [pdf]
    for m in re.finditer(rb"stream\r?\n", pdf):
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompressobj().decompress(pdf[m.end() : m.end() + 2_000_000]))
    return sorted({d for c in chunks for d in re.findall(rb"/(?:CreationDate|ModDate)\s*\(([^)]*)\)", c)})


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pdf") / "site"
    root.mkdir()
    return root


@pytest.fixture(scope="session")
def engine(site: Path) -> PdfEngine:
    """One engine for the session; builds the font subsets if this machine has none yet."""
    return PdfEngine(site)


@pytest.fixture(scope="session")
def one_page(engine: PdfEngine, site: Path):
    return engine.render(poster(30), site)


@pytest.fixture(scope="session")
def three_pages(engine: PdfEngine, site: Path):
    return engine.render(poster(85, title="东山村低保金发放名册"), site)


# --------------------------------------------------------------------------- fonts


def test_check_cjk_font_finds_noto_sc() -> None:
    path = check_cjk_font()
    assert path.is_file()
    regular, bold = find_cjk_faces()
    assert regular.path == path and regular.family == "Noto Sans CJK SC"
    assert bold is not None and bold.weight >= 180 and bold.family == regular.family


def test_no_cjk_font_raises_font_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><cachedir>{tmp_path}</cachedir></fontconfig>')
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))  # a fontconfig that knows no font at all
    with pytest.raises(FontMissing) as info:
        check_cjk_font()
    assert "apt-get install fonts-noto-cjk" in str(info.value) and "中文字体" in str(info.value)
    with pytest.raises(FontMissing):
        PdfEngine(tmp_path)


def test_no_fontconfig_tools_raises_font_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        check_cjk_font()


def test_base_charset() -> None:
    chars = base_charset()
    assert len(chars) == len(set(chars))
    assert chars.startswith(' !"#') and "①" in chars and "〇" in chars and "㎡" in chars
    hanzi = set()
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                hanzi.add(bytes((hi, lo)).decode("gb2312"))
    assert len(hanzi) == 6763 and hanzi <= set(chars)
    # level-1 hanzi (common) come before level-2 ones; rare characters are left to the fallback
    assert chars.index("中") < chars.index("亍") and chars.index("座") < 4000
    assert not {"堃", "喆", "䶮"} & set(chars)


def test_subset_matches_source_face(engine: PdfEngine) -> None:
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    for style in ("Regular", "Bold"):
        face = engine.faces[style]
        src = TTFont(str(face.path), fontNumber=face.index, lazy=True)
        sub = TTFont(str(engine.font_files[style]), lazy=True)
        assert sub["name"].getDebugName(1) == FAMILY
        assert sub["maxp"].numGlyphs < 10_000
        src_cmap, sub_cmap = src.getBestCmap(), sub.getBestCmap()
        src_glyphs, sub_glyphs = src.getGlyphSet(), sub.getGlyphSet()
        for ch in "中村务公开财收支A1，。①〇齄":
            a, b = src_cmap[ord(ch)], sub_cmap[ord(ch)]
            pen_a, pen_b = RecordingPen(), RecordingPen()
            src_glyphs[a].draw(pen_a)
            sub_glyphs[b].draw(pen_b)
            assert pen_a.value == pen_b.value, ch
            assert src["hmtx"][a] == sub["hmtx"][b], ch
        # glyphs renumbered: everyday text only uses low glyph ids
        assert sub.getGlyphID(sub_cmap[ord("村")]) < 4000


def test_font_css_and_fingerprint(engine: PdfEngine, site: Path) -> None:
    assert engine.font_family == f'"{FAMILY}", "Noto Sans CJK SC", sans-serif'
    assert engine.font_css.count("@font-face") == 2 and "@page" in engine.font_css
    assert str(engine.font_files["Regular"]) in engine.font_css
    assert default_cache_dir() in engine.font_files["Regular"].parents
    assert re.fullmatch(r"[0-9a-f]{32}", engine.fingerprint)
    assert PdfEngine(site).fingerprint == engine.fingerprint
    assert PdfEngine(site, paper="A3").fingerprint != engine.fingerprint
    with pytest.raises(ValueError):
        PdfEngine(site, paper="Letter")


def test_subset_cache_is_built_once_under_a_race(engine: PdfEngine, tmp_path: Path, monkeypatch) -> None:
    calls = []
    real = engine.font_files["Regular"]

    def fake_build(face, style, target: Path, *args) -> None:
        calls.append(style)
        time.sleep(0.3)  # long enough for the other thread to arrive and wait on the lock
        target.write_bytes(real.read_bytes())

    monkeypatch.setattr(fontmod, "_build_subset", fake_build)
    face = engine.faces["Regular"]
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(cached_subset(face, "Regular", tmp_path)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["Regular"] and len(set(results)) == 1
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
    # a damaged cache file is rebuilt, not used
    results[0].write_bytes(b"OTTO garbage")
    assert cached_subset(face, "Regular", tmp_path) == results[0] and calls == ["Regular", "Regular"]


# --------------------------------------------------------------------------- rendering


def test_one_page_poster(one_page) -> None:
    assert one_page.pages == 1
    assert one_page.warnings == [] and one_page.missing_glyphs == []
    assert len(one_page.pdf) <= 120 * 1024, len(one_page.pdf)
    (text,) = page_texts(one_page.pdf)
    assert "东山村2026年10月财务收支公开" in text and "第30笔" in text and "凭证号" in text
    assert "本月收入与支出" in text  # the inline SVG's text
    assert "第 1 页 / 共 1 页" in text
    objects = text_fonts(one_page.pdf)
    assert objects and all(embedded for _, _, embedded, _ in objects)
    assert {name for _, name, _, _ in objects} and all(SUBSET_FONT.match(name) for _, name, _, _ in objects)
    assert any(name.endswith("-Bold") for name in font_of(one_page.pdf, "凭证号"))  # real bold face
    assert sorted(one_page.fonts) == sorted({name for _, name, _, _ in objects})
    # the margin box gets the engine's font although the poster's @page names none
    assert all(SUBSET_FONT.match(n) for n in font_of(one_page.pdf, "页"))


def test_long_table_repeats_header_and_numbers_pages(three_pages) -> None:
    assert three_pages.pages == 3 and three_pages.warnings == []
    texts = page_texts(three_pages.pdf)
    for i, text in enumerate(texts, 1):
        assert "凭证号" in text and "经办人" in text, f"header missing on page {i}"
        assert f"第 {i} 页 / 共 3 页" in text
    assert "第85笔" in texts[-1]


def test_rare_characters_render_with_real_glyphs(engine: PdfEngine, site: Path) -> None:
    result = engine.render(poster(6, names=["刘䶮", "王堃", "张喆", "李四"]), site)
    assert result.warnings == [] and result.missing_glyphs == []
    text = page_texts(result.pdf)[0]
    assert "刘䶮" in text and "王堃" in text and "张喆" in text
    # outside the base set: drawn by the system Noto Sans CJK SC, embedded
    for ch in "䶮堃喆":
        fonts = font_of(result.pdf, ch)
        assert fonts and all(SYSTEM_CJK_FONT.match(n) for n in fonts), (ch, fonts)
    assert all(embedded for _, _, embedded, _ in text_fonts(result.pdf))


def test_rare_characters_get_a_small_font_of_their_own(engine: PdfEngine, site: Path) -> None:
    """Outside the base set, the system face costs ~100 KB a poster (original glyph ids):
    a subset made for the poster's own rare characters costs a few KB."""
    html = poster(6, names=["王\U00020bb7", "刘䶮", "李四"])  # 𠮷 (Ext B), 䶮 (Ext A)
    plain = engine.render(html, site)
    css, family = engine.rare_fonts(html)
    assert css and family.startswith(f'"{FAMILY}", "{FAMILY} X')
    assert engine.rare_fonts(html) == (css, family)  # the same characters, the same font
    assert engine.rare_fonts(poster(6, names=["王\U00020bb7"]))[1] != family
    assert engine.rare_fonts(poster(6)) == ("", engine.font_family)  # nothing rare: nothing added
    styled = html.replace("<style>", f"<style>{css}\nhtml {{ font-family: {family}; }}\n", 1)
    result = engine.render(styled, site)
    assert result.warnings == [] and result.missing_glyphs == []
    assert "王\U00020bb7" in page_texts(result.pdf)[0]
    for ch in "\U00020bb7䶮":
        fonts = font_of(result.pdf, ch)
        assert fonts and all(re.fullmatch(r"[A-Z]{6}\+Cunwu-Noto-SC-X[0-9a-f]{10}", n) for n in fonts), fonts
    assert all(embedded for _, _, embedded, _ in text_fonts(result.pdf))
    assert len(result.pdf) <= 120 * 1024 < len(plain.pdf), (len(result.pdf), len(plain.pdf))


def test_missing_glyph_is_reported(engine: PdfEngine, site: Path) -> None:
    # an application that silences WeasyPrint must not hide the warning from the engine
    logger = logging.getLogger("weasyprint")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        result = engine.render(poster(2, names=["王\ue000明"]), site)
        assert logger.level == logging.CRITICAL
    finally:
        logger.setLevel(old)
    assert result.missing_glyphs == ["\ue000"]
    assert any("U+E000" in w for w in result.warnings)
    assert "王\ue000明" in page_texts(result.pdf)[0]  # text extraction cannot tell: it still "reads"


def test_svg_text_without_font_family_is_flagged(engine: PdfEngine, site: Path) -> None:
    bare = SVG.replace(SVG_FONT, "")
    assert bare != SVG
    result = engine.render(poster(2).replace(SVG, bare), site)
    assert result.missing_glyphs == []
    stray = [n for n in result.fonts if not SUBSET_FONT.match(n)]
    assert stray  # fontconfig's sans-serif: Noto Sans CJK JP on this machine kind
    assert any("字体栈以外的字体" in w and stray[0].split("+")[1] in w for w in result.warnings)


def test_paper_a3(site: Path) -> None:
    a3 = PdfEngine(site, paper="A3").render(poster(3), site)
    assert page_size(a3.pdf) == (842, 1191)


# --------------------------------------------------------------------------- fetching


@pytest.fixture
def http_server():
    """A server on 127.0.0.1 that counts the requests it gets (it must get none)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            body = b"body { color: red }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_local_resources_are_served(engine: PdfEngine, site: Path) -> None:
    import base64
    import io

    from PIL import Image

    folder = site / "serve-ok"
    folder.mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(folder / "seal.png")
    dot = io.BytesIO()
    Image.new("RGB", (2, 2), (0, 0, 0)).save(dot, "PNG")
    data_url = "data:image/png;base64," + base64.b64encode(dot.getvalue()).decode()
    (folder / "extra.css").write_text("h1 { color: #c00000 } .tag::after { content: '已审核' }", "utf-8")
    html = poster(
        2,
        extra=(
            '<link rel="stylesheet" href="extra.css"><img src="seal.png" alt="公章"><span class="tag"></span>'
            f'<img src="{data_url}">'
        ),
    )
    result = engine.render(html, folder)
    assert result.warnings == []
    assert "已审核" in page_texts(result.pdf)[0]
    doc = pdfium.PdfDocument(result.pdf)
    try:
        images = list(doc[0].get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)))
    finally:
        doc.close()
    assert len(images) == 2


@pytest.mark.parametrize(
    ("snippet", "refused"),
    [
        ('<img src="file:///etc/passwd">', "file:///etc/passwd"),
        ('<img src="../../secret.png">', "/secret.png"),
        ('<img src="link-out.png">', "/village/link-out.png"),
        ('<link rel="stylesheet" href="https://example.com/x.css">', "https://example.com/x.css"),
        ('<link rel="stylesheet" href="{server}/x.css">', "/x.css"),
        ('<img src="{server}/x.png">', "/x.png"),
        ("<style>@import url({server}/imported.css);</style>", "/imported.css"),
        (
            "<style>@font-face {{ font-family: X; src: url({server}/x.woff) }} p {{ font-family: X }}</style>",
            "/x.woff",
        ),
        ('<div style="background: url({server}/bg.png)">背景</div>', "/bg.png"),
        ('<svg width="20" height="20"><image href="{server}/i.png" width="20" height="20"/></svg>', "/i.png"),
        ('<img src="ftp://127.0.0.1/x.png">', "ftp://127.0.0.1/x.png"),
        ('<img src="file://otherhost/etc/hosts">', "file://otherhost/etc/hosts"),
    ],
)
def test_fetcher_refuses_outside_and_network(
    engine: PdfEngine, site: Path, http_server, snippet: str, refused: str
) -> None:
    server, hits = http_server
    secret = site.parent / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    folder = site / "village"  # so "../../secret.png" is the site's parent folder
    folder.mkdir(exist_ok=True)
    link = folder / "link-out.png"
    if not link.is_symlink():
        link.symlink_to(secret)  # a symlink inside the site that points out of it
    html = poster(2, extra=snippet.format(server=server))
    with pytest.raises(ResourceRefused) as info:
        engine.render(html, folder)
    assert isinstance(info.value, BuildError)
    assert info.value.url.endswith(refused) and refused in str(info.value) and "不允许读取" in str(info.value)
    assert hits == []  # nothing reached the server
    # the engine is still usable afterwards
    assert engine.render(poster(1), site).warnings == []


# --------------------------------------------------------------------------- reproducibility


def test_same_html_same_bytes(engine: PdfEngine, site: Path, one_page) -> None:
    again = engine.render(poster(30), site)
    assert again.pdf == one_page.pdf
    assert pdf_dates(one_page.pdf) == []  # no clock in the file
    assert b"/ID" in one_page.pdf
    # a fresh engine (new font configuration, nothing rendered before) gives the same bytes
    assert PdfEngine(site).render(poster(30), site).pdf == one_page.pdf


def test_dates_from_caller_or_source_date_epoch(engine: PdfEngine, site: Path, monkeypatch) -> None:
    import datetime as dt

    html = poster(2)
    dated = engine.render(html, site, date=dt.date(2026, 11, 1))
    assert pdf_dates(dated.pdf) == [b"D:20261101000000Z"]
    assert engine.render(html, site, date=dt.date(2026, 11, 1)).pdf == dated.pdf
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # 2027-01-01T00:00:00Z
    epoch = engine.render(html, site)
    assert pdf_dates(epoch.pdf) == [b"D:20270101000000Z"]
    assert engine.render(html, site).pdf == epoch.pdf
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(BuildError, match="SOURCE_DATE_EPOCH"):
        engine.render(html, site)


def test_subset_tags_follow_font_data(engine: PdfEngine, site: Path, one_page) -> None:
    """Different glyph subsets never share a font name (they would clash in a print pack)."""
    other = engine.render(poster(30, title="西山村2027年3月财务收支公开", names=["赵钱孙"]), site)
    ours, theirs = set(one_page.fonts), set(other.fonts)
    assert ours.isdisjoint(theirs)  # other characters in both faces: other tags
    assert {n[7:] for n in ours} == {n[7:] for n in theirs}
    # same characters in the bold face only (the title): same bold subset, same tag
    same_bold = engine.render(poster(30, names=["赵钱孙"]), site)
    assert [n for n in same_bold.fonts if n.endswith("-Bold")] == [n for n in ours if n.endswith("-Bold")]


def test_reproducible_across_processes(site: Path, one_page, three_pages, tmp_path: Path) -> None:
    script = tmp_path / "render.py"
    script.write_text(
        "import sys\nfrom pathlib import Path\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_pdf import poster\n"
        "from cunwu.write.merge import merge_pdfs\nfrom cunwu.write.pdf import PdfEngine\n"
        "site = Path(sys.argv[1])\n"
        "one = PdfEngine(site).render(poster(30), site).pdf\n"
        "Path(sys.argv[2]).write_bytes(one)\n"
        "Path(sys.argv[3]).write_bytes(merge_pdfs([one, Path(sys.argv[4]).read_bytes()]))\n",
        "utf-8",
    )
    three = tmp_path / "three.pdf"
    three.write_bytes(three_pages.pdf)
    out1, out2 = tmp_path / "one.pdf", tmp_path / "pack.pdf"
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    subprocess.run(
        [sys.executable, str(script), str(site), str(out1), str(out2), str(three)], check=True, env=env
    )
    assert out1.read_bytes() == one_page.pdf
    assert out2.read_bytes() == merge_pdfs([one_page.pdf, three_pages.pdf])


# --------------------------------------------------------------------------- print packs


def test_merge_keeps_each_posters_numbering(one_page, three_pages, engine: PdfEngine, site: Path) -> None:
    rare = engine.render(poster(3, names=["王堃"]), site)
    pack = merge_pdfs([one_page.pdf, three_pages.pdf, rare.pdf])
    texts = page_texts(pack)
    assert len(texts) == 5
    assert "第 1 页 / 共 1 页" in texts[0] and "东山村2026年10月财务收支公开" in texts[0]
    for i in range(3):
        assert f"第 {i + 1} 页 / 共 3 页" in texts[1 + i] and "凭证号" in texts[1 + i]
    assert "王堃" in texts[4] and "第 1 页 / 共 1 页" in texts[4]
    assert all(embedded for _, _, embedded, _ in text_fonts(pack))
    assert merge_pdfs([one_page.pdf, three_pages.pdf, rare.pdf]) == pack
    assert b"/CreationDate" not in pack and b"/ID" in pack
    assert len(merge_pdfs([one_page.pdf])) > 0


def test_merge_rejects_nothing_and_garbage(one_page) -> None:
    with pytest.raises(ValueError):
        merge_pdfs([])
    with pytest.raises(BuildError, match="第 2 份"):
        merge_pdfs([one_page.pdf, b"not a pdf"])


def test_no_stray_files(engine: PdfEngine) -> None:
    cache = engine.font_files["Regular"].parent
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]
    assert shutil.which("fc-match")
