"""Power-item flowcharts (权力运行流程图) drawn as inline SVG at build time.

The chart must read on a phone without zooming and print through WeasyPrint's
own SVG renderer, so it keeps to plain SVG 1.1 (rect, polygon, path, text,
tspan, marker, g) with presentation attributes, and lays everything out in
one top-to-bottom column in authoring order:

* node ``i`` → node ``i+1`` is a straight arrow down the middle;
* every other edge (skips, loops, a decision's second branch) leaves its
  source on the right, runs down or up its own vertical lane in a gutter to
  the right of the boxes, and enters the target's right side with an arrow.

SVG has no text wrapping, so labels are measured with a width estimate (CJK
and full-width punctuation 1 em, ASCII about 0.55 em) and broken into lines
here; box heights follow the line count. All text is data: it is escaped,
never interpreted, and every id carries the caller's ``uid`` prefix so that
several charts can share one page.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from ..model.power import FlowNode, PowerItem

# --- geometry (viewBox units; at width=360 one unit is about one CSS pixel on a phone) ---

LABEL_SIZE = 16  # node label font size: >= 15 px on a 390 px phone
SUB_SIZE = 14  # "actor · time limit" line
TAG_SIZE = 14  # 是/否 and 开始
LABEL_LEADING = 1.3  # line height as a multiple of the font size
SUB_LEADING = 1.3
MARGIN = 8  # around the whole chart
PAD_X = 10  # text inset inside a box
PAD_Y = 9
SUB_GAP = 3  # between the label and the secondary line
NODE_GAP = 30  # vertical space between boxes: room for an arrow and a 是/否 tag
END_INSET = 12  # extra text inset in an end pill, clear of its rounded ends
PILL_RADIUS = 22  # an end pill's corner radius (half its height when it is one line)
HEX_INSET = 16  # how far a decision's left/right points stick out beyond its flat top
GUTTER_PAD = 24  # box edge to the first lane: room for a 是/否 tag on the exit stub
LANE_GAP = 12  # between two gutter lanes
PORT_GAP = 11  # minimum vertical distance between two gutter ports on one box side
TAGGED_PORT_GAP = 18  # ... on a decision, whose exit stub carries a 是/否 tag
MIN_BOX_WIDTH = 200  # below this the canvas widens instead of squeezing the boxes
ARROW = 8  # arrowhead length
START_H = 24  # the "开始" pill above the first node
START_ARROW = 16

# high contrast on light fills; each kind has its own fill and the shapes differ,
# so the chart still reads when printed in greyscale
INK = "#111111"
EDGE = "#333333"
STYLE = {
    "step": ("#eaf2fb", "#1f4e79"),
    "decision": ("#fff1c9", "#7a5200"),
    "end": ("#e2f0e2", "#1e5e20"),
}
START_FILL = "#1f4e79"
FONT_FAMILY = (
    "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',sans-serif"
)

_UID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# characters XML 1.0 cannot carry at all: drop them rather than emit a broken document
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# --- text measurement and wrapping ---

# no line may start with these (closing punctuation), nor end with the openers
_NO_LINE_START = set("，。、；：？！）】」』》〉〕］｝”’…—·%,.;:?!)]}")
_NO_LINE_END = set("（【「『《〈〔［｛“‘([{")
_NARROW = set("ilI.,:;'|!`j()[]{} ")
_WIDE = set("mwMW@%&")


def char_width(ch: str) -> float:
    """Estimated advance of one character in em.

    CJK and full-width (and ambiguous, which CJK fonts draw wide) count as 1;
    ASCII about 0.55 with a few narrow and wide exceptions. Overestimating is
    safe (a little extra space), underestimating spills text out of its box.
    """
    if ch.isascii():
        if ch in _NARROW:
            return 0.32
        if ch in _WIDE:
            return 0.9
        if ch.isupper():
            return 0.68
        return 0.56
    if unicodedata.combining(ch):
        return 0.0
    if unicodedata.east_asian_width(ch) in ("W", "F", "A"):
        return 1.0
    return 0.7


def text_width(text: str, size: float) -> float:
    """Estimated rendered width of ``text`` at font size ``size``."""
    return sum(char_width(c) for c in text) * size


def clean_text(text: str) -> str:
    """Make a label safe to carry in XML and flat for layout.

    Characters XML cannot encode are dropped; tabs and other odd whitespace
    become spaces. Newlines are kept: they are a cadre's explicit line break.
    """
    text = _XML_INVALID.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(" " if c.isspace() and c != "\n" else c for c in text)
    return "\n".join(re.sub(" +", " ", part).strip() for part in text.split("\n")).strip()


def _units(text: str) -> list[str]:
    """Split a line into unbreakable units: one CJK character, or one ASCII word.

    Spaces become their own units (break opportunities that vanish at a line
    end). Closing punctuation sticks to the unit before it and opening
    punctuation to the unit after it, so neither is stranded at a line edge.
    """
    raw: list[str] = []
    for ch in text:
        if ch == " ":
            raw.append(" ")
        elif ch.isascii() and ch not in _NO_LINE_START and ch not in _NO_LINE_END and raw:
            prev = raw[-1]
            if prev != " " and prev[-1].isascii() and prev[-1] not in _NO_LINE_START:
                raw[-1] = prev + ch  # extend the ASCII word
            else:
                raw.append(ch)
        else:
            raw.append(ch)
    units: list[str] = []
    glue_next = False
    for u in raw:
        if glue_next and u != " ":
            units[-1] += u
            glue_next = False
        elif u != " " and u[0] in _NO_LINE_START and units and units[-1] != " ":
            units[-1] += u
        else:
            units.append(u)
        if u != " " and u[-1] in _NO_LINE_END:
            glue_next = True
    return units


def _split_long(unit: str, size: float, max_width: float) -> list[str]:
    """Break one unit that is wider than a line (a long ASCII run) by characters."""
    pieces, cur = [], ""
    for ch in unit:
        if cur and text_width(cur + ch, size) > max_width:
            pieces.append(cur)
            cur = ch
        else:
            cur += ch
    return [*pieces, cur] if cur else pieces


# a line may end after these (or before an opening bracket) at no cost: the
# natural places to break a Chinese sentence
_GOOD_BREAK_AFTER = set("，。、；：？！）】」』》”’,;:?!) ")


def _good_break(before: str, after: str) -> bool:
    """Whether a line may end between these two units at no cost."""
    return before[-1] in _GOOD_BREAK_AFTER or after == " " or after[0] in _NO_LINE_END


def _line_width(units: list[str], size: float) -> float:
    return text_width("".join(units).strip(" "), size)


def wrap(text: str, size: float, max_width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` (estimated).

    Uses as few lines as possible; among those, prefers even line lengths (no
    lone character on the last line) and breaks after punctuation. A small
    dynamic programme over the break points does both: labels are short.
    """
    text = clean_text(text)
    max_width = max(max_width, size)  # always room for one character
    lines: list[str] = []
    for para in text.split("\n"):
        units: list[str] = []
        for u in _units(para):
            units.extend(_split_long(u, size, max_width) if text_width(u, size) > max_width else [u])
        lines.extend(_best_breaks(units, size, max_width))
    return lines or [""]


