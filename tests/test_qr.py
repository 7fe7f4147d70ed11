"""QR codes as vector SVG: decoded back with zxing-cpp, directly and through WeasyPrint's PDF."""

from __future__ import annotations

import io
import logging
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from cunwu.render.qr import QUIET_ZONE, matrix_svg, qr_matrix, qr_svg

SVG_NS = "{http://www.w3.org/2000/svg}"
URL = "https://cunwu.example.org/qingshui/dongshan/finance/2026-10/?v=ab12cd34ef"
URL_90 = "https://cunwu.example.org/qingshui/dongshan/finance/2026-10/?v=ab12cd34ef&from=poster&ctx=a1"
URL_ZH = "https://cunwu.example.org/清水镇/东山村/财务公开/2026年10月/?v=ab12&村=东山"
EC_ORDER = "LMQH"


def _rects_from_path(d: str) -> list[tuple[float, float, float, float]]:
    """Interpret the path subset qr_svg writes (M m h v z) into rectangles (x0, y0, x1, y1)."""
    rects = []
    x = y = 0.0
    start = (0.0, 0.0)
    points: list[tuple[float, float]] = []
    for cmd, args in re.findall(r"([MmHhVvZz])([^MmHhVvZz]*)", d):
        nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if cmd in "Mm":
            assert len(nums) == 2, (cmd, args)
            x, y = (nums[0], nums[1]) if cmd == "M" else (x + nums[0], y + nums[1])
            start = (x, y)
            points = [start]
        elif cmd == "h":
            x += nums[0]
            points.append((x, y))
        elif cmd == "v":
            y += nums[0]
            points.append((x, y))
        elif cmd in "Zz":
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            assert len(points) == 4, points  # every subpath is an axis-aligned rectangle
            rects.append((min(xs), min(ys), max(xs), max(ys)))
            x, y = start
        else:
            raise AssertionError(f"unexpected command {cmd}")
    return rects


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _rasterise(svg: str, px: int = 4) -> Image.Image:
    """Draw the SVG's rectangles (white background rect, then the path) at ``px`` pixels a module."""
    root = _parse(svg)
    n = int(root.get("viewBox").split()[2])
    img = Image.new("L", (n * px, n * px), 128)  # grey: the background rect must cover it
    draw = ImageDraw.Draw(img)
    bg = root.find(f"{SVG_NS}rect")
    assert bg.get("fill") == "#fff"
    draw.rectangle((0, 0, float(bg.get("width")) * px - 1, float(bg.get("height")) * px - 1), fill=255)
    path = root.find(f"{SVG_NS}path")
    for x0, y0, x1, y1 in _rects_from_path(path.get("d")):
        draw.rectangle((x0 * px, y0 * px, x1 * px - 1, y1 * px - 1), fill=0)
    return img


def _decode(img: Image.Image) -> zxingcpp.Barcode:
    results = zxingcpp.read_barcodes(img)
    assert len(results) == 1, results
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0]


@pytest.mark.parametrize("data", [URL, URL_90, URL_ZH, 'https://x.example/?a=1&b=<2>&c="3"\''])
def test_svg_decodes_to_data(data: str) -> None:
    svg = qr_svg(data)
    result = _decode(_rasterise(svg))
    assert result.text == data
    assert EC_ORDER.index(result.ec_level) >= EC_ORDER.index("M")


def test_raster_matches_matrix() -> None:
    matrix = qr_matrix(URL)
    img = _rasterise(qr_svg(URL), px=1)
    assert img.size == (len(matrix), len(matrix))
    assert [[img.getpixel((x, y)) == 0 for x in range(len(matrix))] for y in range(len(matrix))] == matrix


def test_matrix_has_quiet_zone() -> None:
    matrix = qr_matrix(URL)
    n = len(matrix)
    assert all(len(row) == n for row in matrix)
    assert (n - 2 * QUIET_ZONE - 21) % 4 == 0  # version v has 17 + 4v modules
    for i in range(QUIET_ZONE):
        assert not any(matrix[i]) and not any(matrix[n - 1 - i])
        assert not any(row[i] or row[n - 1 - i] for row in matrix)


def test_minimum_version() -> None:
    short = "https://x.cn/"
    assert len(qr_matrix(short)) == 21 + 2 * QUIET_ZONE  # version 1
    assert len(qr_matrix(short, min_version=5)) == 37 + 2 * QUIET_ZONE
    assert len(qr_matrix(URL_90, min_version=1)) == len(qr_matrix(URL_90, min_version=2))  # a floor only
    assert _decode(_rasterise(qr_svg(short, min_version=5))).text == short
    for bad in (0, 41):
        with pytest.raises(ValueError):
            qr_matrix(short, min_version=bad)


@pytest.mark.parametrize("ec", ["M", "Q", "H"])
def test_error_correction_levels(ec: str) -> None:
    assert _decode(_rasterise(qr_svg(URL, ec=ec))).ec_level == ec


