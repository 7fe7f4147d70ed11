"""Inline SVG charts for finance pages: plain SVG 1.1, no scripts, no CSS, no ids.

The charts are meant to be inlined in HTML (and rendered by WeasyPrint for print). Every chart
has ``viewBox`` + ``width="100%"`` so it scales with its container; sizes below are in user units
and equal CSS pixels when the chart is 360 units wide and shown 360 px wide, which is roughly the
content width of a 390 px phone. Text is never smaller than 12 units.

All text (titles, account names, period labels) is data: it is escaped, never interpreted as
markup. Money is ``Decimal``; floats appear only as drawing coordinates.

Colours: bars and income are dark blue, expense is light blue with a dark outline, so the two
series stay apart in greyscale print as well.

The ``uid`` argument is validated and reserved for ids; the current output has none (the
accessible name comes from ``<title>`` as the first child, which needs no id), so two charts on
one page can never collide.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

__all__ = ["bar_chart_svg", "trend_svg", "format_money", "MAX_TREND_PERIODS"]

MAX_TREND_PERIODS = 12
NO_DATA = "本期无数据"
FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"
DARK = "#1f4e79"  # bars, income
LIGHT = "#a9cbeb"  # expense (outlined with DARK)
TEXT = "#222"
MUTED = "#555"
GRID = "#d9d9d9"
NEGATIVE = "#a3161d"

_UID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*月?\s*$")
_MONTH_RE = re.compile(r"^\s*(\d{1,2})\s*月\s*$")
_FEN = Decimal("0.01")


# --- helpers -----------------------------------------------------------------------------------


def _text(value: str) -> str:
    """Escape character data."""
    value = _XML_INVALID.sub("\ufffd", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _n(value: float) -> str:
    """Compact coordinate: one decimal at most, no trailing zeros."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _char_width(ch: str) -> float:
    """Estimated advance of one character in em (generous, so text is not clipped)."""
    if ord(ch) >= 0x2E80 or ch in "—…“”‘’":
        return 1.0
    if ch.isdigit():
        return 0.58
    if ch in " ,.:;'!|ijlI()[]-":
        return 0.32
    if ch.isupper() or ch in "mwMW%@&":
        return 0.75
    return 0.6


def _width(text: str, size: float) -> float:
    return sum(_char_width(ch) for ch in text) * size


def _wrap(text: str, size: float, max_width: float) -> list[str]:
    """Split text into lines no wider than ``max_width``; no character is dropped."""
    lines: list[str] = []
    line = ""
    used = 0.0
    for ch in text:
        w = _char_width(ch) * size
        if line and used + w > max_width:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    lines.append(line)
    return lines


def _text_el(lines: list[str], x: float, y: float, size: int, line_height: float, extra: str = "") -> str:
    """One ``<text>`` element; several lines become ``<tspan>``s, so the element's text is the input."""
    head = f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}"{extra}>'
    if len(lines) == 1:
        return head + _text(lines[0]) + "</text>"
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{0 if i == 0 else _n(line_height)}">{_text(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return head + spans + "</text>"


def _check_uid(uid: str) -> None:
    if not isinstance(uid, str) or not _UID_RE.match(uid):
        raise ValueError(f"图表 uid 须以字母开头，只含字母、数字、- 和 _：{uid!r}")


def _check_money(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"金额必须是 Decimal，而不是 {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"金额无效：{value}")
    return value


def _check_label(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"标签必须是字符串，而不是 {type(value).__name__}")
    return value


def format_money(value: Decimal) -> str:
    """Thousands separators and two decimals, rounded half up to the fen: ``-1,234.50``."""
    return f"{value.quantize(_FEN, rounding=ROUND_HALF_UP):,.2f}"


def _svg_open(width: int, height: float) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {width} {_n(height)}" '
        f'width="100%" role="img" font-family="{FONT}" fill="{TEXT}">'
    )


def _title_block(title: str, width: int, margin: float) -> tuple[str, float]:
    """Visible title (bold, wrapped); returns markup and the y below it."""
    lines = _wrap(title, 15, width - 2 * margin)
    markup = _text_el(lines, margin, 18, 15, 20, ' font-weight="bold"')
    return markup, 18 + 20 * (len(lines) - 1) + 10


def _no_data(title: str, width: int) -> str:
    margin = 4
    title_markup, y = _title_block(title, width, margin)
    height = y + 30
    return (
        _svg_open(width, height)
        + f"<title>{_text(title)}</title><desc>{NO_DATA}</desc>"
        + title_markup
        + f'<text x="{_n(width / 2)}" y="{_n(y + 16)}" font-size="13" text-anchor="middle" fill="{MUTED}">'
        + f"{NO_DATA}</text></svg>"
    )


# --- bar chart ---------------------------------------------------------------------------------