def _best_breaks(units: list[str], size: float, max_width: float) -> list[str]:
    """Lines for one paragraph: fewest lines, then least (squared slack + bad-break penalty)."""
    m = len(units)
    if not m or _line_width(units, size) <= max_width:
        return ["".join(units).strip(" ")] if m else []
    penalty = (2 * size) ** 2  # worth about two characters of imbalance
    # best[j] = (lines, badness, start of the last line) for units[:j]
    best: list[tuple[int, float, int] | None] = [None] * (m + 1)
    best[0] = (0, 0.0, 0)
    for j in range(1, m + 1):
        for i in range(j - 1, -1, -1):
            w = _line_width(units[i:j], size)
            if w > max_width and j - i > 1:
                break  # longer lines only get wider
            prev = best[i]
            if prev is None:
                continue
            cost = (max_width - w) ** 2
            if j < m and not _good_break(units[j - 1], units[j]):
                cost += penalty
            cand = (prev[0] + 1, prev[1] + cost, i)
            old = best[j]
            if old is None or cand[:2] < old[:2]:
                best[j] = cand
    out: list[str] = []
    j = m
    while j > 0:
        step = best[j]
        assert step is not None  # every line end was reached
        i = step[2]
        line = "".join(units[i:j]).strip(" ")
        if line:
            out.append(line)
        j = i
    return out[::-1]


