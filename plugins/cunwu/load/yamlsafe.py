"""Safe YAML loading that keeps line numbers and never loses data silently.

PyYAML's loaders are unsuitable for disclosures as they stand:

* ``safe_load`` keeps the last of two duplicate keys and drops the first;
* it reads ``0012`` as the octal number 10 and ``500.10`` as a binary float;
* it forgets line numbers, which a cadre needs to find a mistake.

So we only let PyYAML (its C parser, for speed) *parse* the text into events,
and build plain Python data from them ourselves:

* every plain scalar stays the exact text the cadre typed (a str), except
  ``null``/``~``/empty -> None and ``true``/``false`` -> bool; the models
  parse money, dates and integers from that text, so nothing passes through a
  float and leading zeros survive;
* duplicate keys, non-standard tags (``!!python/object`` ...), alias bombs,
  runaway nesting are reported as problems, never executed or expanded;
* the line of every value is recorded under its field path.

Why events and not PyYAML's composed node graph: composing makes a Python
node object and calls back into Python to resolve every scalar, which was
three quarters of the time a county build spent reading YAML; building from
the event stream halves it. The parser is a state machine, so no nesting can
exhaust the C stack, and our own recursion stops at :data:`MAX_DEPTH`. An
alias is expanded by replaying the events recorded for its anchor, so it
behaves exactly like the node it names, and every expansion counts against
:data:`MAX_NODES`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from ..problems import Problem, problem
from . import slips

_Loader: Any
try:  # the C parser is ~10x faster; fall back to pure Python where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader


MAX_FILE_BYTES = 2 * 1024 * 1024
#: values produced from one document, counting every alias expansion
MAX_NODES = 200_000
MAX_DEPTH = 40

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {
    _STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
}
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
#: what an untagged plain scalar means, where it is not its own text
_PLAIN = {**dict.fromkeys(_NULL), **dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}

Path = tuple  # a field path: ("expense", 3, "amount")


def format_loc(path: Path) -> str:
    """("expense", 3, "amount") -> "expense[3].amount"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class Located:
    """A loaded document: plain data plus the line of every field path."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    #: added to every line, for YAML embedded in a Markdown front matter
    offset: int = 0
    #: (path, value, first line, last line) of each string whose value is not
    #: its source text: folded over lines or written with escapes ("\u0039").
    #: A personal number can hide there from a scan of the file's text.
    reshaped: list[tuple[Path, str, int, int]] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """Line of ``path``, or of its nearest parent that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path] + self.offset
            path = path[:-1]
        return self.lines.get((), 1) + self.offset


def _subtree(lines: dict[Path, int], head: Path) -> dict[Path, int]:
    return {p: ln for p, ln in lines.items() if p[: len(head)] == head}


