"""Flowchart SVG rendering: structure, text safety, ids, layout bounds, determinism."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunwu.model.power import PowerItem
from cunwu.render.flowchart import (
    LABEL_SIZE,
    SUB_SIZE,
    flow_outline,
    flowchart_svg,
    text_width,
    wrap,
)

SVG = "{http://www.w3.org/2000/svg}"


def make_item(flow: list[dict], name: str = "测试事项", item_id: str = "test-item") -> PowerItem:
    """A PowerItem with every scalar as text, the way the YAML loader supplies it."""
    return PowerItem.model_validate(
        {
            "status": "approved",
            "approved_on": "2026-01-05",
            "id": item_id,
            "number": "1",
            "group": "collective",
            "name": name,
            "basis": ["《中华人民共和国村民委员会组织法》"],
            "responsible": "村党组织、村民委员会",
            "public": "决议内容及实施结果",
            "supervisor": [{"label": "镇纪委监督电话", "number": "0571-12388"}],
            "flow": flow,
        }
    )


# 四议两公开: two decisions whose "no" branches both skip to the same end at the bottom
SIYI_FLOW = [
    {"id": "propose", "step": "村党组织提议", "actor": "村党组织", "next": "discuss"},
    {"id": "discuss", "step": "村“两委”联席会议商议", "actor": "村“两委”", "next": "review"},
    {"id": "review", "step": "党员大会审议", "actor": "村党组织", "next": "review-ok"},
    {
        "id": "review-ok",
        "decision": "到会党员超过三分之二，且经到会党员过半数同意？",
        "yes": "resolve",
        "no": "rejected",
    },
    {"id": "resolve", "step": "村民会议或村民代表会议决议", "actor": "村民委员会", "next": "resolve-ok"},
    {"id": "resolve-ok", "decision": "决议是否通过？", "yes": "publish", "no": "rejected"},
    {
        "id": "publish",
        "step": "决议公开",
        "actor": "村民委员会",
        "time_limit": "2个工作日",
        "next": "implement",
    },
    {"id": "implement", "step": "组织实施", "actor": "村民委员会", "next": "result"},
    {"id": "result", "step": "实施结果公开", "actor": "村务监督委员会", "next": "done"},
    {"id": "done", "end": "办结归档"},
    {"id": "rejected", "end": "未通过：暂缓实施或修改后重新提议"},
]

# 低保: the objection during the public notice loops back to re-investigation
DIBAO_FLOW = [
    {"id": "apply", "step": "申请人提出书面申请", "actor": "申请人", "next": "check"},
    {"id": "check", "step": "乡镇审核申请材料", "actor": "乡镇人民政府", "next": "docs-ok"},
    {"id": "docs-ok", "decision": "材料是否齐全？", "yes": "investigate", "no": "docs-missing"},
    {
        "id": "investigate",
        "step": "入户调查、邻里访问、信息核对",
        "actor": "乡镇人民政府、村民委员会",
        "time_limit": "3个工作日",
        "next": "opinion",
    },
    {"id": "opinion", "step": "乡镇提出审核意见", "actor": "乡镇人民政府", "next": "notice"},
    {
        "id": "notice",
        "step": "在申请人所在村公示",
        "actor": "村民委员会",
        "time_limit": "7天",
        "next": "objection",
    },
    {"id": "objection", "decision": "公示期间有无异议？", "yes": "investigate", "no": "decide"},
    {
        "id": "decide",
        "step": "县级民政部门审批",
        "actor": "县民政局",
        "time_limit": "10个工作日",
        "next": "approved",
    },
    {"id": "approved", "decision": "是否符合低保条件？", "yes": "pay", "no": "refuse"},
    {"id": "pay", "end": "从次月起发放低保金"},
    {"id": "refuse", "end": "书面告知不予批准的理由"},
    {"id": "docs-missing", "end": "一次性告知需补齐的材料"},
]

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "]]>",
    "&amp;",
    "a < b & c > 'd' \"e\"",
]


@pytest.fixture
def siyi() -> PowerItem:
    return make_item(SIYI_FLOW, name="村级重大事项决策（四议两公开）", item_id="major-decision")


@pytest.fixture
def dibao() -> PowerItem:
    return make_item(DIBAO_FLOW, name="最低生活保障申请", item_id="dibao")


# --- helpers ---


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def viewbox(root: ET.Element) -> tuple[float, float]:
    _, _, w, h = (float(v) for v in root.get("viewBox").split())
    return w, h


def classes(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def text_elements(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(SVG + "text"))


def joined(el: ET.Element) -> str:
    """A <text>'s content with its tspans (one per wrapped line) joined back together."""
    return "".join(el.itertext())


