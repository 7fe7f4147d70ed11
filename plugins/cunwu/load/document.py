"""One file of the project, loaded: bytes -> text -> located data -> model.

:func:`read_file` and :func:`load_source` read any file kind of
:mod:`cunwu.kinds` from disk or from a git blob; :func:`model_of` turns its
data into the kind's model, translating pydantic's errors into problems.
Nothing here raises on bad input, and nothing here checks the rules between
fields or files: that is the validate stage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..kinds import KINDS, Kind, spec
from ..model.canonical import STAMP_LEN, canonical_json, content_hash
from ..model.township import ChartOfAccounts, Program
from ..problems import Problem, problem
from ..sources import SourceFile, unsafe_reason
from .frontmatter import parse_markdown
from .translate import from_validation_error
from .yamlsafe import Located, decode_text, parse_yaml


class Loaded:
    """Result of reading and parsing one file (before model validation)."""

    def __init__(self, raw: bytes):
        self.raw = raw
        # git's blob id of these bytes: history can tell "unchanged since the
        # last commit" without reading the blob back from git
        self.sha = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
        self.text: str | None = None
        self.located: Located | None = None
        self.body: str | None = None
        self.body_line = 0

    def top_lines(self) -> dict[str, int]:
        """The line of each top-level field."""
        loc = self.located
        return {k[0]: loc.line_of(k) for k in loc.lines if len(k) == 1} if loc is not None else {}


def read_file(root: Path, sf: SourceFile, out: list[Problem]) -> Loaded | None:
    """Read a file from disk and load it (see :func:`load_source`); a link out
    of its folder or a special file is refused, never read."""
    reason = unsafe_reason(root, sf)
    if reason is not None:
        out.append(problem(sf.rel, 0, "unsafe-file", reason))
        return None
    try:
        raw = (root / sf.rel).read_bytes()
    except OSError as exc:
        out.append(problem(sf.rel, 0, "invalid-utf8", f"无法读取文件：{exc.strerror}"))
        return None
    return load_source(sf, raw, out)


def load_source(sf: SourceFile, raw: bytes, out: list[Problem]) -> Loaded:
    """Decode and parse YAML or a Markdown front matter. Works on any
    revision's bytes, so git history uses it too. A file that cannot be
    decoded or parsed comes back without ``located``; never raises."""
    loaded = Loaded(raw)
    kind = spec(sf.kind)
    if kind is None and sf.kind != "page":
        return loaded  # an attachment, asset or unknown file: bytes only
    text, problems = decode_text(sf.rel, raw)
    out.extend(problems)
    if text is None:
        return loaded
    loaded.text = text
    if sf.kind == "page":
        return loaded
    if kind is None:
        return loaded
    if kind.front_matter:
        doc, problems = parse_markdown(sf.rel, text)
        out.extend(problems)
        if doc is not None:
            loaded.located, loaded.body, loaded.body_line = doc.meta, doc.body, doc.body_line
    else:
        loaded.located, problems = parse_yaml(sf.rel, text)
        out.extend(problems)
    return loaded


def validate_model(cls: type[BaseModel], rel: str, located: Located, out: list[Problem]) -> Any:
    """``cls`` from located data, or None with the problems in ``out``."""
    try:
        return cls.model_validate(located.data)
    except ValidationError as exc:
        out.extend(from_validation_error(rel, located, exc, cls))
        return None


def model_of(sf: SourceFile, loaded: Loaded, out: list[Problem]) -> Any:
    """The kind's model of a loaded file, or None with the problems in ``out``."""
    if loaded.located is None:
        return None
    return validate_model(KINDS[sf.kind].model, sf.rel, loaded.located, out)


@dataclass
class Doc:
    """One loaded, validated file of a kind of :mod:`cunwu.kinds`."""

    kind: str  # a name of cunwu.kinds.KINDS
    key: str  # identity inside the village: period, period-program, slug or item id
    rel: str  # source path relative to the project root
    model: Any
    body: str | None = None  # Markdown body of a notice
    sha: str = ""  # git blob id of the raw bytes
    #: line of each top-level field, for problems found across files
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)

    @cached_property
    def canonical(self) -> str:
        """The parsed content as canonical JSON (also the ``data`` of its open-data file)."""
        return canonical_json(self.model)

    @cached_property
    def content_hash(self) -> str:
        """Hash of the parsed content (not the bytes) plus the notice body."""
        return content_hash(self.canonical, self.body)

    @property
    def stamp(self) -> str:
        """The version stamp of this content (see :mod:`cunwu.model.canonical`)."""
        return self.content_hash[:STAMP_LEN]

    @property
    def url_path(self) -> str:
        """Path of the disclosure inside its village site, e.g. ``finance/2026-10/``."""
        return f"{KINDS[self.kind].segment}/{self.key}/"


def doc_of(sf: SourceFile, loaded: Loaded, model: Any) -> Doc:
    """The Doc of a file whose model validated."""
    spec = KINDS[sf.kind]
    key = spec.key(model) if spec.disclosure else (sf.village or sf.kind)
    return Doc(sf.kind, key, sf.rel, model, body=loaded.body, sha=loaded.sha, lines=loaded.top_lines())


def _builtin(name: str) -> Located:
    text = resources.files("cunwu.data").joinpath(name).read_text("utf-8")
    located, problems = parse_yaml(f"<cunwu>/{name}", text)
    assert located is not None and not problems, problems
    return located


def builtin_accounts() -> ChartOfAccounts:
    """The 2023 chart of accounts for village collectives, shipped with cunwu."""
    return ChartOfAccounts.model_validate(_builtin("accounts.yaml").data)


def builtin_programs() -> list[Program]:
    """The subsidy programs cunwu knows without configuration."""
    return [Program.model_validate(p) for p in _builtin("programs.yaml").data["programs"]]