class _Events:
    """The parser's events, each alias replaced by a replay of its anchor's events.

    Anchors are recorded as the raw stream goes by (an anchored collection from
    its start to its end, aliases inside it left unexpanded); an alias to an
    anchor whose collection is still open replays what is there so far, which
    makes a self-reference nest until the depth limit stops it. Undefined and
    duplicate anchors are the same errors PyYAML's composer raises.
    """

    def __init__(self, text: str):
        self._loader = _Loader(text)
        # events are checked by exact class (``ev.__class__ is ScalarEvent``),
        # the fastest test in this hot loop, which a type checker cannot follow
        self._get: Any = self._loader.get_event
        self.anchors: dict[str, list] = {}
        self._open: list[tuple[list, int]] = []  # recordings in progress, with their raw depth
        self._replay: list[list] = []  # [events, next index]
        #: how deep the raw (unexpanded) collections nest at this point
        self.depth = 0
        self._pending: Any = None  # an event read by next()'s fast path, for raw() to handle

    def close(self) -> None:
        self._loader.dispose()

    @property
    def replaying(self) -> bool:
        """Whether the event last returned came from an alias's replay."""
        return bool(self._replay)

    def raw(self) -> Any:
        ev = self._pending
        if ev is None:
            ev = self._get()
        else:
            self._pending = None
        cls = ev.__class__
        for rec, _depth in self._open:
            rec.append(ev)
        if cls is ScalarEvent:
            if ev.anchor is not None:
                self._register(ev, [ev])
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            self.depth += 1
            if ev.anchor is not None:
                rec = [ev]
                self._register(ev, rec)
                self._open.append((rec, self.depth))
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            while self._open and self._open[-1][1] == self.depth:
                self._open.pop()
            self.depth -= 1
        elif cls is AliasEvent and ev.anchor not in self.anchors:
            raise ComposerError(None, None, "found undefined alias", ev.start_mark)
        return ev

    def _register(self, ev, rec: list) -> None:
        if ev.anchor in self.anchors:
            raise ComposerError(
                "found duplicate anchor; first occurrence",
                self.anchors[ev.anchor][0].start_mark,
                "second occurrence",
                ev.start_mark,
            )
        self.anchors[ev.anchor] = rec

    def next(self, expand: bool = True) -> Any:
        """The next event of a node; with ``expand``, an alias becomes its anchor's events."""
        ev: Any
        if not self._replay:  # the common case, inline: a plain event of the text
            ev = self._get()
            if ev.__class__ is ScalarEvent and ev.anchor is None:
                for rec, _depth in self._open:
                    rec.append(ev)
                return ev
            self._pending = ev
        while True:
            if self._replay:
                top = self._replay[-1]
                events, i = top
                if i == len(events):
                    self._replay.pop()
                    continue
                top[1] = i + 1
                ev = events[i]
            else:
                ev = self.raw()
            cls = ev.__class__
            if expand and cls is AliasEvent:
                self._replay.append([self.anchors[ev.anchor], 0])
                continue
            return ev

    def skip(self, ev) -> None:
        """Consume the rest of the node that starts with ``ev``, expanding nothing."""
        if ev.__class__ is MappingStartEvent or ev.__class__ is SequenceStartEvent:
            level = 1
            while level:
                cls = self.next(expand=False).__class__
                if cls is MappingStartEvent or cls is SequenceStartEvent:
                    level += 1
                elif cls is MappingEndEvent or cls is SequenceEndEvent:
                    level -= 1

    def finish(self) -> None:
        """Read the raw stream to its end: its syntax errors, and one document only."""
        self._replay.clear()
        while True:
            ev: Any = self.raw()
            cls = ev.__class__
            if cls is DocumentStartEvent:
                raise ComposerError(
                    "expected a single document in the stream",
                    None,
                    "but found another document",
                    ev.start_mark,
                )
            if cls is StreamEndEvent:
                return


def _resolve_scalar(ev) -> str:
    """The tag of a scalar, as our resolver sees it: only null, booleans and ``<<``
    are told apart, and only when plain and untagged; all else is text."""
    if ev.tag is not None and ev.tag != "!":
        return ev.tag
    if ev.implicit[0]:
        value = ev.value
        if value in _NULL:
            return _STD + "null"
        if value in _TRUE or value in _FALSE:
            return _STD + "bool"
        if value == "<<":
            return _STD + "merge"
    return _STD + "str"


class _Abort(Exception):
    def __init__(self, p: Problem, drain: bool = True):
        self.problem = p
        #: read the rest of the stream first: a syntax error anywhere wins
        self.drain = drain