def label_texts(root: ET.Element) -> list[str]:
    return [joined(t) for t in text_elements(root) if "fc-label" in classes(t)]


def node_shapes(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if "fc-node" in classes(el)]


def edges(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if "fc-edge" in classes(el)]


def all_ids(root: ET.Element) -> list[str]:
    return [el.get("id") for el in root.iter() if el.get("id") is not None]


def flow_edge_count(item: PowerItem) -> int:
    return sum(len(n.targets()) for n in item.flow)


def path_points(d: str) -> list[tuple[float, float]]:
    """Absolute points of a path made only of M, H and V commands (what the renderer emits)."""
    pts: list[tuple[float, float]] = []
    x = y = 0.0
    for cmd, args in re.findall(r"([MHV])([-0-9.,]+)", d):
        if cmd == "M":
            x, y = (float(v) for v in args.split(","))
        elif cmd == "H":
            x = float(args)
        else:
            y = float(args)
        pts.append((x, y))
    return pts


def right_edge_of_boxes(root: ET.Element) -> float:
    right = 0.0
    for el in node_shapes(root):
        if el.tag == SVG + "rect":
            right = max(right, float(el.get("x")) + float(el.get("width")))
        else:
            right = max(right, *(float(p.split(",")[0]) for p in el.get("points").split()))
    return right


# --- structure ---


@pytest.mark.parametrize("flow", ["siyi", "dibao"])
def test_structure(flow: str, request: pytest.FixtureRequest) -> None:
    item: PowerItem = request.getfixturevalue(flow)
    svg = flowchart_svg(item, uid="c1")
    assert not svg.startswith("<?xml")
    root = parse(svg)
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert item.name in root.get("aria-label")
    assert root.find(SVG + "title").text == item.name
    desc = root.find(SVG + "desc").text
    # the description lists the nodes in authoring order
    positions = [desc.index(n.label) for n in item.flow]
    assert positions == sorted(positions)

    labels = label_texts(root)
    for node in item.flow:
        assert node.label in labels
    assert len(node_shapes(root)) == len(item.flow)
    kinds = [
        next(c for c in classes(el) if c in {"fc-step", "fc-decision", "fc-end"}) for el in node_shapes(root)
    ]
    assert kinds == [f"fc-{n.kind}" for n in item.flow]

    arrows = edges(root)
    assert len(arrows) == flow_edge_count(item)
    assert all(a.get("marker-end") == "url(#c1-arrow)" for a in arrows)
    # the referenced marker exists
    assert "c1-arrow" in all_ids(root)
    # 是 and 否 tags: one per decision branch
    tags = [joined(t) for t in text_elements(root) if "fc-tag" in classes(t)]
    decisions = sum(1 for n in item.flow if n.kind == "decision")
    assert sorted(tags) == sorted(["是", "否"] * decisions)
    # the start is marked
    assert "开始" in [joined(t) for t in text_elements(root)]


def test_secondary_line(dibao: PowerItem) -> None:
    root = parse(flowchart_svg(dibao, uid="c"))
    subs = [joined(t) for t in text_elements(root) if "fc-sub" in classes(t)]
    assert "县民政局 · 10个工作日" in subs
    assert "申请人" in subs
    for t in text_elements(root):
        size = float(t.get("font-size"))
        if "fc-label" in classes(t):
            assert size >= 15
        else:
            assert size >= 13


def test_shapes_per_kind(dibao: PowerItem) -> None:
    root = parse(flowchart_svg(dibao, uid="c"))
    shapes = node_shapes(root)
    for node, el in zip(dibao.flow, shapes, strict=True):
        if node.kind == "decision":
            assert el.tag == SVG + "polygon"
        else:
            assert el.tag == SVG + "rect"
        if node.kind == "end":
            assert float(el.get("rx")) * 2 >= min(float(el.get("height")), 44)
    # decisions, steps and ends are filled differently
    fills = {n.kind: el.get("fill") for n, el in zip(dibao.flow, shapes, strict=True)}
    assert len(set(fills.values())) == 3
    # the start node has the heaviest outline
    widths = [float(el.get("stroke-width")) for el in shapes]
    assert widths[0] > max(widths[1:])


