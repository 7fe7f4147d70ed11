"""The usual typing slips of a cadre's YAML, found in the source text and named.

YAML reads some everyday slips in ways a cadre cannot guess, and the parser's
own words (English, and often about the next line) do not help:

* `` #`` after an unquoted value starts a comment: ``summary: 维修水泵 #2号机``
  publishes 维修水泵 and drops the rest without a word, and inside a flow row
  (``{name: 吴月娥 #户主, group: 一组}``) the comment swallows the closing
  brace, so the parser fails on the *next* line;
* a value cannot start with ``@``, a backtick or ``%`` (reserved), and one
  starting with ``*`` is read as an alias;
* a full-width colon (``amount：616.20``, from a Chinese input method) is no
  key separator, and the parser complains a line later;
* full-width spaces (U+3000) and other invisible characters are no
  indentation.

:func:`trailing_comments` is run on every file that has a space before a ``#``
after some text on a line (a quick pre-check, so files whose comments stand
on lines of their own cost nothing); :func:`diagnose` is only run when the
parser has failed, to say what the slip was, on its line, in Chinese.
Lines here are libyaml's (0-based in, 1-based out); the caller maps them to
editor lines.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml import ScalarToken

_Loader: Any
try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader

#: a blank, then ``#``: where a comment can start after something else on its line
_BLANK_HASH = re.compile(r"[ \t]#")


def maybe_trailing(text: str) -> bool:
    """Whether some line has text, blanks, then ``#`` (cheap: most files have none)."""
    for m in _BLANK_HASH.finditer(text):
        start = max(text.rfind("\n", 0, m.start()), text.rfind("\r", 0, m.start())) + 1
        if text[start : m.start()].strip(" \t"):
            return True
    return False


_TRAILING = re.compile(r"[ \t]+#")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