class _Builder:
    def __init__(self, file: str, offset: int, events: _Events):
        self.file = file
        self.offset = offset
        self.events = events
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.reshaped: list[tuple[Path, str, int, int]] = []

    def line(self, ev) -> int:
        return ev.start_mark.line + 1

    def fail(self, ev, code: str, message: str, path: Path) -> None:
        line = self.line(ev)
        if code in ("yaml-alias-bomb", "yaml-too-deep"):
            # an alias bomb's or a deep nest's path is noise: name the top-level
            # key only, and its line (an alias's events sit at its anchor, elsewhere)
            path = path[:1]
            line = self.lines.get(path, line)
        raise _Abort(problem(self.file, line + self.offset, code, message, format_loc(path)))

    def build(self, ev, path: Path, depth: int, key_line: int | None = None) -> Any:
        """The value of the node that starts with event ``ev``, at ``path``."""
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(
                ev,
                "yaml-alias-bomb",
                f"文件展开后超过 {MAX_NODES} 个值，疑似别名（&/*）炸弹，已拒绝。",
                path,
            )
        cls = ev.__class__
        if cls is ScalarEvent and ev.tag is None:  # most nodes: an untagged scalar
            if path not in self.lines:
                self.lines[path] = key_line if key_line is not None else ev.start_mark.line + 1
            if ev.end_mark.line > ev.start_mark.line or ev.style == '"':
                self.reshape(ev, path)
            if not ev.style:
                value = ev.value
                return _PLAIN.get(value, value)
            return ev.value
        if cls is ScalarEvent:
            tag = _resolve_scalar(ev)
        elif ev.tag is not None and ev.tag != "!":
            tag = ev.tag
        else:
            tag = _STD + ("map" if cls is MappingStartEvent else "seq")
        if tag not in _ALLOWED_TAGS:
            self.fail(
                ev,
                "yaml-unsafe-tag",
                f"不允许使用标签 {tag}：cunwu 只读取普通数据，不会创建程序对象。",
                path,
            )
        if path not in self.lines:
            self.lines[path] = key_line if key_line is not None else ev.start_mark.line + 1
        if cls is ScalarEvent:  # most nodes: the fast path first
            return self.scalar(ev, tag, path)
        if not self.events.replaying and self.events.depth > MAX_DEPTH:
            # nested so in the text itself: say where, and nothing else
            raise _Abort(
                problem(
                    self.file, self.line(ev) + self.offset, "yaml-too-deep", f"嵌套超过 {MAX_DEPTH} 层。"
                ),
                drain=False,
            )
        if depth > MAX_DEPTH:
            self.fail(ev, "yaml-too-deep", f"嵌套超过 {MAX_DEPTH} 层。", path)
        if cls is SequenceStartEvent:
            out: list[Any] = []
            nxt = self.events.next
            while True:
                child = nxt()
                if child.__class__ is SequenceEndEvent:
                    return out
                out.append(self.build(child, path + (len(out),), depth + 1))
        return self.mapping(path, depth)

    def build_apart(self, ev, path: Path, depth: int) -> tuple[Any, dict[Path, int]]:
        """Build the node at ``path``, keeping its lines apart (a merge source)."""
        saved, self.lines = self.lines, {}
        try:
            return self.build(ev, path, depth), self.lines
        finally:
            self.lines = saved

    def refuse_control(self, ev, path: Path) -> None:
        """Typed raw, a control character is refused by :func:`decode_text`; written
        as an escape (``"\\0"``, ``"\\x1b"``) it would reach pages, feeds and CSV
        files, and an XML feed cannot even carry it: refuse it the same."""
        bad = _BAD_CONTROL.search(ev.value)
        if bad:
            self.fail(
                ev,
                "invalid-utf8",
                f"含有不可见的控制字符 U+{ord(bad.group()):04X}（可能写成了 \\0、\\x1b 这样的转义），请删除。",
                path,
            )

    def reshape(self, ev, path: Path) -> None:
        """A scalar whose value is not its text as typed: refuse control characters
        (only a double-quoted escape can make one) and keep it for the privacy scan."""
        if ev.style == '"':
            self.refuse_control(ev, path)
        first = ev.start_mark.line + 1 + self.offset
        self.reshaped.append((path, ev.value, first, ev.end_mark.line + 1 + self.offset))

    def scalar(self, ev, tag: str, path: Path) -> Any:
        if ev.end_mark.line > ev.start_mark.line or ev.style == '"':
            self.reshape(ev, path)
        text = ev.value
        if not ev.style:
            # plain (unquoted) scalar: only null and booleans are interpreted
            if tag == _STD + "null" or (tag != _STD + "str" and text in _NULL):
                return None
            if tag == _STD + "bool" and text in _TRUE:
                return True
            if tag == _STD + "bool" and text in _FALSE:
                return False
        return text

    def merge(self, out: dict, path: Path, depth: int) -> None:
        """``<<: source`` or ``<<: [sources]``: a merged value keeps the lines of
        the source it came from: the first source that has the key, unless the
        key is explicit."""
        ev = self.events.next()
        if ev.__class__ is SequenceStartEvent and (ev.tag is None or ev.tag in ("!", _STD + "seq")):
            sources = []
            while (src := self.events.next()).__class__ is not SequenceEndEvent:
                sources.append(self.build_apart(src, path, depth + 1) + (src,))
        else:
            sources = [self.build_apart(ev, path, depth + 1) + (ev,)]
        for data, lines, src in sources:
            if not isinstance(data, dict):
                self.fail(src, "wrong-type", "“<<” 合并的对象必须是映射。", path)
            for k, v in data.items():
                if k not in out:
                    out[k] = v
                    self.lines.update(_subtree(lines, path + (k,)))

    def mapping(self, path: Path, depth: int) -> dict:
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        nxt = self.events.next
        while True:
            key_ev = nxt()
            cls = key_ev.__class__
            if cls is MappingEndEvent:
                return out
            if cls is not ScalarEvent:
                self.fail(key_ev, "wrong-type", "键必须是简单的文字，不能是列表或映射。", path)
            if (key_ev.value == "<<" or key_ev.tag is not None) and _resolve_scalar(key_ev) == _STD + "merge":
                self.merge(out, path, depth)
                continue
            if key_ev.style == '"':
                self.refuse_control(key_ev, path)
            key = key_ev.value
            kline = key_ev.start_mark.line + 1
            if key in seen:
                self.problems.append(
                    problem(
                        self.file,
                        kline + self.offset,
                        "duplicate-key",
                        f"键 “{key}” 重复（第 {seen[key] + self.offset} 行已有）；"
                        "重复的键会让数据丢失或被覆盖，请合并或改名。",
                        format_loc(path + (key,)),
                    )
                )
                self.events.skip(self.events.next(expand=False))
                continue
            if key in out:  # merged before: the explicit value replaces it, lines too
                for p in _subtree(self.lines, path + (key,)):
                    del self.lines[p]
            seen[key] = kline
            out[key] = self.build(nxt(), path + (key,), depth + 1, key_line=kline)