def test_outline(dibao: PowerItem) -> None:
    outline = flow_outline(dibao)
    assert [e["id"] for e in outline] == [n.id for n in dibao.flow]
    objection = next(e for e in outline if e["id"] == "objection")
    assert objection["kind"] == "decision"
    assert objection["edges"] == [
        ("是", "investigate", "入户调查、邻里访问、信息核对"),
        ("否", "decide", "县级民政部门审批"),
    ]
    decide = next(e for e in outline if e["id"] == "decide")
    assert decide["actor"] == "县民政局"
    assert decide["time_limit"] == "10个工作日"
    assert decide["edges"] == [("", "approved", "是否符合低保条件？")]
    assert outline[-1]["edges"] == []


# --- ids ---


def test_ids_prefixed_and_unique_across_charts(siyi: PowerItem, dibao: PowerItem) -> None:
    a = parse(flowchart_svg(siyi, uid="power-1"))
    b = parse(flowchart_svg(dibao, uid="power-2"))
    ids_a, ids_b = all_ids(a), all_ids(b)
    assert ids_a and ids_b
    assert all(i.startswith("power-1") for i in ids_a)
    assert all(i.startswith("power-2") for i in ids_b)
    assert not set(ids_a) & set(ids_b)
    assert len(ids_a) == len(set(ids_a))
    # every url(#...) reference points at one of the chart's own ids
    for root, ids in ((a, ids_a), (b, ids_b)):
        for el in root.iter():
            for value in el.attrib.values():
                for ref in re.findall(r"url\(#([^)]*)\)", value):
                    assert ref in ids


def test_same_item_two_uids(dibao: PowerItem) -> None:
    a = all_ids(parse(flowchart_svg(dibao, uid="x")))
    b = all_ids(parse(flowchart_svg(dibao, uid="y")))
    assert not set(a) & set(b)


@pytest.mark.parametrize("uid", ["", "1abc", "a b", 'a")', "a)b"])
def test_bad_uid_rejected(dibao: PowerItem, uid: str) -> None:
    with pytest.raises(ValueError):
        flowchart_svg(dibao, uid=uid)


# --- safety ---


def test_hostile_labels_are_literal_text() -> None:
    flow = [
        {"id": f"s{i}", "step": text, "actor": text, "time_limit": text, "next": f"s{i + 1}"}
        for i, text in enumerate(HOSTILE)
    ]
    flow.append({"id": f"s{len(HOSTILE)}", "decision": HOSTILE[1], "yes": "s0", "no": "end"})
    flow.append({"id": "end", "end": HOSTILE[0]})
    name = '<script>alert("x")</script>&amp;]]>'
    item = make_item(flow, name=name)
    svg = flowchart_svg(item, uid="h")
    root = parse(svg)
    assert root.find(SVG + "title").text == name
    assert name in root.get("aria-label")
    labels = label_texts(root)
    subs = [joined(t) for t in text_elements(root) if "fc-sub" in classes(t)]
    for text in HOSTILE:
        # wrapping may break at spaces: compare without them
        assert text.replace(" ", "") in [s.replace(" ", "") for s in labels]
        assert f"{text} · {text}".replace(" ", "") in [s.replace(" ", "") for s in subs]
    for el in root.iter():
        local = el.tag.split("}")[-1].lower()
        assert local not in {"script", "foreignobject", "img", "image", "a", "iframe", "use"}
        for attr, value in el.attrib.items():
            name_ = attr.split("}")[-1].lower()
            assert not name_.startswith("on")
            assert name_ != "href"
            if name_ == "style":
                assert "url(" not in value
    assert "<script" not in svg
    assert "<img" not in svg


def test_xml_invalid_characters_dropped() -> None:
    item = make_item(
        [
            {"id": "a", "step": "申请\x00人\x07提交\ufffe材料", "next": "b"},
            {"id": "b", "end": "办结"},
        ]
    )
    root = parse(flowchart_svg(item, uid="z"))
    assert "申请人提交材料" in label_texts(root)


# --- determinism ---