@pytest.mark.parametrize("ec", ["L", "m", "", "X"])
def test_low_or_unknown_error_correction_refused(ec: str) -> None:
    with pytest.raises(ValueError):
        qr_svg(URL, ec=ec)


def test_empty_data_refused() -> None:
    with pytest.raises(ValueError):
        qr_svg("")


def test_attributes_and_structure() -> None:
    svg = qr_svg(URL, size="160px", label="扫码查看东山村2026年10月财务公开")
    root = _parse(svg)
    n = len(qr_matrix(URL))
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == f"0 0 {n} {n}"
    assert root.get("width") == "160px" and root.get("height") == "160px"
    assert root.get("shape-rendering") == "crispEdges"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "扫码查看东山村2026年10月财务公开"
    assert [child.tag for child in root] == [f"{SVG_NS}rect", f"{SVG_NS}path"]
    assert qr_svg(URL).count("<path") == 1


def test_default_size_and_label() -> None:
    root = _parse(qr_svg(URL_ZH))
    assert root.get("width") == "30mm" and root.get("height") == "30mm"
    assert root.get("aria-label") == URL_ZH


@pytest.mark.parametrize("size", ["30mm", "26.5mm", "160px", "100%", "2in"])
def test_sizes_accepted(size: str) -> None:
    assert _parse(qr_svg(URL, size=size)).get("width") == size


@pytest.mark.parametrize("size", ["", "30 mm", '30mm" onload="x', "-3mm", "calc(1px)", "30mm;"])
def test_bad_sizes_refused(size: str) -> None:
    with pytest.raises(ValueError):
        qr_svg(URL, size=size)


def test_no_ids_and_escaping() -> None:
    data = "https://x.example/?a=1&b=<script>alert(\"x\")</script>&c='东山'"
    svg = qr_svg(data, label='标签 <b>&"\n')
    assert not re.search(r"\sid=", svg)
    assert "<script" not in svg and "<b>" not in svg
    root = _parse(svg)
    assert root.get("aria-label") == '标签 <b>&"\n'
    assert [el.tag for el in root.iter()] == [f"{SVG_NS}svg", f"{SVG_NS}rect", f"{SVG_NS}path"]
    assert _decode(_rasterise(svg)).text == data


def test_control_characters_do_not_break_xml() -> None:
    svg = qr_svg("abc\x01def", label="x\x00y")
    assert _parse(svg).get("aria-label") == "x\ufffdy"


def test_deterministic() -> None:
    assert qr_svg(URL_ZH) == qr_svg(URL_ZH)
    assert qr_matrix(URL) == qr_matrix(URL)


def test_small() -> None:
    assert 85 <= len(URL_90) <= 95
    svg = qr_svg(URL_90)
    assert len(svg.encode()) < 6000, len(svg.encode())


def test_survives_weasyprint_pdf(caplog: pytest.LogCaptureFixture) -> None:
    """Two codes on one page (no id clash), rendered to PDF, rasterised at 150 dpi, decoded."""
    weasyprint = pytest.importorskip("weasyprint")
    pdfium = pytest.importorskip("pypdfium2")
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "@page { size: 120mm 60mm; margin: 5mm } body { margin: 0 } div { display: inline-block; margin: 4mm }"
        "</style></head><body>"
        f"<div>{qr_svg(URL, size='26mm')}</div><div>{qr_svg(URL_ZH, size='26mm', ec='Q')}</div>"
        "</body></html>"
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")], caplog.text
    doc = pdfium.PdfDocument(io.BytesIO(pdf))
    try:
        assert len(doc) == 1
        img = doc[0].render(scale=150 / 72).to_pil().convert("L")
    finally:
        doc.close()
    found = {(r.text, r.ec_level) for r in zxingcpp.read_barcodes(img)}
    assert found == {(URL, "M"), (URL_ZH, "Q")}


def test_boost_takes_the_strongest_level_the_same_version_holds() -> None:
    """Error correction for free: never a larger symbol (smaller modules on paper)."""
    for data, level in [
        ("abc", "H"),  # version 1 holds 7 bytes at H
        ("https://x.cn/ab", "Q"),  # 15 bytes: version 2 (1-M holds 14), which holds 22 at Q
        ("https://cunwu.example.org/qingshui/dongshan/s/b2bdcf88f2/", "M"),  # 57: v4-M, Q holds 46
        ("https://x.example/0123456789abcdef01234567", "M"),  # 42 bytes: all v3-M holds
    ]:
        plain, boosted = qr_matrix(data), qr_matrix(data, boost=True)
        assert len(boosted) == len(plain), data
        result = _decode(_rasterise(matrix_svg(boosted, size="30mm", label="x")))
        assert (result.text, result.ec_level) == (data, level), data
    assert qr_matrix("abc", ec="H", boost=True) == qr_matrix("abc", ec="H")


def test_matrix_svg_is_qr_svg_of_the_same_matrix() -> None:
    assert matrix_svg(qr_matrix(URL), size="31mm", label=URL) == qr_svg(URL, size="31mm")
    with pytest.raises(ValueError):
        matrix_svg(qr_matrix(URL), size="31 mm", label="x")
