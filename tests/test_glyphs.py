"""The shipped glyph table and the validate check built on it (validate/glyphs.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from cunwu.load.frontmatter import parse_markdown
from cunwu.load.yamlsafe import parse_yaml
from cunwu.validate import glyphs

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "plugins" / "cunwu" / "data" / glyphs.TABLE


def _header_sha(name: str) -> str:
    m = re.search(rf"{re.escape(name)} sha256 ([0-9a-f]{{64}})", TABLE.read_text("utf-8"))
    assert m, name
    return m.group(1)


def test_table_is_what_the_pinned_poster_faces_draw():
    """Regenerated from the very font files it names, the table is the same."""
    from fontTools.ttLib import TTFont

    noto = Path("/usr/share/fonts/opentype/noto")
    paths = [noto / "NotoSansCJK-Regular.ttc", noto / "NotoSansCJK-Bold.ttc"]
    if not all(p.is_file() for p in paths):
        pytest.skip("fonts-noto-cjk is not installed")
    if any(hashlib.sha256(p.read_bytes()).hexdigest() != _header_sha(p.name) for p in paths):
        pytest.skip(
            "another fonts-noto-cjk than the pinned one: rerun scripts/glyph-table on a pinned machine"
        )
    covered = set.intersection(*(set(TTFont(str(p), fontNumber=2, lazy=True).getBestCmap()) for p in paths))
    table = {cp for a, b in glyphs.table()["poster"] for cp in range(a, b + 1)}
    assert table == covered


def test_table_covers_what_the_build_already_draws():
    """The base set and the rare characters drawn from a second subset of the same face
    (王堃, 李䶮, 张喆) are covered; the table is no accident of one machine."""
    from cunwu.write.fonts import base_charset

    rx = glyphs.uncovered()
    assert not rx.search("王堃李䶮张喆 0123-66880001（村委会）①㎡￥")
    # GB2312 and the ASCII set are all in the face
    assert not rx.search("".join(ch for ch in base_charset() if ch.isascii() or "\u4e00" <= ch <= "\u9fff"))


@pytest.mark.parametrize(
    "ch, severity, fix",
    [
        ("\U0002a6a5", "warning", "apt-get install fonts-babelstone-han"),  # 𪚥, Ext B
        ("\U0001f600", "error", "请不要使用这个字符"),  # emoji
        ("\ue000", "error", "私用区"),
        ("\u0378", "error", "未定义"),  # unassigned
    ],
)
def test_fix_named_for_each_kind_of_character(ch, severity, fix):
    assert glyphs.uncovered().fullmatch(ch)
    got_severity, message = glyphs.fix_for(ch)
    assert got_severity == severity and fix in message and f"U+{ord(ch):04X}" in message


def test_blanks_and_invisible_format_characters_are_never_reported():
    assert not glyphs.uncovered().search(" \t\n\r\u3000\u00a0\u200b\u200d\ufe0f\ufeff")


def test_each_character_at_its_own_line():
    text = 'name: 王𪚥\nnote: |\n  第一行\n  第二行😀\nother: "\\U0001F600"\n# 😀 in a comment\n'
    located, problems = parse_yaml("f.yaml", text)
    assert problems == []
    found = glyphs.glyph_problems("f.yaml", located, text=text)
    assert [(p.line, p.loc, p.severity) for p in found] == [
        (1, "name", "warning"),
        (4, "note", "error"),
        (5, "other", "error"),
    ]


def test_notice_body_lines_and_drafts():
    text = "---\nstatus: draft\ntitle: 公告😀\n---\n正文\n\n第三行\ue000\n"
    doc, problems = parse_markdown("n.md", text)
    assert problems == []
    found = glyphs.glyph_problems("n.md", doc.meta, doc.body, doc.body_line, text)
    assert [(p.line, p.severity) for p in found] == [(3, "warning"), (7, "warning")]
    assert all("草稿" in p.message for p in found)


def test_does_not_depend_on_the_machines_fonts(monkeypatch):
    """No fontconfig, no font file: validate answers from the table alone."""
    import cunwu.write.fonts as pdf

    def no_fonts(*a, **k):
        raise AssertionError("validate must not look at installed fonts")

    monkeypatch.setattr(pdf, "find_cjk_faces", no_fonts)
    monkeypatch.setattr(pdf, "_fc", no_fonts)
    located, _ = parse_yaml("f.yaml", "name: 李😀\n")
    assert [p.line for p in glyphs.glyph_problems("f.yaml", located, text="name: 李😀\n")] == [1]


def test_clean_files_cost_one_search():
    """A file without a rare character is not walked value by value."""
    located, _ = parse_yaml("f.yaml", "name: 王堃\n")
    located.data = None  # walking it would fail
    assert glyphs.glyph_problems("f.yaml", located, text="name: 王堃\n") == []