def test_deterministic(siyi: PowerItem, dibao: PowerItem) -> None:
    for item in (siyi, dibao):
        first = flowchart_svg(item, uid="d")
        again = flowchart_svg(
            make_item([n.model_dump(exclude_none=True) for n in item.flow], name=item.name, item_id=item.id),
            uid="d",
        )
        assert first == again
        assert flow_outline(item) == flow_outline(item)
    # coordinates are integers or carry one decimal
    svg = flowchart_svg(dibao, uid="d")
    assert not re.search(r"\d\.\d\d", svg.split("<desc>")[0] + svg.split("</desc>")[1])


def test_compact(siyi: PowerItem, dibao: PowerItem) -> None:
    assert len(siyi.flow) >= 10 and len(dibao.flow) >= 10
    for item in (siyi, dibao):
        assert len(flowchart_svg(item, uid="p").encode()) < 10_000


# --- layout bounds ---


def text_extents(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """(text, left, right, top, bottom) of every rendered line, by the renderer's own estimate."""
    out = []
    for t in text_elements(root):
        size = float(t.get("font-size"))
        anchor = t.get("text-anchor", "start")
        lines = list(t.iter(SVG + "tspan")) or [t]
        for line in lines:
            content = line.text or ""
            x, y = float(line.get("x")), float(line.get("y"))
            w = text_width(content, size)
            left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
            out.append((content, left, left + w, y - size, y + 0.25 * size))
    return out


@pytest.mark.parametrize("width", [300, 360, 480, 640])
def test_text_inside_viewbox(siyi: PowerItem, dibao: PowerItem, width: int) -> None:
    for item in (siyi, dibao):
        root = parse(flowchart_svg(item, uid="v", width=width))
        w, h = viewbox(root)
        assert w >= width
        for content, left, right, top, bottom in text_extents(root):
            assert left >= 0 and right <= w, content
            assert top >= 0 and bottom <= h, content


def test_labels_inside_their_boxes(dibao: PowerItem) -> None:
    root = parse(flowchart_svg(dibao, uid="b"))
    shapes = node_shapes(root)
    texts = [t for t in text_elements(root) if "fc-label" in classes(t)]
    for shape, text in zip(shapes, texts, strict=True):
        if shape.tag == SVG + "rect":
            x0, w = float(shape.get("x")), float(shape.get("width"))
            y0, hgt = float(shape.get("y")), float(shape.get("height"))
        else:
            pts = [tuple(float(v) for v in p.split(",")) for p in shape.get("points").split()]
            x0, y0 = min(p[0] for p in pts), min(p[1] for p in pts)
            w, hgt = max(p[0] for p in pts) - x0, max(p[1] for p in pts) - y0
        for line in text.iter(SVG + "tspan"):
            lw = text_width(line.text, LABEL_SIZE)
            x, y = float(line.get("x")), float(line.get("y"))
            assert x0 < x - lw / 2 and x + lw / 2 < x0 + w
            assert y0 < y - LABEL_SIZE and y < y0 + hgt


def test_long_label_wraps() -> None:
    long_label = "村集体经济组织" * 5 + "资产处置方案审议"  # 43 CJK characters
    long_actor = "村民委员会、村务监督委员会、村集体经济组织理事会"
    item = make_item(
        [
            {"id": "a", "step": long_label, "actor": long_actor, "time_limit": "15个工作日", "next": "q"},
            {"id": "q", "decision": long_label + "？", "yes": "done", "no": "a"},
            {"id": "done", "end": long_label},
        ]
    )
    root = parse(flowchart_svg(item, uid="w"))
    w, _ = viewbox(root)
    assert w == 360
    for t in text_elements(root):
        if "fc-label" in classes(t):
            lines = [s.text for s in t.iter(SVG + "tspan")]
            assert len(lines) >= 3
            assert "".join(lines) in (long_label, long_label + "？")
    for content, left, right, _, _ in text_extents(root):
        assert left >= 0 and right <= w, content
    # the secondary line wraps too, at the smaller size
    subs = [t for t in text_elements(root) if "fc-sub" in classes(t)]
    assert len(list(subs[0].iter(SVG + "tspan"))) >= 2


def test_wrap_rules() -> None:
    # 16 characters wide at most
    lines = wrap("入户调查、邻里访问、信息核对以及对家庭收入和财产状况的核查。", 16, 16 * 10)
    assert all(text_width(line, 16) <= 160 for line in lines)
    assert not any(line[0] in "，。、？" for line in lines)
    assert "".join(lines) == "入户调查、邻里访问、信息核对以及对家庭收入和财产状况的核查。"
    # lines are balanced: no lone character left on the last line
    assert len(wrap("一二三四五六七八九十一", 16, 160)[-1]) > 1
    # ASCII words are not split when they fit
    lines = wrap("提交 2026 年 ABC 报表", 16, 16 * 4)
    assert any("2026" in line for line in lines) and any("ABC" in line for line in lines)
    # breaks fall after punctuation or before an opening bracket when that costs little
    assert wrap("到会党员超过三分之二，且经到会党员过半数同意？", 16, 246)[0].endswith("，")
    assert wrap("方案是否经村民代表会议表决通过（到会代表过半数同意）？", 16, 246)[1].startswith("（")
    # an overlong ASCII run is broken rather than spilling out
    lines = wrap("x" * 80, 16, 100)
    assert all(text_width(line, 16) <= 100 for line in lines)
    # an explicit newline is kept as a line break
    assert wrap("第一行\n第二行", 16, 300) == ["第一行", "第二行"]
    assert SUB_SIZE >= 13 and LABEL_SIZE >= 15


# --- edges ---


def test_loop_back_edge_in_gutter(dibao: PowerItem) -> None:
    root = parse(flowchart_svg(dibao, uid="g"))
    right = right_edge_of_boxes(root)
    w, _ = viewbox(root)
    arrows = edges(root)
    # edges are emitted in authoring order of their sources, targets() order within a node
    order = [(n.id, t) for n in dibao.flow for _, t in n.targets()]
    loop = arrows[order.index(("objection", "investigate"))]
    pts = path_points(loop.get("d"))
    lane_x = max(x for x, _ in pts)
    assert right < lane_x < w
    # it goes up: ends above where it starts
    assert pts[-1][1] < pts[0][1]
    # and enters the target from the right with the arrow pointing left
    assert pts[-1][0] < pts[-2][0]


def test_straight_and_gutter_edges(dibao: PowerItem) -> None:
    root = parse(flowchart_svg(dibao, uid="g"))
    right = right_edge_of_boxes(root)
    index = {n.id: i for i, n in enumerate(dibao.flow)}
    lanes = []
    arrows = iter(edges(root))
    for i, node in enumerate(dibao.flow):
        seen_straight = False
        for _, target in node.targets():
            pts = path_points(next(arrows).get("d"))
            if index[target] == i + 1 and not seen_straight:
                seen_straight = True
                assert len(pts) == 2 and pts[0][0] == pts[1][0] and pts[1][1] > pts[0][1]
            else:
                assert len(pts) == 4
                lanes.append(pts[1][0])
                assert pts[1][0] > right
    # one distinct lane per gutter edge
    assert len(lanes) == len(set(lanes)) == 3


def test_gutter_segments_never_overlap(siyi: PowerItem, dibao: PowerItem) -> None:
    for item in (siyi, dibao):
        root = parse(flowchart_svg(item, uid="o"))
        horizontals, verticals = [], []
        for a in edges(root):
            pts = path_points(a.get("d"))
            for (x1, y1), (x2, y2) in zip(pts, pts[1:], strict=False):
                if y1 == y2:
                    horizontals.append((y1, min(x1, x2), max(x1, x2)))
                else:
                    verticals.append((x1, min(y1, y2), max(y1, y2)))
        for group in (horizontals, verticals):
            for k, (c, lo, hi) in enumerate(group):
                for c2, lo2, hi2 in group[k + 1 :]:
                    assert not (c == c2 and lo < hi2 and lo2 < hi), (c, lo, hi, lo2, hi2)


# --- robustness: any valid model renders ---


def test_odd_but_valid_flows() -> None:
    cases = [
        # both branches to the next node
        [
            {"id": "q", "decision": "是否？", "yes": "e", "no": "e"},
            {"id": "e", "end": "结束"},
        ],
        # a decision looping onto itself through a step, and onto the start
        [
            {"id": "a", "step": "开始办理", "next": "q"},
            {"id": "q", "decision": "材料齐全？", "yes": "e", "no": "a"},
            {"id": "e", "end": "办结"},
        ],
        # a self-loop
        [
            {"id": "q", "decision": "等待答复？", "yes": "q", "no": "e"},
            {"id": "e", "end": "办结"},
        ],
        # an end in the middle of the column and a skip over it
        [
            {"id": "q", "decision": "受理？", "yes": "s", "no": "x"},
            {"id": "x", "end": "不予受理"},
            {"id": "s", "step": "办理", "next": "e"},
            {"id": "e", "end": "办结"},
        ],
        # many loops: the canvas widens instead of crushing the boxes
        [{"id": f"q{i}", "decision": f"第{i}项检查通过？", "yes": f"q{i + 1}", "no": "q0"} for i in range(12)]
        + [{"id": "q12", "end": "全部通过"}],
    ]
    for n, flow in enumerate(cases):
        item = make_item(flow)
        svg = flowchart_svg(item, uid=f"o{n}")
        root = parse(svg)
        assert len(node_shapes(root)) == len(flow)
        assert len(edges(root)) == flow_edge_count(item)
        w, h = viewbox(root)
        for content, left, right, top, bottom in text_extents(root):
            assert left >= 0 and right <= w and top >= 0 and bottom <= h, content
        for a in edges(root):
            for x, y in path_points(a.get("d")):
                assert 0 <= x <= w and 0 <= y <= h


_LABEL_TEXT = st.text(
    alphabet=st.sampled_from(list("村民申请审核公示是否？，、（）<>&\"' ]]abcXYZ0123456789·—\n\t\x00")),
    min_size=1,
    max_size=60,
).filter(lambda t: t.strip())


@st.composite
def flows(draw: st.DrawFn) -> list[dict]:
    """Random flows whose targets all exist (cycles, self-loops and skips included)."""
    n = draw(st.integers(min_value=2, max_value=14))
    ids = [f"n{i}" for i in range(n)]
    nodes = []
    for i in range(n):
        kind = "end" if i == n - 1 else draw(st.sampled_from(["step", "decision", "end"]))
        node = {"id": ids[i], kind: draw(_LABEL_TEXT)}
        if draw(st.booleans()):
            node["actor"] = draw(_LABEL_TEXT)
        if draw(st.booleans()):
            node["time_limit"] = draw(_LABEL_TEXT)
        target = st.sampled_from(ids)
        if kind == "step":
            node["next"] = draw(target)
        elif kind == "decision":
            node["yes"], node["no"] = draw(target), draw(target)
        nodes.append(node)
    return nodes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flows(), width=st.sampled_from([240, 360, 520]))