# --- layout ---


@dataclass
class _Box:
    """Where one node sits and what it says."""

    node: FlowNode
    index: int
    x: float
    y: float = 0
    w: float = 0
    h: float = 0
    label: list[str] = field(default_factory=list)
    sub: list[str] = field(default_factory=list)
    ports: list[_Port] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.node.kind

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def pill_radius(self) -> float:
        return min(self.h / 2, PILL_RADIUS)

    def right_x(self, y: float) -> float:
        """x of this shape's right outline at height ``y`` (where a gutter edge attaches)."""
        x1 = self.x + self.w
        if self.kind == "decision":
            half = self.h / 2
            return x1 - HEX_INSET * abs(y - (self.y + half)) / half
        if self.kind == "end":
            r = self.pill_radius()
            cy = min(max(y, self.y + r), self.bottom - r)  # straight part between the arcs
            dy = y - cy
            return x1 - r + math.sqrt(max(r * r - dy * dy, 0))
        return x1


@dataclass
class _Edge:
    source: int
    target: int
    label: str  # "", "是" or "否"
    straight: bool
    lane: int = -1


@dataclass
class _Port:
    """One end of a gutter edge on a box's right side."""

    edge: _Edge
    outgoing: bool
    y: float = 0


def _resolve_edges(nodes: list[FlowNode]) -> list[_Edge]:
    """Turn ``targets()`` into index pairs; the first edge to the next node goes straight.

    Unknown targets cannot reach the renderer of a validated item, but are
    skipped rather than crashing; with duplicate ids the first node wins, as
    in the validator.
    """
    index: dict[str, int] = {}
    for i, n in enumerate(nodes):
        index.setdefault(n.id, i)
    edges: list[_Edge] = []
    for i, n in enumerate(nodes):
        has_straight = False
        for label, target in n.targets():
            t = index.get(target)
            if t is None:
                continue
            straight = t == i + 1 and not has_straight
            has_straight = has_straight or straight
            edges.append(_Edge(i, t, label, straight))
    return edges


def _assign_lanes(edges: list[_Edge]) -> int:
    """One lane per gutter edge: short spans innermost, so nested loops never cross."""
    gutter = [e for e in edges if not e.straight]
    gutter.sort(key=lambda e: (abs(e.target - e.source), min(e.source, e.target), e.source, e.target))
    for lane, e in enumerate(gutter):
        e.lane = lane
    return len(gutter)


def _order_ports(box: _Box) -> None:
    """Order a box's gutter ports top to bottom so their stubs do not cross lanes.

    Edges heading up leave from the top ports, innermost lane first; edges
    heading down leave from the bottom, innermost lane last; self-loops sit
    between them.
    """

    def other(p: _Port) -> int:
        return p.edge.target if p.outgoing else p.edge.source

    def key(p: _Port) -> tuple:
        o = other(p)
        if o < box.index:
            return (0, p.edge.lane, 0)
        if o == box.index:
            return (1, p.edge.lane, 0 if p.outgoing else 1)
        return (2, -p.edge.lane, 0)

    box.ports.sort(key=key)


