"""Emit the YAML a cadre would have typed, so that it reads back exactly.

cunwu's loader keeps every plain scalar as its text, but a plain scalar
still ends at `` #`` (a comment), breaks at ``: `` and ``, `` inside
``{...}``, and other tools (editors, the YAML language server) read
``yes``, ``1e3``, ``0012`` or ``2026-10`` as booleans, numbers and dates.
So every string that could be misread is double-quoted with YAML escapes;
money, dates and integers we formatted ourselves are written plain, like
the demo files. :func:`render` checks its own output by loading it back.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Set as AbstractSet
from pathlib import Path

from ..load.yamlsafe import parse_yaml


class Raw(str):
    """Text we generated and know to be a safe plain scalar (money, a date, an integer)."""


#: what YAML 1.1 or 1.2 (or an editor) reads as a number, a date or a
#: time: integers (also 0012, 1_000, 0x1F, 0o17), floats (1.5, .5, 1e3,
#: .inf), sexagesimal 1:20, dates and periods 2026-10(-05...); codes such as
#: 50101 are quoted too, as docs/format.md asks
_NUMBERISH = re.compile(
    r"[-+]?(?:[0-9][0-9_]*|[0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+)"
    r"|0[xXoObB][0-9a-fA-F_]+"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"
    r"|[0-9]{4}-[0-9]{1,2}(?:-[0-9]{1,2}.*)?"
    r"|[-+]?\.(?:inf|nan|Inf|NaN|INF|NAN)",
    re.S,
)
_SPECIAL_WORDS = {
    "null",
    "~",
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "<<",
    "=",
}
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_MUST_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


def needs_quotes(s: str, flow: bool) -> bool:
    if not s or s != s.strip():
        return True
    if s[0] in _INDICATORS:
        return True
    if s.lower() in _SPECIAL_WORDS:
        return True
    if _NUMBERISH.fullmatch(s):
        return True
    if ": " in s or " #" in s or s.endswith(":") or "\t" in s:
        return True
    if _MUST_ESCAPE.search(s):
        return True
    return bool(flow and any(ch in s for ch in ",[]{}"))


def quote(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or 0x7F <= o <= 0x9F or ch in "\u2028\u2029\ufeff\ufffe\uffff" or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def scalar(v, flow: bool = False) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if v is None:
        return "null"
    s = str(v)
    return quote(s) if needs_quotes(s, flow) else s


def _flow_map(d: dict) -> str:
    return "{" + ", ".join(f"{k}: {scalar(v, flow=True)}" for k, v in d.items() if v is not None) + "}"


def _block(value, indent: int, flow_keys: set[str], key: str = "") -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if v is None:
                continue
            if isinstance(v, dict):
                lines.append(f"{pad}{k}:")
                lines.extend(_block(v, indent + 2, flow_keys, k))
            elif isinstance(v, list):
                if not v:
                    continue
                lines.append(f"{pad}{k}:")
                lines.extend(_block(v, indent + 2, flow_keys, k))
            else:
                lines.append(f"{pad}{k}: {scalar(v)}")
        return lines
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                if key in flow_keys:
                    lines.append(f"{pad}- {_flow_map(item)}")
                else:
                    sub = _block(item, indent + 2, flow_keys, key)
                    if sub:
                        sub[0] = f"{pad}- " + sub[0][indent + 2 :]
                    lines.extend(sub)
            else:
                lines.append(f"{pad}- {scalar(item)}")
        return lines
    return [f"{pad}{scalar(value)}"]


def render(doc: dict, schema: str, flow_keys: AbstractSet[str] = frozenset()) -> str:
    """YAML text of ``doc`` (insertion order kept), with the editor's schema
    line first. Raises AssertionError if a value would not load back as the
    same text (a bug here must not write a file that reads differently):
    every distinct scalar is loaded back in the context it is written in,
    block or flow (faster than loading a 5,000-line statement twice)."""
    lines = [f"# yaml-language-server: $schema={schema}"]
    lines.extend(_block(doc, 0, set(flow_keys)))
    text = "\n".join(lines) + "\n"
    _check_scalars(doc, set(flow_keys))
    return text


def _check_scalars(doc: dict, flow_keys: set[str]) -> None:
    block: dict[str, None] = {}
    flow: dict[str, None] = {}

    def walk(value, key: str, in_flow: bool) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k, in_flow)
        elif isinstance(value, list):
            for item in value:
                walk(item, key, in_flow or (key in flow_keys and isinstance(item, dict)))
        elif value is not None and not isinstance(value, bool):
            (flow if in_flow else block)[str(value)] = None

    walk(doc, "", False)
    probe = (
        "b:\n"
        + "".join(f"  - {scalar(s)}\n" for s in block)
        + "f:\n"
        + "".join(f"  - {{v: {scalar(s, flow=True)}}}\n" for s in flow)
    )
    located, problems = parse_yaml("<import>", probe)
    if located is None or problems:
        raise AssertionError("generated YAML does not parse")
    got_block = located.data.get("b") or []
    got_flow = [v.get("v") if isinstance(v, dict) else v for v in located.data.get("f") or []]
    if got_block != list(block) or got_flow != list(flow):
        raise AssertionError("generated YAML does not read back as written")


def atomic_write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
