"""Inline SVG charts: structure, proportions, escaping, determinism, size, and WeasyPrint rendering."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from cunwu.render.charts import DARK, LIGHT, _ticks, bar_chart_svg, format_money, trend_svg

NS = "{http://www.w3.org/2000/svg}"
D = Decimal

BARS = [
    ("501 经营收入", D("125430.50")),
    ("503 补助收入", D("86000.00")),
    ("504 其他收入", D("3250.00")),
    ("513 管理费用-办公费、差旅费及村干部误工补贴（含2026年第三季度）", D("45210.35")),
]
MONTHS = ["2025-11", "2025-12"] + [f"2026-{m:02d}" for m in range(1, 11)]
TREND = [(m, D(10000 + 9137 * i), D(5000 + 7211 * i) if i % 4 else D(0)) for i, m in enumerate(MONTHS)]
TREND[3] = (MONTHS[3], D(0), D(0))  # a month with no activity

HOSTILE = [
    "<script>alert(1)</script>",
    '" onload="alert(1)',
    "a & b &amp; c ]]> <![CDATA[x]]>",
    "<svg onload=alert(1)><foreignObject/>",
    "'single' \"double\" <b>bold</b>",
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{NS}text")]


def bar_rects(root: ET.Element, fill: str = DARK) -> list[ET.Element]:
    return [el for el in root.iter(f"{NS}rect") if el.get("fill") == fill]


def check_plain_svg(svg: str) -> ET.Element:
    """Properties both charts share."""
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("width") == "100%"
    assert root.get("role") == "img"
    x0, y0, w, h = (float(v) for v in root.get("viewBox").split())
    assert (x0, y0) == (0, 0) and w > 0 and h > 0
    children = list(root)
    assert children[0].tag == f"{NS}title" and children[1].tag == f"{NS}desc"
    allowed = {f"{NS}{t}" for t in ("svg", "title", "desc", "text", "tspan", "rect", "path")}
    for el in root.iter():
        assert el.tag in allowed, el.tag
        for name in el.attrib:
            assert name not in ("id", "class", "style") and not name.lower().startswith("on"), name
            assert "href" not in name
        size = el.get("font-size")
        if size is not None:
            assert float(size) >= 12
    assert "<script" not in svg and "<foreignObject" not in svg and "url(" not in svg
    return root


# --- bar chart ---------------------------------------------------------------------------------


def test_bar_chart_basics() -> None:
    svg = bar_chart_svg(BARS, uid="b1", title="2026年10月 收入（按科目）")
    root = check_plain_svg(svg)
    assert root.find(f"{NS}title").text == "2026年10月 收入（按科目）"
    all_text = texts(root)
    for label, value in BARS:
        assert label in all_text
        assert f"{format_money(value)} 元" in all_text
    assert "125,430.50 元" in all_text and "3,250.00 元" in all_text
    desc = root.find(f"{NS}desc").text
    assert "501 经营收入：125,430.50 元" in desc


def test_bar_lengths_proportional() -> None:
    root = parse(bar_chart_svg(BARS, uid="b1", title="t"))
    rects = bar_rects(root)
    assert len(rects) == len(BARS)
    lengths = [float(r.get("width")) for r in rects]
    top = max(v for _, v in BARS)
    longest = max(lengths)
    assert lengths[0] == longest
    for (_, value), length in zip(BARS, lengths, strict=True):
        assert length == pytest.approx(float(value / top) * longest, abs=0.1)
    # all bars start at the same zero line
    assert len({r.get("x") for r in rects}) == 1
    # the longest bar plus its value text fits in the viewBox
    assert float(rects[0].get("x")) + longest < float(root.get("viewBox").split()[2])


def test_bar_value_sits_at_bar_end() -> None:
    root = parse(bar_chart_svg(BARS[:1], uid="b1", title="t"))
    (rect,) = bar_rects(root)
    value_el = [el for el in root.iter(f"{NS}text") if el.text == "125,430.50 元"][0]
    end = float(rect.get("x")) + float(rect.get("width"))
    assert end < float(value_el.get("x")) <= end + 8


def test_bar_chart_unit_and_width() -> None:
    root = parse(bar_chart_svg(BARS, uid="b1", title="t", width=600, unit="万元"))
    assert root.get("viewBox").split()[2] == "600"
    assert "125,430.50 万元" in texts(root)


def test_single_value() -> None:
    root = check_plain_svg(bar_chart_svg([("511 经营支出", D("1.00"))], uid="one", title="单项"))
    (rect,) = bar_rects(root)
    assert float(rect.get("width")) > 150  # a single bar uses the full length
    assert "1.00 元" in texts(root)


def test_empty_bar_chart() -> None:
    svg = bar_chart_svg([], uid="e", title="代收代付")
    root = check_plain_svg(svg)
    assert "本期无数据" in texts(root)
    assert not bar_rects(root)
    assert float(root.get("viewBox").split()[3]) < 100


def test_negative_and_zero_values_do_not_crash() -> None:
    bars = [("514 公益支出", D("-1200.00")), ("515 其他支出", D("0")), ("501 经营收入", D("800.5"))]
    root = check_plain_svg(bar_chart_svg(bars, uid="n", title="t"))
    all_text = texts(root)
    assert "-1,200.00 元" in all_text and "0.00 元" in all_text and "800.50 元" in all_text
    assert len(bar_rects(root)) == 1  # only the positive value gets a visible bar


def test_all_negative() -> None:
    root = check_plain_svg(bar_chart_svg([("冲销", D("-5.00"))], uid="n", title="t"))
    assert not bar_rects(root)
    assert "-5.00 元" in texts(root)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_bar_chart_escapes_everything(hostile: str) -> None:
    svg = bar_chart_svg([(hostile, D("10"))], uid="h", title=hostile, unit="元")
    root = check_plain_svg(svg)
    assert root.find(f"{NS}title").text == hostile
    assert hostile in texts(root)
    assert hostile in root.find(f"{NS}desc").text
    assert root.find(f".//{NS}script") is None


def test_long_label_wraps_without_losing_text() -> None:
    label = "51301 管理费用-办公费" * 6
    root = parse(bar_chart_svg([(label, D("1"))], uid="w", title="t"))
    (el,) = [el for el in root.iter(f"{NS}text") if "".join(el.itertext()) == label]
    assert len(list(el.iter(f"{NS}tspan"))) >= 2


def test_bar_chart_deterministic() -> None:
    assert bar_chart_svg(BARS, uid="b1", title="t") == bar_chart_svg(list(BARS), uid="b1", title="t")


@pytest.mark.parametrize("uid", ["", "1abc", "a b", 'a"b', "a" * 65])
def test_bad_uid_refused(uid: str) -> None:
    with pytest.raises(ValueError):
        bar_chart_svg(BARS, uid=uid, title="t")
    with pytest.raises(ValueError):
        trend_svg(TREND, uid=uid, title="t")


def test_float_money_refused() -> None:
    with pytest.raises(TypeError):
        bar_chart_svg([("x", 1.5)], uid="f", title="t")  # type: ignore[list-item]
    with pytest.raises(TypeError):
        trend_svg([("2026-01", D(1), 2.5)], uid="f", title="t")  # type: ignore[list-item]


# --- trend chart -------------------------------------------------------------------------------


def test_trend_twelve_periods_with_zero_months() -> None:
    svg = trend_svg(TREND, uid="t1", title="近12个月收支")
    root = check_plain_svg(svg)
    assert len(svg.encode()) < 6000, len(svg.encode())
    all_text = texts(root)
    assert "收入" in all_text and "支出" in all_text  # legend
    # month labels: short numbers, years below the first period and below January
    for month in (11, 12, *range(1, 11)):
        assert str(month) in all_text
    assert "2025年" in all_text and "2026年" in all_text
    # screen-reader description carries every number
    desc = root.find(f"{NS}desc").text
    for label, income, expense in TREND:
        assert f"{label}：收入 {format_money(income)} 元，支出 {format_money(expense)} 元" in desc


def _baseline_bars(root: ET.Element) -> list[ET.Element]:
    rects = [r for r in root.iter(f"{NS}rect") if r.get("fill") in (DARK, LIGHT)]
    bottom = max(float(r.get("y")) + float(r.get("height")) for r in rects)
    return [r for r in rects if float(r.get("y")) + float(r.get("height")) == pytest.approx(bottom, abs=0.11)]


def test_trend_bar_heights_proportional() -> None:
    root = parse(trend_svg(TREND, uid="t1", title="t"))
    bars = _baseline_bars(root)
    expected = [
        (value, fill) for _, inc, exp in TREND for value, fill in ((inc, DARK), (exp, LIGHT)) if value > 0
    ]
    assert [b.get("fill") for b in bars] == [fill for _, fill in expected]
    tallest = max(range(len(bars)), key=lambda i: float(bars[i].get("height")))
    scale = float(bars[tallest].get("height")) / float(expected[tallest][0])
    for bar, (value, _) in zip(bars, expected, strict=True):
        assert float(bar.get("height")) == pytest.approx(float(value) * scale, abs=0.1)
    # bars are ordered left to right, income before expense
    xs = [float(b.get("x")) for b in bars]
    assert xs == sorted(xs)
    # the highest bar does not exceed the top tick (plot stays inside the viewBox)
    assert min(float(b.get("y")) for b in bars) > 0


def test_trend_y_axis_ticks() -> None:
    root = parse(trend_svg(TREND, uid="t1", title="t"))
    top = max(max(i, e) for _, i, e in TREND)  # 110507 → ticks 0, 5万, 10万, 15万
    assert top == D(110507)
    all_text = texts(root)
    for tick in ("0", "5万", "10万", "15万"):
        assert tick in all_text
    assert "20万" not in all_text


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        (D("110507"), [0, 50000, 100000, 150000]),
        (D("100000"), [0, 50000, 100000]),
        (D("9000"), [0, 5000, 10000]),
        (D("12345.67"), [0, 5000, 10000, 15000]),
        (D("1"), [0, D("0.5"), 1]),
        (D("999999999"), [0, 500000000, 1000000000]),
        (D("0"), [0, 50, 100]),
    ],
)
def test_ticks_are_round(top: Decimal, expected: list) -> None:
    ticks = _ticks(top)
    assert ticks == [D(t) for t in expected]
    assert 3 <= len(ticks) <= 5 and ticks[-1] >= top


@pytest.mark.parametrize("top", [D(n) for n in (1, 7, 33, 99, 101, 4999, 5001, 10**6 + 1, 123456789, 10**11)])
def test_tick_count_and_cover(top: Decimal) -> None:
    ticks = _ticks(top)
    assert 3 <= len(ticks) <= 5
    assert ticks[-1] >= top and ticks[-2] < top
    step = ticks[1]
    assert step / D(10) ** step.adjusted() in (1, 2, 5)


def test_tick_labels_small_amounts_and_yi() -> None:
    small = texts(parse(trend_svg([("11月", D("3200"), D("1500"))], uid="s", title="t")))
    assert "2,000" in small and "4,000" in small
    big = texts(parse(trend_svg([("2026-01", D("250000000"), D("1"))], uid="s", title="t")))
    assert "1亿" in big and "3亿" in big


def test_trend_month_labels_kept_when_room() -> None:
    all_text = texts(parse(trend_svg(TREND[:4], uid="t", title="t")))
    assert "11月" in all_text and "1月" in all_text
    # twelve "N月" labels do not fit in 360 units: shortened to month numbers
    all_text = texts(parse(trend_svg([(f"{m}月", D(m), D(1)) for m in range(1, 13)], uid="t", title="t")))
    assert all(str(m) in all_text for m in range(1, 13))
    assert not [t for t in all_text if t.endswith("月") and t[:-1].isdigit()]


def test_trend_all_zero_and_negative() -> None:
    zeros = [(m, D(0), D(0)) for m in MONTHS]
    root = check_plain_svg(trend_svg(zeros, uid="z", title="t"))
    coloured = [r for r in root.iter(f"{NS}rect") if r.get("fill") in (DARK, LIGHT)]
    assert len(coloured) == 2  # only the legend swatches
    root = check_plain_svg(trend_svg([("2026-01", D("-300"), D("200"))], uid="z", title="t"))
    assert "收入 -300.00 元" in root.find(f"{NS}desc").text
    coloured = [r for r in root.iter(f"{NS}rect") if r.get("fill") in (DARK, LIGHT)]
    assert [r.get("fill") for r in coloured] == [DARK, LIGHT, LIGHT]  # legend, then the expense bar


def test_trend_empty_and_too_many() -> None:
    assert "本期无数据" in texts(check_plain_svg(trend_svg([], uid="e", title="t")))
    with pytest.raises(ValueError):
        trend_svg(TREND + [("2026-11", D(1), D(1))], uid="x", title="t")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_trend_escapes_everything(hostile: str) -> None:
    svg = trend_svg([(hostile, D(1), D(2)), ("2026-02", D(3), D(4))], uid="h", title=hostile)
    root = check_plain_svg(svg)
    assert root.find(f"{NS}title").text == hostile
    assert hostile in texts(root)
    assert hostile in root.find(f"{NS}desc").text


def test_trend_deterministic() -> None:
    assert trend_svg(TREND, uid="t1", title="t") == trend_svg(list(TREND), uid="t1", title="t")


def test_two_charts_share_a_page_without_ids() -> None:
    page = trend_svg(TREND, uid="a", title="t") + bar_chart_svg(BARS, uid="b", title="t")
    assert " id=" not in page


def test_weasyprint_renders_charts(caplog: pytest.LogCaptureFixture) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    pdfium = pytest.importorskip("pypdfium2")
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><style>@page { size: A5; margin: 10mm }"
        "figure { width: 100mm; margin: 0 0 5mm }</style></head><body>"
        f"<figure>{trend_svg(TREND, uid='a', title='近12个月收支')}</figure>"
        f"<figure>{bar_chart_svg(BARS, uid='b', title='按科目')}</figure>"
        "</body></html>"
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")], caplog.text
    doc = pdfium.PdfDocument(pdf)
    try:
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        img = doc[0].render(scale=1).to_pil().convert("L")
    finally:
        doc.close()
    assert "125,430.50" in text and "2025年" in text and "15万" in text
    # the dark bars really are drawn (not an empty box)
    assert sum(1 for px in img.get_flattened_data() if px < 100) > 500


def test_tick_labels_switch_to_wan_at_ten_thousand() -> None:
    all_text = texts(parse(trend_svg([("2026-01", D("12000"), D("600"))], uid="k", title="t")))
    assert {"0", "5,000", "1万", "1.5万"} <= set(all_text)


def test_long_x_labels_are_thinned_not_overlapping() -> None:
    points = [(f"第{i}季度报表", D(i * 3000), D(2500)) for i in range(1, 13)]
    root = parse(trend_svg(points, uid="q", title="t"))
    shown = [t for t in texts(root) if t.startswith("第")]
    assert shown and len(shown) < 12 and shown[0] == "第1季度报表"
    desc = root.find(f"{NS}desc").text
    assert all(label in desc for label, _, _ in points)
