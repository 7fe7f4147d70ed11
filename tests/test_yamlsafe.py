"""The located, safe YAML loader and the Markdown front matter reader."""

from __future__ import annotations

import time

import pytest

from cunwu.load.frontmatter import parse_markdown
from cunwu.load.yamlsafe import MAX_FILE_BYTES, Located, decode_text, format_loc, parse_yaml


def load(text: str) -> Located:
    located, problems = parse_yaml("f.yaml", text)
    assert problems == []
    return located


def only_problem(text: str):
    located, problems = parse_yaml("f.yaml", text)
    assert located is None
    [p] = problems
    return p.line, p.code


# ---------------------------------------------------------------- line numbers

STATEMENT = """\
period: 2026-10
income:
  - date: 2026-10-08
    amount: 3000.00
expense:
  - date: 2026-10-12
    voucher: 0013
    amount: 1250.50
    attachments:
      - path: a.jpg
  - {date: 2026-10-15, amount: 88.20}
signoff:
  oversight: [赵某,
    孙某]
"""


@pytest.mark.parametrize(
    "path, line",
    [
        ((), 1),
        (("period",), 1),
        (("income",), 2),
        (("income", 0), 3),
        (("income", 0, "amount"), 4),
        (("expense", 0, "voucher"), 7),
        (("expense", 0, "attachments", 0, "path"), 10),
        (("expense", 1), 11),
        (("expense", 1, "amount"), 11),
        (("signoff", "oversight", 1), 14),
    ],
)
def test_line_of_nested_paths(path, line):
    assert load(STATEMENT).line_of(path) == line


def test_line_of_a_missing_field_is_its_nearest_parent():
    located = load(STATEMENT)
    assert located.line_of(("expense", 1, "handler")) == 11
    assert located.line_of(("closing_balance",)) == 1
    assert located.line_of(("expense", 9, "amount")) == 5


def test_format_loc():
    assert format_loc(("expense", 3, "amount")) == "expense[3].amount"
    assert format_loc(("recipients", 0)) == "recipients[0]"
    assert format_loc(()) == ""


# ---------------------------------------------------------------- scalars stay text


@pytest.mark.parametrize(
    "text, value",
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ('"true"', "true"),
        ("'false'", "false"),
        ("~", None),
        ("null", None),
        ("", None),
        ('"null"', "null"),
        ("!!str null", "null"),
        ("0012", "0012"),
        ('"0012"', "0012"),
        ("500.10", "500.10"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("1e3", "1e3"),
        ("1_000", "1_000"),
        ("0x1F", "0x1F"),
        ("0o17", "0o17"),
        (".5", ".5"),
        ("-0.00", "-0.00"),
        (".inf", ".inf"),
        (".nan", ".nan"),
        ("12:30", "12:30"),  # YAML 1.1 sexagesimal: 750
        ("2026-10-05", "2026-10-05"),
        ("2026-10-05T08:00:00", "2026-10-05T08:00:00"),
        ("990101100201", "990101100201"),
        ("!!int 0012", "0012"),
        ("!!float 1.10", "1.10"),
    ],
)
def test_scalars(text, value):
    data = load(f"v: {text}\n").data
    assert data["v"] == value
    assert type(data["v"]) is type(value)


def test_keys_stay_text():
    assert load("2026: a\n0012: b\ntrue: c\n").data == {"2026": "a", "0012": "b", "true": "c"}


# ---------------------------------------------------------------- merge keys

MERGE = """\
defaults: &d
  handler: 李某
  approver: 王某
  account: "51301"
one:
  <<: *d
  approver: 赵某
two:
  account: "51303"
  <<: *d
three:
  <<: [{handler: 孙某}, *d]
  summary: 电费
"""


def test_merge_keys_values():
    data = load(MERGE).data
    assert data["one"] == {"handler": "李某", "approver": "赵某", "account": "51301"}
    assert data["two"] == {"account": "51303", "handler": "李某", "approver": "王某"}
    # of several sources, the first that has a key wins
    assert data["three"] == {"handler": "孙某", "approver": "王某", "account": "51301", "summary": "电费"}


@pytest.mark.parametrize(
    "path, line",
    [
        (("one", "handler"), 2),  # merged: where the value is written
        (("one", "approver"), 7),  # explicit after the merge: its own line
        (("two", "account"), 9),  # explicit before the merge: its own line
        (("two", "approver"), 3),
        (("three", "handler"), 12),  # from the first source
        (("three", "approver"), 3),
        (("three", "summary"), 13),
    ],
)
def test_merge_keys_lines(path, line):
    assert load(MERGE).line_of(path) == line


def test_merged_key_is_not_a_duplicate():
    _, problems = parse_yaml("f.yaml", MERGE)
    assert problems == []