def _measure(box: _Box, inner_width: float) -> None:
    """Wrap the node's text for its shape and set the box height."""
    kind = box.kind
    text_w = inner_width - 2 * PAD_X
    if kind == "decision":
        text_w -= 2 * HEX_INSET
    elif kind == "end":
        text_w -= 2 * END_INSET
    box.label = wrap(box.node.label, LABEL_SIZE, text_w)
    sub = " · ".join(clean_text(s) for s in (box.node.actor, box.node.time_limit) if s and clean_text(s))
    box.sub = wrap(sub, SUB_SIZE, text_w) if sub else []
    h = 2 * PAD_Y + len(box.label) * LABEL_SIZE * LABEL_LEADING
    if box.sub:
        h += SUB_GAP + len(box.sub) * SUB_SIZE * SUB_LEADING
    if kind == "decision":
        h += 6  # the slanted sides make a decision look cramped at text height
    # leave room to space the gutter ports apart on the right side, with more
    # around a decision's exit stubs, which carry a 是/否 tag
    tagged = sum(1 for p in box.ports if p.outgoing and p.edge.label)
    h = max(h, (len(box.ports) + 1) * PORT_GAP + tagged * 2 * (TAGGED_PORT_GAP - PORT_GAP))
    box.h = round(h)
    if kind == "end":
        # a terminal is a pill sized to its text, never wider than the column
        widest = max(
            [text_width(line, LABEL_SIZE) for line in box.label]
            + [text_width(line, SUB_SIZE) for line in box.sub]
        )
        w = max(widest + 2 * (PAD_X + END_INSET), inner_width * 0.55)
        box.w = round(min(w, inner_width))
        box.x = round(box.x + (inner_width - box.w) / 2)
    else:
        box.w = inner_width


@dataclass
class _Layout:
    width: int
    height: int
    boxes: list[_Box]
    edges: list[_Edge]
    lane_x: list[float]
    start_y: float


def _layout(nodes: list[FlowNode], width: int) -> _Layout:
    edges = _resolve_edges(nodes)
    lanes = _assign_lanes(edges)
    gutter = GUTTER_PAD + (lanes - 1) * LANE_GAP if lanes else 0
    # many loops: widen the canvas (the chart then scales down a little) rather
    # than squeeze the boxes until every label wraps into a tower
    canvas = max(width, 2 * MARGIN + gutter + MIN_BOX_WIDTH)
    col_w = canvas - 2 * MARGIN - gutter
    boxes = [_Box(n, i, MARGIN) for i, n in enumerate(nodes)]
    for e in edges:
        if not e.straight:
            boxes[e.source].ports.append(_Port(e, True))
            boxes[e.target].ports.append(_Port(e, False))
    y: float = MARGIN + START_H + START_ARROW
    for b in boxes:
        _measure(b, col_w)
        b.y = y
        y += b.h + NODE_GAP
        _order_ports(b)
        for k, p in enumerate(b.ports):
            p.y = round(b.y + b.h * (k + 1) / (len(b.ports) + 1))
    right = MARGIN + col_w
    lane_x: list[float] = [right + GUTTER_PAD + k * LANE_GAP for k in range(lanes)]
    height = round(y - NODE_GAP + MARGIN)
    return _Layout(canvas, height, boxes, edges, lane_x, MARGIN)


# --- SVG output ---