def bar_chart_svg(
    bars: list[tuple[str, Decimal]], *, uid: str, title: str, width: int = 360, unit: str = "元"
) -> str:
    """Horizontal bars, one per account: label on its own line(s), bar below, value at the bar's end.

    Bars are scaled to the largest positive value. A negative value is drawn as a zero-length
    bar (clamped at the zero line) with its value still printed, in red. An empty list gives a
    small chart saying 本期无数据.
    """
    _check_uid(uid)
    title = _check_label(title)
    unit = _check_label(unit)
    if width < 200:
        raise ValueError("图表宽度至少 200")
    rows = [(_check_label(label), _check_money(value)) for label, value in bars]
    if not rows:
        return _no_data(title, width)

    margin = 4.0
    label_size, label_lh = 13, 18
    bar_h, row_gap = 16.0, 12.0
    values = [f"{format_money(v)} {unit}".rstrip() for _, v in rows]
    reserve = max(_width(v, label_size) for v in values) + 8
    max_len = max(width - 2 * margin - reserve, width * 0.3)
    top = max((v for _, v in rows), default=Decimal(0))

    title_markup, y = _title_block(title, width, margin)
    parts = [title_markup]
    zero_line = []  # the zero line, drawn beside each bar (not through the labels)
    for (label, value), shown in zip(rows, values, strict=True):
        lines = _wrap(label, label_size, width - 2 * margin)
        parts.append(_text_el(lines, margin, y + 13, label_size, label_lh))
        y += label_lh * len(lines) + 2
        zero_line.append(f"M{_n(margin)} {_n(y - 2)}v{_n(bar_h + 4)}")
        length = float(value / top) * max_len if top > 0 and value > 0 else 0.0
        if length > 0:
            parts.append(
                f'<rect x="{_n(margin)}" y="{_n(y)}" width="{_n(length)}" height="{_n(bar_h)}" fill="{DARK}"/>'
            )
        colour = f' fill="{NEGATIVE}"' if value < 0 else ""
        parts.append(_text_el([shown], margin + length + 5, y + 12.5, label_size, label_lh, colour))
        y += bar_h + row_gap
    parts.append(f'<path d="{"".join(zero_line)}" stroke="{MUTED}" stroke-width="1" fill="none"/>')
    height = y - row_gap + 6
    desc = "；".join(f"{label}：{shown}" for (label, _), shown in zip(rows, values, strict=True))
    return (
        _svg_open(width, height)
        + f"<title>{_text(title)}</title><desc>{_text(desc)}</desc>"
        + "".join(parts)
        + "</svg>"
    )


# --- trend chart -------------------------------------------------------------------------------


def _ticks(top: Decimal) -> list[Decimal]:
    """3-5 round ticks from 0 covering ``top``: steps of 1, 2 or 5 × 10^k."""
    if top <= 0:
        return [Decimal(0), Decimal(50), Decimal(100)]
    magnitude = Decimal(1).scaleb((top / 4).adjusted())
    step = magnitude
    for mult in (1, 2, 5, 10):
        step = magnitude * mult
        if step * 4 >= top:
            break
    count = int((top / step).to_integral_value(rounding=ROUND_CEILING))
    return [step * i for i in range(count + 1)]


def _plain(value: Decimal) -> str:
    """Decimal without exponent or trailing zeros: 5, 2.5, 0.25."""
    return f"{value.normalize():f}"


def _tick_label(value: Decimal) -> str:
    """Axis label: 5,000 below ten thousand, then 1万, 1.5万, 15万, and 1亿 from a hundred million."""
    if value >= 10**8:
        return _plain(value / 10**8) + "亿"
    if value >= 10**4:
        return _plain(value / 10**4) + "万"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return _plain(value)


def _x_labels(labels: list[str], slot: float, size: int) -> tuple[list[str], list[str], int]:
    """Short period labels, a year line (shown at the first period and at each January),
    and the stride (1 = every label shown)."""
    parsed = [_PERIOD_RE.match(label) for label in labels]
    years = [""] * len(labels)
    if all(parsed):
        months = [int(m.group(2)) for m in parsed]  # type: ignore[union-attr]
        previous = None
        for i, m in enumerate(parsed):
            year = m.group(1)  # type: ignore[union-attr]
            if year != previous:
                years[i] = f"{year}年"
                previous = year
        short = [f"{month}月" for month in months]
        if max(_width(s, size) for s in short) > slot - 3:
            short = [str(month) for month in months]
    else:
        short = [label.strip() for label in labels]
        if all(_MONTH_RE.match(s) for s in short) and max(_width(s, size) for s in short) > slot - 3:
            short = [_MONTH_RE.match(s).group(1) for s in short]  # type: ignore[union-attr]
    widest = max(_width(s, size) for s in short)
    stride = max(1, math.ceil((widest + 3) / slot))
    return short, years, stride


