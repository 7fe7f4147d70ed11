"""Personal numbers in the sources: every file a cadre commits is scanned.

:func:`privacy_problems` looks at a file's text (comments included) and, for
YAML and Markdown, at what parsing reveals (folded lines, escapes, markup
between digits). :func:`read_checked` reads a file for validation and scans
it; :func:`scan_source` serves the pre-commit hook, which reads staged bytes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path, PurePosixPath

from ..load.document import Loaded, read_file
from ..load.frontmatter import parse_markdown
from ..load.yamlsafe import Located, format_loc, parse_yaml
from ..privacy import MARKDOWN_SUFFIXES, Finding, redact, scan, scan_lines, scan_markdown_lines
from ..problems import Problem, problem
from ..sources import TEXT_SUFFIXES, SourceFile
from .glyphs import glyph_problems
from .sheetscan import BINARY_SHEETS, csv_text, sheet_problems


def privacy_problems(
    rel: str, text: str, allowed: list[str], located: Located | None = None
) -> list[Problem]:
    """Personal numbers in a source file, comments included: in its text; in a
    Markdown file also in what a reader sees (entities decoded, markup taken
    out); with ``located``, also in YAML strings whose value is not their text
    (folded over lines, escapes such as ``"\\u0039"``)."""
    hits: dict[tuple[int, str, str], tuple[int, Finding, str]] = {}

    def add(line: int, f: Finding, loc: str = "", span: range | None = None) -> None:
        lines = span or (line,)
        if not any((ln, f.code, f.masked) in hits for ln in lines):
            hits[(line, f.code, f.masked)] = (line, f, loc)

    for line, f in scan_lines(text, allowed):
        add(line, f)
    if PurePosixPath(rel).suffix.lower() in MARKDOWN_SUFFIXES:
        for line, f in scan_markdown_lines(text, allowed):
            add(line, f)
    if located is not None:
        for path, value, first, last in located.reshaped:
            for f in scan(value, allowed):
                add(first, f, format_loc(path), range(first, last + 1))
    return [
        problem(
            rel,
            line,
            f.code,
            f"发现疑似{f.label} {f.masked}（此处只显示脱敏形式）。公开资料只能写脱敏号码；"
            "提交到 Git 后会永久留在历史中，请在提交前改正。",
            loc,
        )
        for line, f, loc in sorted(hits.values(), key=lambda h: (h[0], h[1].start))
    ]


def loaded_problems(sf: SourceFile, loaded: Loaded, allowed: list[str]) -> list[Problem]:
    """:func:`privacy_problems` of a loaded text file; a spreadsheet's cells."""
    suffix = PurePosixPath(sf.rel).suffix.lower()
    if suffix in BINARY_SHEETS:
        return sheet_problems(sf.rel, loaded.raw, allowed)
    if suffix not in TEXT_SUFFIXES:
        return []
    text = loaded.text if loaded.text is not None else _raw_text(suffix, loaded.raw)
    return privacy_problems(sf.rel, text, allowed, loaded.located)


def _raw_text(suffix: str, raw: bytes) -> str:
    """Text of a file cunwu does not parse; a CSV in its own encoding (GBK, UTF-16)."""
    return csv_text(raw) if suffix == ".csv" else raw.decode("utf-8", errors="replace")


def read_checked(root: Path, sf: SourceFile, allowed: list[str], out: list[Problem]) -> Loaded | None:
    """Read and load a file for validation, scan it for personal numbers, and
    check that the poster fonts can draw what it says."""
    loaded = read_file(root, sf, out)
    if loaded is not None:
        out.extend(loaded_problems(sf, loaded, allowed))
        if loaded.located is not None:
            out.extend(glyph_problems(sf.rel, loaded.located, loaded.body, loaded.body_line, loaded.text))
    return loaded


def scan_source(rel: str, raw: bytes, allowed: list[str]) -> list[Problem]:
    """:func:`privacy_problems` of one file's bytes, parsed as its name says
    (for the pre-commit hook, which reads files that are not on disk)."""
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix in BINARY_SHEETS:
        return sheet_problems(rel, raw, allowed)
    text = _raw_text(suffix, raw)
    located = None
    if suffix in (".yaml", ".yml"):
        located, _ = parse_yaml(rel, text)
    elif suffix in MARKDOWN_SUFFIXES:
        doc, _ = parse_markdown(rel, text)
        located = doc.meta if doc is not None else None
    return privacy_problems(rel, text, allowed, located)


def redacted(problems: list[Problem]) -> list[Problem]:
    """Messages quote values as typed; they must never repeat a personal number."""
    return [dataclasses.replace(p, message=redact(p.message)) for p in problems]