_FLOW_OPEN = (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_FLOW_CLOSE = (yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)

#: characters YAML reserves at the start of a plain value, by name
_RESERVED = {
    "@": "“@”",
    "`": "反引号“`”",
    "%": "百分号“%”",
    "*": "星号“*”",
    "&": "“&”",
    "!": "感叹号“!”",
    "|": "竖线“|”",
    ">": "“>”",
}

#: invisible or look-alike characters that a line can start with (indentation slips)
INVISIBLE = {
    "\u3000": "全角空格（U+3000）",
    "\u00a0": "不换行空格（U+00A0）",
    "\u200b": "零宽空格（U+200B）",
    "\u200c": "零宽非连接符（U+200C）",
    "\u200d": "零宽连接符（U+200D）",
    "\u2060": "零宽不换行符（U+2060）",
    "\ufeff": "零宽不换行空格（U+FEFF）",
    "\u2002": "半角宽空格（U+2002）",
    "\u2003": "全角宽空格（U+2003）",
    "\u2009": "窄空格（U+2009）",
}

#: a key written with a full-width colon: ``amount：616.20`` (keys are ASCII names)
_FULLWIDTH_KEY = re.compile(r"^[ \t\u3000]*(?:-[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t\u3000]*：")


def _lines(text: str) -> list[str]:
    return _YAML_BREAK.split(text)


def _tokens(text: str):
    """The scanner's tokens, up to the end or to the first syntax error."""
    loader = _Loader(text)
    try:
        while True:
            try:
                token = loader.get_token()
            except yaml.YAMLError:
                return
            if token is None or token.__class__ is yaml.StreamEndToken:
                return
            yield token
    finally:
        loader.dispose()


def _quote(value: str, limit: int = 30) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def trailing_comments(text: str) -> list[tuple[int, bool, str, str]]:
    """``(line, in_flow, value, comment)`` of each comment that follows an unquoted
    value on the value's own line. A ``#`` inside quotes or a block scalar, or
    without a blank before it, is text, and a comment on a line of its own, or
    after a quoted value or a closing bracket, is no slip: neither is listed."""
    if not maybe_trailing(text):
        return []
    lines = _lines(text)
    out = []
    flow = 0
    for token in _tokens(text):
        cls = token.__class__
        if cls in _FLOW_OPEN:
            flow += 1
        elif cls in _FLOW_CLOSE:
            flow = max(0, flow - 1)
        elif cls is ScalarToken and token.plain:
            end = token.end_mark
            rest = lines[end.line][end.column :] if end.line < len(lines) else ""
            if _TRAILING.match(rest):
                out.append((end.line + 1, bool(flow), token.value, rest.strip()))
    return out


def trailing_comment_message(value: str, comment: str, in_flow: bool) -> str:
    if in_flow:
        # in a row {…} the cadre's value most likely ended at the next comma or bracket
        kept = re.split(r"[,\]}]", comment, maxsplit=1)[0].rstrip()
        whole = f"{value} {kept}"
        return (
            f"“{_quote(whole)}” 中的 “ #” 在 YAML 里表示注释：从 # 到行尾的内容（包括后面的逗号和括号）"
            f"都被当作注释丢掉了，这一行因此出错。# 是值的一部分时，请把整个值用引号括起来："
            f'"{_quote(whole)}"；是给自己看的注释，请写在单独一行。'
        )
    lost = comment[1:].strip()
    whole = f"{value} {comment}"
    return (
        f"值 “{_quote(value)}” 后面的 “ #” 在 YAML 里表示注释，“{_quote(lost)}” 不会公开，网页上只显示 "
        f'“{_quote(value)}”。# 是值的一部分时，请把整个值用引号括起来："{_quote(whole)}"；'
        "是给自己看的注释，请写在单独一行。"
    )


def _char_name(ch: str) -> str:
    if ch in _RESERVED:
        return _RESERVED[ch]
    if ch in INVISIBLE:
        return INVISIBLE[ch]
    return f"“{ch}”（U+{ord(ch):04X}）"


def invisible_prefix(s: str) -> str:
    """The invisible characters a key or a line starts with (after ASCII blanks), named."""
    stripped = s.lstrip(" \t")
    run = ""
    for ch in stripped:
        if ch not in INVISIBLE:
            break
        run += ch
    if not run:
        return ""
    names = list(dict.fromkeys(INVISIBLE[ch] for ch in run))
    return f"{len(run)} 个" + "、".join(names) if len(names) > 1 else f"{len(run)} 个{names[0]}"


def indent_message(what: str) -> str:
    return (
        f"行首有 {what}：它们看不见，但不是缩进用的空格，YAML 会把它们当作字段名的一部分。"
        "请删掉这些字符，用键盘上的空格键（半角空格）缩进。"
    )


def fullwidth_colon_message(key: str, rest: str) -> str:
    return (
        f"“{key}” 后面是全角冒号“：”（中文输入法的冒号），YAML 只认半角冒号“:”。"
        f"请切换到英文输入法，改成 {key}: {rest.strip()}（冒号后加一个空格）。"
    )


def diagnose(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str, str] | None:
    """A syntax error explained by the slip that caused it: ``(1-based line, problem
    code, message)``, or None when it is none of the known slips."""
    lines = _lines(text)
    mark = exc.problem_mark or exc.context_mark
    err_line = mark.line if mark else len(lines) - 1
    problem_text = exc.problem or ""
    # a comment that swallowed the rest of a flow row
    for line, in_flow, value, comment in trailing_comments(text):
        if in_flow and line - 1 <= err_line:
            return line, "comment-after-value", trailing_comment_message(value, comment, True)
    # a value starting with a reserved character
    if mark is not None and mark.line < len(lines):
        src = lines[mark.line]
        ch = src[mark.column] if mark.column < len(src) else ""
        if "cannot start any token" in problem_text and ch == "\t":
            return mark.line + 1, "yaml-syntax", "不能用 Tab 键缩进或分隔，请改用空格。"
        if "cannot start any token" in problem_text and ch:
            return mark.line + 1, "yaml-syntax", _reserved_message(ch, src[mark.column :])
    if "alias" in (exc.context or "") + problem_text:
        alias = exc.context_mark if "while scanning an alias" in (exc.context or "") else mark
        if alias is not None and alias.line < len(lines):
            src = lines[alias.line]
            start = src.rfind("*", 0, alias.column + 1)
            if start >= 0:
                return alias.line + 1, "yaml-syntax", _reserved_message("*", src[start:], alias=True)
    # a full-width colon or invisible indentation on the failing line or just before it
    for i in range(min(err_line, len(lines) - 1), max(-1, err_line - 3), -1):
        src = lines[i]
        m = _FULLWIDTH_KEY.match(src)
        if m and ":" not in src[: m.end()]:
            return i + 1, "yaml-syntax", fullwidth_colon_message(m["key"], src[m.end() :])
        what = invisible_prefix(src)
        if what:
            return i + 1, "yaml-syntax", indent_message(what)
    return None


def _reserved_message(ch: str, rest: str, alias: bool = False) -> str:
    value = _quote(rest.strip())
    why = "YAML 把它当作引用别名" if alias else "YAML 保留了这个字符，不能用它开头"
    return (
        f"值 “{value}” 以{_char_name(ch)}开头，{why}。请把整个值用引号括起来：\"{value}\"（或 '{value}'）。"
    )