def test_any_flow_renders(flow: list[dict], width: int) -> None:
    item = make_item(flow)
    svg = flowchart_svg(item, uid="r")
    assert svg == flowchart_svg(item, uid="r")
    root = parse(svg)
    assert len(node_shapes(root)) == len(flow)
    assert len(edges(root)) == flow_edge_count(item)
    assert all(i.startswith("r-") for i in all_ids(root))
    w, h = viewbox(root)
    for content, left, right, top, bottom in text_extents(root):
        assert left >= 0 and right <= w and top >= 0 and bottom <= h, content
    right_of_boxes = right_edge_of_boxes(root)
    lanes = []
    for a in edges(root):
        pts = path_points(a.get("d"))
        assert all(0 <= x <= w and 0 <= y <= h for x, y in pts)
        if len(pts) == 4:
            assert pts[1][0] > right_of_boxes
            lanes.append(pts[1][0])
    assert len(lanes) == len(set(lanes))
    assert len(flow_outline(item)) == len(flow)


# --- rendering: look at it ---


def _weasyprint_png(svgs: list[str], out: Path, tmp: Path) -> list[Path]:
    from weasyprint import HTML

    body = "".join(f'<div class="chart">{s}</div>' for s in svgs)
    html = (
        '<!doctype html><html><head><meta charset="utf-8"><style>'
        '@page { size: A4; margin: 12mm } body { font-family: "Noto Sans CJK SC" }'
        ".chart { width: 100mm; margin: 0 auto 8mm; break-inside: avoid }"
        "</style></head><body>" + body + "</body></html>"
    )
    pdf = tmp / "chart.pdf"
    HTML(string=html).write_pdf(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(out)], check=True)
    return sorted(out.parent.glob(out.name + "*.png"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm not installed")
def test_weasyprint_renders(dibao: PowerItem, siyi: PowerItem, tmp_path: Path) -> None:
    pngs = _weasyprint_png(
        [flowchart_svg(dibao, uid="p1"), flowchart_svg(siyi, uid="p2")], tmp_path / "page", tmp_path
    )
    assert pngs and all(p.stat().st_size > 5_000 for p in pngs)
