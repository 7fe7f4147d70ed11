"""Safe YAML loading that keeps line numbers and never loses data silently.

PyYAML's loaders are unsuitable for disclosures as they stand:

* ``safe_load`` keeps the last of two duplicate keys and drops the first;
* it reads ``0012`` as the octal number 10 and ``500.10`` as a binary float;
* it forgets line numbers, which a cadre needs to find a mistake.

So we only let PyYAML (its C parser, for speed) *compose* the node graph, and
build plain Python data ourselves:

* every plain scalar stays the exact text the cadre typed (a str), except
  ``null``/``~``/empty -> None and ``true``/``false`` -> bool; the models
  parse money, dates and integers from that text, so nothing passes through a
  float and leading zeros survive;
* duplicate keys, non-standard tags (``!!python/object`` ...), alias bombs,
  runaway nesting are reported as problems, never executed or expanded;
* the line of every value is recorded under its field path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..problems import Problem, problem

try:  # the C parser is ~10x faster; fall back to pure Python where libyaml is missing
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader


class _Loader(_BaseLoader):
    """Resolves implicit tags only for what we interpret (null, booleans, ``<<``).

    The stock resolver runs a table of regular expressions in Python for every
    scalar, to find ints, floats and timestamps that we keep as text anyway.
    """

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            if value in _NULL:
                return _STD + "null"
            if value in _TRUE or value in _FALSE:
                return _STD + "bool"
            if value == "<<":
                return _STD + "merge"
            return _STD + "str"
        return super().resolve(kind, value, implicit)


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


class _Abort(Exception):
    def __init__(self, p: Problem):
        self.problem = p


class _Builder:
    def __init__(self, file: str, offset: int):
        self.file = file
        self.offset = offset
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.reshaped: list[tuple[Path, str, int, int]] = []

    def line(self, node: Node) -> int:
        return node.start_mark.line + 1

    def fail(self, node: Node, code: str, message: str, path: Path) -> None:
        line = self.line(node)
        if code in ("yaml-alias-bomb", "yaml-too-deep"):
            # an alias bomb's or a deep nest's path is noise: name the top-level
            # key only, and its line (an alias's node sits at its anchor, elsewhere)
            path = path[:1]
            line = self.lines.get(path, line)
        raise _Abort(problem(self.file, line + self.offset, code, message, format_loc(path)))

    def build(self, node: Node, path: Path, depth: int, key_line: int | None = None) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(
                node,
                "yaml-alias-bomb",
                f"文件展开后超过 {MAX_NODES} 个值，疑似别名（&/*）炸弹，已拒绝。",
                path,
            )
        if node.tag not in _ALLOWED_TAGS:
            self.fail(
                node,
                "yaml-unsafe-tag",
                f"不允许使用标签 {node.tag}：cunwu 只读取普通数据，不会创建程序对象。",
                path,
            )
        if path not in self.lines:
            self.lines[path] = key_line if key_line is not None else node.start_mark.line + 1
        if node.__class__ is ScalarNode:  # most nodes: the fast path first
            return self.scalar(node, path)
        if depth > MAX_DEPTH:
            self.fail(node, "yaml-too-deep", f"嵌套超过 {MAX_DEPTH} 层。", path)
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        self.fail(node, "yaml-syntax", "无法识别的 YAML 节点。", path)  # pragma: no cover

    def build_apart(self, node: Node, path: Path, depth: int) -> tuple[Any, dict[Path, int]]:
        """Build ``node`` at ``path``, keeping its lines apart (a merge source)."""
        saved, self.lines = self.lines, {}
        try:
            return self.build(node, path, depth), self.lines
        finally:
            self.lines = saved

    def refuse_control(self, node: ScalarNode, path: Path) -> None:
        """Typed raw, a control character is refused by :func:`decode_text`; written
        as an escape (``"\\0"``, ``"\\x1b"``) it would reach pages, feeds and CSV
        files, and an XML feed cannot even carry it: refuse it the same."""
        bad = _BAD_CONTROL.search(node.value)
        if bad:
            self.fail(
                node,
                "invalid-utf8",
                f"含有不可见的控制字符 U+{ord(bad.group()):04X}（可能写成了 \\0、\\x1b 这样的转义），请删除。",
                path,
            )

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        if node.style == '"':  # only a double-quoted escape can make a control character
            self.refuse_control(node, path)
        text = node.value
        if node.style == '"' or node.end_mark.line > node.start_mark.line:
            first = node.start_mark.line + 1 + self.offset
            self.reshaped.append((path, text, first, node.end_mark.line + 1 + self.offset))
        if node.style is None or node.style == "":
            # plain (unquoted) scalar: only null and booleans are interpreted
            if node.tag == _STD + "null" or (node.tag != _STD + "str" and text in _NULL):
                return None
            if node.tag == _STD + "bool" and text in _TRUE:
                return True
            if node.tag == _STD + "bool" and text in _FALSE:
                return False
        return text

    def mapping(self, node: MappingNode, path: Path, depth: int) -> dict:
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STD + "merge":
                # a merged value keeps the lines of the source it came from:
                # the first source that has the key, unless the key is explicit
                many = isinstance(value_node, SequenceNode) and value_node.tag == _STD + "seq"
                for src_node in value_node.value if many else [value_node]:
                    src, lines = self.build_apart(src_node, path, depth + 1)
                    if not isinstance(src, dict):
                        self.fail(src_node, "wrong-type", "“<<” 合并的对象必须是映射。", path)
                    for k, v in src.items():
                        if k not in out:
                            out[k] = v
                            self.lines.update(_subtree(lines, path + (k,)))
                continue
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, "wrong-type", "键必须是简单的文字，不能是列表或映射。", path)
            if key_node.style == '"':
                self.refuse_control(key_node, path)
            key = key_node.value
            kline = self.line(key_node)
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
                continue
            if key in out:  # merged before: the explicit value replaces it, lines too
                for p in _subtree(self.lines, path + (key,)):
                    del self.lines[p]
            seen[key] = kline
            out[key] = self.build(value_node, path + (key,), depth + 1, key_line=kline)
        return out


_HINTS = {
    "mapping values are not allowed": "这里不应出现冒号“:”；值里含有冒号时，请用引号把整个值括起来",
    "cannot start any token": "不能用 Tab 键缩进，请改用空格",
    "found a tab character": "不能用 Tab 键缩进，请改用空格",
    "could not find expected ':'": "缺少冒号“:”，或上一行的引号没有闭合",
    "did not find expected key": "缩进不一致：同一层的键要对齐",
    "did not find expected '-' indicator": "列表缩进不一致：同一列表的“-”要对齐",
    "found unexpected end of stream": "文件在引号或括号闭合前就结束了",
    "found undefined alias": "引用了没有定义的别名（*名字）",
    "found duplicate anchor": "别名（&名字）重复定义",
    "expected a single document": "一个文件只能有一个 YAML 文档（不要用 “---” 分隔多个）",
}


def _explain(detail: str) -> str:
    for needle, hint in _HINTS.items():
        if needle in detail:
            return f"{hint}（{detail}）。"
    return f"{detail}。请检查缩进、冒号和引号。"


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


def _nesting_too_deep(text: str) -> yaml.Mark | None:
    """Where the text nests collections deeper than MAX_DEPTH, from the event stream.

    libyaml's composer recurses on the C stack: some ten thousand nested
    brackets, a file far below the size cap, would crash the interpreter
    before the builder's own depth check could run. Parsing events keeps no
    such stack. (Aliases can still nest deeper once expanded; the builder
    checks that.)
    """
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()
    return None


_DEPTH_MARKS = re.compile(r"[\[\]{}]")
_LEAD = re.compile(r"^( *)((?:[-?] +)*)", re.M)


def _depth_bound(text: str) -> int:
    """A cheap upper bound of the nesting depth: flow brackets + indentation +
    stacked "- " markers. Most files are far below MAX_DEPTH, so the exact (and
    slower) event pass only runs for the few that might not be."""
    depth = deepest = 0
    for m in _DEPTH_MARKS.finditer(text):
        depth += 1 if m.group() in "[{" else -1
        deepest = max(deepest, depth)
    block = max((len(m.group(1)) + m.group(2).count(" ") for m in _LEAD.finditer(text)), default=0)
    return deepest + block


def parse_yaml(file: str, text: str, offset: int = 0) -> tuple[Located | None, list[Problem]]:
    """Text -> Located mapping, or problems. Never raises on bad input."""
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [problem(file, offset, "empty-file", "文件没有内容。")]
    try:
        deep = _nesting_too_deep(text) if _depth_bound(text) > MAX_DEPTH else None
        if deep is not None:
            return None, [
                problem(file, deep.line + 1 + offset, "yaml-too-deep", f"嵌套超过 {MAX_DEPTH} 层。")
            ]
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
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
        line = (mark.line + 1 if mark else 1) + offset
        detail = exc.problem or exc.context or "syntax error"
        return None, [problem(file, line, "yaml-syntax", f"YAML 语法错误：{_explain(detail)}")]
    except yaml.YAMLError as exc:
        return None, [problem(file, 1 + offset, "yaml-syntax", f"YAML 语法错误：{exc}")]
    except RecursionError:
        return None, [problem(file, 1 + offset, "yaml-too-deep", "YAML 嵌套过深，无法读取。")]
    if root is None:
        return None, [problem(file, offset, "empty-file", "文件没有内容。")]
    builder = _Builder(file, offset)
    try:
        data = builder.build(root, (), 0)
    except _Abort as abort:
        return None, builder.problems + [abort.problem]
    except RecursionError:
        return None, [problem(file, 1 + offset, "yaml-too-deep", "YAML 嵌套过深，无法读取。")]
    if not isinstance(data, dict):
        kind = "列表" if isinstance(data, list) else "单个值"
        return None, builder.problems + [
            problem(
                file,
                builder.line(root) + offset,
                "not-a-mapping",
                f"文件内容应为“键: 值”的映射，实际是{kind}。",
            )
        ]
    return Located(data, builder.lines, offset, builder.reshaped), builder.problems