def _n(v: float) -> str:
    """Coordinates as integers when whole, else one decimal: deterministic and compact."""
    r = round(v, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _esc(text: str) -> str:
    """Text content: XML-escaped, and without characters XML cannot carry at all."""
    return escape(_XML_INVALID.sub("", text))


def _attrs(**kw: object) -> str:
    return "".join(
        f" {k.replace('_', '-')}={quoteattr(_XML_INVALID.sub('', str(v)))}"
        for k, v in kw.items()
        if v is not None
    )


def _text_lines(
    lines: list[str], x: float, top: float, size: int, leading: float, cls: str
) -> tuple[str, float]:
    """One <text> with a <tspan> per line, centred on ``x``; returns (svg, bottom)."""
    lh = size * leading
    spans = []
    for k, line in enumerate(lines):
        # baseline: centre the em box in the line box; CJK glyphs sit ~0.88 em below the em top
        base = top + k * lh + (lh - size) / 2 + size * 0.88
        spans.append(f'<tspan x="{_n(x)}" y="{_n(base)}">{_esc(line)}</tspan>')
    head = f'<text class="{cls}" font-size="{size}" text-anchor="middle">'
    return head + "".join(spans) + "</text>", top + len(lines) * lh


def _shape(box: _Box, start: bool) -> str:
    fill, stroke = STYLE[box.kind]
    sw = 3 if start else 1.5  # the start node gets a heavier outline
    common = f' class="fc-node fc-{box.kind}" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"'
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.bottom
    if box.kind == "decision":
        ym = y0 + box.h / 2
        pts = [
            (x0, ym),
            (x0 + HEX_INSET, y0),
            (x1 - HEX_INSET, y0),
            (x1, ym),
            (x1 - HEX_INSET, y1),
            (x0 + HEX_INSET, y1),
        ]
        return f'<polygon{common} points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in pts)}"/>'
    r = box.pill_radius() if box.kind == "end" else 4
    return f'<rect{common} x="{_n(x0)}" y="{_n(y0)}" width="{_n(box.w)}" height="{_n(box.h)}" rx="{_n(r)}"/>'


def _node_svg(box: _Box, start: bool) -> str:
    out = [_shape(box, start)]
    text_h = len(box.label) * LABEL_SIZE * LABEL_LEADING
    if box.sub:
        text_h += SUB_GAP + len(box.sub) * SUB_SIZE * SUB_LEADING
    top = box.y + (box.h - text_h) / 2
    label, bottom = _text_lines(box.label, box.cx, top, LABEL_SIZE, LABEL_LEADING, cls="fc-label")
    out.append(label)
    if box.sub:
        sub, _ = _text_lines(box.sub, box.cx, bottom + SUB_GAP, SUB_SIZE, SUB_LEADING, cls="fc-sub")
        out.append(sub)
    return "".join(out)


def _tag(text: str, x: float, y: float) -> str:
    """A 是/否 branch tag starting at ``x``; ``y`` is the baseline."""
    return (
        f'<text class="fc-tag" x="{_n(x)}" y="{_n(y)}" font-size="{TAG_SIZE}" font-weight="bold"'
        f">{_esc(text)}</text>"
    )


def _edge_svg(e: _Edge, lay: _Layout, marker: str) -> str:
    src, dst = lay.boxes[e.source], lay.boxes[e.target]
    head = f'<path class="fc-edge" fill="none" stroke="{EDGE}" stroke-width="1.6" marker-end="{marker}"'
    if e.straight:
        d = f"M{_n(src.cx)},{_n(src.bottom)}V{_n(dst.y)}"
        out = f'{head} d="{d}"/>'
        if e.label:
            out += _tag(e.label, src.cx + 6, src.bottom + TAG_SIZE + 2)
        return out
    p_out = next(p for p in src.ports if p.edge is e and p.outgoing)
    p_in = next(p for p in dst.ports if p.edge is e and not p.outgoing)
    sx, tx, lx = src.right_x(p_out.y), dst.right_x(p_in.y), lay.lane_x[e.lane]
    d = f"M{_n(sx)},{_n(p_out.y)}H{_n(lx)}V{_n(p_in.y)}H{_n(tx)}"
    out = f'{head} d="{d}"/>'
    if e.label:
        # beside the stub where the branch leaves, on the side away from the shape's slant
        above = p_out.y <= src.y + src.h / 2 + 1  # ports are rounded to whole units
        ty = p_out.y - 4 if above else p_out.y + TAG_SIZE + 1
        out += _tag(e.label, sx + 4, ty)
    return out


def _start_svg(first: _Box, top: float, marker: str) -> str:
    """A small dark "开始" pill with a short arrow into the first node."""
    w = text_width("开始", TAG_SIZE) + 20
    x = first.cx - w / 2
    base = top + (START_H - TAG_SIZE) / 2 + TAG_SIZE * 0.88
    return (
        f'<g class="fc-start"><rect x="{_n(x)}" y="{_n(top)}" width="{_n(w)}" height="{START_H}"'
        f' rx="{START_H // 2}" fill="{START_FILL}"/>'
        f'<text x="{_n(first.cx)}" y="{_n(base)}" font-size="{TAG_SIZE}" font-weight="bold"'
        f' text-anchor="middle" fill="#ffffff">开始</text>'
        f'<path fill="none" stroke="{EDGE}" stroke-width="1.6" d="M{_n(first.cx)},{_n(top + START_H)}'
        f'V{_n(first.y)}" marker-end="{marker}"/></g>'
    )


def _desc(item: PowerItem) -> str:
    """The flow as plain text, in authoring order, for screen readers and text extraction."""
    outline = flow_outline(item)
    numbers: dict[str, int] = {}
    for k, entry in enumerate(outline, 1):
        numbers.setdefault(entry["id"], k)
    parts = []
    for n, entry in enumerate(outline, 1):
        extra = " · ".join(s for s in (entry["actor"], entry["time_limit"]) if s)
        line = f"{n}. {entry['label']}" + (f"（{extra}）" if extra else "")
        for label, target_id, target_label in entry["edges"]:
            to = f"第{numbers[target_id]}项" if target_id in numbers else target_label
            line += f" {label}→{to}" if label else f" →{to}"
        if entry["kind"] == "end":
            line += "（结束）"
        parts.append(line)
    return "；".join(parts)


def flowchart_svg(item: PowerItem, *, uid: str, width: int = 360) -> str:
    """Draw ``item.flow`` as one inline ``<svg>`` element.

    ``uid`` prefixes every id the chart emits (it must be a plain XML name such
    as ``power-3``); ``width`` is the viewBox width, text sizes are fixed, so a
    wider chart simply fits more characters per line.
    """
    if not _UID.fullmatch(uid):
        raise ValueError(f"uid must be a plain XML name, got {uid!r}")
    width = max(int(width), 2 * MARGIN + MIN_BOX_WIDTH)
    lay = _layout(list(item.flow), width)
    marker_id = f"{uid}-arrow"
    marker = f"url(#{marker_id})"
    name = clean_text(item.name)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fc" viewBox="0 0 {lay.width} {lay.height}"'
        f' width="100%" style="max-width:720px;height:auto" role="img"'
        f'{_attrs(aria_label=f"{name}流程图", font_family=FONT_FAMILY)} fill="{INK}">',
        f"<title>{_esc(name)}</title>",
        f"<desc>{_esc(_desc(item))}</desc>",
        f'<defs><marker id="{marker_id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="{ARROW}"'
        f' markerHeight="{ARROW}" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M0,0L10,5L0,10z" fill="{EDGE}"/></marker></defs>',
    ]
    if lay.boxes:
        parts.append(_start_svg(lay.boxes[0], lay.start_y, marker))
    parts.append("<g>")
    parts.extend(_edge_svg(e, lay, marker) for e in lay.edges)
    parts.append("</g><g>")
    parts.extend(_node_svg(b, b.index == 0) for b in lay.boxes)
    parts.append("</g></svg>")
    return "".join(parts)


def flow_outline(item: PowerItem) -> list[dict]:
    """The flow as an ordered text outline (for the HTML page: screen readers, no JS, copying).

    Each entry: ``{id, kind, label, actor, time_limit, edges}`` where ``edges``
    is a list of ``(edge label, target id, target label)``; the edge label is
    "" for a step's next step, 是 or 否 for a decision's branches. ``actor`` and
    ``time_limit`` are "" when the node has none: the template prints them as
    they are, and None would print as the word "None".
    """
    labels: dict[str, str] = {}
    for n in item.flow:
        labels.setdefault(n.id, n.label)
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "label": n.label,
            "actor": n.actor or "",
            "time_limit": n.time_limit or "",
            "edges": [(label, target, labels.get(target, target)) for label, target in n.targets()],
        }
        for n in item.flow
    ]
