"""The personal-number detector, :func:`cunwu.privacy.scan`.

Every number here is invented: the ID numbers use the fictional area code
990101 and get their check character from the ISO 7064 MOD 11-2 rule of
DOMAIN.md, computed below independently of the code under test.
"""

from __future__ import annotations

import re

import pytest

from cunwu.privacy import (
    id_check_char,
    is_id15,
    is_id18,
    luhn_ok,
    mask_id,
    mask_pattern,
    redact,
    scan,
    scan_lines,
    scan_markdown_lines,
    scan_markup,
)
from cunwu.validate.sourcescan import privacy_problems

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(first17: str) -> str:
    """ISO 7064 MOD 11-2, straight from DOMAIN.md."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


ID = with_check("99010119800101001")  # 990101198001010014
ID_X = with_check("99010119800101009")  # ends in X
ID15 = "990101800101001"  # old style: 6-digit area, yymmdd, 3-digit sequence
CARD16 = "6222029901010007"  # Luhn-valid
CARD19 = "6222029901010000008"  # Luhn-valid
MOBILE = "13812345678"
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _masked(number: str) -> str:
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def kinds(text: str, allowed=()) -> list[str]:
    return [f.kind for f in scan(text, allowed)]


def test_fixture_numbers_are_what_they_claim():
    assert ID == "990101198001010014" and ID_X.endswith("X")
    assert id_check_char(ID[:17]) == ID[17] and is_id18(ID) and is_id18(ID_X.lower())
    assert is_id15(ID15)
    assert luhn_ok(CARD16) and luhn_ok(CARD19)
    assert not luhn_ok(ID[:17]) and not luhn_ok("12345678901234567")


# ---------------------------------------------------------------- true positives


@pytest.mark.parametrize(
    "text",
    [
        ID,
        f"身份证号{ID}。",  # Chinese text on both sides, no spaces
        f"name: 张某某 {ID}",
        ID_X,
        ID_X.lower(),
        ID.translate(FULLWIDTH),
        ID_X.translate(FULLWIDTH),
        ID_X[:-1] + "ｘ",  # full-width lowercase x
        f"{ID[:6]} {ID[6:14]} {ID[14:]}",
        " ".join(ID[i : i + 4] for i in range(0, 18, 4)),
        " ".join(ID),  # a space between every digit
        f"{ID_X[:6]} {ID_X[6:14]} {ID_X[14:].lower()}",
        f"# 注释 {ID}",
        f"户主 3 {ID}",  # a stray digit before does not hide it
        ID15,
        f"旧身份证：{ID15}",
        f"No.{ID}",  # a full stop after letters is not a decimal point
        f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",  # hyphenated groups
    ],
)
def test_id_numbers_in_every_spelling(text):
    assert kinds(text) == ["id"]


@pytest.mark.parametrize(
    "text",
    [
        CARD16,
        CARD19,
        f"卡号 {CARD16[:4]} {CARD16[4:8]} {CARD16[8:12]} {CARD16[12:]}",
        CARD19.translate(FULLWIDTH),
        "-".join(CARD16[i : i + 4] for i in range(0, 16, 4)),
        "-".join(CARD19[i : i + 4] for i in range(0, 19, 4)),
    ],
)
def test_bank_cards(text):
    assert kinds(text) == ["card"]


@pytest.mark.parametrize(
    "text",
    [
        MOBILE,
        f"电话{MOBILE}号",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138-1234-5678",
        "+8613812345678",
        "0086 13812345678",
        MOBILE.translate(FULLWIDTH),
        "联系人：王某，19912345678",
        "Tel.13812345678",
        "电话.13812345678",
        "+86-138-1234-5678",
        "138 1234-5678",
    ],
)
def test_private_mobiles(text):
    assert kinds(text) == ["mobile"]


def test_every_number_on_a_line_is_found():
    text = f"{ID} 与 {MOBILE}，卡 {CARD16}"
    assert kinds(text) == ["id", "mobile", "card"]
    assert [f.start for f in scan(text)] == [0, text.index(MOBILE), text.index(CARD16)]


# ---------------------------------------------------------------- negatives


@pytest.mark.parametrize(
    "text",
    [
        "990101100201",  # 12-digit village code
        "村代码990101100201号",
        "统计代码：990101100201，村名：示范村",
        "2026-10-15",
        "20261015",
        "2026年10月15日",
        "0123-66881234",  # landline with area code
        "0123 66881234",
        "(0123)66881234",
        "0123-12388",
        "13812345678.50",  # money, not a phone
        "金额 13812345678.50 元",
        "1,234.00",
        "记-0012",
        "凭证 2026-10-0013",
        "12345678901234567",  # 17 digits, not Luhn-valid
        ID[:17],  # an ID without its check character
        "990101********0014",  # masked 6-4
        "990101*****1001",  # masked old 15-digit
        "990************14X",  # masked 3-3
        ID[:17] + str((int(ID[17]) + 1) % 10),  # wrong check digit (and not Luhn-valid)
        with_check("99010119801332001"),  # check digit right, birth date impossible
        "12345678901",  # 11 digits, not 1[3-9]
        "138123456789",  # 12 digits starting like a mobile
        "1381234567",  # 10 digits
        "邮编 990101，工号 13800",
        "0.13812345678",  # the digits after a decimal point
        "2026-10-05-2026-10-21",  # a hyphenated date range is not a card
        "0123-6688-2101",  # a landline in groups
        "",
    ],
)
def test_not_personal_numbers(text):
    assert scan(text) == []


def test_wrong_check_digit_is_not_an_id():
    wrong = ID[:17] + "5"
    assert not is_id18(wrong)
    assert not luhn_ok(wrong)
    assert scan(wrong) == []


# ---------------------------------------------------------------- official numbers


@pytest.mark.parametrize(
    "declared", ["13900001111", "139-0000-1111", "+86 139 0000 1111", "１３９００００１１１１"]
)
@pytest.mark.parametrize("written", ["13900001111", "139 0000 1111", "139-0000-1111", "+8613900001111"])
def test_official_mobiles_are_allowed_in_any_format(declared, written):
    assert scan(f"村书记 {written}", allowed=[declared]) == []
    assert kinds(f"村书记 {written}", allowed=["13900001112"]) == ["mobile"]


def test_allowed_numbers_never_excuse_an_id_or_card():
    assert kinds(f"{ID} {CARD16}", allowed=[ID, CARD16]) == ["id", "card"]


def test_landlines_in_the_allowed_list_are_harmless():
    assert kinds(MOBILE, allowed=["0123-12388", "12388"]) == ["mobile"]


# ---------------------------------------------------------------- messages


def test_findings_are_masked():
    found = scan(f"{ID} {ID15} {CARD19} {MOBILE}")
    assert [f.masked for f in found] == [
        "990101********0014",
        "990101*****1001",
        "6222***********0008",
        "138****5678",
    ]


@pytest.mark.parametrize(
    "number", [ID, ID_X.lower(), ID15, CARD16, CARD19, MOBILE, " ".join(ID), "\u200b".join(ID)]
)
def test_messages_never_contain_the_full_number(number):
    text = f"note: 此处有 {number}\n"
    [p] = privacy_problems("villages/demo/x.yaml", text, [])
    digits = re.sub(r"[^0-9Xx]", "", number)
    assert digits not in re.sub(r"[^0-9Xx*]", "", p.message)
    assert digits[-4:].upper() in p.message  # the masked form is shown
    assert scan(p.format()) == []


def test_redact_masks_numbers_quoted_in_any_message():
    assert redact(f"实际为 “{MOBILE}”") == "实际为 “138****5678”"
    assert redact(f"{ID} 和 {ID}") == "990101********0014 和 990101********0014"
    assert redact("凭证 0012，金额 13812345678.50") == "凭证 0012，金额 13812345678.50"


def test_scan_lines_counts_lines():
    text = f"a: 1\n# {ID}\nb: 2\nc: {MOBILE}\n"
    assert [(line, f.kind) for line, f in scan_lines(text)] == [(2, "id"), (4, "mobile")]


def test_scan_markup_sees_through_entities():
    hidden = "".join(f"&#{ord(c)};" for c in MOBILE)
    assert [f.kind for f in scan_markup(f"<p>{hidden}</p>")] == ["mobile"]


@pytest.mark.parametrize(
    "markup",
    [
        f"<p>{ID[:6]}<strong>{ID[6:14]}</strong>{ID[14:]}</p>",  # Markdown **bold** renders so
        f"<td>{ID[:6]}<a href='#x'>{ID[6:]}</a></td>",
        f"{ID[:9]}<!-- -->{ID[9:]}",
        f'<text><tspan x="1">{ID[:9]}</tspan><tspan x="1">{ID[9:]}</tspan></text>',
        f"&#{ord(ID[0])};{ID[1:6]}<b>{ID[6:]}</b>",
        f"<!-- {ID} -->",  # a comment is not shown, but it is published
    ],
)
def test_scan_markup_sees_through_inline_markup(markup):
    assert [f.kind for f in scan_markup(markup)] == ["id"]


@pytest.mark.parametrize("mark", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e\u200b"])
def test_invisible_characters_do_not_split_a_number(mark):
    """A zero-width space or a soft hyphen shows nothing: the reader sees one number."""
    text = f"户主 {ID[:6]}{mark}{ID[6:14]}{mark}{ID[14:]}，电话 {MOBILE[:3]}{mark}{MOBILE[3:]}"
    found = scan(text)
    assert [f.kind for f in found] == ["id", "mobile"]
    # offsets are in the text as typed: the whole number, marks included, and nothing else
    assert text[found[0].start : found[0].end] == f"{ID[:6]}{mark}{ID[6:14]}{mark}{ID[14:]}"
    assert text[found[1].start : found[1].end] == f"{MOBILE[:3]}{mark}{MOBILE[3:]}"
    assert redact(text) == f"户主 {ID[:6]}{'*' * 8}{ID[-4:]}，电话 {MOBILE[:3]}****{MOBILE[-4:]}"
    assert [line for line, _f in scan_lines(f"a: 1\nb: {text}\n")] == [2, 2]


@pytest.mark.parametrize("entity", ["&shy;", "&#8203;", "&#x200B;", "&zwj;", "&ZeroWidthSpace;"])
def test_invisible_entities_in_pages_do_not_split_a_number(entity):
    assert [f.kind for f in scan_markup(f"<td>{ID[:9]}{entity}{ID[9:]}</td>")] == ["id"]
    line = f"户主身份证 {ID[:9]}{entity}{ID[9:]}"
    assert [(n, f.kind) for n, f in scan_markdown_lines(f"标题\n\n{line}\n")] == [(3, "id")]


def test_a_long_row_of_spaced_figures_is_scanned_in_linear_time():
    """Single-spaced groups are joined to find a number typed in groups; a row of
    3,000 figures used to be tried in all its n² spans (minutes). A number typed in
    groups inside the row is still found."""
    row = " ".join("7" * 3000)  # no span of sevens is a personal number (no Luhn sum, no date)
    spaced_id = " ".join([ID[:6], ID[6:14], ID[14:]])
    assert scan(row) == []
    found = scan(f"{row[:2999]}，{spaced_id}，{row[3000:]}")
    assert [f.masked for f in found] == [_masked(ID)]


def test_visible_separators_still_end_a_number():
    """Only characters without a glyph are taken out: a visible mark between two
    numbers keeps them apart (a tab, a middle dot, a word joiner's visible cousins)."""
    assert scan(f"{ID[:9]}\t{ID[9:]}") == []
    assert scan(f"{ID[:9]}·{ID[9:]}") == []


def test_block_markup_ends_a_number():
    assert scan_markup(f"<td>{ID[:6]}</td><td>{ID[6:]}</td>") == []
    assert scan_markup(f"<p>{ID[:6]}</p>\n<p>{ID[6:]}</p>") == []


@pytest.mark.parametrize(
    ("text", "line", "kind"),
    [
        (f"a\n身份证 {ID[:6]}**{ID[6:14]}**{ID[14:]}\n", 2, "id"),
        (f"{ID[:6]}<b>{ID[6:]}</b>", 1, "id"),
        (f"电话 [{MOBILE[:3]}](#c){MOBILE[3:]}", 1, "mobile"),
        ("".join(f"&#x{ord(c):x};" for c in ID), 1, "id"),
        (f"户主 {ID[:6]}\n{ID[6:]} 核对\n", 1, "id"),  # wrapped: one number on screen
        (f"`{ID[:9]}`{ID[9:]}", 1, "id"),
    ],
)
def test_markdown_shows_numbers_its_text_hides(text, line, kind):
    assert scan_lines(text) == []
    assert [(ln, f.kind) for ln, f in scan_markdown_lines(text)] == [(line, kind)]


def test_markdown_lines_do_not_join_across_blank_lines_or_cards():
    assert scan_markdown_lines(f"{ID[:6]}\n\n{ID[6:]}") == []
    assert scan_markdown_lines(f"{CARD16[:8]}\n{CARD16[8:]}") == []


# ---------------------------------------------------------------- masks


def test_mask_styles():
    assert mask_id(ID) == "990101********0014"
    assert mask_id(ID, "3-3") == "990************014"
    assert mask_id(ID_X.lower()) == ID_X[:6] + "*" * 8 + ID_X[-4:]
    six_four, three_three = mask_pattern("6-4"), mask_pattern("3-3")
    assert six_four.fullmatch(mask_id(ID)) and not three_three.fullmatch(mask_id(ID))
    assert three_three.fullmatch(mask_id(ID, "3-3")) and not six_four.fullmatch(mask_id(ID, "3-3"))
    assert six_four.fullmatch("990101*****1001")  # a masked 15-digit ID
    assert not six_four.fullmatch("990101****0014")
    assert scan(mask_id(ID)) == [] and scan(mask_id(ID, "3-3")) == []