def trend_svg(points: list[tuple[str, Decimal, Decimal]], *, uid: str, title: str, width: int = 360) -> str:
    """Paired vertical bars (收入 dark, 支出 light) for up to 12 periods, with y-axis ticks and a legend.

    ``points`` are ``(label, income, expense)``; labels like "2025-11" are shortened to month
    numbers with the year written below the first period and below each January. Negative
    amounts are clamped to zero in the drawing; ``<desc>`` carries every number as text.
    """
    _check_uid(uid)
    title = _check_label(title)
    if width < 200:
        raise ValueError("图表宽度至少 200")
    rows = [(_check_label(label), _check_money(inc), _check_money(exp)) for label, inc, exp in points]
    if len(rows) > MAX_TREND_PERIODS:
        raise ValueError(f"趋势图最多 {MAX_TREND_PERIODS} 期，实际 {len(rows)} 期")
    if not rows:
        return _no_data(title, width)

    margin = 4.0
    tick_size, label_size = 12, 12
    top_value = max(max(inc, exp) for _, inc, exp in rows)
    ticks = _ticks(top_value)
    axis_top = ticks[-1]
    tick_labels = [_tick_label(t) for t in ticks]
    left = margin + max(_width(t, tick_size) for t in tick_labels) + 6
    right = width - margin
    plot_w = right - left

    title_markup, y = _title_block(title, width, margin)
    parts = [title_markup]

    # legend: swatches + names, unit on the right
    ly = y + 2
    parts.append(f'<rect x="{_n(margin)}" y="{_n(ly)}" width="12" height="12" fill="{DARK}"/>')
    parts.append(f'<text x="{_n(margin + 17)}" y="{_n(ly + 11)}" font-size="13">收入</text>')
    ex = margin + 17 + _width("收入", 13) + 16
    parts.append(
        f'<rect x="{_n(ex)}" y="{_n(ly + 0.5)}" width="11" height="11" fill="{LIGHT}" stroke="{DARK}"/>'
    )
    parts.append(f'<text x="{_n(ex + 17)}" y="{_n(ly + 11)}" font-size="13">支出</text>')
    parts.append(
        f'<text x="{_n(right)}" y="{_n(ly + 11)}" font-size="12" text-anchor="end" fill="{MUTED}">单位：元</text>'
    )

    plot_top = ly + 12 + 16
    plot_h = 160.0
    base = plot_top + plot_h

    # grid and y-axis labels
    grid = []
    for tick, text in zip(ticks, tick_labels, strict=True):
        ty = base - float(tick / axis_top) * plot_h
        grid.append(f"M{_n(left)} {_n(ty)}H{_n(right)}")
        parts.append(
            f'<text x="{_n(left - 5)}" y="{_n(ty + 4)}" font-size="{tick_size}" text-anchor="end" '
            f'fill="{MUTED}">{_text(text)}</text>'
        )
    parts.insert(1, f'<path d="{"".join(grid[1:])}" stroke="{GRID}" stroke-width="1" fill="none"/>')

    # bars
    n = len(rows)
    slot = plot_w / n
    bar_w = min(slot * 0.36, 24.0)
    gap = 1.0
    for i, (_, inc, exp) in enumerate(rows):
        cx = left + slot * (i + 0.5)
        for value, x, fill in ((inc, cx - gap / 2 - bar_w, DARK), (exp, cx + gap / 2, LIGHT)):
            if value <= 0:
                continue
            h = float(value / axis_top) * plot_h
            stroke = f' stroke="{DARK}" stroke-width="0.8"' if fill == LIGHT else ""
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(base - h)}" width="{_n(bar_w)}" height="{_n(h)}" fill="{fill}"{stroke}/>'
            )
    parts.append(
        f'<path d="M{_n(left)} {_n(base)}H{_n(right)}" stroke="{MUTED}" stroke-width="1" fill="none"/>'
    )

    # x labels and year line
    short, years, stride = _x_labels([label for label, _, _ in rows], slot, label_size)
    for i, text in enumerate(short):
        if i % stride:
            continue
        cx = left + slot * (i + 0.5)
        parts.append(
            f'<text x="{_n(cx)}" y="{_n(base + 16)}" font-size="{label_size}" text-anchor="middle">{_text(text)}</text>'
        )
    has_years = any(years)
    for i, year in enumerate(years):
        if not year:
            continue
        x = min(left + slot * i + 1, right - _width(year, label_size))
        parts.append(
            f'<text x="{_n(x)}" y="{_n(base + 32)}" font-size="{label_size}" fill="{MUTED}">{_text(year)}</text>'
        )
    height = base + (38 if has_years else 22)

    desc = "；".join(
        f"{label}：收入 {format_money(inc)} 元，支出 {format_money(exp)} 元" for label, inc, exp in rows
    )
    return (
        _svg_open(width, height)
        + f"<title>{_text(title)}</title><desc>{_text(desc)}</desc>"
        + "".join(parts)
        + "</svg>"
    )