@pytest.mark.parametrize("value", ["[1, 2]", "3", "[*x, 1]"])
def test_merge_of_a_non_mapping_is_refused(value):
    _, problems = parse_yaml("f.yaml", f"x: &x {{a: 1}}\ny:\n  <<: {value}\n")
    assert [(p.line, p.code) for p in problems] == [(3, "wrong-type")]


# ---------------------------------------------------------------- problems


def test_duplicate_key_keeps_the_data_and_reports_the_second():
    located, problems = parse_yaml("f.yaml", "a: 1\nb:\n  c: 2\n  c: 3\na: 4\n")
    assert located is not None
    assert [(p.line, p.code, p.loc) for p in problems] == [
        (4, "duplicate-key", "b.c"),
        (5, "duplicate-key", "a"),
    ]
    assert "第 3 行" in problems[0].message


@pytest.mark.parametrize(
    "text, line",
    [
        ("a: 1\nb: x: y\n", 2),  # colon inside a plain value
        ("a: 1\n\tb: 2\n", 2),  # tab indentation
        ("a: 1\nb: 'open\nc: 3\n", 2),  # an unclosed quote: where it opens
        ('a: 1\nb: "open', 2),
        ("a: 1\nb: [1, 2\n", 2),  # an unclosed bracket
        ("a:\n  b: 1\n c: 2\n", 3),  # inconsistent indentation
        ("a: 1\n---\nb: 2\n", 2),  # two documents
        ("a: *nowhere\n", 1),
    ],
)
def test_syntax_error_lines(text, line):
    assert only_problem(text) == (line, "yaml-syntax")


@pytest.mark.parametrize(
    "text, line, code",
    [
        ("0:\r\x850", 1, "yaml-syntax"),  # found by the fuzzer: reported on line 3 of a 1-line file
        ("a: 1\x85b: x: y\n", 1, "yaml-syntax"),
        ("a: 1\u2028b: x: y\n", 1, "yaml-syntax"),
        ("a: 1\u2028\nb: 2\nc: 3\nc: 4\n", 4, "duplicate-key"),
        ("a: 1\r\nb: 2\r\nb: 3\r\n", 3, "duplicate-key"),  # CRLF: as it always was
    ],
)
def test_lines_are_counted_as_editors_count_them(text, line, code):
    """libyaml also breaks lines at a lone CR, NEL and U+2028/U+2029 (YAML 1.1);
    editors, git and grep do not, and a cadre looks for the line in an editor."""
    _, problems = parse_yaml("f.yaml", text)
    assert [(p.line, p.code) for p in problems] == [(line, code)]


