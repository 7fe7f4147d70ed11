"""Capital numerals (大写金额): known cases, refusals, and a round trip through an independent parser."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cunwu.render.numerals import capital_yuan

KNOWN = [
    # integers, 整 after 元
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("11", "壹拾壹元整"),
    ("19", "壹拾玖元整"),
    ("20", "贰拾元整"),
    ("110", "壹佰壹拾元整"),
    ("1234", "壹仟贰佰叁拾肆元整"),
    ("1004", "壹仟零肆元整"),
    ("1010.00", "壹仟零壹拾元整"),
    ("100000.00", "壹拾万元整"),
    ("100001.00", "壹拾万零壹元整"),
    ("1000005", "壹佰万零伍元整"),
    ("10010", "壹万零壹拾元整"),
    ("10110", "壹万零壹佰壹拾元整"),
    ("20000000.00", "贰仟万元整"),
    ("100000000", "壹亿元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("105000000", "壹亿零伍佰万元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("1000000000", "壹拾亿元整"),
    ("100000001", "壹亿零壹元整"),
    # 万 position zero, 仟 non-zero: the unit word covers the zero (rule text: 可以不写零)
    ("105000", "壹拾万伍仟元整"),
    ("105000.50", "壹拾万伍仟元伍角整"),
    ("1005000", "壹佰万伍仟元整"),
    # 角 and 分
    ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
    ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    ("1004.05", "壹仟零肆元零伍分"),
    ("1001.01", "壹仟零壹元零壹分"),
    ("1000000.10", "壹佰万元壹角整"),
    ("10.05", "壹拾元零伍分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("1409.50", "壹仟肆佰零玖元伍角整"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("101.50", "壹佰零壹元伍角整"),
    ("1004.56", "壹仟零肆元伍角陆分"),
    ("289546.52", "贰拾捌万玖仟伍佰肆拾陆元伍角贰分"),
    # 元 position zero, 角 non-zero: no 零 (rule text allows either form)
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("7560.31", "柒仟伍佰陆拾元叁角壹分"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    # below one yuan
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("0.53", "伍角叁分"),
    ("0.01", "壹分"),
    # negative
    ("-12.30", "负壹拾贰元叁角整"),
    ("-0.05", "负伍分"),
    ("-0.00", "零元整"),
    # limits and equivalent representations
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("1.230", "壹元贰角叁分"),
    ("1E+3", "壹仟元整"),
]


@pytest.mark.parametrize(("amount", "expected"), KNOWN)
def test_known_cases(amount: str, expected: str) -> None:
    assert capital_yuan(Decimal(amount)) == expected


def test_int_is_accepted() -> None:
    assert capital_yuan(1234) == "壹仟贰佰叁拾肆元整"


@pytest.mark.parametrize(
    "amount",
    ["1.234", "0.001", "1000000000000", "-1000000000000", "1E+12", "1E+30", "NaN", "Infinity", "-Infinity"],
)
def test_refused(amount: str) -> None:
    with pytest.raises(ValueError):
        capital_yuan(Decimal(amount))


@pytest.mark.parametrize("amount", [1.5, "1.50", True, None])
def test_non_exact_types_refused(amount: object) -> None:
    with pytest.raises(TypeError):
        capital_yuan(amount)  # type: ignore[arg-type]


# --- an independent parser: capital numerals back to a Decimal ------------------------------------

_DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def _parse_section(text: str) -> int:
    """Parse digits with 拾佰仟 (no 万/亿); 零 is a placeholder only."""
    total = 0
    digit = None
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch in _SMALL:
            assert digit not in (None, 0), f"unit without digit in {text!r}"
            total += digit * _SMALL[ch]
            digit = None
        else:
            raise AssertionError(f"unexpected {ch!r} in {text!r}")
    return total + (digit or 0)


def _parse(text: str) -> Decimal:
    sign = 1
    if text.startswith("负"):
        sign, text = -1, text[1:]
    if text.endswith("整"):
        text = text[:-1]
    yuan = 0
    if "元" in text:
        integer, text = text.split("元")
        for unit, factor in (("亿", 10**8), ("万", 10**4)):
            if unit in integer:
                head, integer = integer.split(unit)
                yuan += _parse_section(head) * factor
        yuan += _parse_section(integer)
    frac = 0
    if text.startswith("零"):
        text = text[1:]
    if "角" in text:
        head, text = text.split("角")
        frac += _DIGIT[head] * 10
    if "分" in text:
        head, text = text.split("分")
        frac += _DIGIT[head]
    assert text == "", text
    return sign * (Decimal(yuan) + Decimal(frac) / 100)


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))
def test_round_trip_and_form(fen: int) -> None:
    amount = Decimal(fen).scaleb(-2)
    text = capital_yuan(amount)
    assert _parse(text) == amount
    body = text.removeprefix("负")
    if fen == 0:
        assert text == "零元整"
        return
    assert "零零" not in body
    assert not body.startswith("零")
    assert not body.startswith("拾")
    for unit in "万亿元角":
        assert f"零{unit}" not in body
    # 整 exactly when there is no 分
    assert body.endswith("整") == (fen % 10 == 0)
    # 零 between 元 and 分 when 角 is zero
    if abs(fen) >= 100 and abs(fen) % 100 < 10 and fen % 10:
        assert "元零" in body


def test_uses_only_the_allowed_characters() -> None:
    allowed = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整负")
    for amount, _ in KNOWN:
        assert set(capital_yuan(Decimal(amount))) <= allowed