#: libyaml's and PyYAML's words for a syntax error, in Chinese; the English is never shown
_HINTS = {
    "mapping values are not allowed": "这里不应出现冒号“:”；值里含有冒号时，请用引号把整个值括起来",
    "found a tab character": "不能用 Tab 键缩进，请改用空格",
    "could not find expected ':'": "缺少冒号“:”，或上一行的引号没有闭合",
    "did not find expected key": "缩进不一致：同一层的键要对齐",
    "did not find expected '-' indicator": "列表缩进不一致：同一列表的“-”要对齐",
    "did not find expected ',' or '}'": "花括号 {…} 没有闭合，或两项之间缺少逗号",
    "did not find expected ',' or ']'": "方括号 […] 没有闭合，或两项之间缺少逗号",
    "did not find expected node content": "这里缺少值，或有多余的逗号、冒号",
    "found unexpected end of stream": "文件在引号或括号闭合前就结束了",
    "found unknown escape character": "双引号里的反斜杠“\\”后面不是有效的转义；要写反斜杠本身，请改用单引号",
    "found unexpected ':'": "这里不应出现冒号“:”；值里含有冒号时，请用引号把整个值括起来",
    "block sequence entries are not allowed": "“- ” 列表项不能写在这里：请检查缩进",
    "did not find expected alphabetic or numeric character": "“&” 或 “*” 后面缺少名字；值以它们开头时，请用引号把整个值括起来",
    "did not find expected whitespace or line break": "“!” 标签后面缺少空格；值以 ! 开头时，请用引号把整个值括起来",
    "cannot start any token": "这里有一个不能作为值开头的字符；请用引号把整个值括起来",
    "found undefined alias": "引用了没有定义的别名（*名字）；值以 * 开头时，请用引号把整个值括起来",
    "found duplicate anchor": "别名（&名字）重复定义",
    "expected a single document": "一个文件只能有一个 YAML 文档（不要用 “---” 分隔多个）",
    "expected '<document start>'": "文件里多出了内容：一个文件只能有一个 YAML 文档",
    "found unexpected document indicator": "行首的 “---” 或 “...” 是文档分隔符；要写在值里，请用引号括起来",
    "found incompatible YAML document": "文件开头的 %YAML 指令不受支持，请删除",
    "found duplicate %YAML directive": "文件开头的 % 指令重复，请删除",
    "found a comment without whitespace": "注释符号 # 前面要有空格",
    "did not find expected hex character": "双引号里的 \\x 或 \\u 转义写错了；要写反斜杠本身，请改用单引号",
    "found unexpected non-alphabetical character": "标签或指令的写法不对；值以 ! 或 % 开头时，请用引号把整个值括起来",
    "while scanning a block scalar": "“|” 或 “>” 多行文字的写法不对：请检查它后面的缩进",
    "while scanning a quoted scalar": "引号没有闭合",
    "while scanning a simple key": "缺少冒号“:”，或上一行的引号没有闭合",
}