def test_values_after_an_odd_line_break_keep_editor_lines():
    located = load('a: 1\u2028\nb: 2\nc: "x\u2028y"\nd: 4\n')
    assert [located.line_of((k,)) for k in "abcd"] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "value",
    [
        '!!python/object/apply:os.system ["touch pwned"]',
        "!!python/name:os.system",
        "!!python/object:collections.OrderedDict {}",
        "!!binary aGVsbG8=",
        "!custom 1",
        "!!set {a, b}",
    ],
)
def test_non_standard_tags_are_refused(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert only_problem(f"a: 1\nb: {value}\n") == (2, "yaml-unsafe-tag")
    assert list(tmp_path.iterdir()) == []


def test_alias_bomb_is_refused_fast():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, key in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{key}: &{key} [" + ", ".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    assert only_problem("\n".join(lines) + "\n") == (6, "yaml-alias-bomb")
    assert time.perf_counter() - started < 5


def test_aliases_within_limits_are_fine():
    data = load("a: &a [1, 2]\nb: *a\nc: *a\n").data
    assert data == {"a": ["1", "2"], "b": ["1", "2"], "c": ["1", "2"]}


@pytest.mark.parametrize("depth", [41, 1_000, 100_000, 1_000_000])
def test_deep_nesting_is_refused_without_crashing(depth):
    """libyaml's composer recursed on the C stack: 100,000 brackets killed the interpreter."""
    text = "a: 1\nb: " + "[" * depth + "]" * depth + "\n"
    assert only_problem(text) == (2, "yaml-too-deep")
    block = "a: 1\nb:\n  " + "- " * depth + "x\n"
    assert only_problem(block) == (3, "yaml-too-deep")


def test_nesting_up_to_the_limit_is_fine():
    assert load("b: " + "[" * 39 + "x" + "]" * 39 + "\n").data["b"]


def test_deep_nesting_through_aliases_is_refused():
    text = "a: &a " + "[" * 30 + "]" * 30 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    assert only_problem(text) == (2, "yaml-too-deep")


@pytest.mark.parametrize("text", ["a: &x [*x]\n", "a: &x {b: *x}\n", "a: 1\nb: &x\n  - c: *x\n"])
def test_an_alias_to_itself_is_refused(text):
    located, problems = parse_yaml("f.yaml", text)
    assert located is None
    assert [p.code for p in problems] == ["yaml-too-deep"]


def test_a_duplicate_anchor_is_refused_where_it_is_redefined():
    assert only_problem("a: &x 1\nb: &x 2\nc: *x\n") == (2, "yaml-syntax")


def test_an_alias_of_a_sequence_merges_each_mapping():
    located = load("s: &s [{a: 1}, {a: 2, b: 3}]\nm:\n  <<: *s\n  c: 4\n")
    assert located.data["m"] == {"a": "1", "b": "3", "c": "4"}
    assert located.line_of(("m", "b")) == 1


def test_a_duplicate_key_is_not_expanded():
    """The second value of a duplicate key is dropped unread: an alias bomb there costs nothing."""
    bomb = ['  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, key in zip("abcdefg", "bcdefgh", strict=True):
        bomb.append(f"  {key}: &{key} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "x: 1\nx:\n" + "\n".join(bomb) + "\n"
    started = time.perf_counter()
    located, problems = parse_yaml("f.yaml", text)
    assert [(p.line, p.code) for p in problems] == [(2, "duplicate-key")]
    assert located.data == {"x": "1"}
    assert time.perf_counter() - started < 5  # expanded, it would run for minutes
    # the same text under a key of its own is expanded, and refused
    assert only_problem(text.replace("x:\n", "y:\n")) == (2, "yaml-alias-bomb")


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# only a comment\n", "  \n# two\n# comments\n", "---\n", "~\n"]
)
def test_empty(text):
    located, problems = parse_yaml("f.yaml", text)
    assert located is None
    assert [p.code for p in problems] in (["empty-file"], ["not-a-mapping"])


@pytest.mark.parametrize(
    "text, line", [("- a\n- b\n", 1), ("just text\n", 1), ("# c\n\n42\n", 3), ("~\n", 1)]
)
def test_not_a_mapping(text, line):
    assert only_problem(text) == (line, "not-a-mapping")


def test_complex_key_is_refused():
    assert only_problem("a: 1\n? [x, y]\n: 2\n") == (2, "wrong-type")


# ---------------------------------------------------------------- bytes


def test_decode_text():
    assert decode_text("f", "a: 中文\n".encode()) == ("a: 中文\n", [])
    assert decode_text("f", b"\xef\xbb\xbfa: 1\n") == ("a: 1\n", [])  # BOM dropped
    text, [p] = decode_text("f", "a: 1\nb: 示范村\n".encode("gbk"))
    assert text is None and (p.line, p.code) == (2, "invalid-utf8")
    text, [p] = decode_text("f", b"a: 1\nb: 2\x00\n")
    assert text is None and (p.line, p.code) == (2, "invalid-utf8")
    text, [p] = decode_text("f", b"#" * (MAX_FILE_BYTES + 1))
    assert text is None and (p.line, p.code) == (0, "file-too-large")
    assert decode_text("f", b"#" * MAX_FILE_BYTES)[1] == []


# ---------------------------------------------------------------- front matter

NOTICE = """\
---
slug: 2026-10-road-tender
title: 招标公告
notice:
  start: 2026-10-15
  end: 2026-10-24
---
# 招标公告

正文。
"""


def test_front_matter_lines_are_file_lines():
    doc, problems = parse_markdown("n.md", NOTICE)
    assert problems == []
    assert doc.meta.data["slug"] == "2026-10-road-tender"
    assert doc.meta.line_of(("slug",)) == 2
    assert doc.meta.line_of(("notice", "end")) == 6
    assert doc.meta.line_of(("kind",)) == 2  # missing: the front matter's first line
    assert doc.body_line == 8
    assert doc.body.split("\n")[0] == "# 招标公告"


def test_front_matter_with_crlf_line_endings():
    doc, problems = parse_markdown("n.md", NOTICE.replace("\n", "\r\n"))
    assert problems == []
    assert doc.meta.line_of(("notice", "end")) == 6 and doc.body_line == 8


@pytest.mark.parametrize(
    "front, line, code",
    [
        ("slug: a\ntitle: b\ntitle: c\n", 4, "duplicate-key"),
        ("slug: a\ntitle: [b\n", 3, "yaml-syntax"),
        ("slug: a\ntitle: 'b\n", 3, "yaml-syntax"),
        ("slug: a\nkind: !!python/name:os.system\n", 3, "yaml-unsafe-tag"),
        ("- a\n", 2, "not-a-mapping"),
        ("", 1, "empty-file"),
    ],
)
def test_front_matter_problems_use_file_lines(front, line, code):
    _, problems = parse_markdown("n.md", f"---\n{front}---\n正文\n")
    assert [(p.file, p.line, p.code) for p in problems] == [("n.md", line, code)]


@pytest.mark.parametrize("text", ["# 标题\n\n正文\n", "", "\n---\nslug: a\n---\n", "---\nslug: a\n\n正文\n"])
def test_front_matter_missing_or_unclosed(text):
    doc, problems = parse_markdown("n.md", text)
    assert doc is None
    assert [(p.line, p.code) for p in problems] == [(1, "front-matter-missing")]
