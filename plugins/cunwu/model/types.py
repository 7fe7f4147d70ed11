"""Field types shared by every disclosure model.

The loader hands the models the exact text the cadre typed (see
:mod:`cunwu.load.yamlsafe`), so each type here parses that text strictly and
raises :class:`PydanticCustomError` with a stable problem code and a Chinese
message. Money never passes through a float.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import total_ordering
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

FEN = Decimal("0.01")
#: integer digits of an amount (under a trillion yuan) and of a quantity: far
#: beyond any village's books, and small enough that no sum or product ever
#: exceeds the 28 significant digits of decimal arithmetic, which would round
MAX_MONEY_DIGITS = 12
MAX_QUANTITY_DIGITS = 9
_MONEY = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]{1,2})?")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]{1,4})?")


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool) or value is None:
        # say what the cadre typed, never Python's None/True/False
        found = "空值（没有填写，或写了 ~、null）" if value is None else f"是/否值 {str(value).lower()}"
        raise PydanticCustomError("wrong-type", "应为{what}，实际为{found}", {"what": what, "found": found})
    if isinstance(value, float):
        # never accept a binary float: its text is already lost
        raise PydanticCustomError("money-format", "{what}不能以浮点数传入", {"what": what})
    if isinstance(value, (int, Decimal)):
        return str(value)
    if not isinstance(value, str):
        raise PydanticCustomError("wrong-type", "应为{what}", {"what": what})
    return value.strip()


def fullwidth_hint(text: str) -> str:
    """A note naming the full-width characters (from a Chinese input method) in a
    value that must be typed in ASCII, or ""."""
    runs = list(dict.fromkeys(re.findall("[\uff01-\uff5e\u3000]+", text)))
    if not runs:
        return ""
    shown = "、".join(f"“{run}”" for run in runs[:3])
    return f"（{shown}是全角字符，是中文输入法打出来的；请切换到英文输入法，用半角的数字和符号重新输入）"


def parse_money(value: Any) -> Decimal:
    """Exact yuan with at most two decimals, from the source text."""
    text = _text(value, "金额")
    if not _MONEY.fullmatch(text):
        hint = ""
        if "," in text or "，" in text:
            hint = "（请去掉千位分隔符）"
        elif re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", text):
            hint = "（最多两位小数，精确到分）"
        elif re.fullmatch(r"-?0[0-9]+(\.[0-9]*)?", text):
            hint = "（不能以 0 开头）"
        elif "e" in text.lower():
            hint = "（不能用科学计数法）"
        elif "元" in text or "¥" in text or "￥" in text:
            hint = "（只写数字，不写“元”或货币符号）"
        hint += fullwidth_hint(text)
        raise PydanticCustomError(
            "money-format",
            "金额应写成元、最多两位小数的数字，如 1234.50；实际为 “{text}”{hint}",
            {"text": text, "hint": hint},
        )
    if len(text.lstrip("-").split(".")[0]) > MAX_MONEY_DIGITS:
        raise PydanticCustomError(
            "money-format",
            "金额 “{text}” 过大：整数部分最多 {digits} 位（不足一万亿元），请检查是否多写了数字",
            {"text": text, "digits": MAX_MONEY_DIGITS},
        )
    return Decimal(text)


def parse_decimal(value: Any) -> Decimal:
    """An exact quantity (area in mu, a rate) with at most four decimals."""
    text = _text(value, "数字")
    if not _DECIMAL.fullmatch(text):
        raise PydanticCustomError(
            "invalid-value",
            "应为最多四位小数的数字，如 3.25；实际为 “{text}”{hint}",
            {"text": text, "hint": fullwidth_hint(text)},
        )
    if len(text.lstrip("-").split(".")[0]) > MAX_QUANTITY_DIGITS:
        raise PydanticCustomError(
            "invalid-value",
            "数字 “{text}” 过大：整数部分最多 {digits} 位，请检查是否多写了数字",
            {"text": text, "digits": MAX_QUANTITY_DIGITS},
        )
    return Decimal(text)


def money_str(d: Decimal) -> str:
    return f"{d:.2f}"


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(money_str, return_type=str),
    WithJsonSchema(
        {
            "type": ["number", "string"],
            "pattern": _MONEY.pattern + "$",
            "description": "金额（元），最多两位小数，如 1234.50",
        }
    ),
]

Quantity = Annotated[
    Decimal,
    BeforeValidator(parse_decimal),
    PlainSerializer(lambda d: str(d), return_type=str),
    WithJsonSchema({"type": ["number", "string"], "pattern": _DECIMAL.pattern + "$"}),
]


def round_fen(d: Decimal) -> Decimal:
    """Round to the fen, half up, as paper ledgers do."""
    return d.quantize(FEN, rounding=ROUND_HALF_UP)


def _code(pattern: str, what: str, example: str) -> Any:
    rx = re.compile(pattern)

    def parse(value: Any) -> str:
        text = _text(value, what)
        if not rx.fullmatch(text):
            raise PydanticCustomError(
                "code-format",
                "{what}格式应如 {example}，实际为 “{text}”{hint}",
                {"what": what, "example": example, "text": text, "hint": fullwidth_hint(text)},
            )
        return text

    return Annotated[
        str,
        BeforeValidator(parse),
        WithJsonSchema({"type": ["string", "integer"], "pattern": "^" + pattern + "$"}),
    ]


#: permanent identifiers used in URLs: lowercase ASCII, digits and hyphens
Slug = _code(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", "标识（小写字母、数字、连字符）", "road-tender-2026")
#: 12-digit statistical area code of a village (统计用区划代码)
VillageCode = _code(r"[0-9]{12}", "村级统计区划代码（12 位数字）", "330102101201")
#: 3-digit account or 5-digit sub-account (科目代码)
AccountCode = _code(r"[1-9][0-9]{2}(?:[0-9]{2})?", "会计科目代码（3 位或 5 位）", "513 或 51301")
#: an official phone number: digits with optional hyphens/spaces, area code allowed
PhoneNumber = _code(r"\+?[0-9][0-9 \-]{2,22}[0-9]", "电话号码", "0571-88886666 或 12388")


def parse_text(value: Any) -> str:
    """Free text: any scalar, stripped; must not be empty."""
    if isinstance(value, (dict, list)):
        raise PydanticCustomError("wrong-type", "应为文字", {})
    text = _text(value, "文字")
    if not text:
        raise PydanticCustomError("invalid-value", "不能为空", {})
    return text


Text = Annotated[str, BeforeValidator(parse_text), WithJsonSchema({"type": ["string", "number"]})]


def parse_int(value: Any) -> int:
    text = _text(value, "整数")
    if not re.fullmatch(r"-?(?:0|[1-9][0-9]*)", text):
        raise PydanticCustomError(
            "invalid-value", "应为整数，实际为 “{text}”{hint}", {"text": text, "hint": fullwidth_hint(text)}
        )
    return int(text)


Int = Annotated[int, BeforeValidator(parse_int), WithJsonSchema({"type": ["integer", "string"]})]


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    text = _text(value, "日期")
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    if not m:
        raise PydanticCustomError(
            "invalid-date",
            "日期应写成 YYYY-MM-DD，如 2026-10-05；实际为 “{text}”{hint}",
            {"text": text, "hint": fullwidth_hint(text)},
        )
    if m[1] < "1000":
        # a year like 0026 is a typo, and pages, archives and periods all print four digits
        raise PydanticCustomError(
            "invalid-date", "日期 “{text}” 的年份不对：应为四位公元年份，如 2026", {"text": text}
        )
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise PydanticCustomError("invalid-date", "日期 “{text}” 不存在", {"text": text}) from None


Date = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
]

_CN_QUARTER = "一二三四"


@total_ordering
@dataclass(frozen=True)
class Period:
    """A disclosure period: a month (``2026-10``) or a quarter (``2026-Q3``)."""

    year: int
    month: int = 0  # 1-12 for a month
    quarter: int = 0  # 1-4 for a quarter

    @classmethod
    def parse(cls, text: str) -> Period:
        # a four-digit year from 1000: str() must give back the same text (0026-09 would not)
        m = re.fullmatch(r"([1-9][0-9]{3})-(?:([0-9]{2})|Q([1-4]))", text.strip())
        if not m or (m[2] and not 1 <= int(m[2]) <= 12):
            raise ValueError(text)
        if m[2]:
            return cls(int(m[1]), month=int(m[2]))
        return cls(int(m[1]), quarter=int(m[3]))

    @property
    def is_quarter(self) -> bool:
        return bool(self.quarter)

    @property
    def first_month(self) -> int:
        return self.month or (self.quarter - 1) * 3 + 1

    @property
    def last_month(self) -> int:
        return self.month or self.quarter * 3

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        last = self.last_month
        return dt.date(self.year, last, calendar.monthrange(self.year, last)[1])

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def months(self) -> list[str]:
        return [f"{self.year}-{m:02d}" for m in range(self.first_month, self.last_month + 1)]

    def next(self) -> Period:
        if self.quarter:
            return Period(self.year + self.quarter // 4, quarter=self.quarter % 4 + 1)
        return Period(self.year + self.month // 12, month=self.month % 12 + 1)

    def prev(self) -> Period:
        if self.quarter:
            return Period(self.year - (self.quarter == 1), quarter=(self.quarter - 2) % 4 + 1)
        return Period(self.year - (self.month == 1), month=(self.month - 2) % 12 + 1)

    def due_date(self, due_day: int) -> dt.date:
        """The day by which this period must be published: ``due_day`` of the next month."""
        year, month = (self.year + 1, 1) if self.last_month == 12 else (self.year, self.last_month + 1)
        return dt.date(year, month, min(due_day, calendar.monthrange(year, month)[1]))

    @property
    def label(self) -> str:
        if self.quarter:
            return f"{self.year}年第{_CN_QUARTER[self.quarter - 1]}季度"
        return f"{self.year}年{self.month}月"

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.first_month, self.last_month)

    def __lt__(self, other: Period) -> bool:
        return self._key() < other._key()

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else f"{self.year}-{self.month:02d}"


def parse_period(value: Any) -> Period:
    if isinstance(value, Period):
        return value
    text = _text(value, "期间")
    try:
        return Period.parse(text)
    except ValueError:
        raise PydanticCustomError(
            "invalid-value",
            "期间应写成 YYYY-MM（月度）或 YYYY-Qn（季度），如 2026-10；实际为 “{text}”{hint}",
            {"text": text, "hint": fullwidth_hint(text)},
        ) from None


PeriodField = Annotated[
    Period,
    PlainValidator(parse_period),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{4}-(?:[0-9]{2}|Q[1-4])$"}),
]