def _explain(detail: str) -> str:
    for needle, hint in _HINTS.items():
        if needle in detail:
            return f"{hint}。"
    return "请检查这一行和上一行的缩进、冒号和引号。"


#: control characters, and the two noncharacters XML cannot carry either
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def decode_text(file: str, raw: bytes, offset: int = 0) -> tuple[str | None, list[Problem]]:
    """Bytes -> text, refusing oversized, invalid UTF-8 and control characters."""
    if len(raw) > MAX_FILE_BYTES:
        return None, [
            problem(
                file,
                0,
                "file-too-large",
                f"文件有 {len(raw):,} 字节，超过上限 {MAX_FILE_BYTES:,} 字节；请拆分文件。",
            )
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1 + offset
        return None, [
            problem(
                file,
                line,
                "invalid-utf8",
                f"第 {exc.start + 1} 字节不是有效的 UTF-8 编码（0x{raw[exc.start]:02x}）；"
                "请用 UTF-8 编码保存文件（不要用 GBK）。",
            )
        ]
    bad = _BAD_CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1 + offset
        return None, [
            problem(
                file, line, "invalid-utf8", f"文件含有不可见的控制字符 U+{ord(bad.group()):04X}，请删除。"
            )
        ]
    return text, []


#: a line with something other than blanks and comments
_CONTENT = re.compile(r"^\s*[^\s#]", re.M)


#: line breaks to YAML 1.1 (and libyaml) that are not line breaks to an editor,
#: git or grep: a lone CR, NEL, and the Unicode line and paragraph separators
_ODD_BREAK = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _editor_lines(text: str) -> list[int] | None:
    """For a text with odd line breaks, the line (counted by ``\\n``, as editors
    and the rest of cunwu count) of each of libyaml's lines; None otherwise."""
    if not _ODD_BREAK.search(text):
        return None
    out, line = [1], 1
    for m in _YAML_BREAK.finditer(text):
        if "\n" in m.group():
            line += 1
        out.append(line)
    return out


def parse_yaml(file: str, text: str, offset: int = 0) -> tuple[Located | None, list[Problem]]:
    """Text -> Located mapping, or problems. Never raises on bad input."""
    located, problems = _parse_yaml(file, text, offset)
    lines = _editor_lines(text)
    if lines is None:
        return located, problems

    def fix(line: int) -> int:  # a 1-based libyaml line, plus the offset
        return lines[min(max(line - offset, 1), len(lines)) - 1] + offset if line > offset else line

    problems = [dataclasses.replace(p, line=fix(p.line)) for p in problems]
    if located is not None:
        located.lines = {k: fix(v + offset) - offset for k, v in located.lines.items()}
        located.reshaped = [(k, v, fix(a), fix(b)) for k, v, a, b in located.reshaped]
    return located, problems


def _parse_yaml(file: str, text: str, offset: int) -> tuple[Located | None, list[Problem]]:
    if not _CONTENT.search(text):
        return None, [problem(file, offset, "empty-file", "文件没有内容。")]
    events = _Events(text)
    builder = _Builder(file, offset, events)
    try:
        try:
            events.raw()  # stream start
            if events.raw().__class__ is StreamEndEvent:
                return None, [problem(file, offset, "empty-file", "文件没有内容。")]
            first = events.next()
            try:
                data = builder.build(first, (), 0)
            except _Abort as abort:
                if not abort.drain:
                    return None, [abort.problem]
                events.finish()
                return None, builder.problems + [abort.problem]
            ev = events.raw()  # the document's end
            assert ev.__class__ is DocumentEndEvent, ev
            events.finish()
        finally:
            events.close()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "maximum nesting depth" in (exc.problem or ""):
            # libyaml >= 0.2.6 (PyYAML 6.0.3+) stops deep nesting itself, in the scanner
            line = (mark.line + 1 if mark else 1) + offset
            return None, [problem(file, line, "yaml-too-deep", f"嵌套超过 {MAX_DEPTH} 层。")]
        filled = text.rstrip().split("\n")
        ran_out = exc.problem_mark is not None and (exc.problem_mark.line, exc.problem_mark.column) >= (
            len(filled) - 1,
            len(filled[-1]),
        )
        if exc.context_mark and ran_out:
            # the text ran out inside an unclosed quote or bracket: the end of
            # the file is no help, the line where it was opened is
            mark = exc.context_mark
        found = slips.diagnose(text, exc)
        if found is not None:
            line, code, message = found
            if code == "yaml-syntax":
                message = f"YAML 语法错误：{message}"
            return None, [problem(file, line + offset, code, message)]
        line = (mark.line + 1 if mark else 1) + offset
        detail = f"{exc.problem or ''} {exc.context or ''}"
        return None, [problem(file, line, "yaml-syntax", f"YAML 语法错误：{_explain(detail)}")]
    except yaml.YAMLError as exc:
        return None, [problem(file, 1 + offset, "yaml-syntax", f"YAML 语法错误：{_explain(str(exc))}")]
    except RecursionError:
        return None, [problem(file, 1 + offset, "yaml-too-deep", "YAML 嵌套过深，无法读取。")]
    if not isinstance(data, dict):
        kind = "列表" if isinstance(data, list) else "单个值"
        return None, builder.problems + [
            problem(
                file,
                builder.line(first) + offset,
                "not-a-mapping",
                f"文件内容应为“键: 值”的映射，实际是{kind}。",
            )
        ]
    return Located(data, builder.lines, offset, builder.reshaped), builder.problems + _comments_after_values(
        file, text, offset, builder.lines
    )


def _comments_after_values(file: str, text: str, offset: int, lines: dict[Path, int]) -> list[Problem]:
    """A comment after an unquoted value drops what follows the ``#``: refuse it."""
    found = slips.trailing_comments(text)
    if not found:
        return []
    at_line: dict[int, Path] = {}
    for path, ln in lines.items():  # the deepest field that starts on each line
        if len(path) >= len(at_line.get(ln, ())):
            at_line[ln] = path
    return [
        problem(
            file,
            line + offset,
            "comment-after-value",
            slips.trailing_comment_message(value, comment, in_flow),
            format_loc(at_line.get(line, ())),
        )
        for line, in_flow, value, comment in found
    ]
