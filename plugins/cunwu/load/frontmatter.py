"""Markdown files with a YAML front matter between two ``---`` lines."""

from __future__ import annotations

from dataclasses import dataclass

from ..problems import Problem, problem
from .yamlsafe import Located, parse_yaml


@dataclass
class MarkdownDoc:
    meta: Located
    body: str
    #: 1-based line where the body starts in the file
    body_line: int
    #: the body as typed, when its line endings were not all ``\n`` (Windows
    #: CRLF): ``body`` has them normalised, so the saved line endings change
    #: neither the page nor the version stamp
    raw_body: str | None = None


def parse_markdown(file: str, text: str) -> tuple[MarkdownDoc | None, list[Problem]]:
    """Split and parse ``---\\n<yaml>\\n---\\n<markdown>``; never raises."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, [
            problem(
                file,
                1,
                "front-matter-missing",
                "Markdown 文件必须以 “---” 开头的 YAML 头部（标题、日期、状态等）开始。",
            )
        ]
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            break
    else:
        return None, [problem(file, 1, "front-matter-missing", "YAML 头部没有用第二个 “---” 结束。")]
    yaml_text = "\n".join(lines[1:i])
    meta, problems = parse_yaml(file, yaml_text, offset=1)
    if meta is None:
        return None, problems
    body = "\n".join(lines[i + 1 :])
    if "\r" in body:
        return MarkdownDoc(meta, normalise_newlines(body), i + 2, raw_body=body), problems
    return MarkdownDoc(meta, body, i + 2), problems


def normalise_newlines(text: str) -> str:
    """Windows (CRLF) and old Mac (CR) line endings as ``\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
