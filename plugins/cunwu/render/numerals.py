"""Capital numerals for money amounts (大写金额), as written on paper ledgers and bank forms.

Rules followed (sources: 财政部《会计基础工作规范》第五十二条 (三)(五);
中国人民银行《支付结算办法》附件一《正确填写票据和结算凭证的基本规定》):

* Digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿, money units 元角分.
* A tens digit is always written with its digit: 10 is 壹拾元整, never 拾元整.
* 整 after 元 when there is no 角 and no 分 (壹仟贰佰叁拾肆元整).
* 整 after 角 when there is no 分 (壹仟贰佰叁拾肆元伍角整). 《会计基础工作规范》 requires it
  ("到元或者角为止的，在元或者角字之后应当写整字"); 《支付结算办法》 makes it optional
  after 角, so writing it satisfies both and stops anyone appending a 分 digit.
* Never 整 after 分.
* Zeros: one 零 for each run of zeros between two non-zero digits (壹仟零肆元,
  壹佰万零伍元整, 壹亿零壹仟元整), with one exception that both rule texts allow ("可以只写一个
  零字，也可以不写零字"): a run that ends at the 万, 亿 or 元 position, with that unit word written
  straight after it, takes no 零 (105000 → 壹拾万伍仟元整; 1680.32 → 壹仟陆佰捌拾元叁角贰分).
  The unit word already marks the place, and this is the form the standard examples give
  first (柒仟伍佰陆拾元叁角壹分).
* 角 is zero but 分 is not: 零 after 元 is mandatory (壹仟零肆元零伍分).
* Amounts below one yuan have no 元 and no leading 零: 伍角整, 伍分, 伍角叁分.
* Zero is 零元整; a negative amount is prefixed with 负 (负壹拾贰元叁角整).
* No currency name is added; callers print 人民币 (or use a form that has it printed) themselves.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["capital_yuan", "MAX_AMOUNT"]

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_GROUP_UNITS = ("仟", "佰", "拾", "")
# Limit: the largest unit is 亿, groups of four digits → up to 9999亿… (less than 10^12).
MAX_AMOUNT = Decimal(10) ** 12
_FEN = Decimal("0.01")


def _group(n: int) -> str:
    """Spell 1 ≤ n ≤ 9999 without its group unit; inner zero runs give one 零, leading ones none."""
    out: list[str] = []
    zero_run = False
    for ch, unit in zip(f"{n:04d}", _GROUP_UNITS, strict=True):
        if ch == "0":
            zero_run = bool(out)
            continue
        if zero_run:
            out.append("零")
            zero_run = False
        out.append(DIGITS[int(ch)] + unit)
    return "".join(out)


def _integer(n: int) -> str:
    """Spell 1 ≤ n < 10^12 in groups of four digits: …亿 …万 … ."""
    groups = ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, ""))
    out: list[str] = []
    skipped = False  # a whole group of zeros lies between written parts
    for value, unit in groups:
        if value == 0:
            skipped = bool(out)
            continue
        # Zeros before this group's 仟 digit (or a whole skipped group) get one 零. A run that
        # ends at the previous group's unit (万/亿) is covered by the unit word: no 零.
        if out and (skipped or value < 1000):
            out.append("零")
        out.append(_group(value) + unit)
        skipped = False
    return "".join(out)


def capital_yuan(amount: Decimal) -> str:
    """Return ``amount`` (yuan) in capital numerals, e.g. ``Decimal("1234.50")`` → 壹仟贰佰叁拾肆元伍角整.

    Raises ``TypeError`` for float (or other non-exact) input and ``ValueError`` for a non-finite
    amount, more than two decimals (by value: ``1.230`` is fine, ``1.234`` is not), or
    ``|amount| >= 10^12``.
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"金额必须是 Decimal，而不是 {type(amount).__name__}")
    amount = Decimal(amount)
    if not amount.is_finite():
        raise ValueError(f"金额无效：{amount}")
    # Range first: quantize() of a huge value would overflow the context precision.
    if abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"金额超出范围（须小于一万亿元）：{amount}")
    if amount != amount.quantize(_FEN):
        raise ValueError(f"金额最多两位小数（到分）：{amount}")

    fen_total = int(abs(amount) * 100)
    sign = "负" if amount < 0 and fen_total else ""
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)

    if yuan == 0:
        if jiao == 0 and fen == 0:
            return "零元整"
        text = (DIGITS[jiao] + "角" if jiao else "") + (DIGITS[fen] + "分" if fen else "整")
        return sign + text

    text = _integer(yuan) + "元"
    if jiao == 0 and fen == 0:
        text += "整"
    elif jiao == 0:
        text += "零" + DIGITS[fen] + "分"
    else:
        text += DIGITS[jiao] + "角" + (DIGITS[fen] + "分" if fen else "整")
    return sign + text
