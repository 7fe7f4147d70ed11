"""One cell's value, read the way the printed sheet shows it, or refused.

Each reader returns the value and, when it had to normalise something, a
short note (aggregated per column by the caller, so 2,000 cells written
``616.20元`` give one line, not 2,000). A value that cannot be read exactly
raises :class:`CellError` with a problem code and a Chinese message that
never quotes a personal number (see :func:`cunwu.privacy.redact`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..load.sheets.display import display_number, plain_text
from ..load.sheets.read import Cell, serial_to_datetime
from ..model.types import FEN, MAX_MONEY_DIGITS, MAX_QUANTITY_DIGITS
from ..privacy import is_id15, is_id18, mask_id


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- text

#: removed from names and keys: spaces of every width and invisible characters
_STRAY = re.compile("[\\s\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff\u00ad]")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_PRIVATE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f·•]")


def check_private_use(text: str) -> None:
    m = _PRIVATE.search(text)
    if m:
        raise CellError(
            "private-use-char",
            f"含私用区字符 U+{ord(m.group()):04X}：这是用造字程序造的字，别的电脑、手机和张贴版都显示不出来。"
            "请改用标准汉字（生僻字可用输入法的 Unicode 扩展区字符），或把名字写在备注里说明",
        )


def clean_text(cell: Cell | None) -> tuple[str, str]:
    """Free text (summary, note, group): trimmed, zero-width characters out,
    runs of spaces made one. Returns (text, note)."""
    if cell is not None and cell.kind == "f":
        raise no_cached_value()
    if cell is not None and cell.kind == "e":
        raise CellError("invalid-value", f"单元格显示错误值 {cell.value}，请先改正公式或数值")
    raw = plain_text(cell)
    check_private_use(raw)
    text = _ZERO_WIDTH.sub("", raw)
    text = re.sub(r"[ \t\u00a0\u3000]+", " ", text).strip()
    text = re.sub(r"\s*\n\s*", " ", text)
    note = "去掉了多余的空格或不可见字符" if text != raw.strip() or raw != raw.strip() else ""
    return text, note


def clean_name(cell: Cell | None) -> tuple[str, str]:
    """A person's name or a key: every space and invisible character out (a
    name typed ``王  明`` to line up two-character names is 王明); a name in
    Latin letters keeps single spaces between words."""
    if cell is not None and cell.kind == "f":
        raise no_cached_value()
    raw = plain_text(cell)
    check_private_use(raw)
    text = _ZERO_WIDTH.sub("", raw).strip()
    if _CJK.search(text):
        text = _STRAY.sub("", text)
    else:
        text = re.sub(r"[\s\u00a0\u3000]+", " ", text).strip()
    text = unicodedata.normalize("NFC", text)
    note = "去掉了空格、全角空格或零宽字符" if text != raw else ""
    return text, note


def no_cached_value() -> CellError:
    return CellError(
        "cell-formula-no-value",
        "这是公式，但文件里没有保存计算结果（有的程序生成的表格不计算公式）："
        "请用 Excel 或 WPS 打开、保存一次后再导入，或把公式改成数值",
    )


# ---------------------------------------------------------------- money

_CURRENCY = re.compile(r"^(?:人民币|RMB|CNY|¥|￥)\s*|\s*(?:元整|元|圆)$", re.I)
_THOUSANDS = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_PLAIN_NUMBER = re.compile(r"-?(?:[0-9]+)(?:\.[0-9]+)?")


def _decimals(d: Decimal) -> int:
    """Digits after the point as written (``1234.50`` → 2, ``1E+3`` → -3);
    only asked of finite numbers."""
    exponent = d.as_tuple().exponent
    if not isinstance(exponent, int):  # 'n', 'N' or 'F': not a number, or infinite
        raise ValueError("not a finite number")
    return -exponent


def _nfkc_digits(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def money(cell: Cell, what: str = "金额") -> tuple[Decimal, str, str]:
    """Exact yuan from a cell. Returns (amount, note, warning): ``note`` says
    what text was normalised, ``warning`` that a float artefact was corrected.

    A number cell: the shortest decimal that round-trips its stored double
    (``repr``); accepted with at most 2 decimals, or within 1e-9 of a fen
    (then corrected, with a warning); anything else is refused showing both
    the stored and the displayed value. A text cell: ``1,234.50``,
    ``１２３.００``, ``616.20元``, ``¥616.2`` are read, with a note."""
    if cell.kind == "f":
        raise no_cached_value()
    if cell.kind == "n":
        stored = repr(float(cell.value))
        d = Decimal(stored)
        if not d.is_finite():
            raise CellError("money-format", f"{what}不是有效数字")
        _check_size(d, stored, what)
        if d == d.quantize(FEN, rounding=ROUND_HALF_UP) or _decimals(d) <= 2:
            return d.quantize(FEN), "", ""
        near = d.quantize(FEN, rounding=ROUND_HALF_UP)
        if abs(d - near) <= Decimal("1e-9"):
            return near, "", f"存的是 {stored}（表格软件的浮点误差），读作 {near}"
        shown = display_number(cell)
        raise CellError(
            "money-format",
            f"{what}存的是 {stored}，表格显示为 {shown}：金额只能精确到分，cunwu 不会替您四舍五入。"
            f"请把单元格改成两位小数的数值（如 {near}）后再导入",
        )
    if cell.kind == "s":
        raw = str(cell.value)
        text = _ZERO_WIDTH.sub("", _nfkc_digits(raw)).strip()
        text = _CURRENCY.sub("", text).strip()
        text = _CURRENCY.sub("", text).strip()
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        if not _PLAIN_NUMBER.fullmatch(text):
            raise CellError("money-format", f"{what}应为数字，如 1234.50；单元格里是 “{raw.strip()}”")
        d = Decimal(text)
        _check_size(d, raw.strip(), what)
        if _decimals(d) > 2:
            raise CellError(
                "money-format",
                f"{what} “{raw.strip()}” 超过两位小数：金额只能精确到分，cunwu 不会替您四舍五入",
            )
        note = f"文字 “{raw.strip()}” 读作 {d.quantize(FEN)}" if text != raw else ""
        return d.quantize(FEN), note, ""
    if cell.kind == "e":
        raise CellError("money-format", f"{what}单元格显示错误值 {cell.value}，请先改正")
    raise CellError("money-format", f"{what}应为数字")


def _check_size(d: Decimal, text: str, what: str) -> None:
    if abs(d) >= Decimal(10) ** MAX_MONEY_DIGITS:
        raise CellError("money-format", f"{what} {text} 过大（整数部分超过 {MAX_MONEY_DIGITS} 位），请检查")


def quantity(cell: Cell, what: str) -> tuple[Decimal, str]:
    """An area (mu) or a rate: at most 4 decimals, exact."""
    if cell.kind == "f":
        raise no_cached_value()
    if cell.kind == "n":
        d = Decimal(repr(float(cell.value)))
    elif cell.kind == "s":
        text = _CURRENCY.sub("", _STRAY.sub("", _nfkc_digits(str(cell.value))))
        text = re.sub(r"(亩|元/亩)$", "", text)
        try:
            d = Decimal(text.replace(",", "") if _THOUSANDS.fullmatch(text) else text)
        except InvalidOperation:
            raise CellError("invalid-value", f"{what}应为数字，单元格里是 “{cell.value}”") from None
    else:
        raise CellError("invalid-value", f"{what}应为数字")
    if not d.is_finite() or _decimals(d) > 4:
        raise CellError("invalid-value", f"{what} {d} 超过四位小数，请检查单元格的实际数值")
    if abs(d) >= Decimal(10) ** MAX_QUANTITY_DIGITS:
        raise CellError("invalid-value", f"{what} {d} 过大")
    d = d.normalize()
    if d == d.to_integral():
        d = d.quantize(Decimal(1))
    return d, ""


def integer(cell: Cell, what: str) -> int:
    if cell.kind == "f":
        raise no_cached_value()
    if cell.kind == "n" and float(cell.value).is_integer():
        return int(cell.value)
    text = _STRAY.sub("", _nfkc_digits(plain_text(cell)))
    text = re.sub(r"(人|口|户)$", "", text)
    if re.fullmatch(r"[0-9]{1,6}", text):
        return int(text)
    raise CellError("invalid-value", f"{what}应为整数，单元格里是 “{plain_text(cell)}”")


# ---------------------------------------------------------------- dates

_DATE_TEXT = re.compile(
    r"(?P<y>[12][0-9]{3})\s*(?:年|[-/.])\s*(?P<m>[0-9]{1,2})\s*(?:月|[-/.])\s*(?P<d>[0-9]{1,2})\s*日?"
    r"(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
)


def date(cell: Cell, date1904: bool = False) -> tuple[dt.date, str]:
    """A date from a date cell, an Excel serial number, or text such as
    ``2026年10月5日``, ``2026/10/5``, ``2026.10.5``, ``2026-10-05``, ``20261005``."""
    if cell.kind == "f":
        raise no_cached_value()
    if cell.kind == "d":
        return cell.value.date() if isinstance(cell.value, dt.datetime) else cell.value, ""
    if cell.kind == "n":
        when = serial_to_datetime(float(cell.value), date1904)
        if when is not None and 1900 < when.year < 2200 and float(cell.value) > 3000:
            return when.date(), "Excel 日期序号读作日期"
        raise CellError(
            "invalid-date", f"日期应写成 2026-10-05 或 2026年10月5日，单元格里是 {display_number(cell)}"
        )
    text = _nfkc_digits(plain_text(cell)).strip()
    m = _DATE_TEXT.fullmatch(text)
    if not m:
        m8 = re.fullmatch(r"([12][0-9]{3})([01][0-9])([0-3][0-9])", text)
        if not m8:
            raise CellError("invalid-date", f"日期应写成 2026-10-05 或 2026年10月5日，单元格里是 “{text}”")
        y, mo, d = (int(g) for g in m8.groups())
    else:
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    try:
        day = dt.date(y, mo, d)
    except ValueError:
        raise CellError("invalid-date", f"日期 “{text}” 不存在") from None
    return day, ("" if text == day.isoformat() else "文字日期读作 YYYY-MM-DD")


# ---------------------------------------------------------------- vouchers and codes


def code_text(cell: Cell, what: str) -> tuple[str, str]:
    """A voucher number or an account code, kept as printed: leading zeros
    stay (a text cell ``012``, or a number cell formatted ``000`` or
    ``"记-"000``)."""
    if cell.kind == "f":
        raise no_cached_value()
    if cell.kind == "n":
        value = float(cell.value)
        if not value.is_integer():
            raise CellError("invalid-value", f"{what}应为编号，单元格里是数字 {display_number(cell)}")
        return display_number(cell), ""
    text, note = clean_name(cell)
    text = unicodedata.normalize("NFKC", text)
    return text, note


# ---------------------------------------------------------------- ID numbers


class IdValue:
    """An ID number from a sheet: the masked form to publish and, if the
    sheet held the full number, the normalised 18-character number, which
    only the linkage hash may see (it never leaves memory)."""

    __slots__ = ("masked", "full")

    def __init__(self, masked: str, full: str | None):
        self.masked = masked
        self.full = full

    def __repr__(self) -> str:
        return f"IdValue({self.masked})"


def id15_to_18(s: str) -> str:
    from ..privacy import id_check_char

    first17 = s[:6] + "19" + s[6:]
    return first17 + id_check_char(first17)


_MASKED = re.compile(r"([0-9]{1,6})(\*{4,14})([0-9]{1,4}[0-9Xx]?)")


def id_number(cell: Cell, style: str) -> tuple[IdValue | None, str]:
    """Mask an ID number at the door. Full numbers (18 with a right check
    character, or 15) are masked in the township's style; a number Excel
    has turned into a float (``3.30683E+17``) is refused with the fix."""
    if cell.kind == "f":
        raise no_cached_value()
    if cell.kind == "n":
        raise CellError(
            "id-number-format",
            "身份证号被 Excel 当成了数字（显示为 3.30683E+17 这样的科学计数法），后几位已经丢失，无法还原："
            "请把这一列设为“文本”格式，重新输入或粘贴身份证号后再导入",
        )
    raw = str(cell.value) if cell.kind == "s" else plain_text(cell)
    text = _STRAY.sub("", unicodedata.normalize("NFKC", raw)).replace("-", "").upper()
    text = text.lstrip("'")
    if not text:
        return None, ""
    if re.fullmatch(r"[0-9]\.[0-9]+E\+?[0-9]+", text):
        # the digits shown are the person's first 15: not quoted back
        raise CellError(
            "id-number-format",
            "身份证号显示为科学计数法（如 3.30683E+17），后几位已经丢失：请把这一列设为“文本”格式，重新输入身份证号后再导入",
        )
    note = "身份证号中的空格或全角字符已去掉" if text != raw.strip() else ""
    if re.fullmatch(r"[0-9]{17}[0-9X]", text):
        if not is_id18(text):
            raise CellError(
                "id-number-format",
                f"身份证号 {mask_id(text, style)} 的校验位或出生日期不对，可能输错了一位：请核对原件后再导入",
            )
        return IdValue(mask_id(text, style), text), note
    if re.fullmatch(r"[0-9]{15}", text):
        if not is_id15(text):
            raise CellError(
                "id-number-format", f"15 位身份证号 {mask_id(text, style)} 的出生日期不对，请核对"
            )
        return IdValue(mask_id(text, style), id15_to_18(text)), note
    m = _MASKED.fullmatch(text)
    if m and len(text) in (15, 18):
        head, stars, tail = m.groups()
        want_head, want_tail = (3, 3) if style == "3-3" else (6, 4)
        if len(head) >= want_head and len(tail) >= want_tail:
            kept = head[:want_head] + "*" * (len(text) - want_head - want_tail) + tail[-want_tail:]
            return IdValue(kept, None), ("已脱敏的号码按乡镇规定的样式重新脱敏" if kept != text else note)
        raise CellError(
            "id-number-format",
            "身份证号已脱敏，但保留的位数少于乡镇规定的样式，无法换算：请用完整号码或按规定样式脱敏的号码",
        )
    raise CellError(
        "id-number-format", f"身份证号应为 18 位（或旧的 15 位），单元格里有 {len(text)} 个字符：请核对"
    )
